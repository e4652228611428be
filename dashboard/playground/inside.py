"""Look inside a unit: a hidden unit's output fills the decision-boundary panel, at the boundary's resolution.

TF Playground does this on hover; here a "Look inside" choice names the unit (choosing the decision
boundary again goes back). The choice is display-only: it redraws and never retrains, and it applies
to the live picture while playing as well as to the paused chart.
"""

from __future__ import annotations

import streamlit as st

from .. import keys
from ..page import KEEP
from . import state
from .live_sizes import NODE_UNITS

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


def shown() -> str:
    """The Look inside choice: the select box's, or, when Streamlit has dropped that widget's state, the same
    choice as last kept. (A widget drawn outside the fragment a run reran is not in every run's widget states:
    Streamlit 1.65's test runner drops its value on the next whole run, as any Streamlit does on a page switch.)"""
    choice = st.session_state.get(keys.LOOK_INSIDE)
    return choice if choice is not None else st.session_state.get(keys.LOOK_INSIDE_KEPT, BOUNDARY)


def choose(choice: str) -> None:
    """Show ``choice`` (a callback's, or before the select box is drawn)."""
    st.session_state[keys.LOOK_INSIDE] = st.session_state[keys.LOOK_INSIDE_KEPT] = choice


def _keep() -> None:
    st.session_state[keys.LOOK_INSIDE_KEPT] = st.session_state.get(keys.LOOK_INSIDE, BOUNDARY)


def control(run, on_change=state.said) -> None:
    """The "Look inside" choice; a value the network no longer has (or a tampered one) is the boundary."""
    options = units(run.net.layer_sizes)
    choice = shown()
    if choice not in options or st.session_state.get(keys.LOOK_INSIDE) != choice:
        choose(choice if choice in options else BOUNDARY)

    def changed() -> None:
        _keep()
        on_change()

    st.selectbox("Look inside", options, key=keys.LOOK_INSIDE, format_func=label, on_change=changed, **KEEP,
                  help="Show one hidden unit's output over the whole plane in place of the decision boundary "
                       "(blue positive, orange negative). Choose Decision boundary to go back.")
    _keep()


def chosen(run) -> tuple[int, int] | None:
    """(hidden layer, unit), both 1-based, of the unit being looked inside, or None for the boundary."""
    choice = shown()
    if choice not in units(run.net.layer_sizes) or choice == BOUNDARY:
        return None
    layer, unit = map(int, choice.split("."))
    return layer, unit
