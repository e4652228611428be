"""Optimizers: each a small class holding its own state, with one ``step``.

``step(params, grads, lr)`` updates the parameter arrays in place; state is allocated in
``__init__``, and the trainer never branches on a name. The updates are elementwise, so stepping one
flat array of all parameters gives the same bits as stepping each array.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np


class SGD:
    """p ← p − lr·g, exactly the tutorials' update."""

    def __init__(self, params):
        pass

    def step(self, params, grads, lr):
        for p, g in zip(params, grads):
            p -= g * lr


class Momentum:
    """v ← μv − lr·g; p ← p + v (Nesterov: p ← p + μv − lr·g)."""

    def __init__(self, params, momentum=0.9, nesterov=False):
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

    def __init__(self, params, rho=0.9, eps=1e-8):
        self.rho, self.eps = float(rho), float(eps)
        self.square = [np.zeros_like(p) for p in params]

    def step(self, params, grads, lr):
        for p, g, s in zip(params, grads, self.square):
            s *= self.rho
            s += (1.0 - self.rho) * g * g
            p -= g / (np.sqrt(s) + self.eps) * lr


class Adam:
    """Adam with bias correction (Kingma & Ba, 2015)."""

    def __init__(self, params, beta1=0.9, beta2=0.999, eps=1e-8):
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

    @property
    def settings(self) -> tuple[str, ...]:
        """The keyword settings its class takes (nesterov is the record's own, not a setting)."""
        names = inspect.signature(self.make.__init__).parameters
        return tuple(name for name in names if name not in ("self", "params", "nesterov"))


OPTIMIZERS: dict[str, Optimizer] = {
    "sgd": Optimizer("SGD (plain)", SGD),
    "momentum": Optimizer("Momentum", Momentum, uses_momentum=True),
    "nesterov": Optimizer("Nesterov momentum", Momentum, nesterov=True, uses_momentum=True),
    "rmsprop": Optimizer("RMSProp", RMSProp),
    "adam": Optimizer("Adam", Adam),
}


SETTINGS = tuple(dict.fromkeys(name for spec in OPTIMIZERS.values() for name in spec.settings))


def make_optimizer(name: str, params, **settings):
    """An optimizer for ``params``, given the settings it reads.

    A setting another optimizer reads is passed over (the trainer always gives ``momentum``, so switching to
    Adam mid-run needs no special case); a setting no optimizer reads is a ValueError, so a misspelt one is
    never silently dropped.
    """
    try:
        spec = OPTIMIZERS[name]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}.") from None
    unknown = [key for key in settings if key not in SETTINGS]
    if unknown:
        raise ValueError(f"Unknown optimizer setting {unknown[0]!r}; the settings are: {', '.join(SETTINGS)}.")
    used = {key: value for key, value in settings.items() if key in spec.settings}
    return spec.make(params, **used, **({"nesterov": True} if spec.nesterov else {}))
