"""One weight or bias of a network: pick it, type a value. The Backprop page and the Playground share it.

The control only picks and reads; the page's ``apply(layer, row, col, value)`` changes the network (the
Playground under its run lock, between frames) and says what happened. ``row`` is an input unit's index,
or BIAS for the unit's bias. ``prefix`` names the widgets' keys; ``version`` renews the number box when
the network moved on (a step, an edit) so it shows the network's value again.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from nn_core.parameter_edits import BIAS
from nn_core.parameter_edits import parameter_name as name

LIMIT = 50.0  # what the number box accepts: a weight far beyond this only saturates every unit


def draw(net, *, prefix: str, apply: Callable[[int, object, int, float], None], version: object = 0,
         box=None, row_label: str = "Row (input unit)", col_label: str = "Column (unit)",
         persist_state=None) -> None:
    """Layer, row (or bias) and column choices, then the chosen value in a number box that applies on change.

    ``persist_state="session"`` keeps the three choices while the editor is not drawn (a closed section)."""
    box = box or st
    c1, c2, c3, c4 = box.columns(4)
    layer = c1.selectbox("Layer", range(1, net.n_layers + 1), format_func=lambda l: f"W{l}, b{l}",
                         key=f"{prefix}layer", persist_state=persist_state)
    W, b = net.weights[layer - 1], net.biases[layer - 1]
    row = c2.selectbox(row_label, [*range(W.shape[0]), BIAS], key=f"{prefix}row_{layer}", persist_state=persist_state,
                       format_func=lambda r: "bias" if r == BIAS else str(r))
    col = c3.selectbox(col_label, range(W.shape[1]), key=f"{prefix}col_{layer}",
                       persist_state=persist_state)
    current = float(b[0, col] if row == BIAS else W[row, col])
    key = value_key(prefix, layer, row, col, version)
    c4.number_input(name(layer, row, col), min_value=-LIMIT, max_value=LIMIT, step=0.5, format="%.4f",
                    value=float(np.clip(np.nan_to_num(current), -LIMIT, LIMIT)), key=key,
                    on_change=lambda: apply(layer, row, col, float(st.session_state[key])))


def value_key(prefix: str, layer: int, row, col: int, version: object) -> str:
    return f"{prefix}value_{layer}_{'b' if row == BIAS else row}_{col}_{version}"


