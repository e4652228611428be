"""Gradient checking by central differences, and deliberately broken backward passes.

The check perturbs each parameter by ±eps and compares (L(θ+eps) − L(θ−eps)) / 2eps
with the analytic gradient. The breakages exist for teaching: a check that
cannot fail proves nothing, so the app lets a learner break backprop and watch
the check catch it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ..activations import ACTIVATIONS, get_activation
from ..network import MLP

TOLERANCE = 1e-6


@dataclass
class ParamCheck:
    name: str  # "W1", "b1", ...
    analytic: np.ndarray
    numeric: np.ndarray
    relative_error: np.ndarray  # elementwise, for display

    @property
    def error(self) -> float:
        """‖a − n‖ / (‖a‖ + ‖n‖): one number that tiny entries' round-off cannot dominate."""
        return float(np.linalg.norm(self.analytic - self.numeric)
                     / max(np.linalg.norm(self.analytic) + np.linalg.norm(self.numeric), 1e-12))


@dataclass
class GradCheck:
    params: list[ParamCheck]
    tolerance: float

    @property
    def max_error(self) -> float:
        return max(p.error for p in self.params)

    @property
    def passed(self) -> bool:
        return self.max_error < self.tolerance


def relative_error(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|a − b| / max(|a| + |b|, 1e-12): scale-free, and 0 when both are 0."""
    return np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12)


def numeric_gradients(net: MLP, X, y, reduction="mean", l2=0.0, l1=0.0, eps=1e-5, masks=None) -> list[np.ndarray]:
    """Central differences for every parameter, in parameters() order (``masks``: dropout held fixed)."""
    flat = net.flat_parameters()  # the writable array the read-only parameters are views of
    gflat = np.zeros_like(flat)
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + eps
        plus = net.loss(X, y, reduction, l2, l1, masks)
        flat[i] = saved - eps
        minus = net.loss(X, y, reduction, l2, l1, masks)
        flat[i] = saved
        gflat[i] = (plus - minus) / (2 * eps)
    sizes = np.cumsum([p.size for p in net.parameters()])[:-1]
    return [g.reshape(p.shape) for g, p in zip(np.split(gflat, sizes), net.parameters())]


def parameter_names(net: MLP) -> list[str]:
    return [f"{kind}{l + 1}" for l in range(net.n_layers) for kind in ("W", "b")]


def check_gradients(net: MLP, X, y, reduction="mean", l2=0.0, l1=0.0, eps=1e-5,
                    tolerance=TOLERANCE, breakage: str | None = None, masks=None) -> GradCheck:
    """Compare the analytic gradient (possibly broken on purpose) with central differences.

    ``masks`` holds dropout still (e.g. ``net.draw_masks(len(X))``): with fresh masks at every
    evaluation the loss would not be a function of the weights alone."""
    if breakage is None:
        _, grads = net.loss_and_gradients(X, y, reduction, l2, l1, masks)
    else:
        grads = get_breakage(breakage).gradients(net, X, y, reduction, l2, l1)
    analytic = [g for pair in grads for g in pair]
    numeric = numeric_gradients(net, X, y, reduction, l2, l1, eps, masks)
    checks = [ParamCheck(name, a, n, relative_error(a, n))
              for name, a, n in zip(parameter_names(net), analytic, numeric)]
    return GradCheck(checks, tolerance)


# ----------------------------------------------------------- broken on purpose
@dataclass(frozen=True)
class Breakage:
    name: str
    label: str
    explanation: str
    gradients: Callable  # (net, X, y, reduction, l2, l1) -> [(dW, db), ...]


def _without_activation_derivative(net, X, y, reduction, l2, l1):
    # The same network built with records whose slope is the linear one (1 everywhere): the same
    # forward pass, but the backward pass treats every hidden unit as linear.
    unit_slope = ACTIVATIONS["linear"].slope
    broken = MLP(**{**net.config(), "activation": [replace(get_activation(name), slope=unit_slope)
                                                   for name in net.hidden_activations]})
    broken.set_parameters(net.parameters())
    return broken.loss_and_gradients(X, y, reduction, l2, l1)[1]


def _forgot_mean(net, X, y, reduction, l2, l1):
    # The loss is averaged but the gradient is summed: n times too large.
    n = len(X)
    return [(dW * n, db * n) for dW, db in net.loss_and_gradients(X, y, reduction, l2, l1)[1]]


def _wrong_sign(net, X, y, reduction, l2, l1):
    # Error taken as Y − A instead of A − Y: every step climbs the loss.
    return [(-dW, -db) for dW, db in net.loss_and_gradients(X, y, reduction, l2, l1)[1]]


BREAKAGES: dict[str, Breakage] = {
    b.name: b
    for b in [
        Breakage("drop_activation_derivative", "Drop the activation derivative f'(Z)",
                 "dZ = dA instead of dA ⊙ f'(Z): the chain rule misses a factor, so hidden-layer "
                 "gradients are wrong while the output layer's still look right.",
                 _without_activation_derivative),
        Breakage("forget_mean", "Forget to divide by n",
                 "The loss is a mean over n samples but the gradient is a sum: every entry is n times too big.",
                 _forgot_mean),
        Breakage("wrong_sign", "Flip the sign of the error",
                 "dZ = Y − A instead of A − Y: each update climbs the loss instead of descending it.",
                 _wrong_sign),
    ]
}


def get_breakage(name: str) -> Breakage:
    try:
        return BREAKAGES[name]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown breakage {name!r}; choose one of: {', '.join(BREAKAGES)}.") from None
