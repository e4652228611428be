"""Playing pictures drawn in worker processes (dashboard.playground.drawer): the very pixels the server
process draws, and drawn in-process whenever the workers are off, not started, or dead."""

from __future__ import annotations

import logging
import os
import signal
import time

import pytest

from dashboard.playground import drawer, frames, live
from dashboard.playground.panels import View
from nn_core.config import RunConfig
from nn_core.runs import prepare


def _ready(pool: drawer.Pool) -> drawer.Pool:
    deadline = time.monotonic() + 60
    while not pool.ready():
        assert time.monotonic() < deadline and not pool.failed, "the drawing workers did not start"
        time.sleep(0.05)
    return pool


@pytest.fixture(scope="module")
def pool():
    the = _ready(drawer.Pool(2))
    yield the
    the.shutdown()


def _trained(config: RunConfig, steps: int = 200):
    run = prepare(config)
    run.trainer.run_steps(steps)
    return run


def _drawn(pool, run, view):
    job = pool.submit(drawer.job_of(run, run.net, view, drawer.data_token(run.data)), run.data)
    assert job is not None
    return job.picture()


CASES = {
    "default": (RunConfig(), View(False, False, True)),
    "multiclass, log scale, discretized, a unit looked inside": (
        RunConfig(dataset="multi_spiral", hidden=(8, 8), classes=3), View(True, True, False, unit=(2, 3))),
    "regression with features": (
        RunConfig(dataset="multi_gaussian", features=("x1", "x2", "x1_sq"), hidden=(6,)), View(False, False, True)),
    "the limits": (RunConfig(dataset="spiral", n_samples=5000, hidden=(256,) * 8, batch_size=1),
                   View(False, False, True)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_worker_draws_the_very_picture_the_server_draws(pool, name):
    config, view = CASES[name]
    run = _trained(config, 40 if name == "the limits" else 300)
    run.history.marks.append((3, "lr 0.03 → 0.1"))  # a setting changed mid-run: a mark on the curves
    want = frames.picture_of(run, run.net, view)
    assert want.picture.startswith("data:image/jpeg;base64,")
    for _ in range(3):  # the first time with the data set, then from each worker's cache
        assert _drawn(pool, run, view) == (want.picture, want.width)
    run.trainer.run_steps(20)  # the same worker's cached network, with new parameters
    assert _drawn(pool, run, view) == (frames.picture_of(run, run.net, view).picture, want.width)


def test_a_worker_that_let_the_data_set_go_is_sent_it_again(pool):
    run = _trained(RunConfig())
    view = View(False, False, True)
    job = drawer.job_of(run, run.net, view, next(drawer._COUNTER))  # a token no worker holds...
    for worker in pool.workers:
        worker.held[job["token"]] = True  # ...that the server believes they hold
    drawn = pool.submit(job, run.data).picture()
    assert drawn == (frames.picture_of(run, run.net, view).picture, frames.picture_of(run, run.net, view).width)


def test_turned_off_every_frame_is_drawn_in_process(monkeypatch):
    monkeypatch.setattr(drawer, "WORKERS", 0)
    run = _trained(RunConfig(), 10)
    assert drawer.pool() is None
    assert drawer.submit(run, run.net, View(False, False, True)) is None


def test_a_pool_that_cannot_start_says_so_once_and_draws_in_process(monkeypatch, caplog):
    def no_processes(n):
        raise OSError("no processes here")

    monkeypatch.setattr(drawer, "WORKERS", 2)
    monkeypatch.setattr(drawer, "_POOL", None)
    monkeypatch.setattr(drawer, "Pool", no_processes)
    run = _trained(RunConfig(), 10)
    with caplog.at_level(logging.WARNING, logger=drawer.__name__):
        assert drawer.submit(run, run.net, View(False, False, True)) is None
        assert drawer.submit(run, run.net, View(False, False, True)) is None
    assert len(caplog.records) == 1 and "drawn in the server process" in caplog.records[0].getMessage()


def test_a_dead_worker_falls_back_to_in_process_drawing(caplog):
    the = _ready(drawer.Pool(1))
    run, view = _trained(RunConfig(), 10), View(False, False, True)
    assert _drawn(the, run, view) is not None
    os.kill(the.workers[0].started.result()["pid"], signal.SIGKILL)
    with caplog.at_level(logging.WARNING, logger=drawer.__name__):
        time.sleep(0.5)
        job = the.submit(drawer.job_of(run, run.net, view, drawer.data_token(run.data)), run.data)
        assert job is None or job.picture() is None
        assert the.submit(drawer.job_of(run, run.net, view, drawer.data_token(run.data)), run.data) is None
    assert the.failed
    assert len(caplog.records) == 1 and "drawn in the server process" in caplog.records[0].getMessage()


def test_the_loop_shows_a_worker_drawn_frame_after_training_the_next_slice(monkeypatch):
    """Pipelined: frame k is shown after slice k + 1 has trained; the last before the final picture."""
    events, slices = [], iter(range(1, 4))
    monkeypatch.setattr(live, "claim", lambda: (live.threading.Lock(), "me"))
    monkeypatch.setattr(live, "owns", lambda token: True)
    monkeypatch.setattr(live, "chosen_speed", lambda: live.SPEEDS[live.DEFAULT_SPEED])
    monkeypatch.setattr(live, "FRAME_SECONDS", 0.0)
    monkeypatch.setattr(live, "_ema", lambda key, value: None)
    monkeypatch.setattr(live.state, "playing", lambda: False)
    done = []
    monkeypatch.setattr(live.state, "reached", lambda run: bool(done))

    def train_slice(run, pace):
        k = next(slices)
        events.append(f"train {k}")
        if k == 3:
            done.append(True)

    def draw_frame(final):
        k = sum(e.startswith("train") for e in events)
        return lambda: events.append(f"show {k}")

    monkeypatch.setattr(live, "train_slice", train_slice)
    live.play(None, draw_frame, lambda: events.append("final"))
    assert events == ["train 1", "train 2", "show 1", "train 3", "show 2", "show 3", "final"]
