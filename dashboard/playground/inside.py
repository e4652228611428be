"""Look inside a unit: a hidden unit's output fills the decision-boundary panel, at the boundary's resolution.

TF Playground does this on hover; here a "Look inside" choice names the unit (choosing the decision
boundary again goes back). The choice is display-only: it redraws and never retrains, and it applies
to the live picture while playing as well as to the paused chart.
"""

from __future__ import annotations

import streamlit as st

from .. import keys
from ..live_charts import NODE_UNITS
from . import state
from .picture import unit_image  # noqa: F401  (drawn with the live picture)

BOUNDARY = "boundary"  # the choice that shows the network's answer, as without this control


def units(sizes) -> list[str]:
    """The choices for a network of ``sizes``: the boundary, then "layer.unit" (1-based) for every hidden
    unit the network graph draws."""
    return [BOUNDARY] + [f"{layer}.{k + 1}" for layer, width in enumerate(sizes[1:-1], start=1)
                         for k in range(min(width, NODE_UNITS))]


def label(choice: str) -> str:
    if choice == BOUNDARY:
        return "Decision boundary"
    layer, unit = choice.split(".")
    return f"Layer {layer}, unit {unit}"


def control(run, on_change=state.said) -> None:
    """The "Look inside" choice; a value the network no longer has (or a tampered one) is the boundary."""
    options = units(run.net.layer_sizes)
    if st.session_state.get(keys.LOOK_INSIDE) not in options:
        st.session_state[keys.LOOK_INSIDE] = BOUNDARY
    st.selectbox("Look inside", options, key=keys.LOOK_INSIDE, format_func=label, on_change=on_change,
                  help="Show one hidden unit's output over the whole plane in place of the decision boundary "
                       "(blue positive, orange negative). Choose Decision boundary to go back.")


def chosen(run) -> tuple[int, int] | None:
    """(hidden layer, unit), both 1-based, of the unit being looked inside, or None for the boundary."""
    choice = st.session_state.get(keys.LOOK_INSIDE, BOUNDARY)
    if choice not in units(run.net.layer_sizes) or choice == BOUNDARY:
        return None
    layer, unit = map(int, choice.split("."))
    return layer, unit
