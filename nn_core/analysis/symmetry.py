"""How long a network sits on the symmetric saddle, and how alike its hidden units still are.

Seed 002's tutorial starts its four hidden units almost identical (randn × 0.1): they compute the same
function, get the same gradient, and the loss rests at ln 2 ≈ 0.6931 until their small differences grow.
These two measures show that on the Tutorials page.
"""

from __future__ import annotations

import math

import numpy as np

from ..network import MLP


def epochs_on_plateau(epochs, losses, threshold: float = 0.6) -> int | None:
    """The first recorded epoch whose loss is below ``threshold`` (None if never).

    For seed 002 the loss sits at ln 2 ≈ 0.6931 while the hidden units are still
    near-identical; this counts how long it stays there.
    """
    for epoch, loss in zip(epochs, losses):
        if loss < threshold:
            return int(epoch)
    return None


def hidden_unit_spread(net: MLP, X) -> list[float]:
    """Per hidden layer: the largest distance between two units' outputs over X, divided by √n.

    Near 0 means the units compute (almost) the same function: the symmetric saddle of seed 002.
    """
    spreads = []
    for A in net.layer_outputs(X)[:-1]:
        diffs = A[:, :, None] - A[:, None, :]
        spreads.append(float(np.sqrt((diffs ** 2).sum(axis=0)).max() / math.sqrt(A.shape[0])))
    return spreads
