"""Input features: what the network's input units read from a point (x1, x2).

TF Playground's lesson: a good feature can replace depth. On the circle a network with no hidden
layer cannot separate the classes from (x1, x2), but from (x1², x2²) a straight line does it.
The functions are ``nn_core.reference``'s own (the script export copies their source), so the
engine, the reference and the exported script compute the same bits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import reference


@dataclass(frozen=True)
class Feature:
    name: str  # as in the URL and on the CLI: x1_sq
    label: str  # as on the page: x₁²
    function: object  # X (n, 2) -> column (n,)


FEATURES: dict[str, Feature] = {f.name: f for f in (
    Feature("x1", "x₁", reference.x1),
    Feature("x2", "x₂", reference.x2),
    Feature("x1_sq", "x₁²", reference.x1_sq),
    Feature("x2_sq", "x₂²", reference.x2_sq),
    Feature("x1_x2", "x₁x₂", reference.x1_x2),
    Feature("sin_x1", "sin x₁", reference.sin_x1),
    Feature("sin_x2", "sin x₂", reference.sin_x2),
)}
RAW = ("x1", "x2")  # the point itself: the inputs are X unchanged
assert set(FEATURES) == set(reference.FEATURES), "features and reference drifted"


def check(names) -> tuple[str, ...]:
    """The names as a tuple, in their order (the order of the input units); ValueError with a sentence."""
    names = tuple(names)
    if not names:
        raise ValueError("Choose at least one input feature.")
    for name in names:
        if not isinstance(name, str) or name not in FEATURES:
            raise ValueError(f"Unknown input feature {str(name)[:40]!r}; choose from {', '.join(FEATURES)}.")
    if len(set(names)) != len(names):
        raise ValueError("Each input feature can be used once.")
    return names


def feature_matrix(X: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """The network's inputs for points X (n, 2): X itself for the raw features (no copy, so a run
    without features is unchanged to the bit), else one column per feature."""
    if tuple(names) == RAW:
        return X
    return reference.inputs(X, [FEATURES[name].function for name in names])


def input_label(names: tuple[str, ...] | None, k: int) -> str:
    """What input unit k reads, for a picture's name: x₁², or x1 for a network without features."""
    return f"x{k + 1}" if names is None else FEATURES[names[k]].label
