"""How a layer bends the plane (ConvNetJS's "warped space"): the data and a grid of the input plane, seen
in the coordinates of two units of one hidden layer.

Each hidden layer maps the plane to a new space; straight grid lines come out bent. Once a layer has
pulled the classes apart, the output (one weighted sum) separates them with a straight line in that
layer's space: :func:`warped_plane` returns that line too when it is exact (the last hidden layer has
exactly the two units shown and the output is one sigmoid unit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..grids import LIMIT


@dataclass(frozen=True)
class WarpedPlane:
    points: np.ndarray  # (n, 2): each data point as (unit a, unit b) of the layer
    lines: np.ndarray  # (n_lines, samples, 2): grid lines of the input plane, mapped the same way
    line_axis: np.ndarray  # (n_lines,): 0 for a line of constant x1, 1 for constant x2
    boundary: np.ndarray | None  # (2, 2) two points of the output's line in this space, or None


def warped_plane(net, X: np.ndarray, domain, layer: int, units: tuple[int, int], n_lines: int = 11,
                 samples: int = 48) -> WarpedPlane:
    """The points ``X`` and ``n_lines`` grid lines each way over ``domain`` (xmin, xmax, ymin, ymax), through
    ``net`` up to hidden layer ``layer`` (1-based), as coordinates of its units ``units`` (0-based).

    Raises ValueError with one sentence for a layer or unit the network does not have.
    """
    hidden = net.layer_sizes[1:-1]
    if not 1 <= layer <= len(hidden):
        raise ValueError(f"The network has {len(hidden)} hidden layer{'s' * (len(hidden) != 1)}; "
                         f"there is no layer {layer}.")
    a, b = units
    if not (0 <= a < hidden[layer - 1] and 0 <= b < hidden[layer - 1]):
        raise ValueError(f"Layer {layer} has {hidden[layer - 1]} units; unit {max(a, b) + 1} is not one of them.")
    x0, x1, y0, y1 = map(float, domain)
    t = np.linspace(0.0, 1.0, samples)
    xs, ys = np.linspace(x0, x1, n_lines), np.linspace(y0, y1, n_lines)
    vertical = [np.column_stack([np.full(samples, x), y0 + (y1 - y0) * t]) for x in xs]  # constant x1
    horizontal = [np.column_stack([x0 + (x1 - x0) * t, np.full(samples, y)]) for y in ys]  # constant x2
    grid = np.concatenate(vertical + horizontal)
    mapped = _coordinates(net, np.concatenate([np.asarray(X, dtype=np.float64), grid]), layer, (a, b))
    n = len(X)
    lines = mapped[n:].reshape(2 * n_lines, samples, 2)
    axis = np.repeat([0, 1], n_lines)
    return WarpedPlane(mapped[:n], lines, axis, _boundary(net, layer, (a, b), mapped))


def _coordinates(net, points: np.ndarray, layer: int, units: tuple[int, int]) -> np.ndarray:
    A = net.layer_outputs(points)[layer - 1][:, list(units)]
    return np.clip(np.nan_to_num(A, nan=0.0, posinf=LIMIT, neginf=-LIMIT), -LIMIT, LIMIT)


def _boundary(net, layer: int, units: tuple[int, int], mapped: np.ndarray) -> np.ndarray | None:
    """Where the output's logit is 0, w_a·h_a + w_b·h_b + c = 0, across the mapped points' range; None
    when the output also depends on other units (then it is no line in these two coordinates)."""
    sizes = net.layer_sizes
    if layer != len(sizes) - 2 or sizes[-2] != 2 or sizes[-1] != 1 or net.output != "sigmoid" \
            or sorted(units) != [0, 1]:
        return None
    w = net.weights[-1][list(units), 0]
    c = float(net.biases[-1][0, 0])
    low, high = mapped.min(axis=0), mapped.max(axis=0)
    if abs(w[1]) >= abs(w[0]):
        if w[1] == 0:
            return None
        u = np.array([low[0], high[0]])
        return np.column_stack([u, -(w[0] * u + c) / w[1]])
    v = np.array([low[1], high[1]])
    return np.column_stack([-(w[1] * v + c) / w[0], v])
