"""Pure Altair/pandas builders of the Backprop page: data in, chart or frame out, no ``st.`` calls.

- :func:`matrix_chart`: one array as a colour-scaled grid with its values and shape,
  the view every backprop stage uses;
- :func:`gradcheck_frame`, :func:`gradcheck_chart`: analytic vs central-difference gradients;
- :func:`layer_gradient_chart`: per-layer gradient norms of a failure scenario and its fix.

Each chart holds one DataFrame (``chart.data``) so tests can compare it with nn_core's numbers.
"""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd

from ..palette import BROKEN, DEEP_NEGATIVE, DEEP_POSITIVE, INK, MATRIX_ZERO, MUTED

MAX_CELL, MIN_CELL, LABEL_CELL = 44, 12, 30  # px; values are printed only when a cell is wide enough
MAX_WIDTH = 520
AXIS_ROOM = 90  # px a matrix needs besides its cells: row labels, axis title, spacing
ERROR_FLOOR = 1e-16  # a log axis cannot show 0

# What the rows and columns of an array mean, by the letter its name starts with
# (after "new ", "d" and "f'(" are stripped): W2 → W, dZ1 → Z, f'(Z1) → Z.
AXES = {
    "W": ("input unit", "unit"),
    "b": ("", "unit"),
    "X": ("sample", "input"),
    "Y": ("sample", "target"),
    "Z": ("sample", "unit"),
    "A": ("sample", "unit"),
    "l": ("sample", ""),  # loss, per-sample loss
    "p": ("sample", ""),
}


def _letter(name: str) -> str:
    base = name.removeprefix("new ").removeprefix("f'(")
    if len(base) > 1 and base[0] == "d" and base[1].isupper():
        base = base[1:]
    return base[:1]


def axis_titles(name: str) -> tuple[str, str]:
    """(row title, column title) for an array called ``name``."""
    return AXES.get(_letter(name), ("row", "column"))


def format_value(v: float) -> str:
    """Short cell label (at most about 7 characters): 3 significant digits, tiny or huge values
    in e-notation without padding zeros, exact 0 as 0."""
    if not math.isfinite(v):
        return str(v)
    if v == 0:
        return "0"
    if abs(v) < 0.01 or abs(v) >= 1e4:
        mantissa, exponent = f"{v:.1e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    return f"{v:.3g}"


def matrix_frame(array) -> pd.DataFrame:
    """Long form of a 2-D array: one row per entry with row, col, value, label.

    ``shade`` is the value clipped to the largest finite magnitude (NaN/inf draw
    at the extremes), ``dark`` says whether white text reads better on it.
    """
    a = np.atleast_2d(np.asarray(array, dtype=np.float64))
    rows, cols = np.indices(a.shape)
    finite = a[np.isfinite(a)]
    top = float(np.abs(finite).max()) if finite.size else 0.0
    top = top if top > 0 else 1.0
    shade = np.clip(np.nan_to_num(a, nan=0.0, posinf=top, neginf=-top), -top, top)
    return pd.DataFrame({
        "row": rows.ravel(), "col": cols.ravel(), "value": a.ravel(),
        "label": [format_value(v) for v in a.ravel()],
        "shade": shade.ravel(), "dark": (np.abs(shade) > 0.55 * top).ravel(),
    })


def cell_size(shape: tuple[int, int]) -> int:
    """Pixels per cell so one matrix fits MAX_WIDTH, between MIN_CELL and MAX_CELL."""
    return int(max(MIN_CELL, min(MAX_CELL, MAX_WIDTH // max(1, shape[1]))))


def matrix_chart(array, name: str, subtitle: str = "", cell: int | None = None) -> alt.LayerChart:
    """``array`` (2-D) as a heatmap titled "name rows×cols": orange < 0 < blue, values in the cells.

    The colour scale is symmetric around 0 and fitted to this array alone, so
    small gradients are as readable as large weights; hover shows 6 digits.
    Sizes are per cell (``alt.Step``), so the chart grows with the matrix.
    """
    frame = matrix_frame(array)
    a = np.atleast_2d(np.asarray(array))
    size = cell or cell_size(a.shape)
    top = float(frame["shade"].abs().max()) or 1.0
    row_title, col_title = axis_titles(name)
    colour = alt.Color("shade:Q", legend=None,
                       scale=alt.Scale(domain=[-top, 0, top], range=[DEEP_NEGATIVE, MATRIX_ZERO, DEEP_POSITIVE]))
    base = alt.Chart(frame).encode(
        x=alt.X("col:O", title=col_title or None, axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("row:O", title=row_title or None),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=colour,
        tooltip=[alt.Tooltip("row:O", title=row_title or "row"), alt.Tooltip("col:O", title=col_title or "column"),
                 alt.Tooltip("value:Q", title=name, format=".6g")],
    )
    layers = [cells]
    if size >= LABEL_CELL:
        layers.append(base.mark_text(fontSize=11 if size >= 40 else 9).encode(
            text="label:N",
            color=alt.condition("datum.dark", alt.value("white"), alt.value(INK)),
        ))
    title = alt.TitleParams(f"{name}   {a.shape[0]}×{a.shape[1]}", subtitle=subtitle or alt.Undefined,
                            anchor="start", fontSize=14)
    return alt.layer(*layers, data=frame).properties(width=alt.Step(size), height=alt.Step(size), title=title)


def stage_chart(arrays, subtitles=(), per_row: int = 4, max_width: int = 1000) -> alt.VConcatChart:
    """Several named matrices side by side (rows of ``per_row``), one shared cell size that fits ``max_width``.

    ``arrays`` is a sequence of (name, 2-D array); ``subtitles`` one line under each title.
    Every matrix keeps its own colour scale.
    """
    arrays = [(name, np.atleast_2d(np.asarray(a))) for name, a in arrays]
    subtitles = list(subtitles) + [""] * (len(arrays) - len(subtitles))
    rows = [list(range(i, min(i + per_row, len(arrays)))) for i in range(0, len(arrays), per_row)]
    widest = max(sum(arrays[i][1].shape[1] for i in row) for row in rows)
    room = max_width - AXIS_ROOM * max(len(row) for row in rows)
    cell = int(max(MIN_CELL, min(MAX_CELL, room // max(1, widest))))
    charts = [alt.hconcat(*[matrix_chart(arrays[i][1], arrays[i][0], subtitles[i], cell) for i in row],
                          spacing=28).resolve_scale(color="independent") for row in rows]
    return alt.vconcat(*charts, spacing=24).resolve_scale(color="independent")


# ------------------------------------------------------------ gradient check
def gradcheck_frame(check) -> pd.DataFrame:
    """One row per parameter entry: analytic vs numeric gradient and their relative error.

    ``check`` is an nn_core.analysis.gradcheck.GradCheck.
    """
    rows = []
    for p in check.params:
        for index in np.ndindex(p.analytic.shape):
            rows.append({
                "parameter": p.name,
                "entry": f"{p.name}[{index[0]},{index[1]}]",
                "backprop": float(p.analytic[index]),
                "central difference": float(p.numeric[index]),
                "relative error": float(p.relative_error[index]),
                "ok": bool(p.relative_error[index] < check.tolerance),
            })
    return pd.DataFrame(rows)


def gradcheck_summary(check) -> pd.DataFrame:
    """One row per parameter array: its shape, its error ‖a − n‖ / (‖a‖ + ‖n‖), and pass/fail."""
    return pd.DataFrame([{
        "parameter": p.name, "shape": "×".join(map(str, p.analytic.shape)), "error": p.error,
        "result": "pass" if p.error < check.tolerance else "FAIL",
    } for p in check.params])


def gradcheck_chart(check) -> alt.Chart:
    """Relative error of every entry on a log axis, with the tolerance as a dashed line."""
    frame = gradcheck_frame(check)
    frame["shown error"] = frame["relative error"].clip(lower=ERROR_FLOOR)
    frame["result"] = np.where(frame["ok"], "agrees", "disagrees")
    points = alt.Chart(frame).mark_circle(size=70).encode(
        x=alt.X("entry:N", sort=None, title=None, axis=alt.Axis(labelAngle=-60)),
        y=alt.Y("shown error:Q", scale=alt.Scale(type="log", domain=[ERROR_FLOOR, 1]), title="relative error"),
        color=alt.Color("result:N", scale=alt.Scale(domain=["agrees", "disagrees"], range=[DEEP_POSITIVE, BROKEN]),
                        legend=alt.Legend(title=None, orient="top")),
        tooltip=["entry:N", alt.Tooltip("backprop:Q", format=".8g"), alt.Tooltip("central difference:Q", format=".8g"),
                 alt.Tooltip("relative error:Q", format=".2e")],
    )
    limit = alt.Chart(pd.DataFrame({"tolerance": [check.tolerance], "text": [f"tolerance {check.tolerance:.0e}"]}))
    line = limit.mark_rule(strokeDash=[6, 4], color=MUTED).encode(y="tolerance:Q")
    label = limit.mark_text(align="left", dx=4, dy=-7, color=MUTED, fontSize=10).encode(
        y="tolerance:Q", x=alt.value(0), text="text:N")
    return alt.layer(points, line, label, data=frame).properties(height=220)


# ------------------------------------------------------------------ scenarios
GRADIENT_VIEWS = {"first_grad": "‖dW‖ at epoch 0", "peak_grad": "largest ‖dW‖ during training"}


def layer_gradient_frame(outcomes: dict, field: str = "first_grad") -> pd.DataFrame:
    """Per-layer gradient norms of named runs: {"as set up": LayerNumbers, ...} → long frame.

    ``field`` is a LayerNumbers attribute of GRADIENT_VIEWS; ``label`` is the value printed over its bar
    ("0" for an exactly zero gradient).
    """
    rows = []
    for run, numbers in outcomes.items():
        for layer, value in enumerate(getattr(numbers, field), start=1):
            value = float(value)
            rows.append({"run": run, "layer": layer, "gradient norm": value,
                         "label": format_value(value) if value == 0 or not 0.01 <= abs(value) < 1e4
                         else f"{value:.2f}"})
    return pd.DataFrame(rows)


def _log_domain(values) -> list[float]:
    """Powers of ten around the positive finite values (a log axis needs a positive floor)."""
    positive = [v for v in values if math.isfinite(v) and v > 0] or [1.0]
    return [10.0 ** math.floor(math.log10(min(positive))), 10.0 ** math.ceil(math.log10(max(positive)))]


def layer_gradient_chart(outcomes: dict, field: str = "first_grad") -> alt.LayerChart:
    """Bars of a gradient norm per layer (``field``, see GRADIENT_VIEWS), one colour per run, on a log axis;
    values printed on top."""
    frame = layer_gradient_frame(outcomes, field)
    runs = list(outcomes)
    low, high = _log_domain(frame["gradient norm"])
    frame["shown"] = frame["gradient norm"].where(frame["gradient norm"] > 0, low)
    y = alt.Y("shown:Q", scale=alt.Scale(type="log", domain=[low, high]), title=GRADIENT_VIEWS[field] + " (log)")
    base = alt.Chart(frame).encode(
        x=alt.X("layer:O", title="layer (1 = next to the input)", axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("run:N", sort=runs), y=y,
        color=alt.Color("run:N", sort=runs, scale=alt.Scale(domain=runs, range=[BROKEN, DEEP_POSITIVE][:len(runs)]),
                        legend=alt.Legend(title=None, orient="top")),
        tooltip=["run:N", "layer:O", alt.Tooltip("gradient norm:Q", format=".3e")],
    )
    bars = base.mark_bar().encode(y2=alt.datum(low))
    text = base.mark_text(dy=-6, fontSize=9).encode(text="label:N")
    return alt.layer(bars, text, data=frame).properties(height=240)
