"""Hidden-layer activations: a registry of records, each a function beside its slope.

One protocol for the derivative: ``slope(Z, A, out)`` writes f'(z) into ``out`` from what the forward
pass cached, the weighted sum Z and the output A = f(Z), so nothing is recomputed that was kept. Most
slopes read only the output (as scikit-learn writes them: tanh' = 1 - a²). Swish, GELU and sine read Z
(``reads_z``): their slope cannot be recovered from their output (sin z does not tell the sign of
cos z; swish is not one-to-one). ``forward(Z, out)`` writes f(Z). Both work in place on arrays the
network allocated once. ``nn_core.reference`` has the same pairs written plainly; a test proves them
equal, bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .reference import ELU_ALPHA, GELU_C, GELU_K, LEAKY_SLOPE

# 0-d float64 operands: the same bits as the Python floats, converted faster by a ufunc (see "Why it is fast").
ONE, TWO, MINUS_TWO, ZERO = (np.array(v) for v in (1.0, 2.0, -2.0, 0.0))
for _c in (ONE, TWO, MINUS_TWO, ZERO):
    _c.flags.writeable = False

InPlace = Callable[[np.ndarray, np.ndarray], None]  # (input, out)
Slope = Callable[[np.ndarray, np.ndarray, np.ndarray], None]  # (Z, A, out)


@dataclass(frozen=True)
class Activation:
    name: str
    label: str
    forward: InPlace  # (Z, out=A): A = f(Z)
    slope: Slope  # (Z, A, out): f'(z), from the cached Z and a = f(z)
    family: str  # "relu" (can die), "squash" (can saturate), "linear" or "smooth" (neither)
    latex: str  # f(z), for the teaching pages
    derivative_latex: str  # f'(z), written with a = f(z) where it can be
    peak_slope: float = 1.0  # max of f'(z): a "saturated" unit has a slope far below it
    reads_z: bool = False  # the slope needs the weighted sum Z, not only the output A

    def backward(self, A: np.ndarray, dA: np.ndarray, work: np.ndarray | None = None,
                 Z: np.ndarray | None = None) -> None:
        """dA ← dA ⊙ f'(Z) in place, the chain rule through this activation (work: scratch shaped like A)."""
        work = np.empty_like(A) if work is None else work
        self.slope(Z, A, work)
        np.multiply(dA, work, out=dA)


def _relu(Z, A):
    np.maximum(Z, ZERO, out=A)


def _relu_slope(Z, A, out):
    np.greater(A, ZERO, out=out)  # 1.0 where the unit is on, else 0.0


def _leaky(Z, A):
    np.multiply(Z, LEAKY_SLOPE, out=A)
    np.maximum(A, Z, out=A)


def _leaky_slope(Z, A, out):
    out.fill(LEAKY_SLOPE)
    np.copyto(out, ONE, where=A > ZERO)


def _sigmoid(Z, A):
    # 1 / (1 + exp(-z)), the tutorials' exact formula. exp(-z) overflows to inf for z < -709 and
    # 1 / inf = 0 is then the right answer; callers silence that warning once, around their pass.
    np.negative(Z, out=A)
    np.exp(A, out=A)
    np.add(A, ONE, out=A)
    np.divide(ONE, A, out=A)


def _sigmoid_slope(Z, A, out):
    np.subtract(ONE, A, out=out)
    np.multiply(A, out, out=out)  # a (1 - a)


def _tanh(Z, A):
    # 2 / (1 + e^(-2z)) - 1 (see "Why it is fast" in network.py). e^(-2z) overflows to inf
    # for z < -354 and the result is then exactly -1.
    np.multiply(Z, MINUS_TWO, out=A)
    np.exp(A, out=A)
    np.add(A, ONE, out=A)
    np.divide(TWO, A, out=A)
    np.subtract(A, ONE, out=A)


def _tanh_slope(Z, A, out):
    np.multiply(A, A, out=out)
    np.subtract(ONE, out, out=out)  # 1 - a²


def _linear(Z, A):
    np.copyto(A, Z)


def _linear_slope(Z, A, out):
    out.fill(1.0)


def _elu(Z, A):
    np.minimum(Z, ZERO, out=A)
    np.expm1(A, out=A)
    A *= ELU_ALPHA
    np.copyto(A, Z, where=Z > ZERO)


def _elu_slope(Z, A, out):
    # For z <= 0, a = alpha (e^z - 1), so f'(z) = alpha e^z = a + alpha.
    np.add(A, ELU_ALPHA, out=out)
    np.copyto(out, ONE, where=A > ZERO)


def _softplus(Z, A):
    # log(1 + e^z) = max(z, 0) + log1p(e^-|z|): never overflows.
    np.logaddexp(Z, ZERO, out=A)


def _softplus_slope(Z, A, out):
    # f'(z) = sigmoid(z) = 1 - e^-a.
    np.negative(A, out=out)
    np.expm1(out, out=out)
    np.negative(out, out=out)


def _swish(Z, A):
    _sigmoid(Z, A)
    np.multiply(A, Z, out=A)  # z σ(z)


def _swish_slope(Z, A, out):
    # f'(z) = σ(z) + z σ(z) (1 - σ(z)) = a + σ(z) (1 - a)
    _sigmoid(Z, out)
    out *= np.subtract(ONE, A)
    out += A


def _gelu_u(Z, out):
    np.multiply(Z, Z, out=out)
    out *= Z
    out *= GELU_K
    out += Z
    out *= GELU_C  # u = c (z + k z³)
    out *= TWO  # 2u


def _gelu(Z, A):
    _gelu_u(Z, A)
    _sigmoid(A, A)  # s = σ(2u) = ½ (1 + tanh u)
    A *= Z


def _gelu_slope(Z, A, out):
    # a = z s with s = σ(2u): f'(z) = s + a (1 - s) · 2c (1 + 3k z²)
    _gelu_u(Z, out)
    _sigmoid(out, out)  # s
    rest = np.subtract(ONE, out)
    rest *= A
    chain = np.multiply(Z, _THREE_K)
    chain *= Z
    chain += ONE
    chain *= _TWO_C
    rest *= chain
    out += rest


def _sine(Z, A):
    np.sin(Z, out=A)


def _sine_slope(Z, A, out):
    np.cos(Z, out=out)


_THREE_K, _TWO_C = np.array(3.0 * GELU_K), np.array(2.0 * GELU_C)  # the reference's 3.0 * GELU_K, 2.0 * GELU_C

ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation("relu", "ReLU", _relu, _relu_slope, "relu",
                   r"\max(0, z)", r"\mathbb{1}[a > 0]"),
        Activation("leaky_relu", "Leaky ReLU", _leaky, _leaky_slope, "relu",
                   r"\max(0.01z, z)", r"1 \text{ if } a > 0 \text{ else } 0.01"),
        Activation("sigmoid", "Sigmoid", _sigmoid, _sigmoid_slope, "squash",
                   r"\frac{1}{1 + e^{-z}}", r"a\,(1 - a)", 0.25),
        Activation("tanh", "Tanh", _tanh, _tanh_slope, "squash",
                   r"\tanh z", r"1 - a^2"),
        Activation("linear", "Linear", _linear, _linear_slope, "linear",
                   r"z", r"1"),
        Activation("elu", "ELU", _elu, _elu_slope, "relu",
                   r"z \text{ if } z > 0 \text{ else } e^{z} - 1", r"1 \text{ if } a > 0 \text{ else } a + 1"),
        Activation("softplus", "Softplus", _softplus, _softplus_slope, "linear",
                   r"\log(1 + e^{z})", r"1 - e^{-a}"),
        Activation("swish", "Swish (SiLU)", _swish, _swish_slope, "smooth",
                   r"z\,\sigma(z)", r"a + \sigma(z)\,(1 - a)", 1.0998, reads_z=True),
        Activation("gelu", "GELU", _gelu, _gelu_slope, "smooth",
                   r"z\,\sigma\big(2c\,(z + k z^3)\big) = \tfrac{z}{2}\big(1 + \tanh c\,(z + k z^3)\big)",
                   r"s + a\,(1 - s)\,2c\,(1 + 3k z^2),\ s = \sigma\big(2c\,(z + k z^3)\big)", 1.129,
                   reads_z=True),
        Activation("sine", "Sine", _sine, _sine_slope, "smooth",
                   r"\sin z", r"\cos z", reads_z=True),
    ]
}


def get_activation(name) -> Activation:
    """Look an activation up by name (an Activation record is returned as it is); unknown names list
    the valid ones."""
    if isinstance(name, Activation):
        return name
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown activation {name!r}; choose one of: {', '.join(ACTIVATIONS)}."
        ) from None


def apply(name: str, Z: np.ndarray) -> np.ndarray:
    """Out-of-place f(Z), for notebooks and tests."""
    Z = np.asarray(Z, dtype=float)
    A = np.empty_like(Z)
    with np.errstate(over="ignore"):
        get_activation(name).forward(Z, A)
    return A


def derivative(name: str, A: np.ndarray, Z: np.ndarray | None = None) -> np.ndarray:
    """Out-of-place f'(z) from the output a = f(z), and the weighted sum Z for those that read it."""
    act = get_activation(name)
    if act.reads_z and Z is None:
        raise ValueError(f"The slope of {act.label} needs the weighted sums Z, not only the outputs.")
    A = np.asarray(A, dtype=float)
    Z = None if Z is None else np.asarray(Z, dtype=float)
    out = np.empty_like(A)
    with np.errstate(over="ignore"):
        act.slope(Z, A, out)
    return out
