"""Playing pictures drawn by the drawing worker (dashboard.playground.worker, fed by drawer): the very pixels
the server process draws, taken by cost, and drawn in-process whenever the workers are off, not started, or
dead."""

from __future__ import annotations

import logging
import os
import signal
import time
from types import SimpleNamespace

import numpy as np
import pytest

from dashboard.playground import drawer, frames, runtime, wire, worker
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
    for one in pool.workers:
        one.held[job.data_token] = True  # ...that the server believes they hold
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
    os.kill(the.workers[0].hello.pid, signal.SIGKILL)
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
    monkeypatch.setattr(runtime, "claim", lambda: "me")
    monkeypatch.setattr(runtime, "owns", lambda token: True)
    monkeypatch.setattr(runtime, "session_lock", lambda: runtime.threading.Lock())
    monkeypatch.setattr(runtime, "chosen_speed", lambda: runtime.SPEEDS[runtime.DEFAULT_SPEED])
    monkeypatch.setattr(runtime, "FRAME_SECONDS", 0.0)
    monkeypatch.setattr(runtime, "_ema", lambda key, value: None)
    monkeypatch.setattr(runtime, "refresh_numbers", lambda run: None)
    monkeypatch.setattr(runtime, "heavy", lambda run: False)
    monkeypatch.setattr(runtime, "train_budget", lambda speed, drawn: runtime.TRAIN_SECONDS)
    monkeypatch.setattr(runtime.state, "playing", lambda: False)
    done = []
    monkeypatch.setattr(runtime.state, "reached", lambda run: bool(done))

    def train_slice(run, pace, budget=None):
        k = next(slices)
        events.append(f"train {k}")
        if k == 3:
            done.append(True)

    class Started:
        def __init__(self):
            self.k = sum(e.startswith("train") for e in events)

        def ready(self):
            return f"frame {self.k}"

    monkeypatch.setattr(runtime, "train_slice", train_slice)
    monkeypatch.setattr(runtime, "_start_frame", lambda run, view: Started())
    monkeypatch.setattr(runtime, "frame_now", lambda run, view, final: "final" if final else "drawn here")
    for frame in runtime.Player(None, None).frames():
        events.append(f"show {frame}")
    assert events == ["train 1", "train 2", "show frame 1", "train 3", "show frame 2", "show frame 3", "show final"]


def _big_and_small(the: drawer.Pool):
    """A limit-size run and a default one, their pictures' jobs, and the pool told what each costs (50 ms,
    4 ms)."""
    big, small = _trained(CASES["the limits"][0], 2), _trained(RunConfig(), 2)
    view = View(False, False, True)
    big_job = drawer.job_of(big, big.net, view, drawer.data_token(big.data))
    small_job = drawer.job_of(small, small.net, view, drawer.data_token(small.data))
    the.measured(big_job, 0.050)
    the.measured(small_job, 0.004)
    return big, small, big_job, small_job


def test_a_small_frame_is_drawn_before_the_big_frames_waiting_before_it():
    """Jobs fall due at their arrival plus their expected drawing time: a default run's picture (a few ms)
    passes the limit-size pictures queued before it (about 50 ms each), which still fall due in turn."""
    the = drawer.Pool(0)  # no worker: only its queue
    big, small, big_job, small_job = _big_and_small(the)
    queued = [the.submit(big_job, big.data) for _ in range(3)] + [the.submit(small_job, small.data)]
    taken = [the.next_job() for _ in range(4)]
    assert taken[0] is queued[3]
    assert taken[1:] == queued[:3]


def test_a_light_picture_never_waits_for_a_heavy_one_being_drawn():
    """While every worker draws a heavy run's picture, a light run's is drawn in-process (submit gives
    None) rather than wait up to 50 ms for it; a heavy one still queues, and once a worker is free, or
    draws a light picture, light ones queue too."""
    the = drawer.Pool(0)  # no worker process: only its queue, and one stand-in for a worker
    the.workers = [SimpleNamespace(hello=True, drawing=None)]
    big, small, big_job, small_job = _big_and_small(the)
    first = the.submit(big_job, big.data, heavy=True)
    assert the.next_job(the.workers[0]) is first and the.workers[0].drawing is first
    assert the.submit(small_job, small.data) is None
    assert the.submit(big_job, big.data, heavy=True) is not None
    the.measured(big_job, 0.050, the.workers[0])
    assert the.workers[0].drawing is None
    light = the.submit(small_job, small.data)
    assert light is not None and the.next_job(the.workers[0]) is light
    assert the.submit(small_job, small.data) is not None  # behind a light picture: a few ms


def test_a_cancelled_job_is_skipped():
    the = drawer.Pool(0)
    run = _trained(RunConfig(), 2)
    job = drawer.job_of(run, run.net, View(False, False, True), drawer.data_token(run.data))
    first, second = the.submit(job, run.data), the.submit(job, run.data)
    first.cancel()
    assert the.next_job() is second


def test_a_job_goes_over_the_wire_as_it_was_and_nothing_else_can():
    import io

    run = _trained(CASES["regression with features"][0], 20)
    job = drawer.job_of(run, run.net, View(True, False, True, unit=(1, 2)), 7).with_data(run.data)
    pipe = io.BytesIO()
    worker.WIRE.write(pipe, job)
    pipe.seek(0)
    back = worker.WIRE.read(pipe)
    assert back.net == job.net and back.view == job.view and back.data_token == 7
    assert (back.parameters == job.parameters).all() and back.curves.marks == job.curves.marks
    assert all((back.curves.columns[k] == v)[~np.isnan(v)].all() for k, v in job.curves.columns.items())
    assert (back.data.X_train == run.data.X_train).all() and back.data.kind == run.data.kind
    pipe = io.BytesIO()
    wire.Wire([]).write(pipe, {"a": np.zeros(2)})  # plain values are fine...
    pipe.seek(0)
    assert (wire.Wire([]).read(pipe)["a"] == 0).all()
    with pytest.raises(KeyError):  # ...but a class the reader was not given is never built
        pipe = io.BytesIO()
        worker.WIRE.write(pipe, worker.Hello(1, ()))
        pipe.seek(0)
        wire.Wire([]).read(pipe)
