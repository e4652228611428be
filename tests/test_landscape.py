"""The loss landscape: slices equal the network's own loss moved by hand, and the directions are what they claim."""

import numpy as np
import pytest

from nn_core.analysis import landscape
from nn_core.analysis.landscape import directions, grid_blocks, grid_plan, loss_grid, parameters_of, project
from nn_core.config import RunConfig
from nn_core.network import MLP
from nn_core.runs import prepare

CONFIGS = {
    "default": RunConfig(epochs=60),
    "relu-tanh softmax": RunConfig(dataset="blobs", classes=3, hidden=(6, 5), activation=("relu", "tanh"),
                                   output="softmax", epochs=40),
    "regression": RunConfig(dataset="plane", hidden=(5,), activation="gelu", output="linear", lr=0.05, epochs=40),
    "features, dropout, l2": RunConfig(dataset="circle", features=("x1", "x2", "x1_sq", "x2_sq"), hidden=(8,),
                                       dropout=0.3, l2=0.01, optimizer="adam", lr=0.01, batch_size=16, epochs=5),
}


def _trained(config: RunConfig):
    run = prepare(config)
    run.train()
    return run


def _moved(net: MLP, d1, d2, a: float, b: float) -> MLP:
    """The network at θ + a·d1 + b·d2, built by hand."""
    moved = net.copy()
    moved.set_parameters([p + a * u + b * v for p, u, v in zip(net.parameters(), d1, d2)])
    return moved


@pytest.mark.parametrize("name", list(CONFIGS))
def test_the_centre_is_the_networks_own_loss_without_penalty_or_dropout(name):
    run = _trained(CONFIGS[name])
    net, X, y = run.net, run.data.X_train, run.data.y_train
    d1, d2 = directions(net, seed=3)
    grid = loss_grid(net, X, y, d1, d2, np.linspace(-1, 1, 5), np.linspace(-0.5, 0.5, 3))
    assert grid.shape == (3, 5)
    assert grid[1, 2] == pytest.approx(net.loss(X, y), rel=1e-13)
    assert grid[1, 2] == pytest.approx(run.trainer.evaluate()["train_loss"], rel=1e-13)
    if run.config.l2:
        assert grid[1, 2] < net.loss(X, y, l2=run.config.l2)  # the penalty is left out


@pytest.mark.parametrize("name", list(CONFIGS))
def test_grid_points_equal_moving_the_weights_by_hand(name):
    run = _trained(CONFIGS[name])
    net, X, y = run.net, run.data.X_train, run.data.y_train
    d1, d2 = directions(net, seed=1)
    alphas, betas = np.linspace(-1.0, 1.0, 7), np.linspace(-0.6, 0.9, 4)
    grid = loss_grid(net, X, y, d1, d2, alphas, betas)
    rng = np.random.RandomState(0)
    for i, j in zip(rng.randint(0, 4, 6), rng.randint(0, 7, 6)):
        by_hand = _moved(net, d1, d2, alphas[j], betas[i]).loss(X, y)
        assert grid[i, j] == pytest.approx(by_hand, rel=1e-12)
    assert len(set(np.round(grid.ravel(), 12))) > 20  # the slice is not flat: the directions move the loss


def test_a_grid_over_several_blocks_equals_the_points_one_by_one():
    run = _trained(CONFIGS["default"])
    net, X, y = run.net, run.data.X_train, run.data.y_train
    assert len(grid_blocks(net, len(X), 41 * 41)) > 1
    d1, d2 = directions(net, seed=0)
    axis = np.linspace(-1, 1, 41)
    grid = loss_grid(net, X, y, d1, d2, axis, axis)
    for i, j in [(0, 0), (40, 40), (13, 29), (27, 3)]:
        assert grid[i, j] == pytest.approx(_moved(net, d1, d2, axis[j], axis[i]).loss(X, y), rel=1e-12)


def test_random_directions_are_filter_normalised_unit_by_unit():
    net = _trained(CONFIGS["relu-tanh softmax"]).net
    d1, d2 = directions(net, "random", seed=7)
    for d in (d1, d2):
        for W, dW in zip(net.weights, d[0::2]):
            assert dW.shape == W.shape
            np.testing.assert_allclose(np.linalg.norm(dW, axis=0), np.linalg.norm(W, axis=0), rtol=1e-13)
        for b, db in zip(net.biases, d[1::2]):
            assert db.shape == b.shape and not db.any()
    assert not np.allclose(d1[0], d2[0])
    again = directions(net, "random", seed=7)
    assert all(np.array_equal(u, v) for u, v in zip(d1 + d2, again[0] + again[1]))
    other = directions(net, "random", seed=8)
    assert not np.array_equal(d1[0], other[0][0])


def test_pca_directions_are_orthonormal_and_the_path_starts_at_negative_alpha_and_beta():
    run = _trained(RunConfig(epochs=200))
    path = [parameters_of(s) for s in run.snapshots]
    assert len(path) >= 10
    d1, d2 = directions(run.net, "pca", snapshots=path)
    u, v = (np.concatenate([p.ravel() for p in d]) for d in (d1, d2))
    assert u @ u == pytest.approx(1, abs=1e-12) and v @ v == pytest.approx(1, abs=1e-12)
    assert u @ v == pytest.approx(0, abs=1e-12)
    assert [p.shape for p in d1] == [p.shape for p in run.net.parameters()]
    start = project(path[:1], run.net.parameters(), d1, d2)
    assert start.alpha[0] < 0 and start.beta[0] <= 0


def test_a_path_in_a_plane_is_reproduced_exactly():
    net = MLP([2, 5, 3, 1], "tanh", seed=4)
    theta = net.parameters()
    rng = np.random.RandomState(5)
    u = [rng.standard_normal(p.shape) for p in theta]  # two directions, neither unit nor orthogonal
    v = [rng.standard_normal(p.shape) + 0.5 * q for p, q in zip(theta, u)]
    coords = rng.uniform(-2, 2, size=(12, 2))
    path = [[p + a * x + b * y for p, x, y in zip(theta, u, v)] for a, b in coords]
    d1, d2 = directions(net, "pca", snapshots=path)
    on_plane = project(path, theta, d1, d2)
    assert np.max(on_plane.off_plane) < 1e-12
    for k, snapshot in enumerate(path):
        rebuilt = [p + on_plane.alpha[k] * x + on_plane.beta[k] * y for p, x, y in zip(theta, d1, d2)]
        for mine, theirs in zip(rebuilt, snapshot):
            np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-12)
    in_own_directions = project(path, theta, u, v)  # least squares finds the coordinates the path was made of
    np.testing.assert_allclose(in_own_directions.alpha, coords[:, 0], atol=1e-12)
    np.testing.assert_allclose(in_own_directions.beta, coords[:, 1], atol=1e-12)


def test_off_plane_is_the_distance_from_the_plane():
    net = MLP([2, 4, 1], "relu", seed=0)
    theta = net.parameters()
    d1, d2 = directions(net, "random", seed=2)
    flat = np.concatenate([p.ravel() for p in theta])
    D = np.stack([np.concatenate([p.ravel() for p in d]) for d in (d1, d2)], axis=1)
    normal = np.random.RandomState(0).standard_normal(flat.size)
    normal -= D @ np.linalg.lstsq(D, normal, rcond=None)[0]  # orthogonal to the plane
    normal /= np.linalg.norm(normal)
    point = flat + D @ np.array([0.3, -1.2]) + 0.25 * normal
    offsets = np.cumsum([0] + [p.size for p in theta])
    snapshot = [point[a:b].reshape(p.shape) for a, b, p in zip(offsets, offsets[1:], theta)]
    found = project([snapshot], theta, d1, d2)
    assert found.alpha[0] == pytest.approx(0.3, abs=1e-12) and found.beta[0] == pytest.approx(-1.2, abs=1e-12)
    assert found.off_plane[0] == pytest.approx(0.25, abs=1e-12)


def test_bad_directions_are_one_sentence():
    net = MLP([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match="choose one of: random, pca"):
        directions(net, "sideways")
    with pytest.raises(ValueError, match="at least two snapshots"):
        directions(net, "pca", snapshots=[net.parameters()])
    d1, _ = directions(net)
    with pytest.raises(ValueError, match="must hold 4 arrays"):
        loss_grid(net, np.zeros((3, 2)), np.zeros(3), d1, d1[:2], [0], [0])


def test_the_default_network_gets_the_full_grid_on_every_point():
    run = prepare(RunConfig())
    plan = grid_plan(run.net, run.data.n_train)
    assert plan.size == landscape.GRID_SIZE == 41 and plan.rows is None and plan.n_points == 160
    assert plan.note() == "Loss over all 160 training points on a 41 × 41 grid."


def test_a_big_network_gets_a_fixed_subset_and_a_coarser_odd_grid():
    net = MLP([2] + [256] * 8 + [1], "tanh", seed=0)
    plan = grid_plan(net, 3200)
    assert plan.rows is not None and landscape.MIN_POINTS <= len(plan.rows) <= landscape.MAX_POINTS
    assert len(set(plan.rows.tolist())) == len(plan.rows) and plan.rows[0] == 0 and plan.rows[-1] < 3200
    assert np.array_equal(plan.rows, grid_plan(net, 3200).rows)  # fixed: the same rows every time
    assert landscape.MIN_GRID_SIZE <= plan.size < landscape.GRID_SIZE and plan.size % 2 == 1
    assert f"a fixed subset of {len(plan.rows)} of the 3200 training points" in plan.note()
    mid = grid_plan(MLP([2, 64, 64, 1], "tanh", seed=0), 1600)
    assert mid.size == 41 and mid.n_points == landscape.MAX_POINTS
    few = grid_plan(net, 160)  # fewer points than the subset: all of them, on a coarser grid
    assert few.rows is None and landscape.MIN_GRID_SIZE <= few.size < 41


def test_training_loss_in_row_blocks_is_the_plain_mean():
    net = MLP([2, 256, 256, 1], "tanh", seed=1)
    rng = np.random.RandomState(2)
    X, y = rng.standard_normal((1200, 2)), rng.randint(0, 2, 1200)
    assert len(net.row_blocks(1200)) > 1
    assert landscape.training_loss(net, X, y) == pytest.approx(net.loss(X, y), rel=1e-13)


def test_the_note_reads_aloud():
    assert landscape.GridPlan(11, None, 90).note() == "Loss over all 90 training points on an 11 × 11 grid."
    assert landscape.GridPlan(81, None, 90).note().endswith("on an 81 × 81 grid.")
    assert landscape.GridPlan(21, None, 90).note().endswith("on a 21 × 21 grid.")


# ----------------------------------------------------------------------------- a step goes downhill
def _lesson(reduction="mean", activation="tanh"):
    run = prepare(RunConfig(dataset="xor", hidden=(4,), activation=activation, epochs=0))
    return run.net, run.data.X_train[:8], run.data.y_train[:8], reduction


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_alpha_one_is_the_trainers_next_step(reduction):
    from nn_core.training import Trainer
    net, X, y, _ = _lesson()
    d1, d2 = landscape.step_directions(net, X, y, lr=0.7, reduction=reduction, seed=4)
    stepped = net.copy()
    Trainer(stepped, X, y, lr=0.7, reduction=reduction, diagnostics=False, snapshots=0).run(1)
    for theta, d, after in zip(net.parameters(), d1, stepped.parameters()):
        np.testing.assert_array_equal(theta + 1.0 * d, after)  # one SGD step, to the last bit
    grid = loss_grid(net, X, y, d1, d2, [0.0, 1.0], [0.0], reduction=reduction)
    assert grid[0, 0] == pytest.approx(net.loss(X, y, reduction), rel=1e-13, abs=1e-15)
    assert grid[0, 1] == pytest.approx(stepped.loss(X, y, reduction), rel=1e-12, abs=1e-15)
    assert grid[0, 1] < grid[0, 0]  # a small step goes downhill


def test_step_directions_point_down_the_gradient_and_d2_is_orthogonal_and_as_long():
    net, X, y, _ = _lesson()
    lr = 0.3
    d1, d2 = landscape.step_directions(net, X, y, lr=lr, seed=0)
    _, grads = net.loss_and_gradients(X, y)
    g = np.concatenate([a.ravel() for pair in grads for a in pair])
    u, v = landscape._flat(d1), landscape._flat(d2)
    np.testing.assert_allclose(u, -lr * g, rtol=0, atol=0)
    np.testing.assert_allclose(u / np.linalg.norm(u), -g / np.linalg.norm(g), rtol=1e-14, atol=1e-16)
    assert np.linalg.norm(u) == pytest.approx(lr * np.linalg.norm(g), rel=1e-14)
    assert abs(u @ v) <= 1e-12 * np.linalg.norm(u) * np.linalg.norm(v)
    assert np.linalg.norm(v) == pytest.approx(np.linalg.norm(u), rel=1e-12)
    assert [a.shape for a in d2] == [p.shape for p in net.parameters()]
    again = landscape.step_directions(net, X, y, lr=lr, seed=0)[1]
    assert all(np.array_equal(a, b) for a, b in zip(d2, again))  # the same seed, the same picture
    assert not np.array_equal(v, landscape._flat(landscape.step_directions(net, X, y, lr=lr, seed=1)[1]))


def test_a_zero_gradient_has_no_downhill_and_says_so():
    net = MLP([2, 1], activation="tanh", output="linear", seed=0)
    net.set_parameters([np.zeros((2, 1)), np.zeros((1, 1))])
    X, y = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0.0, 0.0])
    with pytest.raises(ValueError, match="^The gradient here is zero or not finite: a step does not move"):
        landscape.step_directions(net, X, y, lr=0.1)


def test_an_unknown_reduction_is_one_sentence():
    net, X, y, _ = _lesson()
    d1, d2 = directions(net)
    with pytest.raises(ValueError, match="^Unknown reduction 'median'; choose one of: mean, sum.$"):
        loss_grid(net, X, y, d1, d2, [0.0], [0.0], reduction="median")


# ----------------------------------------------------------------------------- several runs, one slice
@pytest.fixture(scope="module")
def optimizers():
    from nn_core.analysis import compare
    return compare.compare(compare.sweep(RunConfig(epochs=120), "optimizer", ["sgd", "momentum", "adam"]))


def test_every_path_starts_at_the_shared_initial_weights(optimizers):
    shared = landscape.shared_slice(optimizers)
    assert shared.labels == [r.label for r in optimizers]
    for run, placed, epochs, own in zip(optimizers, shared.paths, shared.epochs, shared.path_loss):
        assert (placed.alpha[0], placed.beta[0], placed.off_plane[0]) == (0.0, 0.0, 0.0)
        assert epochs[0] == 0 and epochs[-1] == run.epochs_done == 120
        assert own[0] == pytest.approx(run.history.columns["loss"][0], rel=1e-13)  # each point's own loss
        assert own[-1] == pytest.approx(run.metrics["train_loss"], rel=1e-13)
        assert len(placed.alpha) == len(own) == len(epochs)
    end = shared.paths[0]
    assert end.alpha[-1] >= 0 and end.beta[-1] >= 0  # the first run ends in the positive quadrant
    assert any(abs(p.alpha[-1]) + abs(p.beta[-1]) > 0.5 for p in shared.paths)  # the paths show on the slice


def test_shared_directions_are_the_principal_plane_of_all_paths(optimizers):
    shared = landscape.shared_slice(optimizers)
    u, v = landscape._flat(shared.d1), landscape._flat(shared.d2)
    assert u @ u == pytest.approx(1.0, abs=1e-12) and v @ v == pytest.approx(1.0, abs=1e-12)
    assert abs(u @ v) < 1e-12
    points = np.stack([landscape._flat(landscape.parameters_of(s)) for r in optimizers for s in r.snapshots])
    M = points - landscape._flat(shared.center)
    captured = np.sum((M @ u) ** 2) + np.sum((M @ v) ** 2)
    for seed in range(5):  # no other plane through θ0 holds more of the paths
        q, _ = np.linalg.qr(np.random.RandomState(seed).standard_normal((u.size, 2)))
        assert captured >= np.sum((M @ q) ** 2) - 1e-9


def test_the_shared_grid_is_the_loss_at_the_initial_weights_moved_by_hand(optimizers):
    shared = landscape.shared_slice(optimizers, size=5, span=2.0)
    run = optimizers[0]
    start = run.net.copy()
    start.set_parameters(shared.center)
    X, y = run.data.X_train, run.data.y_train
    assert shared.loss[2, 2] == pytest.approx(run.history.columns["loss"][0], rel=1e-13)
    for i, j in [(0, 0), (1, 3), (4, 2)]:
        by_hand = _moved(start, shared.d1, shared.d2, shared.alphas[j], shared.betas[i]).loss(X, y)
        assert shared.loss[i, j] == pytest.approx(by_hand, rel=1e-12)
    assert list(shared.alphas) == [-2.0, -1.0, 0.0, 1.0, 2.0]


def test_the_default_span_holds_every_path(optimizers):
    shared = landscape.shared_slice(optimizers)
    reach = max(max(np.abs(p.alpha).max(), np.abs(p.beta).max()) for p in shared.paths)
    for axis, coordinate in [(shared.alphas, "alpha"), (shared.betas, "beta")]:
        values = np.concatenate([getattr(p, coordinate) for p in shared.paths])
        assert axis[0] == pytest.approx(min(0.0, values.min()) - 0.2 * reach, rel=1e-12)
        assert axis[-1] == pytest.approx(max(0.0, values.max()) + 0.2 * reach, rel=1e-12)
        assert len(axis) == 41
    assert shared.loss.shape == (41, 41)


@pytest.mark.parametrize("setting, values, sentence", [
    ("activation", ["relu", "tanh"], "“activation tanh” and “activation relu” differ in their hidden activations: "
                                     "each has its own loss surface, so no one slice shows both."),
    ("hidden", [(4,), (5,)], "“hidden 5” has layers 2-5-1 and “hidden 4” 2-4-1: runs share a slice only when "
                             "their weights have the same shapes."),
    ("init", ["he", "xavier"], "“init xavier” does not start from “init he”'s initial weights (a different init "
                               "or seed): the slice is centred on the weights every run starts from."),
])
def test_runs_that_cannot_share_a_slice_say_why(setting, values, sentence):
    from nn_core.analysis import compare
    runs = compare.compare(compare.sweep(RunConfig(epochs=5), setting, values))
    problem = landscape.shared_start_problem(runs)
    assert problem.startswith(sentence)
    with pytest.raises(ValueError, match="^" + problem[:20]):
        landscape.shared_slice(runs)


def test_learning_rates_and_batch_sizes_share_a_slice():
    from nn_core.analysis import compare
    for setting, values in [("lr", [0.03, 0.3]), ("batch_size", [0, 16]), ("l2", [0.0, 0.01])]:
        assert landscape.shared_start_problem(compare.compare(compare.sweep(RunConfig(epochs=5), setting,
                                                                            values))) is None
