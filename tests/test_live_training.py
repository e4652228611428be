"""Trainer for live views: slices of optimizer steps, settings changed mid-run, snapshots within a byte budget."""

import time

import numpy as np
import pytest

from nn_core import MLP, Trainer, datasets
from nn_core.recording import SNAPSHOT_BYTES, snapshot_count

SPIRAL = datasets.make("spiral", n=200, noise=0.1, seed=0, test_ratio=0.25)


def _trainer(sizes=(2, 8, 8, 1), **options):
    net = MLP(list(sizes), activation="tanh", output="sigmoid", init="xavier", seed=3)
    options.setdefault("lr", 0.1)
    return Trainer(net, SPIRAL.X_train, SPIRAL.y_train, X_test=SPIRAL.X_test, y_test=SPIRAL.y_test, **options)


def _weights(trainer):
    return [p.tobytes() for p in trainer.net.parameters()]


@pytest.mark.parametrize("batch_size, optimizer, slice_steps", [
    (10, "sgd", 7), (10, "adam", 1), (1, "momentum", 33), (None, "rmsprop", 3), (32, "nesterov", 5)])
def test_step_slices_give_the_very_same_weights_as_whole_epochs(batch_size, optimizer, slice_steps):
    whole = _trainer(batch_size=batch_size, optimizer=optimizer, lr_decay=0.01)
    whole.run(6)
    sliced = _trainer(batch_size=batch_size, optimizer=optimizer, lr_decay=0.01)
    total = 6 * sliced.steps_per_epoch
    while total > 0:
        total -= sliced.run_steps(min(slice_steps, total))
    assert sliced.epoch == 6 and not sliced.mid_epoch
    assert _weights(sliced) == _weights(whole)
    assert sliced.history.epochs == whole.history.epochs
    assert sliced.history.columns["loss"] == whole.history.columns["loss"]


def test_a_slice_stops_mid_epoch_and_run_finishes_that_epoch_first():
    trainer = _trainer(batch_size=10)  # 150 training points: 15 steps an epoch
    assert trainer.steps_per_epoch == 15
    assert trainer.run_steps(4) == 4
    assert trainer.epoch == 0 and trainer.mid_epoch
    trainer.run(2)
    assert trainer.epoch == 2 and not trainer.mid_epoch
    reference = _trainer(batch_size=10)
    reference.run(2)
    assert _weights(trainer) == _weights(reference)


def test_a_limit_size_slice_is_bounded_in_time_however_big_an_epoch_is():
    """8 × 256 units, 5,000 points, batch 1: an epoch is 4,000 steps, a slice only what was asked."""
    data = datasets.make("spiral", n=5000, noise=0.1, seed=0)
    net = MLP([2] + [256] * 8 + [1], activation="tanh", output="sigmoid", init="xavier", seed=0)
    trainer = Trainer(net, data.X_train, data.y_train, batch_size=1, lr=0.01)
    assert trainer.steps_per_epoch == len(data.X_train) >= 3500
    trainer.run_steps(1)  # warm-up; measures the time of one step
    started = time.perf_counter()
    taken = trainer.run_steps(20)
    elapsed = time.perf_counter() - started
    assert taken == 20 and trainer.epoch == 0
    # an epoch's forward pass for the record dominates the first slice; 20 steps are a small fraction of an epoch
    assert elapsed < 2.0, f"20 steps took {elapsed:.2f} s"  # a whole epoch takes several seconds here


def test_learning_rate_change_keeps_the_weights_and_is_marked():
    trainer = _trainer(batch_size=10)
    trainer.run(5)
    before = _weights(trainer)
    marks = trainer.retune(lr=0.3, batch_size=10)
    assert marks == ["lr 0.1 → 0.3"]
    assert _weights(trainer) == before and trainer.epoch == 5
    assert trainer.history.marks == [(5, "lr 0.1 → 0.3")]
    trainer.run(1)
    # the same weights, trained on at 0.3, equal a fresh trainer's six epochs at 0.1 then 0.3 written out by hand
    by_hand = _trainer(batch_size=10)
    by_hand.run(5)
    by_hand.lr = 0.3
    by_hand.run(1)
    assert _weights(trainer) == _weights(by_hand)


def test_optimizer_and_batch_changes_apply_to_the_running_network():
    trainer = _trainer(batch_size=None)
    trainer.run(20)
    loss = trainer.evaluate()["train_loss"]
    marks = trainer.retune(optimizer="adam", lr=0.01, batch_size=16, l2=1e-4, momentum=0.9)
    assert marks == ["optimizer sgd → adam", "lr 0.1 → 0.01", "batch size 150 → 16", "l2 0 → 0.0001"]
    assert trainer.evaluate()["train_loss"] == loss  # nothing retrained
    trainer.run(20)
    assert trainer.evaluate()["train_loss"] < loss


@pytest.mark.parametrize("bad", [{"lr": float("nan")}, {"l2": -1.0}, {"optimizer": "lbfgs"}, {"hidden": [3]}])
def test_bad_retune_values_raise_one_sentence(bad):
    trainer = _trainer()
    with pytest.raises(ValueError) as error:
        trainer.retune(**bad)
    assert "\n" not in str(error.value)
    assert trainer.lr == 0.1 and trainer.optimizer_name == "sgd"


def test_snapshots_stay_within_their_byte_budget_on_a_limit_size_network():
    net = MLP([2] + [256] * 8 + [1], activation="relu", output="sigmoid", init="he", seed=0)
    data = datasets.make("xor", n=40, seed=0)
    trainer = Trainer(net, data.X_train, data.y_train, lr=0.001, snapshots=40)
    trainer.run(200)
    assert 2 <= len(trainer.snapshots) <= snapshot_count(net.parameters(), 40) < 40
    assert trainer.recorder.snapshot_bytes <= SNAPSHOT_BYTES
    small = _trainer()
    small.run(200)
    assert len(small.snapshots) > 16  # a small network keeps its fine-grained replay
    assert np.all(np.diff([s[0] for s in trainer.snapshots]) > 0)


def test_a_frame_that_takes_long_to_draw_trains_less_so_frames_keep_coming():
    from dashboard.playground import runtime as live

    default = live.SPEEDS[live.DEFAULT_SPEED]
    assert live.train_budget(default, None) == live.TRAIN_SECONDS  # before the first frame is timed
    assert live.train_budget(default, 0.010) == live.TRAIN_SECONDS  # a quick picture leaves the full slice
    assert live.train_budget(default, 0.035) == pytest.approx(live.FRAME_SECONDS - 0.035)
    assert live.train_budget(default, 0.200) == live.MIN_TRAIN_SECONDS  # a slow one still trains a little
    assert live.train_budget(live.SPEEDS["as fast as it goes"], 0.200) == live.TRAIN_SECONDS
    trainer = _trainer(batch_size=10)  # 15 steps an epoch: 3 epochs a frame wanted
    assert live.slice_steps(trainer, default, None, 0.001, live.train_budget(default, 0.040)) == 10
    assert live.slice_steps(trainer, default, None, 0.001, live.train_budget(default, 0.010)) == 25


def _cache_bytes(net) -> int:
    return sum(a.nbytes for c in net._caches.values() for arrays in (c.Z, c.A[1:], c.D, c.work) for a in arrays)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_a_limit_size_record_is_taken_in_blocks_and_equals_one_pass_over_every_row(activation):
    """At the limits a cache of all 4,000 training rows would hold 260 MB per session: the epoch's record
    goes in blocks, holds a few MB, and finds what one pass over every row finds."""
    from nn_core.network import EVAL_BLOCK_BYTES
    from nn_core.unit_health import unit_health

    data = datasets.make("spiral", n=5000, noise=0.1, seed=0)
    sizes = [2] + [256] * 8 + [1]
    net = MLP(sizes, activation=activation, output="sigmoid", init="xavier", seed=0)
    untrained = MLP(sizes, activation=activation, output="sigmoid", init="xavier", seed=0)
    trainer = Trainer(net, data.X_train, data.y_train, X_test=data.X_test, y_test=data.y_test, batch_size=1,
                      lr=0.01)
    assert len(net.row_blocks(len(data.X_train))) > 1
    trainer.run_steps(1)  # opens epoch 0: its record is the untrained network's
    assert _cache_bytes(net) <= 3 * EVAL_BLOCK_BYTES  # a block, the last (shorter) block, a batch of one
    whole = untrained.forward_cache(trainer.X)  # the plain pass, for comparison (once, in the test)
    record = {name: column[0] for name, column in trainer.history.columns.items()}
    assert record["loss"] == pytest.approx(untrained.total_loss(whole, trainer.Y) / len(trainer.X), rel=1e-12)
    assert record["accuracy"] == np.mean((whole.A[-1] >= 0.5) == (trainer.Y >= 0.5))
    dead, saturated = unit_health(untrained, whole.A)
    np.testing.assert_array_equal(np.array(record["dead_fraction"], float), np.array(dead, float))
    np.testing.assert_array_equal(np.array(record["saturated_fraction"], float), np.array(saturated, float))
    assert not np.isnan(np.array(dead if activation == "relu" else saturated, float)).any()
    assert trainer.evaluate(untrained)["train_loss"] == pytest.approx(record["loss"], rel=1e-12)


def test_a_small_network_is_evaluated_in_one_plain_pass():
    trainer = _trainer()
    assert trainer.net.row_blocks(len(SPIRAL.X_train)) == [slice(0, len(SPIRAL.X_train))]
    trainer.run(1)
    cache = trainer.net.forward_cache(trainer.X)
    assert trainer.evaluate()["train_loss"] == float(trainer.net.sample_losses(cache, trainer.Y).mean())


def test_only_a_big_run_reuses_its_line_of_numbers_while_playing():
    """The numbers pass over every point: at the limits it would take most of a frame, so it is refreshed
    once a second there (dashboard.playground.panels); the default run computes it every frame."""
    from dashboard.playground import frames
    from nn_core.config import RunConfig
    from nn_core.runs import prepare

    assert not frames.costly_numbers(prepare(RunConfig()))
    limits = RunConfig(dataset="spiral", n_samples=5000, hidden=(256,) * 8, batch_size=1)
    assert frames.costly_numbers(prepare(limits))
