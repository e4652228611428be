"""Trainer: determinism, resuming, learning, divergence, bounded history, diagnostics, stop."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn_core import MLP, OPTIMIZERS, Trainer, datasets, train
from nn_core.history import History

XOR = datasets.make("xor")
SPIRAL = datasets.make("spiral", n=200, noise=0.1, seed=0, test_ratio=0.25)


def _trainer(data=SPIRAL, sizes=(2, 8, 8, 1), activation="tanh", seed=3, **options):
    net = MLP(list(sizes), activation=activation, output="sigmoid", init="xavier", seed=seed)
    options.setdefault("lr", 0.3)
    return Trainer(net, data.X_train, data.y_train, X_test=data.X_test, y_test=data.y_test, **options)


def _fingerprint(trainer):
    """Everything a run produces, as exact text (repr of a float is exact; NaN compares equal)."""
    weights = [p.tobytes() for p in trainer.net.parameters()]
    snapshots = [(e, [w.tobytes() for w in ws], [b.tobytes() for b in bs]) for e, ws, bs in trainer.snapshots]
    return repr(trainer.history.to_dict()), weights, snapshots, trainer.epoch


# --------------------------------------------------------------- determinism
@pytest.mark.parametrize("batch_size, optimizer", [(None, "sgd"), (16, "momentum"), (16, "adam"), (1, "rmsprop")])
def test_same_seed_and_config_is_bit_identical(batch_size, optimizer):
    runs = []
    for _ in range(2):
        trainer = _trainer(batch_size=batch_size, optimizer=optimizer, lr=0.01, shuffle_seed=5)
        trainer.run(30 if batch_size != 1 else 5)
        runs.append(_fingerprint(trainer))
    assert runs[0] == runs[1]
    assert runs[0][0] != repr(_trainer().history.to_dict())  # it did record something


def test_different_shuffle_seed_gives_a_different_run():
    a, b = _trainer(batch_size=16, shuffle_seed=1), _trainer(batch_size=16, shuffle_seed=2)
    a.run(5)
    b.run(5)
    assert not np.array_equal(a.net.weights[0], b.net.weights[0])
    assert a.history["loss"][0] == b.history["loss"][0]  # same start, different batches
    assert a.history["loss"][-1] != b.history["loss"][-1]


def test_full_batch_ignores_the_shuffle_seed():
    a, b = _trainer(shuffle_seed=1), _trainer(shuffle_seed=2)
    a.run(20)
    b.run(20)
    assert _fingerprint(a) == _fingerprint(b)


@pytest.mark.parametrize("batch_size, optimizer", [(None, "sgd"), (None, "nesterov"), (32, "adam")])
def test_resuming_equals_one_long_run(batch_size, optimizer):
    once, twice = (_trainer(batch_size=batch_size, optimizer=optimizer, lr=0.05, log_every=10) for _ in range(2))
    once.run(100)
    twice.run(50)
    assert twice.epoch == 50 and twice.status == "trained 50 epochs"
    twice.run(50)
    assert _fingerprint(once) == _fingerprint(twice)
    assert twice.status == "trained 100 epochs"
    assert [row["epoch"] for row in twice.history.log] == list(range(0, 100, 10))


@pytest.mark.parametrize("batch_size, optimizer", [(None, "momentum"), (16, "adam")])
def test_loaded_parameters_stay_views_and_train_the_same(batch_size, optimizer):
    """Parameters are views of one flat array (an update is one call); an array cannot be swapped
    for another, and a net loaded with set_parameters() trains bit for bit like the original."""
    original, loaded = (_trainer(batch_size=batch_size, optimizer=optimizer, lr=0.05) for _ in range(2))
    net = loaded.net
    with pytest.raises(TypeError):
        net.weights[1] = net.weights[1].copy()
    net.set_parameters([np.zeros_like(p) for p in net.parameters()])
    net.set_parameters(original.net.parameters())
    assert all(p.base is net.flat_parameters() for p in net.parameters())
    loaded = Trainer(net, SPIRAL.X_train, SPIRAL.y_train, X_test=SPIRAL.X_test, y_test=SPIRAL.y_test,
                     batch_size=batch_size, optimizer=optimizer, lr=0.05)
    original.run(25)
    loaded.run(25)
    assert _fingerprint(original) == _fingerprint(loaded)


@settings(max_examples=12, deadline=None)
@given(split=st.integers(0, 30), batch_size=st.sampled_from([None, 1, 7, 64]),
       optimizer=st.sampled_from(sorted(OPTIMIZERS)), lr_decay=st.sampled_from([0.0, 0.1]))
def test_any_split_of_a_run_gives_the_same_run(split, batch_size, optimizer, lr_decay):
    once, twice = (_trainer(XOR if batch_size == 1 else SPIRAL, batch_size=batch_size, optimizer=optimizer,
                            lr=0.05, lr_decay=lr_decay, max_points=16, snapshots=4, log_every=4) for _ in range(2))
    once.run(30)
    twice.run(split)
    twice.run(30 - split)
    assert _fingerprint(once) == _fingerprint(twice)


@settings(max_examples=40, deadline=None)
@given(max_points=st.integers(1, 100), epochs=st.integers(0, 3000))
def test_history_thinning_keeps_every_stride_th_epoch(max_points, epochs):
    history = History(n_layers=2, max_points=max_points)
    for epoch in range(epochs):
        if history.wants(epoch):  # what the trainer asks before recording
            history.append(epoch, loss=float(epoch))
    assert len(history) <= history.max_points
    stride = history.stride
    assert stride & (stride - 1) == 0
    assert history.epochs == list(range(0, epochs, stride))
    assert history["loss"] == [float(e) for e in history.epochs]
    assert all(len(column) == len(history) for column in history.columns.values())


def test_chunks_equal_one_run():
    whole, chunked = _trainer(), _trainer()
    whole.run(60)
    seen = [h.epochs[-1] for h in chunked.chunks(60, chunk=25)]
    assert seen == [24, 49, 59]
    assert _fingerprint(whole) == _fingerprint(chunked)


def test_train_function_equals_trainer():
    net = MLP([2, 8, 1], activation="tanh", seed=3)
    history = train(net, XOR.X_train, XOR.y_train, lr=0.5, epochs=40)
    other = MLP([2, 8, 1], activation="tanh", seed=3)
    Trainer(other, XOR.X_train, XOR.y_train, lr=0.5).run(40)
    assert history.status == "trained 40 epochs" and len(history) == 40
    assert all(np.array_equal(a, b) for a, b in zip(net.parameters(), other.parameters()))


# ------------------------------------------------------------------ learning
LEARNING_RATES = {"sgd": 0.5, "momentum": 0.1, "nesterov": 0.1, "rmsprop": 0.01, "adam": 0.01}


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("data, sizes, epochs", [(XOR, (2, 8, 1), 300), (SPIRAL, (2, 16, 16, 1), 300)],
                         ids=["xor", "spiral"])
def test_every_optimizer_lowers_the_loss(optimizer, data, sizes, epochs):
    assert set(LEARNING_RATES) == set(OPTIMIZERS)
    trainer = _trainer(data, sizes, seed=1, lr=LEARNING_RATES[optimizer], optimizer=optimizer, diagnostics=False)
    before = trainer.evaluate()["train_loss"]
    trainer.run(epochs)
    after = trainer.evaluate()["train_loss"]
    assert after < 0.9 * before, (before, after)
    if data is XOR:
        assert after < 0.1 and trainer.evaluate()["train_accuracy"] == 1.0
    assert trainer.history["loss"][-1] < trainer.history["loss"][0]


def test_three_class_spiral_reaches_95_percent():
    data = datasets.make("multi_spiral", n=300, noise=0.1, seed=0, test_ratio=0.0, classes=3)
    assert data.n_classes == 3
    net = MLP([2, 32, 32, 3], activation="relu", output="softmax", init="he", seed=0)
    trainer = Trainer(net, data.X_train, data.y_train, lr=0.01, optimizer="adam", diagnostics=False)
    trainer.run(600)
    assert trainer.evaluate()["train_accuracy"] >= 0.95


def test_regression_head_learns_the_plane():
    data = datasets.make("plane", n=200, noise=0.0, seed=0)
    net = MLP([2, 8, 1], activation="tanh", output="linear", init="xavier", seed=0)
    trainer = Trainer(net, data.X_train, data.y_train, X_test=data.X_test, y_test=data.y_test, lr=0.1)
    trainer.run(300)
    assert trainer.evaluate()["train_loss"] < 1e-3
    assert math.isnan(trainer.history["accuracy"][-1])


# ---------------------------------------------------------------- divergence
def test_divergent_run_stops_cleanly_with_the_last_finite_weights():
    data = datasets.make("plane", n=100, seed=0)
    settings = dict(lr=1e6, diagnostics=True)

    def fresh():
        net = MLP([2, 8, 8, 1], activation="relu", output="linear", seed=0)
        return Trainer(net, data.X_train, data.y_train, X_test=data.X_test, y_test=data.y_test, **settings)

    trainer = fresh()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trainer.run(500)
    n = trainer.history.diverged_at
    assert n is not None and 1 < n < 500
    assert trainer.status == f"diverged at epoch {n}" and trainer.done
    assert all(np.all(np.isfinite(p)) for p in trainer.net.parameters())
    assert all(math.isfinite(v) for v in trainer.history["loss"])
    # The weights kept are those whose loss was the last finite record (epoch n - 1).
    reference = fresh()
    reference.run(n - 1)
    assert all(np.array_equal(a, b) for a, b in zip(trainer.net.parameters(), reference.net.parameters()))
    assert trainer.history.epochs[-1] == n - 1
    assert math.isfinite(trainer.net.loss(data.X_train, data.y_train))
    # A diverged trainer does nothing more.
    assert trainer.run(10) is trainer.history and trainer.status == f"diverged at epoch {n}"


def test_huge_init_diverges_at_epoch_zero_and_keeps_the_weights():
    net = MLP([2, 8, 8, 1], activation="relu", init="normal", init_scale=1e200, seed=0)
    start = [p.copy() for p in net.parameters()]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trainer = Trainer(net, SPIRAL.X_train, SPIRAL.y_train, X_test=SPIRAL.X_test, y_test=SPIRAL.y_test)
        trainer.run(20)
        trainer.evaluate()
    assert trainer.status == "diverged at epoch 0"
    assert len(trainer.history) == 0
    assert all(np.array_equal(a, b) for a, b in zip(net.parameters(), start))


def test_mini_batch_divergence_is_caught():
    data = datasets.make("plane", n=100, seed=0)
    net = MLP([2, 8, 1], activation="relu", output="linear", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trainer = Trainer(net, data.X_train, data.y_train, lr=1e6, batch_size=8)
        trainer.run(500)
    assert trainer.status.startswith("diverged at epoch")
    assert all(np.all(np.isfinite(p)) for p in net.parameters())


# ------------------------------------------------------------------- history
def test_history_stays_small_on_a_long_run():
    max_points, epochs = 64, 100_000
    net = MLP([2, 1], seed=0)  # no hidden layer: the cheapest epoch there is
    trainer = Trainer(net, XOR.X_train, XOR.y_train, lr=0.1, diagnostics=False, snapshots=8,
                      max_points=max_points)
    trainer.run(epochs)
    history = trainer.history
    assert max_points // 2 <= len(history) <= max_points
    stride = history.stride
    assert stride & (stride - 1) == 0 and stride >= epochs // max_points
    assert history.epochs == list(range(0, epochs, stride))
    assert all(len(column) == len(history) for column in history.columns.values())
    assert len(trainer.snapshots) <= 8
    assert trainer.epoch == epochs and trainer.status == f"trained {epochs} epochs"


def test_records_are_the_state_before_each_update():
    trainer = _trainer(log_every=5)
    start = trainer.evaluate()
    trainer.run(12)
    assert trainer.history["loss"][0] == pytest.approx(start["train_loss"], abs=1e-15)
    assert trainer.history["test_loss"][0] == pytest.approx(start["test_loss"], abs=1e-15)
    assert trainer.history.epochs == list(range(12))
    assert [row["epoch"] for row in trainer.history.log] == [0, 5, 10]
    assert trainer.history.log[1]["loss"] == trainer.history["loss"][5]
    assert trainer.snapshots[0][0] == 0


# --------------------------------------------------------------- diagnostics
def test_dead_relu_layer_is_reported():
    net = MLP([2, 8, 8, 1], activation=["relu", "tanh"], bias_init=-10.0, seed=0)
    trainer = Trainer(net, SPIRAL.X_train, SPIRAL.y_train, lr=0.1)
    trainer.run(3)
    dead = trainer.history["dead_fraction"][-1]
    assert len(dead) == 2  # one per hidden layer
    assert dead[0] == 1.0
    assert math.isnan(dead[1])  # tanh cannot die
    assert trainer.history["grad_norm"][-1][0] == 0.0  # no gradient reaches a dead layer


def test_healthy_relu_layer_is_mostly_alive():
    net = MLP([2, 16, 1], activation="relu", seed=0)
    trainer = Trainer(net, SPIRAL.X_train, SPIRAL.y_train, lr=0.1)
    trainer.run(1)
    assert trainer.history["dead_fraction"][0][0] < 0.5


def test_saturated_sigmoid_stack_is_reported():
    net = MLP([2, 16, 16, 16, 1], activation="sigmoid", init="normal", init_scale=10.0, seed=0)
    trainer = Trainer(net, SPIRAL.X_train, SPIRAL.y_train, lr=0.1)
    trainer.run(2)
    saturated = trainer.history["saturated_fraction"][0]
    assert len(saturated) == 3  # one per hidden layer
    assert min(saturated[1:]) >= 0.6  # randn x 10 pushes the deeper layers' sums far out
    assert all(math.isnan(v) for v in trainer.history["dead_fraction"][0])
    calm = MLP([2, 16, 16, 16, 1], activation="sigmoid", init="xavier", seed=0)
    calm_trainer = Trainer(calm, SPIRAL.X_train, SPIRAL.y_train, lr=0.1)
    calm_trainer.run(1)
    assert max(calm_trainer.history["saturated_fraction"][0]) == 0.0


@pytest.mark.parametrize("batch_size", [None, 32])
def test_gradient_norms_and_update_ratios_per_layer(batch_size):
    trainer = _trainer(sizes=(2, 8, 8, 1), batch_size=batch_size)
    trainer.run(5)
    for norms, ratios in zip(trainer.history["grad_norm"], trainer.history["update_ratio"]):
        assert len(norms) == 3 and len(ratios) == 3
        assert all(math.isfinite(v) and v > 0 for v in norms + ratios)
    if batch_size is None:  # full batch: the norm is that of the recorded epoch's gradient
        check = _trainer(sizes=(2, 8, 8, 1))
        _, grads = check.net.loss_and_gradients(SPIRAL.X_train, SPIRAL.y_train)
        expected = [float(np.linalg.norm(dW)) for dW, _ in grads]
        np.testing.assert_allclose(trainer.history["grad_norm"][0], expected, rtol=1e-12)
        lr = trainer.lr
        ratio = [lr * float(np.linalg.norm(dW)) / float(np.linalg.norm(W)) for (dW, _), W in
                 zip(grads, check.net.weights)]
        np.testing.assert_allclose(trainer.history["update_ratio"][0], ratio, rtol=1e-9)


def test_diagnostics_off_records_only_the_scalars():
    trainer = _trainer(diagnostics=False)
    trainer.run(4)
    assert trainer.history["grad_norm"] == [None] * 4
    assert trainer.history["dead_fraction"] == [None] * 4
    assert all(math.isfinite(v) for v in trainer.history["loss"] + trainer.history["test_loss"])
    with_diag = _trainer()
    with_diag.run(4)
    assert with_diag.history["loss"] == trainer.history["loss"]
    assert all(np.array_equal(a, b) for a, b in zip(with_diag.net.parameters(), trainer.net.parameters()))


def _diagnosed(history):
    return [e for e, g in zip(history.epochs, history["grad_norm"]) if g is not None]


@pytest.mark.parametrize("batch_size", [None, 16])
def test_diagnostics_keep_a_sparser_schedule_with_the_same_values(batch_size):
    sparse = _trainer(sizes=(2, 4, 1), batch_size=batch_size, max_diagnostics=16, log_every=50)
    dense = _trainer(sizes=(2, 4, 1), batch_size=batch_size, max_diagnostics=10_000, log_every=50)
    sparse.run(300)
    dense.run(300)
    h, d = sparse.history, dense.history
    assert h.epochs == d.epochs == list(range(300)) and _diagnosed(d) == d.epochs
    stride = h.diagnostic_stride
    assert stride == 32  # 300 epochs at most 16 per stride: 1, 2, ... 32
    assert _diagnosed(h) == list(range(0, 300, stride)) + [299]  # and the latest record, always
    for name in ("grad_norm", "update_ratio", "dead_fraction", "saturated_fraction"):
        for e, value in zip(h.epochs, h[name]):
            assert value is None or repr(value) == repr(d[name][e])
            assert (value is None) == (e % stride != 0 and e != 299)
    # The scalars, the log, the weights and the snapshots do not depend on the schedule.
    assert all(repr(h[name]) == repr(d[name]) for name in ("loss", "test_loss", "accuracy", "test_accuracy", "lr"))
    assert h.log == d.log and _fingerprint(sparse)[1:] == _fingerprint(dense)[1:]


def test_each_run_call_ends_with_diagnostics_only_the_schedule_keeps_them():
    trainer = _trainer(sizes=(2, 4, 1), max_diagnostics=16)
    trainer.run(100)
    assert trainer.history.diagnostic_stride == 8 and _diagnosed(trainer.history)[-2:] == [96, 99]
    trainer.run(5)  # epoch 99 was diagnosed only as the latest record
    assert _diagnosed(trainer.history)[-2:] == [96, 104]
    once = _trainer(sizes=(2, 4, 1), max_diagnostics=16)
    once.run(105)
    assert _fingerprint(once) == _fingerprint(trainer)


def test_a_stopped_run_is_diagnosed_from_its_last_diagnosed_record():
    from nn_core.analysis.diagnostics import diagnose

    net = MLP([2, 8, 1], activation="relu", bias_init=-10.0, seed=0)
    trainer = Trainer(net, SPIRAL.X_train, SPIRAL.y_train, lr=0.1, max_diagnostics=16)
    step = trainer.optimizer.step

    def step_then_stop(params, grads, lr):
        step(params, grads, lr)
        if trainer.epoch == 41:
            trainer.stop()

    trainer.optimizer.step = step_then_stop
    trainer.run(100)
    h = trainer.history
    assert h.epochs[-1] == 41 and h["dead_fraction"][-1] is None and _diagnosed(h)[-1] == 40
    (finding,) = [f for f in diagnose(h, activations=trainer.net.hidden_activations) if f.check == "dead_units"]
    assert dict(finding.numbers) == {"dead at epoch 0": 1.0, "dead at epoch 40": 1.0}


@settings(max_examples=40, deadline=None)
@given(max_points=st.integers(16, 80), max_diagnostics=st.integers(1, 100), epochs=st.integers(1, 1500))
def test_history_bounds_the_diagnostic_records(max_points, max_diagnostics, epochs):
    history = History(n_layers=1, max_points=max_points, max_diagnostics=max_diagnostics)
    for epoch in range(epochs):
        if history.wants(epoch):  # the trainer diagnoses what the schedule keeps (and the latest record)
            history.append(epoch, loss=0.0, grad_norm=[float(epoch)])
    kept = _diagnosed(history)
    stride = history.diagnostic_stride
    assert stride & (stride - 1) == 0 and stride >= history.stride
    assert kept[-1] == history.epochs[-1]  # the latest record keeps what it was given
    assert [e for e in kept[:-1] if e % stride] == []
    assert len(kept) <= history.max_diagnostics + 1 and history.max_diagnostics <= history.max_points
    assert [g[0] for g in history["grad_norm"] if g is not None] == [float(e) for e in kept]


# ---------------------------------------------------------- stop, test data
def test_stop_mid_run_finishes_the_current_epoch():
    trainer = _trainer(optimizer="sgd")
    step, calls = trainer.optimizer.step, []

    def step_then_stop(params, grads, lr):
        step(params, grads, lr)
        calls.append(1)
        if len(calls) == 7:
            trainer.stop()

    trainer.optimizer.step = step_then_stop
    trainer.run(100)
    assert trainer.epoch == 7 and trainer.status == "stopped at epoch 7"
    trainer.run(3)  # a new run starts again
    assert trainer.epoch == 10 and trainer.status == "trained 10 epochs"
    reference = _trainer(optimizer="sgd")
    reference.run(10)
    assert _fingerprint(trainer)[1:] == _fingerprint(reference)[1:]


def test_stop_between_chunks_ends_the_generator():
    trainer = _trainer()
    seen = 0
    for _ in trainer.chunks(1000, chunk=10):
        seen += 1
        if seen == 3:
            trainer.stop()
    assert seen == 3 and trainer.epoch == 30


def test_test_metrics_are_recorded_and_evaluated():
    trainer = _trainer()
    trainer.run(20)
    h = trainer.history
    assert all(math.isfinite(v) for v in h["test_loss"])
    assert all(0.0 <= v <= 1.0 for v in h["test_accuracy"])
    result = trainer.evaluate()
    assert set(result) == {"train_loss", "train_accuracy", "test_loss", "test_accuracy"}
    net = trainer.net
    assert result["test_loss"] == pytest.approx(net.loss(SPIRAL.X_test, SPIRAL.y_test), rel=1e-12)
    predictions = (net.forward(SPIRAL.X_test) >= 0.5).ravel()
    assert result["test_accuracy"] == pytest.approx(np.mean(predictions == SPIRAL.y_test.ravel()))


def test_without_test_data_test_columns_are_nan():
    net = MLP([2, 4, 1], seed=0)
    trainer = Trainer(net, XOR.X_train, XOR.y_train)
    trainer.run(3)
    assert all(math.isnan(v) for v in trainer.history["test_loss"] + trainer.history["test_accuracy"])
    assert set(trainer.evaluate()) == {"train_loss", "train_accuracy"}


@pytest.mark.parametrize("bad", [dict(lr=-1.0), dict(lr=float("nan")), dict(l2=-0.1), dict(reduction="max")])
def test_bad_settings_raise_one_sentence(bad):
    with pytest.raises(ValueError):
        _trainer(**bad)
