"""The Playground's "Loss landscape" tab in a real browser: after training, it draws the slice with the path,
and while the run plays the path follows the network (the chart changes, and the page says the slice is the
last pause's). Saves artifacts/landscape.png."""

from __future__ import annotations

import re

import pytest
from browser_util import (
    LAST_CHART,
    browser,
    chromium_path,
    exceptions,
    open_page,
    screenshot,
    streamlit_server,
    wait_for_app,
    wait_paused,
    wait_playing,
)

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1400, "height": 950}
TAB = "Loss landscape"



def fingerprint(page) -> int:
    """A hash of the main area's last chart as drawn (the landscape's: the tab is the last thing on the page)."""
    return page.wait_for_function(LAST_CHART, timeout=30_000).json_value()


def open_landscape(page) -> None:
    page.locator('[data-testid="stMain"] [data-testid="stButtonGroup"]').get_by_text(TAB, exact=True).click()
    wait_for_app(page)
    page.get_by_text("Where the network is on its loss surface").wait_for(timeout=30_000)
    page.locator('[data-testid="stVegaLiteChart"]').filter(has=page.locator("canvas, svg.marks")).last.wait_for(
        timeout=30_000)


def test_the_landscape_follows_a_playing_run():
    chromium_path()
    with browser() as chromium, streamlit_server() as server:
        page = chromium.new_page(viewport=VIEWPORT)
        open_page(page, server.url + "/Playground?epochs=100")
        page.get_by_role("button", name="Play", exact=True).click()
        page.get_by_text(re.compile(r"^Epoch 100\b")).first.wait_for(timeout=60_000)
        wait_paused(page)
        open_landscape(page)
        page.get_by_text("A slice, not the whole surface.").wait_for(timeout=30_000)
        assert page.get_by_text(re.compile(r"centred on the weights at epoch 100 ")).count() == 1
        assert not exceptions(page)
        page.get_by_text("Where the network is on its loss surface").scroll_into_view_if_needed()
        screenshot(page, "landscape")

        before = fingerprint(page)
        page.get_by_role("button", name="Play", exact=True).click()  # past the budget: plays until paused
        wait_playing(page)
        page.get_by_text("While the run plays, the slice stays the one of the last pause (epoch 100)").wait_for(
            timeout=30_000)
        page.wait_for_function(f"(before) => {{ const now = ({LAST_CHART})(); return now !== null && now !== before; }}",
                               arg=before, timeout=30_000)  # the path has moved: it follows the network
        moved = fingerprint(page)
        page.wait_for_function(f"(moved) => {{ const now = ({LAST_CHART})(); return now !== null && now !== moved; }}",
                               arg=moved, timeout=30_000)  # and keeps following it
        page.get_by_role("button", name="Pause", exact=True).click()
        wait_paused(page)
        page.get_by_text("A slice, not the whole surface.").wait_for(timeout=30_000)
        assert page.get_by_text("While the run plays").count() == 0  # paused: recomputed around the weights now
        assert page.get_by_text(re.compile(r"centred on the weights at epoch 100 ")).count() == 0
        assert not exceptions(page)
