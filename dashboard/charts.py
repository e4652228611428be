"""Pure Altair builders, one per chart kind: data in, chart out, no ``st.`` calls.

Every builder takes nn_core objects (a History, a grid, a network) or plain
arrays and returns an ``alt.Chart``; the pages only call ``st.altair_chart``.
Each chart holds one pandas DataFrame, so tests can compare ``chart.data``
with nn_core's numbers without a server.
"""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd

# Boundary grids hold 10,000 cells; Streamlit ships data as Arrow, so Altair's
# 5,000-row guard (meant for inline JSON) only gets in the way of to_dict().
alt.data_transformers.disable_max_rows()

SPLIT_COLOURS = {"train": "#1f5fa8", "test": "#e8741a"}
LOG_FLOOR = 1e-12  # a log axis cannot show 0; losses below this are drawn at it
CURVE_HEIGHT = 240


def _curves_frame(history, columns: dict[str, str], floor: float | None = None) -> pd.DataFrame:
    """Wide frame: epoch + one column per split that has at least one finite value.

    ``columns`` maps a split name ("train"/"test") to a History column name.
    Non-finite values become NaN (a gap), never a point.
    """
    frame = pd.DataFrame({"epoch": np.asarray(history.epochs, dtype=np.int64)})
    for split, name in columns.items():
        values = np.asarray(history.columns[name], dtype=np.float64)
        values = np.where(np.isfinite(values), values, np.nan)
        if floor is not None:
            values = np.where(np.isnan(values), np.nan, np.maximum(values, floor))
        if len(values) and not np.isnan(values).all():
            frame[split] = values
    return frame


def _curve_chart(frame: pd.DataFrame, title: str, y_scale: alt.Scale, y_format: str) -> alt.Chart:
    """Train/test lines with a legend, and a hover rule whose tooltip shows every value at that epoch."""
    splits = [c for c in frame.columns if c != "epoch"] or ["train"]
    colour = alt.Color("split:N", title=None,
                       scale=alt.Scale(domain=splits, range=[SPLIT_COLOURS.get(s, "#555") for s in splits]),
                       legend=alt.Legend(orient="top-right", direction="horizontal"))
    base = alt.Chart(frame).encode(x=alt.X("epoch:Q", title="epoch"))
    lines = base.transform_fold(splits, as_=["split", title]).mark_line(strokeWidth=2).encode(
        y=alt.Y(f"{title}:Q", title=title, scale=y_scale),
        color=colour,
        strokeDash=alt.StrokeDash("split:N", title=None,
                                  scale=alt.Scale(domain=splits, range=[[1, 0], [5, 3]][:len(splits)])),
    )
    hover = alt.selection_point(name="hover", nearest=True, on="pointerover", fields=["epoch"], empty=False)
    tooltip = [alt.Tooltip("epoch:Q", title="epoch")] + [
        alt.Tooltip(f"{s}:Q", title=f"{s} {title}", format=y_format) for s in splits if s in frame.columns]
    rule = base.mark_rule(color="#888", strokeWidth=8).encode(
        opacity=alt.condition(hover, alt.value(0.25), alt.value(0)), tooltip=tooltip,
    ).add_params(hover).properties(name="hover_rule")  # a fixed name keeps the spec stable across reruns
    return alt.layer(lines, rule).properties(height=CURVE_HEIGHT)


def loss_chart(history, log_scale: bool = False) -> alt.Chart:
    """Train and test loss per epoch; hover shows the exact values (6 significant digits).

    ``history`` is an nn_core.history.History. With ``log_scale`` the y axis is
    logarithmic, losses floored at LOG_FLOOR so a perfect fit stays drawable.
    """
    frame = _curves_frame(history, {"train": "loss", "test": "test_loss"}, LOG_FLOOR if log_scale else None)
    scale = alt.Scale(type="log") if log_scale else alt.Scale(zero=True)
    return _curve_chart(frame, "loss", scale, ".6g")


def accuracy_chart(history) -> alt.Chart:
    """Train and test accuracy per epoch (0 to 1, shown as %); empty for regression."""
    frame = _curves_frame(history, {"train": "accuracy", "test": "test_accuracy"})
    return _curve_chart(frame, "accuracy", alt.Scale(domain=[0, 1]), ".2%")


def last_finite(values) -> float:
    """The last finite number in a sequence, or NaN (for captions under the curves)."""
    for v in reversed(list(values)):
        if v is not None and math.isfinite(v):
            return float(v)
    return math.nan
