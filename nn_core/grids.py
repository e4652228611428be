"""A network's outputs over the input plane: the decision boundary and every hidden unit's picture.

One batched forward pass (``net.layer_outputs``) over a resolution × resolution grid
gives the boundary and all hidden units at once; the per-neuron thumbnails are
sub-samples of those same arrays, like TF Playground's ``reduceMatrix``. Every
array returned is finite: a diverged network shows as saturated colour, never NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

BOUNDARY_RESOLUTION = 100
THUMB_RESOLUTION = 30
LIMIT = 1e6  # ±inf become ±LIMIT; charts clamp their colour scales anyway


@lru_cache(maxsize=32)
def grid_points(domain: tuple[float, float, float, float], resolution: int = BOUNDARY_RESOLUTION):
    """(xs (r,), ys (r,), points (r*r, 2)) over ``domain`` = (xmin, xmax, ymin, ymax), cell centres.

    Row i of the image is ys[i], column j is xs[j]; points are in row-major order,
    so ``values.reshape(r, r)[i, j]`` belongs to (xs[j], ys[i]). The arrays are
    read-only because they are cached and shared.
    """
    x0, x1, y0, y1 = map(float, domain)
    r = int(resolution)
    if r < 2:
        raise ValueError(f"resolution must be at least 2; got {resolution}.")
    xs = x0 + (np.arange(r) + 0.5) * ((x1 - x0) / r)
    ys = y0 + (np.arange(r) + 0.5) * ((y1 - y0) / r)
    points = np.empty((r * r, 2))
    points[:, 0] = np.tile(xs, r)
    points[:, 1] = np.repeat(ys, r)
    for a in (xs, ys, points):
        a.setflags(write=False)
    return xs, ys, points


def finite(values: np.ndarray, nan: float = 0.0) -> np.ndarray:
    """Replace NaN by ``nan`` and ±inf by ±LIMIT, in place when the array is writable."""
    if np.isfinite(values).all():
        return values
    return np.nan_to_num(values, copy=not values.flags.writeable, nan=nan, posinf=LIMIT, neginf=-LIMIT)


@dataclass(frozen=True)
class NetworkGrids:
    """Outputs on the grid: ``output`` (r, r, n_out) and ``hidden[l]`` (r, r, width_l), all finite."""

    xs: np.ndarray
    ys: np.ndarray
    output: np.ndarray
    hidden: list

    @property
    def resolution(self) -> int:
        return len(self.xs)

    @property
    def score(self) -> np.ndarray:
        """(r, r): the single output, or for softmax the probability of the predicted class."""
        return self.output[..., 0] if self.output.shape[-1] == 1 else self.output.max(axis=-1)

    @property
    def predicted(self) -> np.ndarray:
        """(r, r) int class labels: p ≥ 0.5 for one output, argmax for several."""
        if self.output.shape[-1] == 1:
            return (self.output[..., 0] >= 0.5).astype(np.int64)
        return self.output.argmax(axis=-1)

    def thumbnails(self, size: int = THUMB_RESOLUTION) -> tuple[np.ndarray, np.ndarray, list]:
        """(xs (s,), ys (s,), [ (s, s, width_l) per hidden layer ]): a sub-sample of the exact grid values."""
        idx = thumb_index(self.resolution, size)
        sub = np.ix_(idx, idx)
        return self.xs[idx], self.ys[idx], [h[sub] for h in self.hidden]


def thumb_index(resolution: int, size: int) -> np.ndarray:
    """``size`` evenly spread indices into 0..resolution-1 (all of them when size ≥ resolution)."""
    if size >= resolution:
        return np.arange(resolution)
    return np.linspace(0, resolution - 1, size).round().astype(np.intp)


def network_grids(net, domain, resolution: int = BOUNDARY_RESOLUTION) -> NetworkGrids:
    """Every layer's output over ``domain`` in one forward pass.

    net : nn_core.MLP with 2 inputs; domain : (xmin, xmax, ymin, ymax), e.g. Dataset.domain.
    NaN outputs become 0.5 for probabilities (undecided) and 0 for hidden units.
    """
    xs, ys, points = grid_points(tuple(map(float, domain)), int(resolution))
    r = len(xs)
    outputs = net.layer_outputs(points)
    hidden = [finite(A).reshape(r, r, A.shape[1]) for A in outputs[:-1]]
    undecided = 0.5 if net.output in ("sigmoid", "softmax") else 0.0
    output = finite(outputs[-1], nan=undecided).reshape(r, r, outputs[-1].shape[1])
    return NetworkGrids(xs, ys, output, hidden)
