"""Level lines of a grid of values (marching squares), as straight segments a chart can draw.

A loss landscape's slice is an N × N grid; its contours say where the loss is equal, which a colour
alone shows poorly. Each grid cell whose corners lie on both sides of a level gets one segment between
the two crossings on its edges (two segments at a saddle), each crossing placed by linear
interpolation along its edge. A cell with a non-finite corner (an overflowed loss) gets none.
"""

from __future__ import annotations

import math

import numpy as np

LEVELS = 8  # level lines drawn over a slice


def levels(values: np.ndarray, log: bool, count: int = LEVELS) -> np.ndarray:
    """``count`` levels spread evenly between the finite values' extremes (excluded), geometrically when
    ``log`` (so a slice whose loss spans decades gets lines near its floor as well as on its walls)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0 or finite.min() == finite.max():
        return np.empty(0)
    low, high = float(finite.min()), float(finite.max())
    if log and low > 0:
        return np.geomspace(low, high, count + 2)[1:-1]
    return np.linspace(low, high, count + 2)[1:-1]


def level_segments(grid: np.ndarray, xs: np.ndarray, ys: np.ndarray, level: float) -> np.ndarray:
    """(k, 2, 2): the segments [[x, y], [x, y]] of the line ``grid == level``.

    grid : (len(ys), len(xs)), rows along ys and columns along xs (a slice's loss: rows are betas).
    """
    z = np.asarray(grid, dtype=np.float64)
    xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    if z.shape[0] < 2 or z.shape[1] < 2 or not math.isfinite(level):
        return np.empty((0, 2, 2))
    above = z >= level
    with np.errstate(all="ignore"):
        # crossings on the horizontal edges (i, j)-(i, j+1) and on the vertical edges (i, j)-(i+1, j)
        th = (level - z[:, :-1]) / (z[:, 1:] - z[:, :-1])
        tv = (level - z[:-1, :]) / (z[1:, :] - z[:-1, :])
    h_cross = above[:, :-1] != above[:, 1:]
    v_cross = above[:-1, :] != above[1:, :]
    hx = xs[:-1] + th * np.diff(xs)  # (ny, nx-1), at y = ys[i]
    hy = np.broadcast_to(ys[:, None], hx.shape)
    vy = ys[:-1, None] + tv * np.diff(ys)[:, None]  # (ny-1, nx), at x = xs[j]
    vx = np.broadcast_to(xs[None, :], vy.shape)
    # each cell's edges in the order bottom, right, top, left
    flags = np.stack([h_cross[:-1, :], v_cross[:, 1:], h_cross[1:, :], v_cross[:, :-1]], axis=-1)
    points = np.stack([np.stack([hx[:-1, :], hy[:-1, :]], -1), np.stack([vx[:, 1:], vy[:, 1:]], -1),
                       np.stack([hx[1:, :], hy[1:, :]], -1), np.stack([vx[:, :-1], vy[:, :-1]], -1)], axis=-2)
    finite = np.isfinite(z)
    whole = finite[:-1, :-1] & finite[:-1, 1:] & finite[1:, :-1] & finite[1:, 1:]
    count = flags.sum(axis=-1)
    segments = []
    two = whole & (count == 2)
    if two.any():
        f, p = flags[two], points[two]
        first = np.argmax(f, axis=1)
        last = 3 - np.argmax(f[:, ::-1], axis=1)
        rows = np.arange(len(f))
        segments.append(np.stack([p[rows, first], p[rows, last]], axis=1))
    saddle = whole & (count == 4)
    if saddle.any():
        p = points[saddle]
        corners = (z[:-1, :-1] + z[:-1, 1:] + z[1:, :-1] + z[1:, 1:])[saddle] / 4
        # cut off the two corners on the other side from the cell's centre
        same = (corners >= level) == above[:-1, :-1][saddle]
        pairs = np.where(same[:, None, None], [[0, 1], [2, 3]], [[0, 3], [1, 2]])  # (k, 2, 2) edge indices
        rows = np.arange(len(p))[:, None, None]
        segments.append(p[rows, pairs].reshape(-1, 2, 2))
    return np.concatenate(segments) if segments else np.empty((0, 2, 2))
