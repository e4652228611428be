"""The live loop, in one place: who trains a session's run, when, for how long, and how its frames are made.

Read it top to bottom:

1. **The session's lock.** Streamlit starts a new script run (after a click on Pause, say) while the old
   one may still be in its frame, and both touch the same Run: every slice of training and every copy of
   the network for a picture happens under the session's lock, made exactly once per session.
2. **The owner's token.** Each playing script run claims the session; an older run still going sees that
   it lost its claim and stops before its next slice.
3. **CPU turns.** At most one burst of NumPy work per core at a time in the whole server.
4. **Pacing.** Each frame trains for a bounded time (a number of optimizer steps sized from the measured
   time of one step, never whole epochs), and frames are paced to FRAME_SECONDS.
5. **The player.** ``Player(run, view).frames()`` yields the frames to show, pipelined: a frame's picture
   is drawn by the drawing worker while this thread trains the next slice.

A frame goes one way: this runtime trains and copies the state, the picture module (or the drawing worker,
running the same code) renders it, and the page (``panels``) shows what :meth:`Player.frames` yields.
Pause, or any other control, ends the page's script run at the next Streamlit call (at most one frame
later): Streamlit then reruns the page, which finds the run in st.session_state and, if still playing,
carries on.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import math
import os
import threading
import time
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass

import streamlit as st

from nn_core.analysis.compare import snapshot_index
from nn_core.runs import snapshot_net

from .. import keys
from . import drawer, frames, state

FRAME_SECONDS = 0.05  # 20 frames a second: what a browser draws of these charts without a backlog
TRAIN_SECONDS = 0.025  # a frame's slice of training, at most (the rest is drawing and sending)
MIN_TRAIN_SECONDS = 0.006  # and at least, however long a frame takes to draw
MAX_STEPS = 100_000
NUMBERS_SECONDS = 1.0  # while playing, how old the line of numbers may be when computing it costs more than a frame
NUMBERS_SHARE = 0.1  # and the share of a big run's time its numbers may take, at most
TRACE = os.environ.get("NNPLAY_TRACE")  # a file to append each frame's timings to (benchmarks set it)


@dataclass(frozen=True)
class Speed:
    label: str
    epochs: float  # epochs per frame; math.inf = as many as fit the slice


SPEEDS = {s.label: s for s in (
    Speed("1 epoch / frame", 1), Speed("3 epochs / frame", 3), Speed("10 epochs / frame", 10),
    Speed("30 epochs / frame", 30), Speed("100 epochs / frame", 100), Speed("as fast as it goes", math.inf))}
DEFAULT_SPEED = "3 epochs / frame"  # the default XOR run learns over about five seconds of frames


def chosen_speed() -> Speed:
    return SPEEDS.get(st.session_state.get(keys.SPEED), SPEEDS[DEFAULT_SPEED])


# ------------------------------------------------------------------ 1. the session's lock
_MAKING_LOCKS = threading.Lock()  # process-wide: only so that a session's lock is made once


def session_lock(store: MutableMapping | None = None) -> threading.Lock:
    """The session's run lock (``store``: the session's state, st.session_state unless given).

    Two script runs of one session may ask at the same moment; the process-wide lock makes sure they
    get the same lock."""
    store = st.session_state if store is None else store
    with _MAKING_LOCKS:
        held = store.get(keys.LOCK)
        if held is None:
            held = store[keys.LOCK] = threading.Lock()
        return held


# ------------------------------------------------------------------ 2. the owner's token
def claim() -> object:
    """Make this script run the session's trainer; an older run still going sees it lost its claim."""
    token = object()
    st.session_state[keys.RUNNER] = token
    return token


def owns(token: object) -> bool:
    return st.session_state.get(keys.RUNNER) is token


# ------------------------------------------------------------------ 3. CPU turns
class Turns:
    """The process's CPU turns: at most one burst of NumPy work per core at a time, the next turn going
    to the waiting burst that falls due first, and one turn always kept for light runs.

    Process-wide, and deliberately so: it holds no data, only turns. Each session's training and drawing
    is Python-heavy NumPy work that holds the GIL; twenty sessions doing it at once would starve the
    server's event loop. With at most one turn per core, the rest wait without holding the GIL.

    Fair by cost: a burst is due at its arrival plus its expected length, so a short one passes long ones
    that arrived just before it, and a long one still falls due in turn; a thread giving a turn back cannot
    take it again ahead of those already waiting. A *heavy* run's burst (a limit-size network: see
    :func:`heavy`) never takes the last free turn, so a default visitor's frame, and the first frame of
    one who has just pressed Play, never waits for a limit run's burst to end; limit runs share the other
    turns, and show fewer frames, being slow anyway. (With a single turn, nothing is kept: a heavy run
    then waits only for the bursts due before it.)
    """

    def __init__(self, n: int):
        self.free = n
        self.kept = 1 if n > 1 else 0  # turns kept for light runs (none when there is only one turn)
        self.changed = threading.Condition()
        self.waiting: list = []  # sorted (due, order, heavy)
        self.order = itertools.count()

    @contextlib.contextmanager
    def turn(self, seconds: float, heavy: bool = False):
        """Hold a turn for one bounded burst expected to take ``seconds``."""
        me = (time.monotonic() + seconds, next(self.order), heavy)
        with self.changed:
            bisect.insort(self.waiting, me)
            try:
                while self._next() != me:
                    self.changed.wait()
            except BaseException:
                self.waiting.remove(me)
                self.changed.notify_all()
                raise
            self.waiting.remove(me)
            self.free -= 1
            self.changed.notify_all()  # the next waiter may take another free turn
        try:
            yield
        finally:
            with self.changed:
                self.free += 1
                self.changed.notify_all()

    def _next(self):
        """The waiter that may take a turn now: the first due, but a heavy one only if a turn is left for
        light runs."""
        if not self.free:
            return None
        for waiter in self.waiting:
            if not waiter[2] or self.free > self.kept:
                return waiter
        return None


_TURNS = Turns(max(1, min(2, os.cpu_count() or 1)))


def cpu_turn(seconds: float = TRAIN_SECONDS, heavy: bool = False):
    """Hold one of the process's CPU turns for one bounded burst expected to take ``seconds``."""
    return _TURNS.turn(seconds, heavy)


def heavy(run) -> bool:
    """Whether ``run`` is a heavy one for the CPU turns: its line of numbers alone costs more than a
    frame's picture may (a limit-size network on thousands of points), so its turns are long."""
    return frames.costly_numbers(run)


# ------------------------------------------------------------------ 4. pacing
def train_budget(speed: Speed, draw_seconds: float | None) -> float:
    """Seconds of training in a frame: what drawing the frame leaves of FRAME_SECONDS, within
    [MIN_TRAIN_SECONDS, TRAIN_SECONDS]. A big network's picture takes longer to draw, so it trains less
    per frame rather than showing fewer frames; "as fast as it goes" always takes TRAIN_SECONDS."""
    if math.isinf(speed.epochs) or draw_seconds is None:
        return TRAIN_SECONDS
    return min(TRAIN_SECONDS, max(MIN_TRAIN_SECONDS, FRAME_SECONDS - draw_seconds))


def slice_steps(trainer, speed: Speed, goal: int | None, seconds_per_step: float | None,
                budget: float = TRAIN_SECONDS) -> int:
    """Optimizer steps for this frame: the speed's epochs, but never more than fit ``budget`` or the goal."""
    per_epoch = trainer.steps_per_epoch
    wanted = speed.epochs * per_epoch
    if goal is not None:
        wanted = min(wanted, (goal - trainer.epoch) * per_epoch)
    if seconds_per_step:
        wanted = min(wanted, max(1.0, budget / seconds_per_step))
    else:
        wanted = min(wanted, 1)  # the first slice measures a step
    return int(max(1, min(wanted, MAX_STEPS)))


def _ema(key: str, measured: float) -> None:
    previous = st.session_state.get(key)
    st.session_state[key] = measured if previous is None else 0.7 * previous + 0.3 * measured


def train_slice(run, speed: Speed, budget: float | None = None) -> int:
    """One frame's training, timed, so the next slice fits its budget (an EMA of the time per step).
    ``budget``: seconds, :func:`train_budget`'s unless given. Returns the steps it took."""
    trainer = run.trainer
    if budget is None:
        budget = train_budget(speed, st.session_state.get(keys.DRAW_PACE))
    steps = slice_steps(trainer, speed, state.goal(), st.session_state.get(keys.PACE), budget)
    started = time.perf_counter()
    taken = trainer.run_steps(steps)
    if taken:
        _ema(keys.PACE, (time.perf_counter() - started) / taken)
    return taken


def first_frame(run, view) -> frames.Frame:
    """The frame a click on Play shows at once, before the page's details are built: a slice of training,
    drawn by the worker (where it passes the big frames waiting, see ``drawer``) or here. A big run's
    numbers are refreshed first if stale (trained by steps while paused, say), as each frame's are."""
    with session_lock():
        refresh_numbers(run)
        with cpu_turn(heavy=heavy(run)):
            if not state.reached(run):
                train_slice(run, chosen_speed())
            started = _start_frame(run, view)
    return started.ready()


# ------------------------------------------------------------------ frames
def frame_now(run, view, at: int | None = None, final: bool = False) -> frames.Frame:
    """The frame of this moment (or of the snapshot at epoch ``at``), drawn in this thread."""
    net = run.net if at is None else snapshot_net(run.net, run.trainer.snapshots[snapshot_index(run.trainer.snapshots, at)])
    with session_lock(), cpu_turn(_draw_seconds(), heavy(run)):
        return frames.frame(run, net, view, at=at, final=final, numbers=_playing_numbers(run, at, final))


def _playing_numbers(run, at, final: bool) -> dict | None:
    """While a big run plays, the numbers :func:`refresh_numbers` last computed (a pass over every point
    would take most of a frame at the limits), computed now if it has none; None computes them afresh."""
    if final or at is not None or not frames.costly_numbers(run):
        return None
    held = st.session_state.get(keys.NUMBERS)
    if held is None or held[0] is not run:
        held = _numbers_of(run)
    return held[2]


def refresh_numbers(run) -> None:
    """Recompute a big playing run's line of numbers once they are NUMBERS_SECONDS old, in a turn of its own
    (call under the session's lock): a refresh takes as long as several of its frames, and inside the
    frame's turn it would hold back every burst due after it.

    Never more often than once in NUMBERS_SHARE⁻¹ times its own length, so that on a busy server, where a
    refresh takes longer and frames come later, the numbers do not take every frame's time."""
    if not frames.costly_numbers(run):
        return
    held = st.session_state.get(keys.NUMBERS)
    if held is not None and held[0] is run and time.monotonic() - held[1] < max(NUMBERS_SECONDS,
                                                                               held[3] / NUMBERS_SHARE):
        return
    with cpu_turn(held[3] if held is not None and held[0] is run else NUMBERS_SECONDS / 4, heavy(run)):
        _numbers_of(run)


def _numbers_of(run) -> tuple:
    """Compute ``run``'s line of numbers now, and hold them: (run, when, values, seconds it took)."""
    now = time.monotonic()
    values = frames.now_metrics(run, run.net, None)
    held = st.session_state[keys.NUMBERS] = (run, now, values, time.monotonic() - now)
    return held


def _draw_seconds() -> float:
    return st.session_state.get(keys.DRAW_PACE) or TRAIN_SECONDS


class _Handed:
    """A playing frame whose picture the drawing worker draws meanwhile; its numbers are taken now."""

    def __init__(self, run, view, pending: drawer.Pending, epoch: int, numbers: dict):
        self.run, self.view, self.pending, self.epoch, self.numbers = run, view, pending, epoch, numbers

    def ready(self) -> frames.Frame:
        drawn = self.pending.picture()  # waits for the worker; never under the session's lock
        if drawn is None:  # the worker failed (logged once): draw it here
            return frame_now(self.run, self.view)
        return frames.Frame(self.epoch, {}, self.numbers, frames.metrics_text(self.epoch, self.numbers, False),
                            picture=drawn[0], width=drawn[1])

    def cancel(self) -> None:
        self.pending.cancel()


class _Drawn:
    """A playing frame drawn in this thread (no worker, or not started yet)."""

    def __init__(self, frame: frames.Frame):
        self.frame = frame

    def ready(self) -> frames.Frame:
        return self.frame

    def cancel(self) -> None:
        pass


def _start_frame(run, view):
    """This moment's playing frame (call under the session's lock and a CPU turn): handed to the drawing
    worker, with its numbers taken now (the network and curves are copied in microseconds), or drawn here
    when there is no worker."""
    pending = drawer.submit(run, run.net, view, heavy(run))
    if pending is None:
        return _Drawn(frames.frame(run, run.net, view, numbers=_playing_numbers(run, None, False)))
    numbers = _playing_numbers(run, None, False) or frames.now_metrics(run, run.net, None)
    return _Handed(run, view, pending, run.trainer.epoch, numbers)


# ------------------------------------------------------------------ 5. the player
class Player:
    """Plays ``run`` for this script run: :meth:`frames` yields each frame to show, then the final one.

    ``hand_over``: this is the session's first script run, whose widgets Streamlit keeps disabled until
    it ends, so it ends after one frame and the rerun plays on.
    """

    def __init__(self, run, view, hand_over: bool = False):
        self.run, self.view, self.hand_over = run, view, hand_over

    def frames(self) -> Iterator[frames.Frame]:
        """While playing: train a slice, start its frame, show the one before, wait out the frame's time.

        The pipeline: the loop trains slice k + 1 while the worker draws frame k, and yields frame k only
        then. So frame k is shown one slice late, and training and drawing run on two cores at once.
        When Play pauses by itself (its goal reached, or diverged) the page reruns once, so the Play
        button, the replay slider and the details show the paused run; paused by a click, it yields
        the final picture at full resolution.
        """
        run, me, pace = self.run, claim(), chosen_speed()
        lock = session_lock()
        drawing = None  # the last frame started, being drawn meanwhile (in a worker)
        handed = False  # whether the last frame's picture went to the worker
        try:
            while not state.reached(run):
                begun = time.perf_counter()
                with lock:
                    if not owns(me):
                        return  # a newer script run (a click) has taken this session's run over
                    # Drawn here, a frame's picture takes from its training (train_budget); drawn by the worker
                    # meanwhile, it does not, and a slow picture (a limit-size run's) costs no training.
                    budget = TRAIN_SECONDS if handed else train_budget(pace, st.session_state.get(keys.DRAW_PACE))
                    refresh_numbers(run)  # a big run's numbers, once a second, in a turn of their own
                    with cpu_turn(budget, heavy(run)):  # one turn a frame: slice, then state
                        steps = train_slice(run, pace, budget)
                        trained = time.perf_counter()
                        started = _start_frame(run, self.view)
                        handed = isinstance(started, _Handed)
                if drawing is not None:
                    yield drawing.ready()  # frame k, drawn while slice k + 1 trained
                drawing = started
                if self.hand_over:
                    yield drawing.ready()
                    drawing = None
                _ema(keys.DRAW_PACE, time.perf_counter() - trained)
                if TRACE:
                    with open(TRACE, "a") as out:
                        out.write(f"{begun:.3f} run {id(run)} steps {steps} train {1000 * (trained - begun):.1f} "
                                  f"draw {1000 * (time.perf_counter() - trained):.1f}\n")
                if self.hand_over:  # end the first run so the controls (Pause!) become usable; the rerun plays on
                    st.rerun()
                rest = FRAME_SECONDS - (time.perf_counter() - begun)
                if rest > 0:
                    time.sleep(rest)
            if drawing is not None:
                last, drawing = drawing, None
                yield last.ready()
        finally:
            if drawing is not None:  # this script run ended mid-frame: nobody will show it
                drawing.cancel()
        if state.playing():  # reached its goal, or diverged: pause, and redraw the controls and details once
            state.pause()
            st.rerun()
        yield frame_now(run, self.view, final=True)
