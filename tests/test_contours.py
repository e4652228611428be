"""Level lines of a grid (nn_core.analysis.contours): every segment's ends lie on the level, by construction."""

import numpy as np
import pytest

from nn_core.analysis.contours import level_segments, levels

XS, YS = np.linspace(-1, 1, 21), np.linspace(-2, 2, 31)


def test_a_plane_gives_straight_lines_across_the_grid():
    grid = np.broadcast_to(3 * XS[None, :], (len(YS), len(XS)))
    segments = level_segments(grid, XS, YS, 1.0)
    assert segments.shape == (len(YS) - 1, 2, 2)
    np.testing.assert_allclose(segments[..., 0], 1 / 3, atol=1e-15)
    assert segments[..., 1].min() == -2 and segments[..., 1].max() == 2


def test_a_cone_gives_a_closed_ring_at_its_level():
    grid = np.hypot(XS[None, :], YS[:, None])
    segments = level_segments(grid, XS, YS, 0.77)  # on no grid point
    radius = np.hypot(segments[..., 0], segments[..., 1])
    assert np.abs(radius - 0.77).max() < 5e-3  # linear interpolation along edges 0.1 long: about h² / 8r
    ends, counts = np.unique(np.round(segments.reshape(-1, 2), 12), axis=0, return_counts=True)
    assert len(ends) == len(segments) and set(counts) == {2}  # each end meets exactly one other segment


def test_a_saddle_gets_two_segments_and_an_overflowed_cell_none():
    grid = XS[None, :] * YS[:, None]
    assert len(level_segments(grid, XS, YS, 0.05)) > 0
    grid = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert level_segments(grid, [0, 1], [0, 1], 0.5).shape == (2, 2, 2)
    assert len(level_segments(np.array([[0.0, np.inf], [1.0, 0.0]]), [0, 1], [0, 1], 0.5)) == 0


def test_levels_lie_strictly_inside_the_range_and_are_geometric_on_a_log_scale():
    grid = np.array([[1.0, 10.0], [100.0, np.nan]])
    geometric = levels(grid, log=True, count=3)
    assert geometric == pytest.approx(np.geomspace(1, 100, 5)[1:-1])
    assert levels(grid, log=False, count=3) == pytest.approx([25.75, 50.5, 75.25])
    assert len(levels(np.ones((3, 3)), log=False)) == 0
