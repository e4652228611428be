"""Which hidden units have stopped learning: dead ReLUs (never positive on any sample) and saturated
sigmoid/tanh units (their slope near zero everywhere).

The trainer measures it on the epochs it records with diagnostics, from the forward pass it makes
anyway, so it sits in the engine beside the trainer: the analysis above only reads it from the history.
"""

from __future__ import annotations

import math

import numpy as np

from .activations import get_activation
from .network import MLP


def unit_health(net: MLP, A: list, scratch: tuple[list, list] | None = None) -> tuple[list, list]:
    """Per hidden layer: the fraction of dead units (ReLU family: never positive on any
    sample) and of saturated units (sigmoid/tanh: mean slope below 10 % of its peak).

    A : [X, A1, ..., AL] as in a forward cache. ``scratch`` optionally gives two lists
    of spare arrays shaped like A1.. (e.g. a cache's D and work) to compute slopes in.
    """
    health = UnitHealth(net)
    health.add(A, scratch)
    return health.fractions()


class UnitHealth:
    """:func:`unit_health` gathered over blocks of rows: each unit's largest output (ReLU family) or
    its summed slope (sigmoid/tanh), so that the fractions come out as from one pass over every row."""

    def __init__(self, net: MLP):
        self.net, self.n = net, 0
        self.peaks: list = [None] * len(net.hidden_activations)  # per layer: each unit's largest output
        self.slopes: list = [None] * len(net.hidden_activations)  # per layer: each unit's summed slope

    def add(self, A: list, scratch: tuple[list, list] | None = None) -> None:
        self.n += A[0].shape[0]
        for l, name in enumerate(self.net.hidden_activations):
            act = get_activation(name)
            out = A[l + 1]
            if act.family == "relu":
                peak = np.fmax.reduce(out, axis=0)  # fmax skips NaN, as any() does
                self.peaks[l] = peak if self.peaks[l] is None else np.fmax(self.peaks[l], peak)
            elif act.family == "squash":
                slope = np.empty_like(out) if scratch is None else scratch[0][l]
                slope.fill(1.0)
                act.backward(out, slope, None if scratch is None else scratch[1][l])
                total = np.add.reduce(slope, axis=0)
                self.slopes[l] = total if self.slopes[l] is None else self.slopes[l] + total

    def fractions(self) -> tuple[list, list]:
        """(dead, saturated) per hidden layer, NaN where the activation has no such failure."""
        dead, saturated = [], []
        for l, name in enumerate(self.net.hidden_activations):
            act = get_activation(name)
            if act.family == "relu":
                width = self.peaks[l].size
                dead.append((width - int(np.count_nonzero(self.peaks[l] > 0.0))) / width)  # alive: once positive
                saturated.append(math.nan)
            elif act.family == "squash":
                mean_slope = self.slopes[l] / self.n
                saturated.append(int(np.count_nonzero(mean_slope < 0.1 * act.peak_slope)) / mean_slope.size)
                dead.append(math.nan)
            else:
                dead.append(math.nan)
                saturated.append(math.nan)
        return dead, saturated
