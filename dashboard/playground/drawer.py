"""Playing frames' pictures drawn in worker processes, so training and drawing do not share one core.

Streamlit runs every session as a thread of one process, so every session's training and drawing hold
one GIL. Training stays in the session's thread (the Trainer, its snapshots, edits and retuning are
untouched, so runs stay bit-identical); the picture of a playing frame is drawn by one of a few worker
processes while the thread trains the next slice. A worker imports only NumPy, Pillow and the picture's
code (``dashboard.playground.picture``, about 32 MB) and receives plain data: the data set once per
worker (cached by a token), then per frame the network's settings and parameters, the history's curve
columns and marks, the view's options and the epoch. It returns the picture's data URL, pixel for
pixel the one :func:`dashboard.playground.frames.picture_of` draws in-process for the same state.

The pool is built once per server process, on the first playing frame, without waiting for it: frames
are drawn in-process until its workers have started. If it cannot start or a worker dies, one sentence
goes to the log and every frame is drawn in-process again. ``NNPLAY_DRAW_WORKERS=0`` turns it off.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import itertools
import logging
import multiprocessing
import os
import sys
import threading
import types
import weakref
from concurrent.futures import Future, ProcessPoolExecutor
from types import SimpleNamespace

import numpy as np

from nn_core.network import MLP

from . import picture

# One worker beside the server on two cores or more. Measured on 2 cores with three sessions playing: the
# spiral drew 13.5 -> 18.8 frames a second each, the limits 6.3 -> 7.0; a second worker took the limits to 8.3
# but the server and its workers to 623 MB (budget 600), each worker holding about 85 MB at the limits.
_SWITCH = os.environ.get("NNPLAY_DRAW_WORKERS", "")
WORKERS = min(2, int(_SWITCH)) if _SWITCH.isdigit() else (1 if (os.cpu_count() or 1) >= 2 else 0)
START_SECONDS = 60.0  # a worker that has not imported NumPy and Pillow by then is given up
RESULT_SECONDS = 10.0  # a picture takes tens of milliseconds; a worker this late is taken for dead
KEPT = 8  # data sets (and networks) a worker keeps between frames
CURVE_COLUMNS = ("loss", "test_loss", "accuracy", "test_accuracy")
HEAVY = ("streamlit", "pyarrow", "altair", "pandas")  # what a worker must not import (memory)

log = logging.getLogger(__name__)


# ------------------------------------------------------------------ in the worker
_DATA: collections.OrderedDict = collections.OrderedDict()  # token -> Dataset
_NETS: collections.OrderedDict = collections.OrderedDict()  # the network's settings -> MLP


def _started() -> dict:
    """A worker's first job: it has imported what drawing needs (and nothing heavy)."""
    return {"pid": os.getpid(), "heavy": [name for name in HEAVY if name in sys.modules]}


def _kept(cache: collections.OrderedDict, key, value):
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > KEPT:
        cache.popitem(last=False)
    return value


def draw(job: dict) -> tuple[str, int] | None:
    """(data URL, width) of the live view's picture of ``job``'s state, or None when this worker does
    not hold the job's data set (the caller sends it again, with the data)."""
    token = job["token"]
    if job["data"] is not None:
        _kept(_DATA, token, job["data"])
    data = _DATA.get(token)
    if data is None:
        return None
    _DATA.move_to_end(token)
    key = repr(sorted(job["net"].items()))
    net = _NETS.get(key) or _kept(_NETS, key, MLP(**job["net"]))
    net.flat_parameters()[...] = job["parameters"]
    history = SimpleNamespace(epochs=job["epochs"], columns=job["columns"], marks=job["marks"])
    run = SimpleNamespace(data=data, history=history, trainer=SimpleNamespace(epoch=job["epoch"]),
                          config=SimpleNamespace(epochs=job["budget"]))
    return picture.view_picture(run, net, SimpleNamespace(**job["view"]))


# ------------------------------------------------------------------ in the server
def job_of(run, net, view, data_token: int) -> dict:
    """What a worker needs to draw ``net``'s playing frame of ``run``: copies, taken under the run's lock
    (the queue pickles them later, while the session trains on)."""
    history = run.history
    return {"token": data_token, "data": None, "net": net.config(), "parameters": net.flat_parameters().copy(),
            "epochs": np.asarray(history.epochs, dtype=np.float64),
            "columns": {name: np.asarray(history.columns[name], dtype=np.float64) for name in CURVE_COLUMNS},
            "marks": list(history.marks), "epoch": int(run.trainer.epoch), "budget": int(run.config.epochs),
            "view": {"log_scale": bool(view.log_scale), "discretize": bool(view.discretize),
                     "show_test": bool(view.show_test), "unit": view.unit}}


_TOKENS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Dataset -> its token
_COUNTER = itertools.count(1)
_LOCK = threading.Lock()


def data_token(data) -> int:
    """A number naming this data set (object) for as long as it lives: workers cache data sets by it."""
    with _LOCK:
        token = _TOKENS.get(data)
        if token is None:
            token = _TOKENS[data] = next(_COUNTER)
        return token


@contextlib.contextmanager
def _plain_main():
    """While a worker process starts: a ``__main__`` without a file, so it runs no page script.

    Streamlit installs each page's script as ``__main__`` (with its ``__file__``), and a spawned process
    re-runs the parent's ``__main__`` file: it would import Streamlit and draw the page.
    """
    saved, plain = sys.modules.get("__main__"), types.ModuleType("__main__")
    sys.modules["__main__"] = plain
    try:
        yield
    finally:
        if sys.modules.get("__main__") is plain:  # a session's script run may have installed its own since
            sys.modules["__main__"] = saved


class Worker:
    """One worker process (a one-process executor, so the data sets it holds are known)."""

    def __init__(self, context):
        self.executor = ProcessPoolExecutor(max_workers=1, mp_context=context)
        self.busy = 0
        self.held: collections.OrderedDict = collections.OrderedDict()  # data tokens sent to it
        with _plain_main():
            self.started = self.executor.submit(_started)  # starts the process now, under a plain __main__


class Pool:
    """The server's drawing workers: least busy first; every failure falls back to in-process drawing."""

    def __init__(self, n: int):
        context = multiprocessing.get_context("spawn")  # never fork a threaded server
        self.lock = threading.Lock()
        self.workers = [Worker(context) for _ in range(n)]
        self.failed = False
        self.checked = False

    def ready(self) -> bool:
        """Whether every worker has started (frames are drawn in-process until then)."""
        if self.failed:
            return False
        if not self.checked:
            if not all(w.started.done() for w in self.workers):
                return False
            try:
                heavy = {name for w in self.workers for name in w.started.result(timeout=0)["heavy"]}
            except Exception as error:  # noqa: BLE001  (whatever stopped a worker, the page draws in-process)
                self.fail(error)
                return False
            if heavy:
                log.warning("nnplay: a drawing worker imported %s; it draws, but takes more memory.",
                            ", ".join(sorted(heavy)))
            self.checked = True
        return True

    def submit(self, job: dict, data) -> Job | None:
        if not self.ready():
            return None
        try:
            with self.lock:
                worker = min(self.workers, key=lambda w: (w.busy, job["token"] not in w.held))
                return Job(self, worker, job, data, self._send(worker, job, data))
        except Exception as error:  # noqa: BLE001  (a worker died since the last frame: draw in-process)
            self.fail(error)
            return None

    def _send(self, worker: Worker, job: dict, data) -> Future:
        """Submit (under self.lock); the data set goes along the first time this worker sees it."""
        token = job["token"]
        if token not in worker.held:
            job = {**job, "data": data}
        _kept(worker.held, token, True)
        worker.busy += 1
        future = worker.executor.submit(draw, job)
        future.add_done_callback(lambda _: self._done(worker))
        return future

    def _done(self, worker: Worker) -> None:
        with self.lock:
            worker.busy -= 1

    def fail(self, error: BaseException) -> None:
        with self.lock:
            if self.failed:
                return
            self.failed = True
        log.warning("nnplay: the drawing workers stopped (%s); live pictures are drawn in the server process.",
                    type(error).__name__)
        self.shutdown()

    def shutdown(self) -> None:
        for worker in self.workers:
            worker.executor.shutdown(wait=False, cancel_futures=True)


class Job:
    """A picture being drawn in a worker."""

    def __init__(self, pool: Pool, worker: Worker, job: dict, data, future: Future):
        self.pool, self.worker, self.job, self.data, self.future = pool, worker, job, data, future

    def picture(self) -> tuple[str, int] | None:
        """(data URL, width) once drawn, or None if the worker failed (the caller draws in-process)."""
        try:
            out = self.future.result(timeout=RESULT_SECONDS)
            if out is None:  # the worker had let the data set go: send it again, with the data
                with self.pool.lock:
                    self.worker.held.pop(self.job["token"], None)
                    future = self.pool._send(self.worker, self.job, self.data)
                out = future.result(timeout=RESULT_SECONDS)
            return out
        except Exception as error:  # noqa: BLE001  (a dead or stuck worker: this frame is drawn in-process)
            self.pool.fail(error)
            return None


_POOL: Pool | None = None
_STARTING = threading.Lock()


def pool() -> Pool | None:
    """The server's pool, built on first use; None when there is none (turned off, or it failed)."""
    global _POOL
    if WORKERS < 1:
        return None
    if _POOL is None:
        with _STARTING:
            if _POOL is None:
                try:
                    _POOL = Pool(min(WORKERS, 2))
                except Exception as error:  # noqa: BLE001  (no processes on this host: draw in-process)
                    log.warning("nnplay: drawing workers could not start (%s); live pictures are drawn in the "
                                "server process.", type(error).__name__)
                    _POOL = _Failed()
                atexit.register(_POOL.shutdown)
    return None if _POOL.failed else _POOL


class _Failed:
    failed = True

    def shutdown(self) -> None:
        pass


def warm_up() -> None:
    """Start the workers while a learner looks at the paused page, so that the first Play does not pay
    for starting a process (measured: the default run's first frame came 0.4 s later on a cold pool)."""
    pool()


def submit(run, net, view) -> Job | None:
    """Hand ``net``'s playing picture of ``run`` to a worker (call under the run's lock): the job, or None
    to draw it in-process (no pool, or not started yet)."""
    the = pool()
    if the is None:
        return None
    return the.submit(job_of(run, net, view, data_token(run.data)), run.data)
