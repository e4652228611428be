"""The slice chart draws nn_core's numbers: every grid cell's loss where it belongs, and every path point."""

import numpy as np
import pandas as pd
import pytest

from dashboard.landscape_chart import OVERLAP, landscape_chart, slice_frame
from dashboard.palette import RUN_COLOURS


def test_cells_hold_the_grid_and_tile_the_plane():
    alphas, betas = np.array([-1.0, 0.0, 1.0, 2.0]), np.array([-0.5, 0.5])
    loss = np.arange(8.0).reshape(2, 4)
    loss[1, 3] = np.inf
    cells = slice_frame(alphas, betas, loss)
    assert len(cells) == 7
    row = cells[(cells.alpha == 1.0) & (cells.beta == -0.5)].iloc[0]
    assert row.loss == loss[0, 2] and (row.alpha_lo, row.beta_lo) == (0.5, -1.0)
    assert (row.alpha_hi, row.beta_hi) == pytest.approx((1.5 + OVERLAP, 0.0 + OVERLAP))  # under the next cell
    assert cells[(cells.alpha == 2.0) & (cells.beta == 0.5)].empty  # overflowed: not drawn
    assert cells.alpha_lo.min() == -1.5 and cells.alpha_hi.max() == 2.5


def test_a_wide_range_gets_a_log_scale():
    paths = pd.DataFrame({"path": ["p"], "order": [0], "alpha": [0.0], "beta": [0.0]})
    scale = [landscape_chart([0.0, 1.0], [0.0], np.array([loss]), paths).to_dict()["layer"][0]["encoding"]["color"]
             ["scale"]["type"] for loss in ([0.01, 5.0], [0.5, 0.7], [0.0, 5.0])]
    assert scale == ["log", "linear", "linear"]


def test_the_chart_validates_and_holds_the_paths():
    axis = np.linspace(-1, 1, 5)
    loss = np.add.outer(axis ** 2, axis ** 2)
    paths = pd.DataFrame({"path": ["sgd", "sgd", "adam"], "order": [0, 1, 0], "alpha": [0.0, 0.5, 0.0],
                          "beta": [0.0, 0.1, 0.0], "loss": [1.0, 0.5, 1.0], "epoch": [0, 10, 0]})
    chart = landscape_chart(axis, axis, loss, paths, {"sgd": RUN_COLOURS[0], "adam": RUN_COLOURS[1]})
    spec = chart.to_dict()  # validates against the Vega-Lite schema
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    heat, contours, line, ends = chart.layer
    assert heat.data["loss"].tolist() == loss.ravel().tolist()
    assert len(contours.data) > 0
    assert line.data is paths and ends.data is paths  # the dots come from the paths' own data (swappable)
    assert [t.to_dict() for t in ends.transform] == [  # each path's last point
        {"joinaggregate": [{"op": "max", "field": "order", "as": "last"}], "groupby": ["path"]},
        {"filter": "datum.order == datum.last"}]
