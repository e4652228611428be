"""Click the network graph of the inspected live view, as in TF Playground: the graph is a control, not only
a picture.

Every clickable mark of the graph carries a ``pick`` ("input:x1_sq", "unit:1:2", "output:1", "weight:2:0:3",
"bias:1:0"); a click is one of the chart's ``GRAPH`` point selections, read here in its on_select callback. Each
kind of pick goes the way of the control that already does the same thing (the sidebar's feature buttons,
Look inside, editor.apply), so the link, the restart notice and the loss curve's marks follow a click
exactly as they follow those controls. While drawing on the plane (playground.plane), a click on the boundary
panel is that chart's ``PLANE`` selection instead.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from nn_core.features import FEATURES, input_label

from .. import keys, weight_editor
from . import editor, inside, plane, sidebar, state
from .live_charts import GRAPH

APP, LIVE = "app", "live"  # what a click reruns: the page (a control outside the live view shows it too), or the view
MAX_PICK = 60  # characters: a longer pick is not one the chart sends


def chart_key() -> str:
    """The live chart's widget key: a fresh chart after each click, so a second click on the same mark is a
    new selection (a point selection does not fire again for the point it holds)."""
    return f"{keys.GRAPH_CHART}.{st.session_state.get(keys.GRAPH_CLICKS, 0)}"


def picked(event) -> str | None:
    """The pick a chart event holds, or None. The chart is fresh after every click, so at most one of its
    selections holds a point: the one just clicked."""
    selection = event.get("selection") if isinstance(event, dict) else None
    for name in GRAPH:
        chosen = selection.get(name) if isinstance(selection, dict) else None
        first = chosen[0] if isinstance(chosen, list) and chosen else None
        pick = first.get("pick") if isinstance(first, dict) else None
        if isinstance(pick, str) and len(pick) <= MAX_PICK:
            return pick
    return None


def clicked(chart_key: str) -> None:
    """The chart's on_select: act on the clicked mark's pick; a malformed or stale event changes nothing."""
    st.session_state[keys.GRAPH_CLICKS] = st.session_state.get(keys.GRAPH_CLICKS, 0) + 1  # a fresh chart next
    event, run = st.session_state.get(chart_key), st.session_state.get(keys.RUN)
    if run is not None and plane.clicked(run, event) is not None:  # a click on the boundary panel, drawing
        state.said()
        st.rerun()  # the whole page: the run trains on the drawn points, and the sidebar and the link follow
    pick = picked(event)
    if pick is None or run is None:
        return
    kind, _, rest = pick.partition(":")
    action = PICKS.get(kind)
    scope = action(run, rest.split(":")) if action else None
    if scope is None:
        return
    state.said()
    if scope == APP:
        st.rerun()  # from a callback inside the live view: the whole page, so the controls outside follow


def _ints(args: list[str], n: int) -> list[int] | None:
    if len(args) != n or not all(a.isascii() and a.isdigit() and len(a) <= 4 for a in args):
        return None
    return [int(a) for a in args]


def _toggle_feature(run, args) -> str | None:
    """An input node: its feature on or off, through the sidebar's own buttons' state."""
    if len(args) != 1 or args[0] not in FEATURES:
        return None
    if "features" in state.link().hidden:  # a lesson that fixes the inputs keeps them fixed
        st.session_state[keys.NOTES] = ["This link keeps the input features as they are."]
    else:
        sidebar.toggle("features", args[0])
    return APP


def _look_inside(run, args) -> str | None:
    """A hidden unit: it fills the boundary panel; the same unit again goes back to the boundary."""
    numbers = _ints(args, 2)
    choice = f"{numbers[0]}.{numbers[1]}" if numbers else None
    if choice not in inside.units(run.net.layer_sizes):
        return None
    inside.choose(inside.BOUNDARY if inside.shown() == choice else choice)
    return APP


def _boundary(run, args) -> str | None:
    """The output unit: the decision boundary itself."""
    inside.choose(inside.BOUNDARY)
    return APP


def _edit(target) -> str:
    st.session_state[keys.GRAPH_EDIT] = target
    return LIVE


def _edit_weight(run, args) -> str | None:
    numbers = _ints(args, 3)
    return _edit(tuple(numbers)) if numbers and _valid(run.net, *numbers) else None


def _edit_bias(run, args) -> str | None:
    numbers = _ints(args, 2)
    target = (numbers[0], weight_editor.BIAS, numbers[1]) if numbers else None
    return _edit(target) if target and _valid(run.net, *target) else None


PICKS: dict[str, Callable[[object, list[str]], str | None]] = {
    "input": _toggle_feature, "unit": _look_inside, "output": _boundary, "weight": _edit_weight, "bias": _edit_bias,
}


# ------------------------------------------------------------------ the value box a weight or bias click opens
def _valid(net, layer, row, col) -> bool:
    if not (isinstance(layer, int) and 1 <= layer <= net.n_layers):
        return False
    rows, cols = net.weights[layer - 1].shape
    return 0 <= col < cols and (row == weight_editor.BIAS or (isinstance(row, int) and 0 <= row < rows))


def _unit_name(net, layer: int, k: int) -> str:
    """A unit as the graph's tooltip names it (1-based)."""
    if layer == 0:
        return f"input {input_label(net.features, k)}"
    return f"output {k + 1}" if layer == net.n_layers else f"layer {layer}, unit {k + 1}"


def describe(net, layer: int, row, col: int) -> str:
    if row == weight_editor.BIAS:
        return f"the bias of {_unit_name(net, layer, col)}"
    return f"the weight from {_unit_name(net, layer - 1, row)} to {_unit_name(net, layer, col)}"


def edit_box(run) -> None:
    """Under the graph after a click on a weight or a bias: its value, to type a new one (editor.apply, so
    training continues from the edited network and the loss curve marks it)."""
    target = st.session_state.get(keys.GRAPH_EDIT)
    if not (isinstance(target, tuple) and len(target) == 3 and _valid(run.net, *target)):
        st.session_state.pop(keys.GRAPH_EDIT, None)
        return
    layer, row, col = target
    current = float(run.net.biases[layer - 1][0, col] if row == weight_editor.BIAS else run.net.weights[layer - 1][row, col])
    name = weight_editor.name(layer, row, col)
    key = weight_editor.value_key(keys.GRAPH_VALUE, layer, row, col, (state.serial(), run.trainer.epoch))
    with st.container(border=True):
        text, box, close = st.columns([2.4, 1.1, 0.5], vertical_alignment="bottom")
        text.markdown(f"**{name}**, {describe(run.net, layer, row, col)}: now {current:.4f}. Type a new value; "
                      "training continues from the edited network.")
        box.number_input(f"New value of {name}", min_value=-weight_editor.LIMIT, max_value=weight_editor.LIMIT,
                         value=float(np.clip(np.nan_to_num(current), -weight_editor.LIMIT, weight_editor.LIMIT)),
                         step=0.5, format="%.4f", key=key, on_change=_typed, args=(run, target, key))
        close.button("Close", key=keys.GRAPH_CLOSE, on_click=close_box)


def _typed(run, target, key: str) -> None:
    editor.apply(run, *target, float(st.session_state[key]))
    close_box()
    st.rerun()  # the whole page: the notice above and the details below show the edited network


def close_box() -> None:
    st.session_state.pop(keys.GRAPH_EDIT, None)
