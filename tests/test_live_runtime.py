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
