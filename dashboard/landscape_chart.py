"""A slice of the loss surface as a heat map with paths drawn on it: a pure Altair builder (no ``st.`` calls).

The slice is L(θ + α·d₁ + β·d₂) over a grid of (α, β) (:mod:`nn_core.analysis.landscape`), a path is a
sequence of weights placed on that plane. The Backprop page draws one step on it, Experiments several
runs' paths, each in its own colour. The chart holds its DataFrames (the slice's cells, the paths), so a
test can compare the plotted numbers with nn_core's.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from .palette import INK, LOSS_HIGH, LOSS_LOW

WIDE_RANGE = 30.0  # a slice whose highest finite loss is this many times its lowest gets a log colour scale
HEIGHT = 380
PATH_COLUMNS = ["path", "order", "alpha", "beta", "loss"]


def slice_frame(alphas, betas, loss) -> pd.DataFrame:
    """One row per grid cell: its centre (alpha, beta), its edges (halfway to its neighbours) and its loss.

    ``loss`` is (len(betas), len(alphas)), rows betas; a loss that is not finite (the network overflowed out
    there) is left empty, so its cell is not drawn.
    """
    alphas, betas = np.asarray(alphas, float), np.asarray(betas, float)
    loss = np.asarray(loss, float)
    a_edges, b_edges = _edges(alphas), _edges(betas)
    j, i = np.meshgrid(np.arange(alphas.size), np.arange(betas.size))
    j, i = j.ravel(), i.ravel()
    values = loss[i, j]
    return pd.DataFrame({"alpha": alphas[j], "beta": betas[i], "alpha_lo": a_edges[j], "alpha_hi": a_edges[j + 1],
                         "beta_lo": b_edges[i], "beta_hi": b_edges[i + 1],
                         "loss": np.where(np.isfinite(values), values, np.nan)})


def log_colours(loss) -> bool:
    """Whether the slice's finite losses span a range so wide that a linear scale would hide the valley."""
    finite = np.asarray(loss, float)[np.isfinite(loss)]
    return finite.size > 0 and finite.min() > 0 and finite.max() / finite.min() > WIDE_RANGE


def landscape_chart(alphas, betas, loss, paths: pd.DataFrame, colours: dict[str, str], *,
                    x_title: str = "α (along d₁)", y_title: str = "β (along d₂)",
                    height: int = HEIGHT) -> alt.LayerChart:
    """The slice as a heat map, and each path of ``paths`` on it as a line in its colour, a dot at its end.

    ``paths``: columns ``PATH_COLUMNS`` (path name, the point's order along it, its α, β and loss) and any
    more for the tooltip; ``colours``: path name -> colour, in the legend's order.
    """
    cells = slice_frame(alphas, betas, loss)
    shades = (alt.Scale(type="log", range=[LOSS_LOW, LOSS_HIGH]) if log_colours(loss)
              else alt.Scale(zero=False, range=[LOSS_LOW, LOSS_HIGH]))
    x_scale = alt.Scale(domain=[float(cells["alpha_lo"].min()), float(cells["alpha_hi"].max())], nice=False)
    y_scale = alt.Scale(domain=[float(cells["beta_lo"].min()), float(cells["beta_hi"].max())], nice=False)
    heat = alt.Chart(cells).mark_rect(strokeWidth=0.6).encode(  # a stroke in the cell's own colour: no seams
        x=alt.X("alpha_lo:Q", title=x_title, scale=x_scale), x2="alpha_hi", y=alt.Y("beta_lo:Q", title=y_title,
                                                                                      scale=y_scale),
        y2="beta_hi",
        color=alt.Color("loss:Q", title="loss", scale=shades),
        stroke=alt.Stroke("loss:Q", scale=shades, legend=None),
        tooltip=[alt.Tooltip("alpha:Q", title="α", format=".3f"), alt.Tooltip("beta:Q", title="β", format=".3f"),
                 alt.Tooltip("loss:Q", format=".6g")])
    names = list(colours)
    by_path = alt.Scale(domain=names, range=[colours[n] for n in names])
    colour = alt.Color("path:N", title=None, scale=by_path,
                       legend=alt.Legend(orient="bottom") if len(names) > 1 else None)
    extra = [c for c in paths.columns if c not in PATH_COLUMNS]
    tooltip = ["path:N", alt.Tooltip("alpha:Q", title="α", format=".4f"),
               alt.Tooltip("beta:Q", title="β", format=".4f"), alt.Tooltip("loss:Q", format=".6g"),
               *[alt.Tooltip(f"{c}:Q", format=".4g") if paths[c].dtype.kind == "f" else f"{c}:Q" for c in extra]]
    base = alt.Chart(paths).encode(x=alt.X("alpha:Q", scale=x_scale), y=alt.Y("beta:Q", scale=y_scale),
                                   color=colour, tooltip=tooltip)
    line = base.mark_line(strokeWidth=2.5, point=alt.OverlayMarkDef(size=18, filled=True)).encode(order="order:Q")
    ends = paths.loc[paths.groupby("path", sort=False)["order"].idxmax()] if len(paths) else paths
    now = alt.Chart(ends).mark_point(size=170, filled=True, stroke=INK, strokeWidth=1.5, opacity=1).encode(
        x=alt.X("alpha:Q", scale=x_scale), y=alt.Y("beta:Q", scale=y_scale),
        color=alt.Color("path:N", scale=by_path, legend=None), tooltip=tooltip)
    return alt.layer(heat, line, now).properties(height=height, width="container")


def _edges(axis: np.ndarray) -> np.ndarray:
    """Cell edges halfway between grid values (one grid value: a cell of width 1 around it)."""
    if axis.size == 1:
        return np.array([axis[0] - 0.5, axis[0] + 0.5])
    mid = (axis[1:] + axis[:-1]) / 2
    return np.concatenate([[2 * axis[0] - mid[0]], mid, [2 * axis[-1] - mid[-1]]])
