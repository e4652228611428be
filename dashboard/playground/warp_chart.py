"""Pure Altair builder for the warped plane (nn_core.analysis.warp): the input plane's grid lines and the data, as
two units of one hidden layer see them. No ``st.`` calls; the Playground's panel shows it."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ..palette import CLASS_COLOURS, EDGE_ZERO, GRID_LINE, INK, MARK, NEGATIVE, NEUTRAL, POSITIVE

SIDE = 380  # px: a square, so the bending is not distorted


def warped_chart(plane, y, kind: str, n_classes: int, x_title: str, y_title: str, title: str = "") -> alt.LayerChart:
    """Grid lines (grey, thicker for x1 = const), the points coloured by class (or target), and the output's
    straight boundary in red when it is exact. ``y``: the points' labels or targets, in the order of
    ``plane.points``."""
    n_lines, samples, _ = plane.lines.shape
    lines = pd.DataFrame({"a": plane.lines[..., 0].ravel(), "b": plane.lines[..., 1].ravel(),
                          "line": np.repeat(np.arange(n_lines), samples), "step": np.tile(np.arange(samples), n_lines),
                          "grid": np.repeat(np.where(plane.line_axis == 0, "x₁ constant", "x₂ constant"), samples)})
    x, yy = alt.X("a:Q", title=x_title), alt.Y("b:Q", title=y_title)
    grid = alt.Chart(lines).mark_line(strokeWidth=0.8, opacity=0.8).encode(
        x=x, y=yy, detail="line:N", order="step:Q",
        strokeDash=alt.StrokeDash("grid:N", title="input plane", legend=alt.Legend(orient="bottom")),
        color=alt.value(GRID_LINE))
    points = pd.DataFrame({"a": plane.points[:, 0], "b": plane.points[:, 1]})
    if kind == "regression":
        points["target"] = np.asarray(y, dtype=np.float64).reshape(-1)
        m = float(np.max(np.abs(points["target"]))) or 1.0
        colour = alt.Color("target:Q", scale=alt.Scale(domain=[-m, 0, m], range=[NEGATIVE, NEUTRAL, POSITIVE]))
    else:
        names = [f"class {k}" for k in range(max(2, n_classes))]
        points["class"] = np.array(names)[np.clip(np.asarray(y).reshape(-1).astype(int), 0, len(names) - 1)]
        colour = alt.Color("class:N", scale=alt.Scale(domain=names, range=list(CLASS_COLOURS[:len(names)])),
                           legend=alt.Legend(orient="right", title=None))
    dots = alt.Chart(points).mark_circle(size=28, opacity=0.9, stroke=INK, strokeWidth=0.3).encode(
        x=x, y=yy, color=colour, tooltip=[alt.Tooltip("a:Q", title=x_title, format=".3f"),
                                          alt.Tooltip("b:Q", title=y_title, format=".3f")])
    layers = [grid, dots]
    if plane.boundary is not None:
        ends = pd.DataFrame({"a": plane.boundary[:, 0], "b": plane.boundary[:, 1]})
        layers.append(alt.Chart(ends).mark_line(color=MARK, strokeWidth=2).encode(x=x, y=yy))
    chart = alt.layer(*layers).properties(width=SIDE, height=SIDE, title=title)
    return chart.properties(description=f"warped plane: {x_title} against {y_title}").configure_view(
        stroke=EDGE_ZERO)
