"""The server's side of the drawing worker (``dashboard.playground.worker``): start it, feed it jobs by cost.

A playing frame's picture is drawn by a worker program beside the server while the session trains the
next slice (see ``dashboard.playground.runtime``). The server starts it as ``sys.executable -m
dashboard.playground.worker`` with pipes for stdin and stdout, and one thread per worker here writes its
jobs and reads its replies (``dashboard.playground.wire``). The data set goes along with the first job a worker gets for it.

Jobs are scheduled by cost, not in order of arrival: each waiting job is due at the time it was handed
in plus the time its picture is expected to take (measured per network shape), and the worker takes
the job due first. A small run's frame (a few milliseconds) thus never waits behind the queued frames of
limit-size runs (about 50 ms each), while a big frame is never passed over for long: it falls due.
Nor does it wait for the one being drawn: a light run's picture (see ``runtime.heavy``) handed in while
every worker draws a heavy one is drawn in the server instead, in the light run's own CPU turn, where it
takes those few milliseconds (as the light run's CPU turns never wait for a heavy run's, see
``runtime.Turns``).

The workers start on the first call to :func:`pool` (the paused page calls :func:`warm_up`), without
waiting: frames are drawn in-process until a worker has said hello. If a worker cannot start, dies or
is stuck, one sentence goes to the log and every frame is drawn in-process again.
``NNPLAY_DRAW_WORKERS=0`` turns the workers off.
"""

from __future__ import annotations

import atexit
import collections
import heapq
import itertools
import logging
import os
import subprocess
import sys
import threading
import time
import weakref
from concurrent.futures import Future
from pathlib import Path

from . import worker as program
from .picture import ViewSettings, curves_of

# One worker beside the server on two cores or more. Measured on 2 cores with three sessions playing: the
# spiral drew 13.5 -> 18.8 frames a second each, the limits 6.3 -> 7.0; a second worker took the limits to 8.3
# but the server and its workers to 623 MB (budget 600), each worker holding about 85 MB at the limits.
_SWITCH = os.environ.get("NNPLAY_DRAW_WORKERS", "")
WORKERS = min(2, int(_SWITCH)) if _SWITCH.isdigit() else (1 if (os.cpu_count() or 1) >= 2 else 0)
RESULT_SECONDS = 10.0  # a picture takes tens of milliseconds; a worker this late is taken for dead
FIRST_COST = 0.010  # seconds a picture of a shape not drawn yet is expected to take
ROOT = Path(__file__).resolve().parents[2]  # where `-m dashboard.playground.worker` is found

log = logging.getLogger(__name__)


# ------------------------------------------------------------------ what a job is made of
def job_of(run, net, view, data_token: int) -> program.Job:
    """What a worker needs to draw ``net``'s playing frame of ``run``: copies, taken under the run's lock
    (the job is pickled later, while the session trains on)."""
    return program.Job(data_token, net.config(), net.flat_parameters().copy(), curves_of(run),
                       ViewSettings.of(view))


_TOKENS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Dataset -> its token
_COUNTER = itertools.count(1)
_TOKENS_LOCK = threading.Lock()


def data_token(data) -> int:
    """A number naming this data set (object) for as long as it lives: workers keep data sets by it."""
    with _TOKENS_LOCK:
        token = _TOKENS.get(data)
        if token is None:
            token = _TOKENS[data] = next(_COUNTER)
        return token


# ------------------------------------------------------------------ a job on its way
class Pending:
    """A picture handed to the workers: :meth:`picture` waits for it."""

    def __init__(self, pool: Pool, job: program.Job, data, cost: float, heavy: bool = False):
        self.pool, self.job, self.data, self.cost, self.heavy = pool, job, data, cost, heavy
        self.message = program.WIRE.encode(job)  # encoded by the session's thread, in its CPU turn
        self.future: Future = Future()

    def picture(self) -> tuple[str, int] | None:
        """(data URL, width) once drawn, or None if the workers failed (the caller draws in-process)."""
        try:
            drawn = self.future.result(timeout=RESULT_SECONDS)
        except TimeoutError as error:  # a stuck worker: this and every later frame are drawn in-process
            self.pool.fail(error)
            return None
        return None if drawn is None else (drawn.url, drawn.width)

    def cancel(self) -> None:
        """Not wanted any more (the script run that asked for it has ended): a worker skips it."""
        self.future.cancel()


class Worker:
    """One worker program, and the thread here that writes its jobs and reads its replies."""

    def __init__(self, pool: Pool):
        self.pool = pool
        self.process = subprocess.Popen([sys.executable, "-m", "dashboard.playground.worker"], cwd=ROOT,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.hello: program.Hello | None = None
        self.drawing: Pending | None = None  # the job it draws now (set by the pool, under its lock)
        self.held: collections.OrderedDict = collections.OrderedDict()  # data tokens it holds
        threading.Thread(target=self._serve, name="nnplay-drawing", daemon=True).start()

    def _serve(self) -> None:
        pending = None
        try:
            self.hello = program.WIRE.read(self.process.stdout)
            if self.hello.heavy:
                log.warning("nnplay: a drawing worker imported %s; it draws, but takes more memory.",
                            ", ".join(self.hello.heavy))
            while (pending := self.pool.next_job(self)) is not None:
                drawn = self._draw(pending)
                self.pool.measured(pending.job, drawn.seconds, self)
                pending.future.set_result(drawn)
                pending = None
        except Exception as error:  # noqa: BLE001  (whatever stopped a worker, the page draws in-process)
            self.pool.fail(error)  # first: whoever sees the None below finds the pool failed, and said so
            if pending is not None and not pending.future.done():
                pending.future.set_result(None)

    def _draw(self, pending: Pending) -> program.Drawn:
        job, token = pending.job, pending.job.data_token
        reply = self._ask(pending.message if token in self.held else job.with_data(pending.data))
        if isinstance(reply, program.Missing):  # it had let the data set go: send it again, with the data
            reply = self._ask(job.with_data(pending.data))
        program._kept(self.held, token, True)
        return reply

    def _ask(self, job: program.Job | bytes):
        program.WIRE.write(self.process.stdin, job)
        return program.WIRE.read(self.process.stdout)

    def stop(self) -> None:
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.process.kill()
        self.process.wait()


class Pool:
    """The server's drawing workers and the jobs waiting for them, taken by the time they fall due."""

    def __init__(self, n: int):
        self.changed = threading.Condition()
        self.waiting: list = []  # heap of (due, order, Pending)
        self.order = itertools.count()
        self.costs: dict = {}  # network shape -> seconds its picture takes (an EMA)
        self.failed = False
        self.workers = [Worker(self) for _ in range(n)]

    def ready(self) -> bool:
        """Whether every worker has said hello (frames are drawn in-process until then)."""
        return not self.failed and all(w.hello is not None for w in self.workers)

    def submit(self, job: program.Job, data, heavy: bool = False) -> Pending | None:
        """Queue ``job`` (``data``: its data set, sent along when a worker lacks it; ``heavy``: a heavy run's
        picture); None to draw in-process: no worker, or a light run's picture while every worker draws a
        heavy one."""
        if not self.ready():
            return None
        key = _shape(job)
        with self.changed:
            if not heavy and self.workers and all(w.drawing is not None and w.drawing.heavy for w in self.workers):
                return None
            cost = self.costs.get(key, FIRST_COST)
        pending = Pending(self, job, data, cost, heavy)
        with self.changed:
            heapq.heappush(self.waiting, (time.monotonic() + cost, next(self.order), pending))
            self.changed.notify()
        return pending

    def next_job(self, worker: Worker | None = None) -> Pending | None:
        """The job due first, once there is one (``worker``'s thread waits here); None once stopped."""
        with self.changed:
            while True:
                while not self.waiting and not self.failed:
                    self.changed.wait()
                if self.failed:
                    return None
                pending = heapq.heappop(self.waiting)[2]
                if pending.future.set_running_or_notify_cancel():
                    if worker is not None:
                        worker.drawing = pending
                    return pending

    def measured(self, job: program.Job, seconds: float, worker: Worker | None = None) -> None:
        """``job`` took ``seconds`` to draw (by ``worker``, now free for the next)."""
        key = _shape(job)
        with self.changed:
            previous = self.costs.get(key)
            self.costs[key] = seconds if previous is None else 0.7 * previous + 0.3 * seconds
            if worker is not None:
                worker.drawing = None

    def fail(self, error: BaseException) -> None:
        """Stop every worker; every waiting job, and every later one, is drawn in-process."""
        with self.changed:
            if self.failed:
                return
            self.failed = True
            waiting, self.waiting = self.waiting, []
            self.changed.notify_all()
        log.warning("nnplay: the drawing workers stopped (%s); live pictures are drawn in the server process.",
                    type(error).__name__)
        for _, _, pending in waiting:
            if pending.future.set_running_or_notify_cancel():
                pending.future.set_result(None)
        self.shutdown()

    def shutdown(self) -> None:
        with self.changed:
            self.failed = True
            self.changed.notify_all()
        for worker in self.workers:
            worker.stop()


def _shape(job: program.Job) -> tuple:
    """What a picture's cost depends on: the network's sizes and the number of points drawn."""
    return tuple(job.net["layer_sizes"]), job.data_token


_POOL: Pool | None = None
_STARTING = threading.Lock()


def pool() -> Pool | None:
    """The server's pool, started on first use; None when there is none (turned off, or it failed)."""
    global _POOL
    if WORKERS < 1:
        return None
    with _STARTING:
        if _POOL is None:
            try:
                _POOL = Pool(WORKERS)
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


def submit(run, net, view, heavy: bool = False) -> Pending | None:
    """Hand ``net``'s playing picture of ``run`` (``heavy``: a heavy run, see ``runtime.heavy``) to a
    worker (call under the run's lock): what waits for it, or None to draw it in-process (no pool, not
    started yet, or every worker busy with a heavy picture when this one is light)."""
    the = pool()
    if the is None:
        return None
    return the.submit(job_of(run, net, view, data_token(run.data)), run.data, heavy)

