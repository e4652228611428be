"""The live runtime (dashboard.playground.runtime): one lock per session, however its script runs race."""

from __future__ import annotations

import contextlib
import threading
import time
from types import SimpleNamespace

import pytest

from dashboard import keys
from dashboard.playground import runtime


class SlowState(dict):
    """A session's state where looking a key up takes a while, as when the GIL switches threads there."""

    def get(self, key, default=None):
        value = super().get(key, default)
        time.sleep(0.05)
        return value


def test_two_script_runs_asking_at_once_get_the_same_lock():
    state, got = SlowState(), []
    start = threading.Barrier(2)

    def ask() -> None:
        start.wait()
        got.append(runtime.session_lock(state))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(got) == 2 and got[0] is got[1] is state[keys.LOCK]
    assert isinstance(got[0], type(threading.Lock()))


def test_a_session_keeps_its_lock_and_another_session_gets_its_own():
    one, other = {}, {}
    assert runtime.session_lock(one) is runtime.session_lock(one)
    assert runtime.session_lock(one) is not runtime.session_lock(other)


def test_a_short_burst_passes_long_ones_that_arrived_just_before_it_and_none_barges():
    """One turn, held; three long bursts wait, then a short one: the short one goes first, the long ones in
    the order they came, and the holder giving its turn back cannot take it again ahead of them."""
    turns, order, threads = runtime.Turns(1), [], []
    holder_done = threading.Event()

    def burst(name: str, seconds: float) -> None:
        with turns.turn(seconds):
            order.append(name)

    def holder() -> None:
        with turns.turn(0.025):
            holder_done.wait()
        burst("holder again", 0.250)

    first = threading.Thread(target=holder)
    first.start()
    time.sleep(0.05)
    for name, seconds in (("long 1", 0.250), ("long 2", 0.250), ("long 3", 0.250), ("short", 0.005)):
        threads.append(threading.Thread(target=burst, args=(name, seconds)))
        threads[-1].start()
        time.sleep(0.01)
    holder_done.set()
    for thread in (first, *threads):
        thread.join(5)
    assert order == ["short", "long 1", "long 2", "long 3", "holder again"]


def test_heavy_runs_always_leave_a_turn_to_light_runs():
    """Two turns: heavy bursts share one, however long no light run has asked, so a light run that has
    just pressed Play finds the other free; a light burst takes either."""
    turns = runtime.Turns(2)
    with turns.turn(0.2, heavy=True):  # one heavy burst holds a turn
        taken = threading.Event()

        def second_heavy() -> None:
            with turns.turn(0.2, heavy=True):
                taken.set()

        waiting = threading.Thread(target=second_heavy)
        waiting.start()
        assert not taken.wait(0.5)  # no light run has ever asked: the last turn stays free all the same
        arrived = time.monotonic()
        with turns.turn(0.02):  # a light run arrives: it gets the second turn at once
            assert time.monotonic() - arrived < 0.1
        assert not taken.is_set()
    assert taken.wait(2)  # the first heavy burst's turn, given back, goes to the heavy one waiting
    waiting.join()
    with turns.turn(0.02), turns.turn(0.02):  # light bursts may hold both turns
        pass


def test_with_one_turn_a_heavy_run_is_not_kept_waiting_by_a_light_one():
    turns = runtime.Turns(1)
    with turns.turn(0.02):  # a light run has just had the only turn
        pass
    done = threading.Event()

    def heavy() -> None:
        with turns.turn(0.2, heavy=True):
            done.set()

    threading.Thread(target=heavy).start()
    assert done.wait(0.1)


class Clock:
    """time.monotonic() for the numbers' refreshes: it moves only when told (a refresh takes ``cost``)."""

    def __init__(self):
        self.now = 100.0

    def monotonic(self) -> float:
        return self.now


def test_a_big_run_refreshes_its_numbers_in_a_turn_of_its_own_and_only_so_often(monkeypatch):
    """Once NUMBERS_SECONDS old, and never more often than once in NUMBERS_SHARE⁻¹ times a refresh's own
    length; each refresh in a heavy turn sized by the last one, apart from the frame's slice."""
    clock, turns, passes = Clock(), [], []
    session = {}
    monkeypatch.setattr(runtime, "time", clock)
    monkeypatch.setattr(runtime, "st", SimpleNamespace(session_state=session))
    monkeypatch.setattr(runtime, "cpu_turn", lambda seconds, heavy: turns.append((seconds, heavy))
                        or contextlib.nullcontext())
    cost = 0.05

    def now_metrics(run, net, at):
        passes.append(clock.now)
        clock.now += cost
        return {"train_loss": clock.now}

    monkeypatch.setattr(runtime.frames, "now_metrics", now_metrics)
    big, small = SimpleNamespace(net=None), SimpleNamespace(net=None)
    monkeypatch.setattr(runtime.frames, "costly_numbers", lambda run: run is big)
    runtime.refresh_numbers(small)
    assert not passes and not turns  # a light run's numbers are cheap: taken with each frame
    runtime.refresh_numbers(big)
    assert turns == [(runtime.NUMBERS_SECONDS / 4, True)]  # not measured yet: a guess
    shown = runtime._playing_numbers(big, None, False)
    assert shown == {"train_loss": 100.05} and len(passes) == 1  # the frame shows what the refresh held
    clock.now += runtime.NUMBERS_SECONDS - cost - 0.01
    runtime.refresh_numbers(big)
    assert len(passes) == 1  # not a second old yet
    clock.now += 0.02
    runtime.refresh_numbers(big)
    assert len(passes) == 2 and turns[-1] == (pytest.approx(cost), True)
    cost = 0.4  # a busy server: a refresh takes longer, and comes less often
    clock.now += runtime.NUMBERS_SECONDS + 0.01
    runtime.refresh_numbers(big)
    assert len(passes) == 3
    clock.now += 0.4 / runtime.NUMBERS_SHARE - 0.4 - 0.01
    runtime.refresh_numbers(big)
    assert len(passes) == 3
    clock.now += 0.02
    runtime.refresh_numbers(big)
    assert len(passes) == 4 and turns[-1] == (pytest.approx(0.4), True)
    assert runtime._playing_numbers(big, None, True) is None  # the paused picture computes them afresh
