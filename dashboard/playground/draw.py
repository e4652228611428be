"""Draw your own data, as in ConvNetJS: click the plane to add a point of the chosen class (or target).

The plane is one Vega-Lite chart: a layer of transparent cells whose point selection is the click
(the clicked cell comes back in the chart's event, read in a callback before the next run draws),
and the points drawn so far on top. The points live in st.session_state (keys.DRAWN), so they survive
page switches; "Train on these points" hands them to the Playground as a CSV upload
(datasets.points_csv), so a drawn set trains, downloads and is saved with a run exactly like a file.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from nn_core import datasets

from .. import chart_specs, keys
from ..page import lazy_section
from ..palette import CLASS_COLOURS, INK

CELLS = 30  # per side: a click lands on the centre of one of CELLS × CELLS cells
LIMIT = 1.5  # the plane is [-LIMIT, LIMIT]², a little wider than the built-in sets
SIZE = 300  # pixels per side
MAX_POINTS = 1000
MAX_CLASSES = 4  # classes offered for drawing
PICK = "cell"
CSV_NAME = "drawn points.csv"
MODES = ("add", "remove")
TARGET_LIMIT = 10.0  # the target box: -10 to 10


def points() -> list[tuple[float, float, float]]:
    """The drawn points, (x1, x2, label or target) each."""
    return list(st.session_state.get(keys.DRAWN, []))


def _save(rows: list) -> None:
    st.session_state[keys.DRAWN] = rows[:MAX_POINTS]


def cell_centre(i: int) -> float:
    return -LIMIT + (i + 0.5) * (2 * LIMIT / CELLS)


def cell_of(value: float) -> int:
    return int(min(CELLS - 1, max(0, (value + LIMIT) / (2 * LIMIT) * CELLS)))


def cells_spec() -> dict:
    """The chart: transparent cells to click, and the points layer (data sent as a named dataset); the same
    for every session, so built once per server."""
    return chart_specs.spec_of("playground.draw", (), _cells_spec)


def _cells_spec() -> dict:
    step = 2 * LIMIT / CELLS
    cells = [{"i": i, "j": j, "x0": -LIMIT + i * step, "x1": -LIMIT + (i + 1) * step,
              "y0": -LIMIT + j * step, "y1": -LIMIT + (j + 1) * step} for i in range(CELLS) for j in range(CELLS)]
    scale = {"domain": [-LIMIT, LIMIT], "nice": False, "zero": False}
    colours = {"domain": [f"class {k}" for k in range(MAX_CLASSES)], "range": list(CLASS_COLOURS[:MAX_CLASSES])}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": "draw points: click a cell to add or remove a point",
        "width": SIZE, "height": SIZE,
        "layer": [
            {"data": {"values": cells},
             "mark": {"type": "rect", "opacity": 0.001, "cursor": "crosshair"},
             "params": [{"name": PICK, "select": {"type": "point", "fields": ["i", "j"], "clear": False}}],
             "encoding": {"x": {"field": "x0", "type": "quantitative", "scale": scale, "title": "x1"},
                          "x2": {"field": "x1"},
                          "y": {"field": "y0", "type": "quantitative", "scale": scale, "title": "x2"},
                          "y2": {"field": "y1"}}},
            {"data": {"name": "points"},
             "mark": {"type": "circle", "size": 60, "opacity": 1, "stroke": INK, "strokeWidth": 0.8},
             "encoding": {"x": {"field": "x1", "type": "quantitative", "scale": scale},
                          "y": {"field": "x2", "type": "quantitative", "scale": scale},
                          "color": {"field": "class", "type": "nominal", "scale": colours, "legend": None},
                          "tooltip": [{"field": "class", "type": "nominal"}]}},
        ],
    }


def cell_in(event, name: str = PICK) -> tuple[int, int] | None:
    """The clicked cell (i, j) a chart event's selection ``name`` holds, or None for a malformed event."""
    selection = event.get("selection") if isinstance(event, dict) else None
    chosen = selection.get(name) if isinstance(selection, dict) else None
    cell = chosen[0] if isinstance(chosen, list) and chosen and isinstance(chosen[0], dict) else {}
    i, j = cell.get("i"), cell.get("j")
    if not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < CELLS for v in (i, j)):
        return None
    return i, j


def edit(i: int, j: int, mode: str, value: float) -> bool:
    """The one rule of a click on a plane (this one, or the inspected boundary panel): "add" puts a point of
    ``value`` at the centre of cell (i, j); "remove" takes away the points in that cell or, if it holds
    none, the nearest point less than a cell away. Whether the drawn points changed (a full plane does not)."""
    rows = points()
    if mode == "remove":
        kept = [p for p in rows if (cell_of(p[0]), cell_of(p[1])) != (i, j)]
        if len(kept) == len(rows) and rows:
            centre = np.array([cell_centre(i), cell_centre(j)])
            gaps = [float(np.hypot(*(np.array(p[:2]) - centre))) for p in rows]
            nearest = int(np.argmin(gaps))
            if gaps[nearest] < 2 * LIMIT / CELLS:
                kept = rows[:nearest] + rows[nearest + 1:]
        _save(kept)
        return len(kept) != len(rows)
    if len(rows) >= MAX_POINTS:
        return False
    _save(rows + [(cell_centre(i), cell_centre(j), float(value))])
    return True


def _clicked(chart_key: str) -> None:
    """Add (or remove) a point at the clicked cell; a malformed event is ignored."""
    cell = cell_in(st.session_state.get(chart_key))
    if cell is None:
        return
    edit(*cell, st.session_state.get(keys.DRAW_MODE, "add"), _next_value())
    st.session_state[keys.DRAW_CLICKS] = st.session_state.get(keys.DRAW_CLICKS, 0) + 1  # a fresh chart next


def start_from(data) -> None:
    """The current data set's points (those inside the plane), to edit."""
    X, y = data.X, data.y.reshape(-1)
    inside = (np.abs(X) <= LIMIT).all(axis=1)
    _save([(float(a), float(b), float(t)) for (a, b), t in zip(X[inside], y[inside])])


def clear() -> None:
    _save([])


def use_points() -> None:
    """Train on the drawn points: they become the Playground's CSV."""
    hand_over(points(), regression())
    st.session_state[keys.widget("dataset")] = "csv"
    st.session_state[keys.DRAW_HANDED] = True


def hand_over(rows: list, regression: bool) -> None:
    """The points become the run's CSV; kept with it, they are the link's points= (playground.points_link)
    for as long as the run trains on that CSV."""
    X = np.array([p[:2] for p in rows], dtype=np.float64).reshape(-1, 2)
    y = np.array([p[2] for p in rows], dtype=np.float64)
    content = datasets.points_csv(X, y, regression=regression)
    st.session_state[keys.UPLOAD] = (CSV_NAME, content)
    st.session_state[keys.POINTS] = (content, tuple(map(tuple, rows)), regression)


def open_link(rows: list, regression: bool, train: bool) -> None:
    """A link's points: on the plane, and the run's data when the link trains on drawn points."""
    _save(rows)
    st.session_state[keys.DRAW_REGRESSION] = regression
    if train:
        hand_over(rows, regression)


def _next_value() -> float:
    """The chosen class (0 if none is chosen), or the chosen target for regression."""
    kind = regression()
    return value_of(st.session_state.get(keys.DRAW_TARGET if kind else keys.DRAW_CLASS, 1.0 if kind else None), kind)


def value_of(chosen, regression: bool) -> float:
    """A point's class (0 unless one of the offered classes) or target (1 unless a number in the target box)."""
    if regression:
        ok = isinstance(chosen, (int, float)) and not isinstance(chosen, bool) and np.isfinite(chosen)
        return float(chosen) if ok and abs(chosen) <= TARGET_LIMIT else 1.0
    return float(chosen) if chosen in range(MAX_CLASSES) and not isinstance(chosen, bool) else 0.0


def regression() -> bool:
    return bool(st.session_state.get(keys.DRAW_REGRESSION, False))


def panel(data) -> None:
    """The "Draw your own data" expander: the plane to click, and its controls, drawn only while it is open
    (closed, it would still cost the browser a 900-cell chart and eight controls on every page run)."""
    box = lazy_section("Draw your own data", keys.DRAW_OPEN, icon=":material/draw:")
    if box.open:
        with box:
            _plane(data)


@st.fragment
def _plane(data) -> None:
    """A fragment: a click reruns only the plane and its controls (the Playground below is not redrawn),
    until the points are handed to the run."""
    left, right = st.columns([3, 2])
    rows = points()
    frame = {"x1": [p[0] for p in rows], "x2": [p[1] for p in rows],
             "class": [f"class {int(p[2])}" if not regression() else f"{p[2]:g}" for p in rows]}
    chart_key = f"{keys.DRAW_CHART}.{st.session_state.get(keys.DRAW_CLICKS, 0)}"
    left.vega_lite_chart(cells_spec() | {"datasets": {"points": _records(frame)}}, key=chart_key,
                         on_select=lambda: _clicked(chart_key), selection_mode=PICK, theme=None, width="content")
    right.segmented_control("Click to", MODES, key=keys.DRAW_MODE, default="add",
                            format_func=lambda m: {"add": "add a point", "remove": "remove points"}[m])
    right.toggle("Regression (a target value)", key=keys.DRAW_REGRESSION)
    if regression():
        right.number_input("Target of the next point", -TARGET_LIMIT, TARGET_LIMIT, 1.0, 0.5, key=keys.DRAW_TARGET)
    else:
        right.pills("Class of the next point", list(range(MAX_CLASSES)), key=keys.DRAW_CLASS, default=0,
                    format_func=lambda k: f"class {k}")
    right.caption(f"{len(rows)} point{'s' * (len(rows) != 1)} drawn (at least {datasets.N_RANGE[0]} to train).")
    a, b = right.columns(2)
    a.button("Start from the data", on_click=start_from, args=(data,), disabled=data is None,
             key=keys.DRAW_FROM_DATA, help="Edit the current data set's points.")
    b.button("Clear all", on_click=clear, disabled=not rows, key=keys.DRAW_CLEAR)
    right.button("Train on these points", type="primary", key=keys.DRAW_USE, on_click=use_points,
                 disabled=len(rows) < datasets.N_RANGE[0])
    if st.session_state.pop(keys.DRAW_HANDED, False):
        st.rerun(scope="app")  # a click reran only this fragment: the sidebar and the run follow the new data


def _records(frame: dict) -> list[dict]:
    return [dict(zip(frame, values)) for values in zip(*frame.values())]
