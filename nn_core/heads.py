"""Output heads: an output activation paired with its matching loss.

Each pair is canonical, so the loss gradient with respect to the logits is
always A - Y. The losses are ``nn_core.reference``'s own functions, computed from the
logits, never from the probabilities, so no input overflows, takes log(0) or warns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import reference
from .activations import ACTIVATIONS


@dataclass(frozen=True)
class Head:
    name: str
    label: str
    loss_name: str
    task: str  # "classification" or "regression"
    activate: Callable[[np.ndarray, np.ndarray], None]  # (Z, out=A)
    sample_losses: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (Z, Y) -> (n,)
    loss_latex: str

    def total_loss(self, Z: np.ndarray, Y: np.ndarray) -> float:
        """The sum of the sample losses, as a float (what a trainer needs every epoch)."""
        return float(np.add.reduce(self.sample_losses(Z, Y)))


def _softmax(Z, A):
    """reference.softmax written into the network's buffer A, the same operations in the same order."""
    np.subtract(Z, Z.max(axis=1, keepdims=True), out=A)
    np.exp(A, out=A)
    A /= A.sum(axis=1, keepdims=True)


HEADS: dict[str, Head] = {
    h.name: h
    for h in [
        Head("sigmoid", "Sigmoid + binary cross-entropy", "binary cross-entropy",
             "classification", ACTIVATIONS["sigmoid"].forward, reference.binary_cross_entropy,
             r"L = -\frac{1}{n}\sum_i \left[y_i \log a_i + (1 - y_i)\log(1 - a_i)\right]"),
        Head("softmax", "Softmax + cross-entropy", "cross-entropy",
             "classification", _softmax, reference.cross_entropy,
             r"L = -\frac{1}{n}\sum_i \sum_k y_{ik} \log a_{ik}"),
        Head("linear", "Linear + mean squared error", "mean squared error (½·MSE)",
             "regression", ACTIVATIONS["linear"].forward, reference.half_squared_error,
             r"L = \frac{1}{n}\sum_i \tfrac12 \lVert a_i - y_i \rVert^2"),
    ]
}


# The heads that fit each kind of problem, the usual one first: a linear head on 0/1 labels
# would be regression on classes, so binary data gets sigmoid or softmax only.
HEADS_FOR_KIND = {"binary": ("sigmoid", "softmax"), "multiclass": ("softmax",), "regression": ("linear",)}


def get_head(name: str) -> Head:
    try:
        return HEADS[name]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown output {name!r}; choose one of: {', '.join(HEADS)}.") from None


def as_targets(y, head: str, n_out: int) -> np.ndarray:
    """Targets as a float (n, n_out) array; integer labels become one-hot for softmax.

    Accepts y as (n,) labels, (n, 1) labels/values or an (n, n_out) matrix.
    """
    y = np.asarray(y)
    if head == "softmax" and (y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1 and n_out > 1)):
        labels = y.reshape(-1)
        if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)):
            raise ValueError("Softmax labels must be whole numbers 0..K-1.")
        labels = labels.astype(np.int64)
        if labels.size and (labels.min() < 0 or labels.max() >= n_out):
            raise ValueError(f"Labels must lie in 0..{n_out - 1} for {n_out} output units.")
        Y = np.zeros((labels.size, n_out))
        Y[np.arange(labels.size), labels] = 1.0
        return Y
    Y = np.asarray(y, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y.reshape(-1, 1)
    if Y.shape[1] != n_out:
        raise ValueError(f"Targets have {Y.shape[1]} columns but the network has {n_out} outputs.")
    return Y


def hits_against(Y: np.ndarray) -> Callable[[np.ndarray, slice], int]:
    """``hits(A, rows)``: how many of ``Y[rows]`` the outputs A (of those rows) classify right, so that an
    evaluation in blocks of rows can add up its accuracy. A target's class follows the outputs' rule too
    (a 0/1 column by its threshold, a one-hot row by its argmax)."""
    classes = reference.predicted_class(Y)
    return lambda A, rows: int(np.count_nonzero(reference.predicted_class(A) == classes[rows]))
