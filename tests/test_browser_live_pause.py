"""Pause while a detail follows the playing run, on a loaded machine: the app is idle again each time.

The warped plane follows the network while it plays. With one core kept busy, Pause once left the app
running for good: the drawing pool called ``add_done_callback`` under its own lock, and a picture drawn
before that call (a quick one, on a thread the busy core had descheduled) ran the callback at once, which
waited for that same lock, while the session's lock was held too. The rerun after Pause then waited for the
session's lock forever. This test pauses a followed run, under load, several times.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys

import pytest
from browser_util import browser, chromium_path, exceptions, open_page, streamlit_server, wait_paused, wait_playing

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1400, "height": 1000}
PAUSES = 4
URL = "/Playground?epochs=100000&hidden=4,2&dataset=circle&optimizer=adam&lr=0.03"
EPOCH = re.compile(r"Epoch ([\d,]+)")


@contextlib.contextmanager
def one_busy_core():
    """A process that keeps one core busy for as long as the block runs."""
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        busy.kill()
        busy.wait()


def shown_epoch(page) -> int:
    text = page.locator('[data-testid="stMain"]').get_by_text(EPOCH).first.inner_text()
    return int(EPOCH.search(text).group(1).replace(",", ""))


def test_pause_returns_a_followed_run_to_idle_under_load():
    chromium_path()
    with one_busy_core(), browser() as chromium, streamlit_server() as server:
        page = chromium.new_page(viewport=VIEWPORT)
        open_page(page, server.url + URL)
        page.locator('[data-testid="stMain"] [data-testid="stButtonGroup"]').get_by_text(
            "Warped plane", exact=True).click()
        page.get_by_text("How a layer bends the plane.").wait_for(timeout=60_000)
        for _ in range(PAUSES):
            before = shown_epoch(page)
            page.get_by_role("button", name="Play", exact=True).click()
            wait_playing(page)
            page.wait_for_function("""([before]) => {
                const m = document.querySelector('[data-testid="stMain"]').innerText.match(/Epoch ([\\d,]+)/);
                return m && Number(m[1].replace(/,/g, '')) > before + 20;
            }""", arg=[before], timeout=30_000)  # it trains, and the warped plane follows
            page.get_by_role("button", name="Pause", exact=True).click()
            wait_paused(page, timeout_ms=30_000)  # idle again: the rerun after Pause got the session's lock
            paused_at = shown_epoch(page)
            page.wait_for_timeout(1000)
            assert shown_epoch(page) == paused_at  # and nothing trains on behind the paused page
        assert not exceptions(page)
