"""Weight initialisers: a scale per layer, applied to standard-normal draws.

All layers draw in order W1, W2, ... from one ``np.random.RandomState(seed)``,
so ``init="normal", init_scale=s`` is exactly the tutorials'
``np.random.seed(42); np.random.randn(n_in, n_out) * s``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Initializer:
    name: str
    label: str
    std: Callable[[int, int], float]  # (fan_in, fan_out) -> std before init_scale


INITIALIZERS: dict[str, Initializer] = {
    i.name: i
    for i in [
        Initializer("normal", "Normal (randn × scale)", lambda fi, fo: 1.0),
        Initializer("xavier", "Xavier / Glorot", lambda fi, fo: math.sqrt(2.0 / (fi + fo))),
        Initializer("he", "He", lambda fi, fo: math.sqrt(2.0 / fi)),
    ]
}


def get_initializer(name: str) -> Initializer:
    try:
        return INITIALIZERS[name]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown init {name!r}; choose one of: {', '.join(INITIALIZERS)}.") from None


def initial_weights(layer_sizes, init: str, init_scale: float | None, seed: int, bias_init: float = 0.0):
    """Fresh (weights, biases) lists: W_l of shape (n_in, n_out), b_l of shape (1, n_out)."""
    spec = get_initializer(init)
    scale = 1.0 if init_scale is None else float(init_scale)
    rng = np.random.RandomState(seed)
    weights, biases = [], []
    last = len(layer_sizes) - 2
    for index, (fan_in, fan_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:])):
        W = rng.randn(fan_in, fan_out)
        factor = spec.std(fan_in, fan_out) * scale
        if factor != 1.0:
            W *= factor
        weights.append(W)
        # bias_init (e.g. a large negative value, to kill ReLUs) shifts hidden units only.
        biases.append(np.full((1, fan_out), 0.0 if index == last else float(bias_init)))
    return weights, biases
