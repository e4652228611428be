"""The live runtime (dashboard.playground.runtime): one lock per session, however its script runs race."""

from __future__ import annotations

import threading
import time

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


def test_heavy_runs_leave_a_turn_to_a_light_run_that_plays():
    """Two turns: while a light run asks for turns, heavy bursts share one; alone, they take both."""
    turns = runtime.Turns(2)
    with turns.turn(0.2, heavy=True):  # one heavy burst holds a turn
        assert turns._next() is None  # (nobody waits)
        with turns.turn(0.02):  # a light run asks: it gets the second turn
            pass
        taken = threading.Event()

        def second_heavy() -> None:
            with turns.turn(0.2, heavy=True):
                taken.set()

        waiting = threading.Thread(target=second_heavy)
        waiting.start()
        assert not taken.wait(0.1)  # the light run asked just now: the last turn stays free for it
        assert taken.wait(2 * runtime.Turns.LIGHT_SECONDS + 1)  # once it has not asked for a while, it is taken
        waiting.join()


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
