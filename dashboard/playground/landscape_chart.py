"""Pure Altair builder for the loss landscape (nn_core.analysis.landscape): the slice as a heat map with
level lines, and the training path on it with a dot at "now". No ``st.`` calls; the Playground's panel
shows it, and while the run plays swaps in only the path's data (:func:`path_frame`)."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from nn_core.analysis.contours import level_segments, levels

from ..palette import CONTOUR, EDGE_ZERO, LOSS_RAMP, NEUTRAL, NOW, PATH

SIDE = 330  # px: a square, so that α and β keep the same scale
OVERLAP = 0.15  # of a cell: how far each cell is drawn under its neighbour (see heat_frame)


def heat_frame(alphas: np.ndarray, betas: np.ndarray, loss: np.ndarray) -> pd.DataFrame:
    """One row per finite grid point: its (α, β), its cell's edges (half-way to its neighbours) and its loss.
    A point whose loss overflowed is left out (drawn blank). The far edges a1, b1 reach OVERLAP of a cell
    past the next cell's near edge: cells that only touched would leave hairline seams once anti-aliased."""
    a_edges, b_edges = _edges(alphas), _edges(betas)
    a_over, b_over = OVERLAP * np.diff(a_edges).max(), OVERLAP * np.diff(b_edges).max()
    i, j = np.nonzero(np.isfinite(loss))
    return pd.DataFrame({"alpha": alphas[j], "beta": betas[i], "a0": a_edges[j],
                         "a1": np.minimum(a_edges[j + 1] + a_over, a_edges[-1]), "b0": b_edges[i],
                         "b1": np.minimum(b_edges[i + 1] + b_over, b_edges[-1]), "loss": loss[i, j]})


def contour_frame(alphas: np.ndarray, betas: np.ndarray, loss: np.ndarray, log: bool) -> pd.DataFrame:
    """The level lines as segments (a, b) → (a2, b2), with their level."""
    parts = []
    for level in levels(loss, log):
        s = level_segments(loss, alphas, betas, level)
        parts.append(pd.DataFrame({"a": s[:, 0, 0], "b": s[:, 0, 1], "a2": s[:, 1, 0], "b2": s[:, 1, 1],
                                   "level": float(level)}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["a", "b", "a2", "b2", "level"])


def path_frame(alpha, beta, epochs, off_plane) -> pd.DataFrame:
    """The path's points in order, its last one marked "now"."""
    n = len(epochs)
    return pd.DataFrame({"epoch": np.asarray(epochs, dtype=np.int64), "alpha": np.asarray(alpha, dtype=np.float64),
                         "beta": np.asarray(beta, dtype=np.float64),
                         "off_plane": np.asarray(off_plane, dtype=np.float64),
                         "now": np.arange(n) == n - 1})


def landscape_chart(alphas: np.ndarray, betas: np.ndarray, loss: np.ndarray, path: pd.DataFrame, log: bool,
                    title: str = "") -> alt.LayerChart:
    """The slice (rows of ``loss`` are betas, columns alphas) coloured by loss, on a log scale when ``log``;
    its level lines; the path as a line through its points, and a larger dot at now. The axes hold the
    grid: a path that has left it is cut at its edge."""
    x_scale = alt.Scale(domain=[float(_edges(alphas)[0]), float(_edges(alphas)[-1])], nice=False, zero=False)
    y_scale = alt.Scale(domain=[float(_edges(betas)[0]), float(_edges(betas)[-1])], nice=False, zero=False)
    x = alt.X("a0:Q", title="α (along direction d₁)", scale=x_scale)
    y = alt.Y("b0:Q", title="β (along direction d₂)", scale=y_scale)
    loss_scale = alt.Scale(type="log" if log else "linear", range=list(LOSS_RAMP))
    colour = alt.Color("loss:Q", title="loss" + (" (log scale)" if log else ""), scale=loss_scale,
                       legend=alt.Legend(orient="right", gradientLength=SIDE - 60))
    heat = alt.Chart(heat_frame(alphas, betas, loss)).mark_rect().encode(
        x=x, x2="a1:Q", y=y, y2="b1:Q", color=colour,
        tooltip=[alt.Tooltip("alpha:Q", title="α", format=".3f"), alt.Tooltip("beta:Q", title="β", format=".3f"),
                 alt.Tooltip("loss:Q", title="loss on the slice", format=".4g")])
    lines = alt.Chart(contour_frame(alphas, betas, loss, log)).mark_rule(
        color=CONTOUR, strokeWidth=0.8, opacity=0.45, clip=True).encode(
        x=alt.X("a:Q", scale=x_scale), y=alt.Y("b:Q", scale=y_scale), x2="a2:Q", y2="b2:Q")
    px, py = alt.X("alpha:Q", scale=x_scale), alt.Y("beta:Q", scale=y_scale)
    tips = [alt.Tooltip("epoch:Q", format=","), alt.Tooltip("alpha:Q", title="α", format=".3f"),
            alt.Tooltip("beta:Q", title="β", format=".3f"),
            alt.Tooltip("off_plane:Q", title="distance off the plane", format=".3g")]
    base = alt.Chart(path)
    line = base.mark_line(color=PATH, strokeWidth=2, clip=True, point=alt.OverlayMarkDef(
        color=PATH, size=18, clip=True)).encode(x=px, y=py, order="epoch:Q", tooltip=tips)
    now = base.transform_filter(alt.datum.now).mark_circle(
        color=NOW, size=170, opacity=1, stroke=NEUTRAL, strokeWidth=2, clip=True).encode(x=px, y=py, tooltip=tips)
    # "pad": the plot is SIDE square and the axes and legend come around it (Streamlit's "fit" would squeeze
    # all of them into SIDE, and the plot out of square)
    chart = alt.layer(heat, lines, line, now).properties(width=SIDE, height=SIDE, title=title,
                                                         autosize=alt.AutoSizeParams(type="pad"))
    return chart.properties(description="loss landscape: the slice and the training path").configure_view(
        stroke=EDGE_ZERO)


def _edges(centres: np.ndarray) -> np.ndarray:
    """(n + 1,): the edges of cells centred on ``centres`` (evenly spaced), half-way between neighbours."""
    c = np.asarray(centres, dtype=np.float64)
    if c.size < 2:
        return np.array([c[0] - 0.5, c[0] + 0.5]) if c.size else np.array([-1.0, 1.0])
    mid = (c[:-1] + c[1:]) / 2
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])
