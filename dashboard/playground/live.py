"""The live loop: train a slice, draw a frame, wait for the next frame; until paused.

Each frame trains for a bounded time (a number of optimizer steps sized from
the measured time of one step, never whole epochs), then computes the frame's
pictures and sends only new data to charts whose specs the browser already
has. Frames are paced to FRAME_SECONDS: sent faster, they pile up in the
browser and it draws fewer of them.

Pause, or any other control, ends this script run at the next Streamlit call
(at most one frame later): Streamlit then reruns the page, which finds the run
in st.session_state and, if still playing, carries on.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from dataclasses import dataclass

import streamlit as st

from .. import keys
from . import state

FRAME_SECONDS = 0.05  # 20 frames a second: what a browser draws of these charts without a backlog
TRAIN_SECONDS = 0.025  # a frame's slice of training, at most (the rest is drawing and sending)
MIN_TRAIN_SECONDS = 0.006  # and at least, however long a frame takes to draw
MAX_STEPS = 100_000
TRACE = os.environ.get("NNPLAY_TRACE")  # a file to append each frame's timings to (benchmarks set it)


@dataclass(frozen=True)
class Speed:
    label: str
    epochs: float  # epochs per frame; math.inf = as many as fit the slice


SPEEDS = {s.label: s for s in (
    Speed("1 epoch / frame", 1), Speed("3 epochs / frame", 3), Speed("10 epochs / frame", 10),
    Speed("30 epochs / frame", 30), Speed("100 epochs / frame", 100), Speed("as fast as it goes", math.inf))}
DEFAULT_SPEED = "3 epochs / frame"  # the default XOR run learns over about five seconds of frames


# ------------------------------------------------------------------ one trainer at a time per core
# Process-wide, and deliberately so: it holds no data, only a turn. Each session's training and drawing
# is Python-heavy NumPy work that holds the GIL; twenty sessions doing it at once would starve the
# server's event loop. With at most one turn per core, the rest wait without holding the GIL, and since
# every turn is one bounded slice, a session at the limits cannot keep the others waiting for long.
_CPU_TURNS = threading.BoundedSemaphore(max(1, min(2, os.cpu_count() or 1)))


@contextlib.contextmanager
def cpu_turn():
    """Hold one of the process's CPU turns for one bounded burst (a slice of training, one frame's pictures)."""
    with _CPU_TURNS:
        yield


def lock() -> threading.Lock:
    """The session's run lock: a superseded script run may still be in its frame."""
    return st.session_state.setdefault(keys.LOCK, threading.Lock())


def claim() -> tuple[threading.Lock, object]:
    """Make this script run the session's trainer; an older run still going sees it lost its claim.

    Streamlit starts the new run (e.g. after a click on Pause) while the old one may
    still be in its frame, so both touch the same Run: every slice of training and
    every drawing happens under the returned lock, after checking the claim.
    """
    token = object()
    st.session_state[keys.RUNNER] = token
    return lock(), token


def owns(token: object) -> bool:
    return st.session_state.get(keys.RUNNER) is token


# ------------------------------------------------------------------ slices
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


def train_slice(run, speed: Speed) -> None:
    """One frame's training, timed, so the next slice fits its budget (an EMA of the time per step)."""
    trainer = run.trainer
    budget = train_budget(speed, st.session_state.get(keys.DRAW_PACE))
    steps = slice_steps(trainer, speed, state.goal(), st.session_state.get(keys.PACE), budget)
    started = time.perf_counter()
    taken = trainer.run_steps(steps)
    if taken:
        _ema(keys.PACE, (time.perf_counter() - started) / taken)


def chosen_speed() -> Speed:
    return SPEEDS.get(st.session_state.get(keys.SPEED), SPEEDS[DEFAULT_SPEED])


def first_slice(run) -> None:
    """The slice of training a click on Play shows at once, before the page's details are built."""
    with lock(), cpu_turn():
        train_slice(run, chosen_speed())


def play(run, draw_frame, draw_final, hand_over: bool = False) -> None:
    """While playing: train a slice, draw it, wait for the frame's time; at the end draw the final picture.

    ``draw_frame(final=False)`` draws the run's current state, or hands its picture to a drawing worker
    and returns what shows it once drawn: the loop calls that after training the next slice, so the
    worker draws frame k while this thread trains slice k + 1. ``draw_final()`` draws the finished picture.
    ``hand_over``: this is the session's first script run, whose widgets Streamlit keeps disabled until
    it ends, so it ends after one frame and the rerun plays on. When Play pauses by itself (goal reached,
    or diverged) the page reruns once, so the Play button, the replay slider and the details show the
    paused run.
    """
    lock, me = claim()
    pace = chosen_speed()
    shown = None  # what shows the last frame, drawn meanwhile in a worker (None: already shown)
    while not state.reached(run):
        begun = time.perf_counter()
        with lock:
            if not owns(me):
                return  # a newer script run (a click) has taken this session's run over
            with cpu_turn():
                train_slice(run, pace)
        trained = time.perf_counter()
        drawing = draw_frame(final=False)
        if shown is not None:
            shown()
        shown = drawing
        if hand_over and shown is not None:
            shown()
            shown = None
        _ema(keys.DRAW_PACE, time.perf_counter() - trained)
        if TRACE:
            with open(TRACE, "a") as out:
                out.write(f"{begun:.3f} train {1000 * (trained - begun):.1f} draw {1000 * (time.perf_counter() - trained):.1f}\n")
        if hand_over:  # end the first run so the controls (Pause!) become usable; the rerun plays on
            st.rerun()
        rest = FRAME_SECONDS - (time.perf_counter() - begun)
        if rest > 0:
            time.sleep(rest)
    if shown is not None:
        shown()
    if state.playing():  # reached its goal, or diverged: pause, and redraw the controls and details once
        state.pause()
        st.rerun()
    draw_final()
