"""nn_core.grids (the boundary and neuron pictures) and nn_core.metrics (the scores under them)."""

import math

import numpy as np
import pytest

from nn_core import MLP
from nn_core.datasets import make
from nn_core.grids import grid_points, network_grids, thumb_index
from nn_core.metrics import accuracy, confusion_matrix, predicted_labels, r2, rmse, scores

DOMAIN = (-1.5, 2.5, -1.0, 1.0)


def test_grid_points_cover_the_domain_in_row_major_order():
    xs, ys, P = grid_points(DOMAIN, 4)
    assert np.allclose(xs, [-1.0, 0.0, 1.0, 2.0])  # cell centres of 4 cells across [-1.5, 2.5]
    assert np.allclose(ys, [-0.75, -0.25, 0.25, 0.75])
    assert P.shape == (16, 2)
    assert tuple(P[1]) == (xs[1], ys[0]) and tuple(P[4]) == (xs[0], ys[1])
    with pytest.raises(ValueError):
        P[0, 0] = 3.0  # cached arrays are shared, so they are read-only


def test_network_grids_equal_the_network_on_those_points():
    net = MLP([2, 8, 8, 1], activation="tanh", output="sigmoid", seed=3)
    g = network_grids(net, DOMAIN, resolution=20)
    assert g.output.shape == (20, 20, 1) and [h.shape for h in g.hidden] == [(20, 20, 8), (20, 20, 8)]
    i, j = 7, 13
    point = np.array([[g.xs[j], g.ys[i]]])
    A1, A2, out = net.layer_outputs(point)
    # the same numbers up to BLAS summation order (a 400-row matmul vs a 1-row one)
    assert np.allclose(g.hidden[0][i, j], A1[0], rtol=1e-12, atol=1e-15)
    assert np.allclose(g.hidden[1][i, j], A2[0], rtol=1e-12, atol=1e-15)
    assert g.output[i, j, 0] == pytest.approx(out[0, 0], rel=1e-12) and g.score[i, j] == g.output[i, j, 0]
    assert g.predicted[i, j] == int(out[0, 0] >= 0.5)


def test_softmax_grid_scores_the_predicted_class():
    net = MLP([2, 5, 3], activation="relu", output="softmax", seed=1)
    g = network_grids(net, DOMAIN, resolution=10)
    assert np.array_equal(g.predicted, g.output.argmax(axis=-1))
    assert np.allclose(g.score, g.output.max(axis=-1))
    assert np.allclose(g.output.sum(axis=-1), 1.0)


def test_thumbnails_are_exact_subsamples_of_the_grid():
    net = MLP([2, 4, 3, 1], activation="tanh", seed=0)
    g = network_grids(net, DOMAIN, resolution=100)
    xs, ys, layers = g.thumbnails(30)
    idx = thumb_index(100, 30)
    assert idx[0] == 0 and idx[-1] == 99 and len(set(idx)) == 30
    assert [t.shape for t in layers] == [(30, 30, 4), (30, 30, 3)]
    assert np.array_equal(xs, g.xs[idx]) and np.array_equal(ys, g.ys[idx])
    assert np.array_equal(layers[1][5, 29], g.hidden[1][idx[5], 99])


def test_a_diverged_network_never_puts_nan_or_inf_into_the_grids():
    net = MLP([2, 4, 4, 1], activation="relu", output="sigmoid", seed=0)
    W1, b1, W2, b2, W3, b3 = net.parameters()  # relu(1e300 x) overflows to inf, inf - inf is NaN downstream
    net.set_parameters([np.full_like(W1, 1e300), b1, np.array([[1e300, -1e300, 1e300, -1e300]] * 4), b2, W3, b3])
    g = network_grids(net, DOMAIN, resolution=12)
    assert all(np.isfinite(h).all() for h in g.hidden)
    assert np.isfinite(g.output).all()
    assert (g.output[np.isnan(net.layer_outputs(grid_points(DOMAIN, 12)[2])[-1].reshape(12, 12, 1))] == 0.5).all()


def test_confusion_matrix_and_accuracy_by_hand():
    y_true = np.array([0, 0, 1, 1, 2, 2])
    y_pred = np.array([0, 1, 1, 1, 2, 0])
    cm = confusion_matrix(y_true, y_pred, 3)
    assert cm.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert accuracy(y_true, y_pred) == pytest.approx(4 / 6)
    assert accuracy(y_true.reshape(-1, 1).astype(float), y_pred) == pytest.approx(4 / 6)  # (n, 1) targets


def test_predicted_labels_for_sigmoid_and_softmax():
    assert predicted_labels(np.array([[0.2], [0.5], [0.9]])).tolist() == [0, 1, 1]
    assert predicted_labels(np.array([[0.1, 0.7, 0.2], [0.6, 0.3, 0.1]])).tolist() == [1, 0]


def test_r2_and_rmse_by_hand():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    p = np.array([1.5, 2.0, 2.5, 4.0])
    assert rmse(y, p) == pytest.approx(math.sqrt((0.25 + 0 + 0.25 + 0) / 4))
    assert r2(y, p) == pytest.approx(1 - 0.5 / 5.0)
    assert r2(y, y) == 1.0


def test_degenerate_scores_are_nan_without_warnings():
    assert math.isnan(r2([2.0, 2.0], [1.0, 3.0]))  # constant targets: R² undefined
    assert math.isnan(rmse([], []))
    assert math.isnan(accuracy([], []))
    assert math.isnan(rmse([1.0], [np.inf]))


def test_scores_for_a_classification_and_a_regression_run():
    data = make("blobs", n=60, noise=0.0, seed=0, classes=3)
    net = MLP([2, 6, 3], activation="tanh", output="softmax", seed=0)
    s = scores(net, data)
    pred = net.forward(data.X_test).argmax(axis=1)
    assert s["confusion_split"] == "test"
    assert s["confusion"].sum() == data.n_test and s["confusion"].shape == (3, 3)
    assert s["test_accuracy"] == pytest.approx(np.mean(pred == data.y_test))

    reg = make("plane", n=50, noise=0.0, seed=0)
    net = MLP([2, 4, 1], activation="tanh", output="linear", seed=0)
    s = scores(net, reg)
    assert s["train_rmse"] == pytest.approx(rmse(reg.y_train, net.forward(reg.X_train)))
    assert s["test_r2"] == pytest.approx(r2(reg.y_test, net.forward(reg.X_test)))


def test_big_networks_run_in_blocks_and_keep_only_the_shown_units(monkeypatch):
    import nn_core.grids as grids

    net = MLP([2, 40, 40, 1], activation="relu", seed=2)
    whole = network_grids(net, DOMAIN, resolution=50, hidden_resolution=20, max_units=16)
    monkeypatch.setattr(grids, "BLOCK_VALUES", 20_000)  # forces 50 / (20000 // (50 * 81)) = 13 blocks
    blocks = network_grids(net, DOMAIN, resolution=50, hidden_resolution=20, max_units=16)
    assert [h.shape for h in blocks.hidden] == [(20, 20, 16), (20, 20, 16)]
    assert np.allclose(blocks.output, whole.output, rtol=1e-12, atol=0)
    for a, b in zip(blocks.hidden, whole.hidden):
        assert np.allclose(a, b, rtol=1e-12, atol=0)
    full = network_grids(net, DOMAIN, resolution=50)
    idx = thumb_index(50, 20)
    assert np.allclose(blocks.hidden[1], full.hidden[1][np.ix_(idx, idx)][..., :16], rtol=1e-12, atol=0)
    assert np.array_equal(blocks.hidden_xs, full.xs[idx])
