"""Optimizers: each a small class holding its own state, with one ``step``.

``step(params, grads, lr)`` updates the parameter arrays in place; state is allocated in
``__init__``, and the trainer never branches on a name. The updates are elementwise, so stepping one
flat array of all parameters gives the same bits as stepping each array.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class SGD:
    """p ← p − lr·g, exactly the tutorials' update."""

    latex = r"\theta \leftarrow \theta - \eta\, g"

    def __init__(self, params, **_):
        pass

    def step(self, params, grads, lr):
        for p, g in zip(params, grads):
            p -= g * lr


class Momentum:
    """v ← μv − lr·g; p ← p + v (Nesterov: p ← p + μv − lr·g)."""

    latex = r"v \leftarrow \mu v - \eta g,\quad \theta \leftarrow \theta + v"

    def __init__(self, params, momentum=0.9, nesterov=False, **_):
        self.momentum, self.nesterov = float(momentum), bool(nesterov)
        self.velocity = [np.zeros_like(p) for p in params]

    def step(self, params, grads, lr):
        mu = self.momentum
        for p, g, v in zip(params, grads, self.velocity):
            v *= mu
            v -= g * lr
            if self.nesterov:
                p += mu * v - g * lr
            else:
                p += v


class RMSProp:
    """s ← ρs + (1−ρ)g²; p ← p − lr·g / (√s + ε)."""

    latex = r"s \leftarrow \rho s + (1-\rho) g^2,\quad \theta \leftarrow \theta - \frac{\eta\, g}{\sqrt{s} + \epsilon}"

    def __init__(self, params, rho=0.9, eps=1e-8, **_):
        self.rho, self.eps = float(rho), float(eps)
        self.square = [np.zeros_like(p) for p in params]

    def step(self, params, grads, lr):
        for p, g, s in zip(params, grads, self.square):
            s *= self.rho
            s += (1.0 - self.rho) * g * g
            p -= g / (np.sqrt(s) + self.eps) * lr


class Adam:
    """Adam with bias correction (Kingma & Ba, 2015)."""

    latex = (r"m \leftarrow \beta_1 m + (1-\beta_1) g,\ v \leftarrow \beta_2 v + (1-\beta_2) g^2,\ "
             r"\theta \leftarrow \theta - \eta \frac{\hat m}{\sqrt{\hat v} + \epsilon}")

    def __init__(self, params, beta1=0.9, beta2=0.999, eps=1e-8, **_):
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.t = 0
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]

    def step(self, params, grads, lr):
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        correction1 = 1.0 - b1 ** self.t
        correction2 = 1.0 - b2 ** self.t
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * g * g
            p -= m / (np.sqrt(v / correction2) + self.eps) * (lr / correction1)


@dataclass(frozen=True)
class Optimizer:
    """Registry record: the class that steps, the name the app shows, and the settings it reads."""

    label: str
    make: type
    nesterov: bool = False
    uses_momentum: bool = False


OPTIMIZERS: dict[str, Optimizer] = {
    "sgd": Optimizer("SGD (plain)", SGD),
    "momentum": Optimizer("Momentum", Momentum, uses_momentum=True),
    "nesterov": Optimizer("Nesterov momentum", Momentum, nesterov=True, uses_momentum=True),
    "rmsprop": Optimizer("RMSProp", RMSProp),
    "adam": Optimizer("Adam", Adam),
}


def make_optimizer(name: str, params, **hyper):
    """An optimizer for ``params``, with the hyper-parameters it reads (the others are ignored)."""
    try:
        spec = OPTIMIZERS[name]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}.") from None
    return spec.make(params, **{**hyper, "nesterov": spec.nesterov})
