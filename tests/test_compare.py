"""Runs side by side: same data, same seed, identical initial weights, honest summaries."""

import math

import numpy as np
import pytest

from nn_core.analysis import compare as C
from nn_core.config import RunConfig
from nn_core.runs import make_dataset, run, run_key


@pytest.fixture(scope="module")
def activations():
    configs = C.sweep(RunConfig(epochs=120), "activation", ["relu", "sigmoid", "tanh"])
    return C.compare(configs)


def test_sweep_changes_only_the_setting():
    base = RunConfig(lr=0.1)
    configs = C.sweep(base, "lr", [0.01, "0.1", 1])
    assert [c.lr for c in configs] == [0.01, 0.1, 1.0]
    assert all(c.replace(lr=0.1) == base for c in configs)


def test_sweep_rejects_shared_settings_and_bad_counts():
    with pytest.raises(ValueError, match="cannot be swept"):
        C.sweep(RunConfig(), "seed", [1, 2])
    with pytest.raises(ValueError, match="Compare 2 to 6 runs; got 7"):
        C.sweep(RunConfig(), "lr", [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])


def test_parse_values_from_text():
    assert C.parse_values("hidden", "4; 4,4; 8,8,8") == [(4,), (4, 4), (8, 8, 8)]
    assert C.parse_values("activation", "relu, sigmoid, relu, tanh") == ["relu", "sigmoid", "tanh"]
    assert C.parse_values("lr", "0.001, 100") == [0.001, 10.0]  # clamped to the declared range
    with pytest.raises(ValueError, match="“abc” is not a number"):
        C.parse_values("lr", "0.1, abc")
    with pytest.raises(ValueError, match="Give 2 to 6 different values"):
        C.parse_values("optimizer", "adam")


def test_align_shares_data_and_seed():
    configs, notes = C.align([RunConfig(noise=0.2, seed=3), RunConfig(noise=0.4, seed=5, lr=1.0)])
    assert configs[1].noise == 0.2 and configs[1].seed == 3 and configs[1].lr == 1.0
    assert notes == ["Run 2 now uses run 1's noise, weight seed, so every run sees the same data and starts "
                     "from the same seed."]


def test_labels_name_the_differences():
    configs = [RunConfig(), RunConfig(lr=0.1, optimizer="adam")]
    assert C.labels(configs) == ["lr 0.3 · optimizer sgd", "lr 0.1 · optimizer adam"]
    assert C.labels([RunConfig(), RunConfig()]) == ["run 1", "run 2"]
    assert C.labels([RunConfig(), RunConfig(hidden=(8, 8)), RunConfig()]) == ["1: hidden 4-4", "hidden 8-8",
                                                                              "3: hidden 4-4"]


def test_every_run_is_trained_on_the_same_data(activations):
    assert len(activations) == 3
    for r in activations:
        assert r.data is activations[0].data
        assert r.history.epochs[-1] == 119 and r.history.status == "trained 120 epochs"


def test_same_seed_same_first_epoch_weights(activations):
    first = activations[0].snapshots[0]
    assert first[0] == 0
    for r in activations[1:]:
        epoch, weights, biases = r.snapshots[0]
        assert epoch == 0
        for a, b in zip(first[1] + first[2], weights + biases):
            assert np.array_equal(a, b)
    assert all(C.same_start(activations[0], r) for r in activations)
    deeper = C.train_run(RunConfig(epochs=5, hidden=(4, 4, 4)))
    assert not C.same_start(activations[0], deeper)  # different shapes: different draws
    # ... and they then learn differently
    assert not np.array_equal(activations[0].net.weights[0], activations[1].net.weights[0])


def test_summary_matches_the_trained_network(activations):
    data = activations[0].data
    for r in activations:
        row = r.summary(target_loss=0.3)
        assert row["final train loss"] == pytest.approx(r.net.loss(data.X_train, data.y_train))
        assert row["final test loss"] == pytest.approx(r.net.loss(data.X_test, data.y_test))
        predicted = (r.net.forward(data.X_test) > 0.5).astype(float)
        assert row["test accuracy"] == pytest.approx(float((predicted == data.y_test).mean()))
        assert row["wall time (s)"] > 0
        target = row["epochs to target"]
        losses = dict(zip(r.history.epochs, r.history.columns["loss"]))
        if target is None:
            assert min(losses.values()) > 0.3
        else:
            assert losses[target] <= 0.3 and all(v > 0.3 for e, v in losses.items() if e < target)


def test_compare_equals_a_plain_run():
    config = RunConfig(epochs=50, activation="relu")
    result = C.compare([config, config.replace(lr=0.1)])[0]
    plain = run(config)
    assert result.history.columns["loss"] == plain.history.columns["loss"]
    for a, b in zip(result.net.weights, plain.net.weights):
        assert np.array_equal(a, b)


def test_progress_is_reported_in_chunks():
    seen = []
    C.train_run(RunConfig(epochs=120), make_dataset(RunConfig()), chunk=50, progress=seen.append)
    assert seen == [50 / 120, 100 / 120, 1.0]


def test_snapshots_stay_bounded_on_long_runs():
    result = C.train_run(RunConfig(dataset="xor", epochs=3000, hidden=(2,)), snapshots=10)
    assert 5 <= len(result.snapshots) <= 10
    assert result.snapshots[0][0] == 0


def test_net_at_and_histograms(activations):
    r = activations[0]  # relu
    i = C.snapshot_index(r.snapshots, 10 ** 9)
    assert i == len(r.snapshots) - 1
    net = C.net_at(r, 0)
    assert np.array_equal(net.weights[0], r.snapshots[0][1][0])
    hists = C.activation_histograms(r, 0)
    assert [h.layer for h in hists] == [1, 2] and hists[0].activation == "relu"
    n = len(r.data.X_train)
    assert all(h.counts.sum() == n * 4 for h in hists)  # every sample × unit is counted once
    A1 = net.layer_outputs(r.data.X_train)[0]
    assert hists[0].edges[0] == A1.min() and hists[0].edges[-1] == pytest.approx(A1.max())


def test_a_finished_copy_of_a_playground_run_stays_as_it_was():
    plain = run(RunConfig(epochs=30))
    result = plain.finished("Playground")
    assert result.label == "Playground" and not result.live and plain.live
    assert result.net is not plain.net and np.array_equal(result.net.weights[0], plain.net.weights[0])
    assert math.isnan(result.wall_time) and result.epochs_done == 30 == len(result.history)
    assert result.metrics == plain.trainer.evaluate()
    assert result.key == plain.finished().key  # the same state, the same key ...
    plain.train(1)
    assert plain.finished().key != result.key  # ... and one more epoch changes it
    assert result.epochs_done == 30 and len(result.history) == 30  # ... while the copy keeps its own
    assert result.history.columns["loss"] == plain.history.columns["loss"][:30]
    with pytest.raises(ValueError, match="finished"):
        result.train(1)


def test_snapshot_budget_shrinks_for_wide_networks():
    small = C.train_run(RunConfig(epochs=100), label="small")
    wide = C.train_run(RunConfig(hidden=(256,) * 8, epochs=20, n_samples=40), label="wide")
    assert len(small.snapshots) > 16
    assert 2 <= len(wide.snapshots) < 5


def test_run_key_depends_on_config_and_data():
    data = make_dataset(RunConfig())
    other = make_dataset(RunConfig(data_seed=1))
    assert run_key(RunConfig(), data) == run_key(RunConfig(), make_dataset(RunConfig()))
    assert run_key(RunConfig(), data) != run_key(RunConfig(lr=0.1), data)
    assert run_key(RunConfig(), data) != run_key(RunConfig(), other)


def test_replay_frames_end_with_the_final_weights(activations):
    r = activations[2]
    epochs = C.frames(r)
    assert epochs[:-1] == [s[0] for s in r.snapshots] and epochs[-1] == 120 == r.epochs_done
    final = C.net_at(r, len(epochs) - 1)
    assert np.array_equal(final.weights[0], r.net.weights[0]) and final is not r.net
    loss, acc = C.frame_loss(r, 0)
    assert loss == r.history.columns["loss"][0] and acc == r.history.columns["accuracy"][0]
    assert C.frame_loss(r, len(epochs) - 1)[0] == r.metrics["train_loss"]
