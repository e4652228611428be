"""Hidden-layer activations: each defined once, beside its derivative.

Derivatives are written in terms of the activation's *output* A (as scikit-learn
does), so the backward pass reuses what the forward pass cached and recomputes
nothing. Every function works in place on preallocated arrays; a backward may
also take a ``work`` buffer shaped like A for its slope, because allocating
temporaries for a (2000, 32) layer costs more than the arithmetic. Such a
backward says so with a ``takes_work`` attribute (a plain ``(A, dA)`` callable,
e.g. a deliberately broken one, is still accepted).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LEAKY_SLOPE = 0.01
ELU_ALPHA = 1.0


def _constant(value: float) -> np.ndarray:
    """A read-only 0-d float64 array: as an operand it gives the same bits as the Python float,
    and a ufunc converts it about 0.3 µs faster, which a tiny network pays several times an epoch."""
    array = np.array(value, dtype=np.float64)
    array.flags.writeable = False
    return array


ONE = _constant(1.0)
TWO = _constant(2.0)
MINUS_TWO = _constant(-2.0)
ZERO = _constant(0.0)

Forward = Callable[[np.ndarray, np.ndarray], None]  # (Z, out=A)
Backward = Callable[..., None]  # (A, dA[, work]) -> dA *= f'(A) in place


def _takes_work(backward: Backward) -> Backward:
    """Mark a backward that accepts a scratch ``work`` array (it allocates one if given None)."""
    backward.takes_work = True
    return backward


def _scratch(work, A):
    return np.empty_like(A) if work is None else work


@dataclass(frozen=True)
class Activation:
    name: str
    label: str
    forward: Forward
    backward: Backward
    family: str  # "relu" (can die), "squash" (can saturate) or "linear"
    latex: str  # f(z), for the teaching pages
    derivative_latex: str  # f'(z) written with a = f(z)
    peak_slope: float = 1.0  # max of f'(z): a "saturated" unit has a slope far below it


def _relu(Z, A):
    np.maximum(Z, ZERO, out=A)


@_takes_work
def _relu_back(A, dA, work=None):
    work = _scratch(work, A)
    np.greater(A, ZERO, out=work)  # 1.0 / 0.0: the same product as multiplying by the mask
    np.multiply(dA, work, out=dA)


def _leaky(Z, A):
    np.multiply(Z, LEAKY_SLOPE, out=A)
    np.maximum(A, Z, out=A)


@_takes_work
def _leaky_back(A, dA, work=None):
    work = _scratch(work, A)
    work.fill(LEAKY_SLOPE)
    np.copyto(work, ONE, where=A > ZERO)
    np.multiply(dA, work, out=dA)


def _sigmoid(Z, A):
    # 1 / (1 + exp(-z)), the tutorials' exact formula, so their runs match bit for bit.
    # exp(-z) overflows to inf for z < -709 and 1 / inf = 0 is then the right answer;
    # callers silence that warning once, around their whole pass.
    np.negative(Z, out=A)
    np.exp(A, out=A)
    np.add(A, ONE, out=A)
    np.divide(ONE, A, out=A)


@_takes_work
def _sigmoid_back(A, dA, work=None):
    work = _scratch(work, A)
    np.subtract(ONE, A, out=work)
    np.multiply(work, A, out=work)  # a (1 - a), bit for bit the tutorials' s * (1 - s)
    np.multiply(dA, work, out=dA)


def _tanh(Z, A):
    # tanh z = 2 / (1 + e^(-2z)) - 1: within 4e-16 of np.tanh, and over twice as fast where NumPy has no
    # SIMD float64 tanh (AVX2 CPUs), where tanh alone was 60 % of a mid-size epoch. e^(-2z) overflows to inf
    # for z < -354 and the result is then exactly -1; callers silence that warning once, around their pass.
    np.multiply(Z, MINUS_TWO, out=A)
    np.exp(A, out=A)
    np.add(A, ONE, out=A)
    np.divide(TWO, A, out=A)
    np.subtract(A, ONE, out=A)


@_takes_work
def _tanh_back(A, dA, work=None):
    work = _scratch(work, A)
    np.multiply(A, A, out=work)
    np.subtract(ONE, work, out=work)
    np.multiply(dA, work, out=dA)


def _linear(Z, A):
    np.copyto(A, Z)


@_takes_work
def _linear_back(A, dA, work=None):
    pass


def _elu(Z, A):
    np.minimum(Z, ZERO, out=A)
    np.expm1(A, out=A)
    A *= ELU_ALPHA
    np.copyto(A, Z, where=Z > ZERO)


@_takes_work
def _elu_back(A, dA, work=None):
    # For z <= 0, a = alpha (e^z - 1), so f'(z) = alpha e^z = a + alpha.
    work = _scratch(work, A)
    np.add(A, ELU_ALPHA, out=work)
    np.copyto(work, ONE, where=A > ZERO)
    np.multiply(dA, work, out=dA)


def _softplus(Z, A):
    # log(1 + e^z) = max(z, 0) + log1p(e^-|z|): never overflows.
    np.logaddexp(Z, ZERO, out=A)


@_takes_work
def _softplus_back(A, dA, work=None):
    # f'(z) = sigmoid(z) = 1 - e^-a.
    work = _scratch(work, A)
    np.negative(A, out=work)
    np.expm1(work, out=work)
    np.negative(work, out=work)
    np.multiply(dA, work, out=dA)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation("relu", "ReLU", _relu, _relu_back, "relu",
                   r"\max(0, z)", r"\mathbb{1}[a > 0]"),
        Activation("leaky_relu", "Leaky ReLU", _leaky, _leaky_back, "relu",
                   r"\max(0.01z, z)", r"1 \text{ if } a > 0 \text{ else } 0.01"),
        Activation("sigmoid", "Sigmoid", _sigmoid, _sigmoid_back, "squash",
                   r"\frac{1}{1 + e^{-z}}", r"a\,(1 - a)", 0.25),
        Activation("tanh", "Tanh", _tanh, _tanh_back, "squash",
                   r"\tanh z", r"1 - a^2"),
        Activation("linear", "Linear", _linear, _linear_back, "linear",
                   r"z", r"1"),
        Activation("elu", "ELU", _elu, _elu_back, "relu",
                   r"z \text{ if } z > 0 \text{ else } e^{z} - 1", r"1 \text{ if } a > 0 \text{ else } a + 1"),
        Activation("softplus", "Softplus", _softplus, _softplus_back, "linear",
                   r"\log(1 + e^{z})", r"1 - e^{-a}"),
    ]
}


def get_activation(name: str) -> Activation:
    """Look an activation up by name; unknown names list the valid ones."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown activation {name!r}; choose one of: {', '.join(ACTIVATIONS)}."
        ) from None


def apply(name: str, Z: np.ndarray) -> np.ndarray:
    """Out-of-place convenience for notebooks and tests."""
    A = np.empty_like(Z, dtype=float)
    with np.errstate(over="ignore"):
        get_activation(name).forward(np.asarray(Z, dtype=float), A)
    return A


def derivative(name: str, A: np.ndarray) -> np.ndarray:
    """f'(z) expressed through the output a = f(z)."""
    d = np.ones_like(A, dtype=float)
    get_activation(name).backward(np.asarray(A, dtype=float), d)
    return d
