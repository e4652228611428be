"""One weight or bias of a network, named the way every page names it and set to a typed value.

The Backprop page's editor and the Playground's (typing a value, or clicking a weight on the graph) both go
through here, so a parameter has one name and one set of checks wherever it is edited.
"""

from __future__ import annotations

import math

from .network import MLP

BIAS = "bias"  # the "row" that names a unit's bias rather than one of its incoming weights


def parameter_name(layer: int, row, col: int) -> str:
    """How every page names a parameter: W2[0,1] (0-based, as the Backprop page's matrices), b2[1] (row BIAS)."""
    return f"b{layer}[{col}]" if row == BIAS else f"W{layer}[{row},{col}]"


def set_weight(net: MLP, layer: int, row: int, col: int, value: float) -> tuple[float, float]:
    """Set W_layer[row, col] (1-based layer) in ``net``; returns (old value, new value).

    Raises ValueError with one sentence for an index outside the network or a non-finite value.
    """
    if not 1 <= layer <= net.n_layers:
        raise ValueError(f"Layer must be 1 to {net.n_layers}.")
    W = net.weights[layer - 1]
    if not (0 <= row < W.shape[0] and 0 <= col < W.shape[1]):
        raise ValueError(f"W{layer} has shape {W.shape}; row {row}, column {col} is outside it.")
    if not math.isfinite(value):
        raise ValueError("The weight must be a finite number.")
    old = float(W[row, col])
    params = [p.copy() for p in net.parameters()]
    params[2 * (layer - 1)][row, col] = value
    net.set_parameters(params)
    return old, float(value)


def set_bias(net: MLP, layer: int, col: int, value: float) -> tuple[float, float]:
    """Set b_layer[col] (1-based layer) in ``net``; returns (old value, new value). ValueError as set_weight."""
    if not 1 <= layer <= net.n_layers:
        raise ValueError(f"Layer must be 1 to {net.n_layers}.")
    b = net.biases[layer - 1]
    if not 0 <= col < b.shape[1]:
        raise ValueError(f"b{layer} has {b.shape[1]} units; unit {col} is outside it.")
    if not math.isfinite(value):
        raise ValueError("The bias must be a finite number.")
    old = float(b[0, col])
    params = [p.copy() for p in net.parameters()]
    params[2 * (layer - 1) + 1][0, col] = value
    net.set_parameters(params)
    return old, float(value)
