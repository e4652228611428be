"""A slice of the loss surface with paths drawn on it: the one Altair builder of this chart (no ``st.`` calls).

The slice is L(θ + α·d₁ + β·d₂) over a grid of (α, β) (:mod:`nn_core.analysis.landscape`), drawn as a heat
map with level lines (:mod:`nn_core.analysis.contours`); a path is a sequence of weights placed on that
plane. The Backprop page draws one step on it, the Playground the training path (swapping in only the path's
dataset while the run plays: the dot at each path's end is found by a transform of that same dataset), and
Experiments several runs' paths, each in its own colour. The chart holds its DataFrames, so a test can
compare the plotted numbers with nn_core's.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from nn_core.analysis import landscape
from nn_core.analysis.contours import level_segments, levels

from .palette import CONTOUR, EDGE_ZERO, LOSS_RAMP, NEUTRAL, NOW, PATH

HEIGHT = 380
OVERLAP = 0.15  # of a cell: how far each cell is drawn under its neighbour (see slice_frame)
PATH_COLUMNS = ["path", "order", "alpha", "beta"]  # every path frame's; any more columns go into its tooltip
TIPS = {"loss": ("loss", ".6g"), "epoch": ("epoch", ","), "iteration": ("iteration", ","),
        "off_plane": ("distance off the plane", ".3g")}  # a path column's tooltip title and format


def slice_frame(alphas, betas, loss) -> pd.DataFrame:
    """One row per finite grid point: its centre (alpha, beta), its cell's edges (halfway to its neighbours)
    and its loss. ``loss`` is (len(betas), len(alphas)), rows betas; a loss that is not finite (the network
    overflowed out there) is left out, so its cell is drawn blank. The far edges reach OVERLAP of a cell past
    the next cell's near edge: cells that only touched would leave hairline seams once anti-aliased."""
    alphas, betas = np.asarray(alphas, float), np.asarray(betas, float)
    loss = np.asarray(loss, float)
    a_edges, b_edges = _edges(alphas), _edges(betas)
    a_over, b_over = OVERLAP * np.diff(a_edges).max(), OVERLAP * np.diff(b_edges).max()
    i, j = np.nonzero(np.isfinite(loss))
    return pd.DataFrame({"alpha": alphas[j], "beta": betas[i], "alpha_lo": a_edges[j],
                         "alpha_hi": np.minimum(a_edges[j + 1] + a_over, a_edges[-1]), "beta_lo": b_edges[i],
                         "beta_hi": np.minimum(b_edges[i + 1] + b_over, b_edges[-1]), "loss": loss[i, j]})


def contour_frame(alphas, betas, loss, log: bool) -> pd.DataFrame:
    """The level lines as segments (a, b) → (a2, b2), with their level."""
    parts = []
    for level in levels(np.asarray(loss, float), log):
        s = level_segments(loss, alphas, betas, level)
        parts.append(pd.DataFrame({"a": s[:, 0, 0], "b": s[:, 0, 1], "a2": s[:, 1, 0], "b2": s[:, 1, 1],
                                   "level": float(level)}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["a", "b", "a2", "b2", "level"])


def landscape_chart(alphas, betas, loss, paths: pd.DataFrame, colours: dict[str, str] | None = None, *,
                    x_title: str = "α (along direction d₁)", y_title: str = "β (along direction d₂)",
                    title: str = "", height: int = HEIGHT, side: int | None = None,
                    renderer: str = "svg") -> alt.LayerChart:
    """The slice (rows of ``loss`` are betas) as a heat map, on a log scale when its range is wide
    (:func:`landscape.wide_range`), with its level lines; each path of ``paths`` on it as a line, and a dot
    at its end. The axes hold the grid: a path that has left it is cut at its edge.

    ``paths``: columns ``PATH_COLUMNS`` (path name, the point's order along it, its α and β) and any of
    ``TIPS`` for the tooltip. ``colours``: path name -> colour, in the legend's order, for several paths; without
    it the one path is drawn in PATH with its end in NOW. ``side``: a square plot of that many pixels
    (else as wide as its container, ``height`` high). ``renderer``: said outright, since Streamlit would pick
    a canvas for this many cells and level lines; a chart redrawn while a run plays wants one, the others draw
    SVG, whose marks a browser test can find.
    """
    log = landscape.wide_range(loss)
    a_edges, b_edges = _edges(np.asarray(alphas, float)), _edges(np.asarray(betas, float))
    x_scale = alt.Scale(domain=[float(a_edges[0]), float(a_edges[-1])], nice=False, zero=False)
    y_scale = alt.Scale(domain=[float(b_edges[0]), float(b_edges[-1])], nice=False, zero=False)
    shades = alt.Scale(type="log" if log else "linear", zero=False, range=list(LOSS_RAMP))
    heat = alt.Chart(slice_frame(alphas, betas, loss)).mark_rect().encode(
        x=alt.X("alpha_lo:Q", title=x_title, scale=x_scale), x2="alpha_hi",
        y=alt.Y("beta_lo:Q", title=y_title, scale=y_scale), y2="beta_hi",
        color=alt.Color("loss:Q", title="loss" + (" (log scale)" if log else ""), scale=shades,
                        legend=alt.Legend(orient="right", gradientLength=(side or height) - 60)),
        tooltip=[alt.Tooltip("alpha:Q", title="α", format=".3f"), alt.Tooltip("beta:Q", title="β", format=".3f"),
                 alt.Tooltip("loss:Q", title="loss on the slice", format=".4g")])
    lines = alt.Chart(contour_frame(alphas, betas, loss, log)).mark_rule(
        color=CONTOUR, strokeWidth=0.8, opacity=0.45, clip=True).encode(
        x=alt.X("a:Q", scale=x_scale), y=alt.Y("b:Q", scale=y_scale), x2="a2:Q", y2="b2:Q")
    tooltip = ([alt.Tooltip("path:N", title="run")] if colours else []) + [
        alt.Tooltip("alpha:Q", title="α", format=".3f"), alt.Tooltip("beta:Q", title="β", format=".3f"),
        *[alt.Tooltip(f"{c}:Q", title=TIPS[c][0], format=TIPS[c][1]) for c in paths.columns if c in TIPS]]
    base = alt.Chart(paths).encode(x=alt.X("alpha:Q", scale=x_scale), y=alt.Y("beta:Q", scale=y_scale),
                                   tooltip=tooltip)
    ends = base.transform_joinaggregate(last="max(order)", groupby=["path"]).transform_filter(
        "datum.order == datum.last")
    dot = dict(size=170, opacity=1, stroke=NEUTRAL, strokeWidth=2, clip=True)
    if colours:
        names = list(colours)
        by_path = alt.Scale(domain=names, range=[colours[n] for n in names])
        line = base.mark_line(strokeWidth=2.5, clip=True, point=alt.OverlayMarkDef(size=18, filled=True, clip=True)
                              ).encode(order="order:Q", color=alt.Color("path:N", title=None, scale=by_path,
                                                                        legend=alt.Legend(orient="bottom")))
        now = ends.mark_circle(**dot).encode(color=alt.Color("path:N", scale=by_path, legend=None))
    else:
        line = base.mark_line(color=PATH, strokeWidth=2, clip=True, point=alt.OverlayMarkDef(
            color=PATH, size=18, clip=True)).encode(order="order:Q")
        now = ends.mark_circle(color=NOW, **dot)
    chart = alt.layer(heat, lines, line, now).properties(title=title)
    # a square: "pad", so the axes and legend come around it (Streamlit's "fit" would squeeze them into it)
    chart = (chart.properties(width=side, height=side, autosize=alt.AutoSizeParams(type="pad")) if side
             else chart.properties(height=height, width="container"))
    return chart.properties(description="loss landscape: the slice and the paths on it",
                            usermeta={"embedOptions": {"renderer": renderer}}).configure_view(
        stroke=EDGE_ZERO)


def _edges(centres: np.ndarray) -> np.ndarray:
    """(n + 1,): the edges of cells centred on ``centres`` (evenly spaced), half-way between neighbours
    (one centre: a cell of width 1 around it)."""
    c = np.asarray(centres, dtype=np.float64)
    if c.size < 2:
        return np.array([c[0] - 0.5, c[0] + 0.5]) if c.size else np.array([-1.0, 1.0])
    mid = (c[:-1] + c[1:]) / 2
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])
