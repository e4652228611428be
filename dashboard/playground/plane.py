"""Draw on the inspected plane, as in ConvNetJS: while paused with Inspect on, a click on the decision-boundary
panel adds a point of the chosen class (or target) at the clicked cell, or removes the points there.

The panel then carries a layer of the drawing plane's cells (live_charts.plane_cells, over playground.draw's
grid), whose ``PLANE`` selection the live chart's on_select reads (playground.graph.clicked). A click edits the
drawn points by draw's own rule (draw.edit: its grid, limits, MAX_POINTS and state), and the run then trains on
them through draw.use_points, the "Train on these points" button's own function: the network restarts on the
drawn set, the panel shows the new point at once, and the link's points= follows. The first click starts the
drawn set from the current data set. The choice is kept while playing (which shows a picture and takes no
clicks) and comes back on Pause.
"""

from __future__ import annotations

import streamlit as st

from nn_core import datasets

from .. import keys
from . import draw, state
from .live_charts import PLANE

OFF, ADD, REMOVE = "off", "add", "remove"
WIDGET = ".widget"  # the controls' widget keys: their value is kept under the plain key while they are not drawn
CAPTION = ("**Draw on the plane:** a click on the boundary panel adds a point of the chosen class (or target) at "
           "the clicked cell, or removes the points there. The first click starts the drawn set from the current "
           "data set; each click then restarts the network on the drawn points, as *Train on these points* does, "
           "and the link carries them. *Clear all* is in *Draw your own data* below.")


def options(run) -> list[str]:
    if run.data.kind == "regression":
        return [OFF, ADD, REMOVE]
    return [OFF, *(f"class {k}" for k in range(draw.MAX_CLASSES)), REMOVE]


def chosen(run) -> str:
    """What a click on the panel does: OFF, "class k", ADD (regression) or REMOVE; OFF for anything else."""
    choice = st.session_state.get(keys.PLANE_DRAW, OFF)
    return choice if isinstance(choice, str) and choice in options(run) else OFF


def drawing(run) -> bool:
    return chosen(run) != OFF


def _target() -> float:
    return draw.value_of(st.session_state.get(keys.PLANE_TARGET, 1.0), regression=True)


def _keep(key: str) -> None:
    st.session_state[key] = st.session_state.get(key + WIDGET)
    state.said()


def control(run) -> None:
    """Under the inspected chart: what a click on the boundary panel does (and the target, for regression)."""
    choice = chosen(run)
    st.session_state[keys.PLANE_DRAW + WIDGET] = choice
    left, right = st.columns([3.2, 1], vertical_alignment="bottom")
    left.segmented_control(
        "Draw on the plane", options(run), key=keys.PLANE_DRAW + WIDGET, on_change=_keep, args=(keys.PLANE_DRAW,),
        format_func=lambda o: {OFF: "off", ADD: "add a point", REMOVE: "remove points"}.get(o, o),
        help="A click on the boundary panel adds a point of this class (remove: takes the points in the clicked "
             "cell away); the network restarts on the drawn points.")
    if run.data.kind == "regression" and choice != OFF:
        st.session_state[keys.PLANE_TARGET + WIDGET] = _target()
        right.number_input("Target of the next point", -draw.TARGET_LIMIT, draw.TARGET_LIMIT, step=0.5,
                           key=keys.PLANE_TARGET + WIDGET, on_change=_keep, args=(keys.PLANE_TARGET,))
    if choice != OFF and state.explains():
        st.caption(CAPTION)


def clicked(run, event) -> bool | None:
    """A click on the panel's cells: None if the event holds none (it is the graph's), else whether the drawn
    points changed (and the run was handed them). A tampered event, or a click with drawing off, is None."""
    cell = draw.cell_in(event, PLANE)
    choice = chosen(run)
    if cell is None or choice == OFF:
        return None
    notes = [] if _on_drawn(run) else [_start(run)]
    value = _target() if run.data.kind == "regression" else draw.value_of(
        int(choice.removeprefix("class ")) if choice != REMOVE else 0, regression=False)
    changed = draw.edit(*cell, REMOVE if choice == REMOVE else ADD, value)
    n = len(draw.points())
    if not changed:
        notes.append("No point there to remove." if choice == REMOVE else
                     f"The drawing plane holds at most {draw.MAX_POINTS:,} points.")
    elif n < datasets.N_RANGE[0]:
        notes.append(f"{n} point{'s' * (n != 1)} drawn: a data set needs at least {datasets.N_RANGE[0]} to train, "
                     "so the run keeps its data until then.")
    else:
        draw.use_points()
        st.session_state.pop(keys.DRAW_HANDED, None)  # the page reruns from here (graph.clicked)
    st.session_state[keys.NOTES] = st.session_state.get(keys.NOTES, []) + notes
    return changed


def _on_drawn(run) -> bool:
    """Whether the run trains on points handed over from the drawing plane, which still holds points of its kind."""
    return (bool(state.drawn_query(run.config)) and bool(draw.points())
            and draw.regression() == (run.data.kind == "regression"))


def _start(run) -> str:
    """The drawn set from the current data set (its points inside the plane); what happened, in one sentence."""
    data = run.data
    draw.start_from(data)
    st.session_state[keys.DRAW_REGRESSION] = data.kind == "regression"
    kept, total = len(draw.points()), len(data.X)
    left_out = (f" ({total - kept:,} outside the drawing plane or beyond its {draw.MAX_POINTS:,} were left out)"
                if kept < total else "")
    return (f"Drawing started from the current data set: its {kept:,} points{left_out}, now the drawn points "
            "the network trains on.")
