"""A network's outputs over the input plane: the decision boundary and every hidden unit's picture.

One batched forward pass (``net.layer_outputs``) over a resolution × resolution grid
gives the boundary and all hidden units at once; the per-neuron thumbnails are
sub-samples of those same arrays, like TF Playground's ``reduceMatrix``. Every
array returned is finite and within ±LIMIT: a diverged network shows as saturated
colour, never NaN, and its values fit the float32 the charts send to the browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import reference
from .features import RAW, feature_matrix

BOUNDARY_RESOLUTION = 100
THUMB_RESOLUTION = 30
LIMIT = 1e6  # grid values are clipped to ±LIMIT: far beyond any colour scale, well inside float32


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
    """``values`` with NaN replaced by ``nan`` and everything clipped to ±LIMIT (in place when writable).

    Clipping, not just replacing ±inf: a diverged network's finite outputs (1e150)
    overflow when a chart casts them to float32.
    """
    if values.size == 0 or (values.min() >= -LIMIT and values.max() <= LIMIT):  # False when NaN is present
        return values
    out = values if values.flags.writeable else values.copy()
    np.nan_to_num(out, copy=False, nan=nan)
    return np.clip(out, -LIMIT, LIMIT, out=out)


@dataclass(frozen=True)
class NetworkGrids:
    """Outputs on the grid, all finite and within ±LIMIT.

    ``output`` : (r, r, n_out) over (xs, ys); ``hidden[l]`` : (h, h, units) over
    (hidden_xs, hidden_ys), where h = r unless a coarser hidden resolution was asked for.
    """

    xs: np.ndarray
    ys: np.ndarray
    output: np.ndarray
    hidden: list
    hidden_xs: np.ndarray
    hidden_ys: np.ndarray

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
        return reference.predicted_class(self.output)

    def thumbnails(self, size: int = THUMB_RESOLUTION) -> tuple[np.ndarray, np.ndarray, list]:
        """(xs (s,), ys (s,), [(s, s, units) per hidden layer]): a sub-sample of the exact hidden grids."""
        idx = thumb_index(len(self.hidden_xs), size)
        sub = np.ix_(idx, idx)
        return self.hidden_xs[idx], self.hidden_ys[idx], [h[sub] for h in self.hidden]


def thumb_index(resolution: int, size: int) -> np.ndarray:
    """``size`` evenly spread indices into 0..resolution-1 (all of them when size ≥ resolution)."""
    if size >= resolution:
        return np.arange(resolution)
    return np.linspace(0, resolution - 1, size).round().astype(np.intp)


BLOCK_VALUES = 2_000_000  # floats one forward block may hold (16 MB), so 8 × 256-unit layers stay small


def network_grids(net, domain, resolution: int = BOUNDARY_RESOLUTION, hidden_resolution: int | None = None,
                  max_units: int | None = None) -> NetworkGrids:
    """Every layer's output over ``domain``: one forward pass for small networks.

    net : nn_core.MLP with 2 inputs; domain : (xmin, xmax, ymin, ymax), e.g. Dataset.domain.
    Hidden units are kept on a sub-grid of ``hidden_resolution`` (default: the full
    grid) and only the first ``max_units`` of each layer (default: all); big
    networks are run in blocks of grid rows so memory stays bounded. NaN outputs
    become 0.5 for probabilities (undecided) and 0 for hidden units.
    """
    xs, ys, points = grid_points(tuple(map(float, domain)), int(resolution))
    r = len(xs)
    keep = thumb_index(r, hidden_resolution or r)
    units = [w if max_units is None else min(w, max_units) for w in net.layer_sizes[1:-1]]
    rows_per_block = max(1, min(r, BLOCK_VALUES // (r * max(1, sum(net.layer_sizes[1:])))))
    output = np.empty((r, r, net.layer_sizes[-1])) if rows_per_block < r else None
    hidden = []
    for start in range(0, r, rows_per_block):
        stop = min(r, start + rows_per_block)
        outs = net.layer_outputs(points[start * r:stop * r])
        images = [A.reshape(stop - start, r, -1) for A in outs]
        if output is None:  # one block: the common case, kept without copies when nothing is sub-sampled
            output = images[-1]
            hidden = [_subsample(image, keep, u) for image, u in zip(images[:-1], units)]
            break
        output[start:stop] = images[-1]
        rows = keep[(keep >= start) & (keep < stop)] - start
        hidden.append([image[rows][:, keep, :u] for image, u in zip(images[:-1], units)])
    if rows_per_block < r:
        hidden = [np.concatenate(parts) for parts in zip(*hidden)] if units else []
    undecided = 0.5 if net.output in ("sigmoid", "softmax") else 0.0
    return NetworkGrids(xs, ys, finite(output, nan=undecided), [finite(h) for h in hidden], xs[keep], ys[keep])


def _subsample(image: np.ndarray, keep: np.ndarray, units: int) -> np.ndarray:
    if len(keep) == image.shape[0]:
        return image[..., :units]
    return image[np.ix_(keep, keep)][..., :units]


def input_grids(features, xs: np.ndarray, ys: np.ndarray) -> list[np.ndarray]:
    """Each input unit's value over the plane (row i is ys[i]), scaled into [-1, 1]: its node's picture.

    ``features``: the network's input feature names, or None for the raw point (x1, x2).
    """
    X = np.column_stack([np.tile(xs, len(ys)), np.repeat(ys, len(xs))])
    with np.errstate(all="ignore"):
        columns = feature_matrix(X, tuple(features or RAW))
    pictures = []
    for column in np.asarray(columns, dtype=np.float64).T:
        top = float(np.max(np.abs(column), initial=0.0))
        pictures.append((column / top if top > 0 else column).reshape(len(ys), len(xs)))
    return pictures
