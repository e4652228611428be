"""The warped plane (nn_core.analysis.warp): the data and the input grid in two hidden units' coordinates, and the
output's straight line there when it is exact."""

from __future__ import annotations

import numpy as np
import pytest

from nn_core import runs
from nn_core.analysis.warp import warped_plane
from nn_core.config import RunConfig


@pytest.fixture(scope="module")
def trained():
    return runs.run(RunConfig(dataset="circle", hidden=(4, 2), epochs=200, optimizer="adam", lr=0.03))


def test_points_and_grid_lines_are_the_layers_own_outputs(trained):
    net, data = trained.net, trained.data
    plane = warped_plane(net, data.X_train, data.domain, 1, (2, 0), n_lines=5, samples=7)
    assert np.array_equal(plane.points, net.layer_outputs(data.X_train)[0][:, [2, 0]])
    x0, x1, y0, y1 = data.domain
    first = np.column_stack([np.full(7, x0), np.linspace(y0, y1, 7)])  # the line x1 = xmin
    assert np.allclose(plane.lines[0], net.layer_outputs(first)[0][:, [2, 0]], rtol=0, atol=1e-12)
    last = np.column_stack([np.linspace(x0, x1, 7), np.full(7, y1)])  # the line x2 = ymax
    assert np.allclose(plane.lines[-1], net.layer_outputs(last)[0][:, [2, 0]], rtol=0, atol=1e-12)
    assert plane.lines.shape == (10, 7, 2) and list(plane.line_axis) == [0] * 5 + [1] * 5
    assert plane.boundary is None  # layer 1 is not the last hidden layer: the output is no line here


def test_the_last_two_unit_layer_separates_the_classes_with_the_outputs_straight_line(trained):
    net, data = trained.net, trained.data
    plane = warped_plane(net, data.X_train, data.domain, 2, (0, 1))
    (ax, ay), (bx, by) = plane.boundary
    w, c = net.weights[-1][:, 0], float(net.biases[-1][0, 0])
    assert abs(w[0] * ax + w[1] * ay + c) < 1e-9 and abs(w[0] * bx + w[1] * by + c) < 1e-9  # logit 0 on it
    side = (plane.points @ w + c) > 0
    predicted = net.layer_outputs(data.X_train)[-1][:, 0] >= 0.5
    assert np.array_equal(side, predicted)  # which side of the line is the network's answer
    assert trained.history["accuracy"][-1] > 0.9


def test_same_network_same_plane(trained):
    a = warped_plane(trained.net, trained.data.X_train, trained.data.domain, 2, (1, 0))
    b = warped_plane(trained.net, trained.data.X_train, trained.data.domain, 2, (1, 0))
    assert np.array_equal(a.points, b.points) and np.array_equal(a.lines, b.lines)


@pytest.mark.parametrize("layer, units, phrase", [(3, (0, 1), "there is no layer 3"),
                                                  (0, (0, 1), "there is no layer 0"),
                                                  (2, (0, 2), "Layer 2 has 2 units; unit 3 is not one of them.")])
def test_a_layer_or_unit_the_network_lacks_is_one_sentence(trained, layer, units, phrase):
    with pytest.raises(ValueError, match=phrase):
        warped_plane(trained.net, trained.data.X_train, trained.data.domain, layer, units)
