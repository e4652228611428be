"""Draw on the inspected plane in a real browser: Inspect on, "Draw on the plane: class 2", a click on the
decision-boundary panel puts a green point there (the run trains on the drawn set) and the link carries
points=; "remove points" and a click on it take it away. Prints each click's time to the link's change."""

from __future__ import annotations

import time

import pytest
from browser_util import (
    browser,
    chromium_path,
    exceptions,
    inspect_on,
    laid_out,
    open_page,
    rendered_charts,
    screenshot,
    streamlit_server,
    wait_for_app,
)
from test_browser import hover_until

from dashboard.palette import CLASS_COLOURS

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1400, "height": 950}
LIVE = '[data-testid="stMain"] [data-testid="stVegaLiteChart"] canvas'


_GREENS = """([sel, x, y, reach, wanted]) => {
    const c = document.querySelector(sel), r = c.getBoundingClientRect(), s = c.width / r.width;
    const d = c.getContext('2d').getImageData(Math.round((x - r.left - reach) * s),
                                              Math.round((y - r.top - reach) * s),
                                              Math.round(2 * reach * s), Math.round(2 * reach * s)).data;
    let n = 0;
    for (let k = 0; k < d.length; k += 4)
        if ([0, 1, 2].every(q => Math.abs(d[k + q] - wanted[q]) <= 24)) n++;
    return n;
}"""


def _greens_args(x: float, y: float, reach: int) -> list:
    return [LIVE, x, y, reach, [int(CLASS_COLOURS[2][k:k + 2], 16) for k in (1, 3, 5)]]


def greens(page, x: float, y: float, reach: int = 9) -> int:
    """Pixels of the live chart's canvas within ``reach`` of page point (x, y) in the colour of class 2."""
    return page.evaluate(_GREENS, _greens_args(x, y, reach))


def greens_above(page, least: int, x: float, y: float, reach: int = 9) -> int:
    """As :func:`greens`, once more than ``least`` (the chart draws the new point when its data arrives)."""
    return page.wait_for_function("([args, least]) => { const n = (GREENS)(args); return n > least ? n : null; }"
                                  .replace("GREENS", _GREENS), arg=[_greens_args(x, y, reach), least],
                                  timeout=30_000, polling=250).json_value()


def find(page, right: float, down: float, text: str) -> tuple[float, float]:
    """The page point of the live chart's mark whose tooltip shows ``text``, near ``right`` pixels from the
    chart's right edge and ``down`` from its top."""
    page.locator(LIVE).first.scroll_into_view_if_needed()
    canvas = page.locator(LIVE).first.bounding_box()
    return hover_until(page, canvas["x"] + canvas["width"] - right, canvas["y"] + down, text, reach=48)


def test_a_click_on_the_inspected_plane_draws_a_point_and_the_link_carries_it():
    chromium_path()
    with browser() as chromium, streamlit_server() as server:
        page = chromium.new_page(viewport=VIEWPORT)
        open_page(page, server.url + "/Playground")
        inspect_on(page)
        page.get_by_text("class 2", exact=True).click()  # the "Draw on the plane" choice under the chart
        wait_for_app(page)
        # the choice reruns the live view, whose caption then names it (the rerun may start after the wait)
        page.get_by_text("Draw on the plane:").wait_for(timeout=30_000)
        rendered_charts(page)
        assert page.get_by_text("Draw on the plane:").count() == 1 and "points=" not in page.url
        # the boundary panel is the chart's right-hand 300 pixels; a cell's tooltip names its centre
        x, y = find(page, 60, 60, "x2")
        cell = page.locator("#vg-tooltip-element").inner_text()
        assert greens(page, x, y) == 0
        started = time.perf_counter()
        page.mouse.click(x, y)
        page.wait_for_url("**points=**", timeout=30_000)
        wait_for_app(page)
        rendered_charts(page)
        laid_out(page)
        print(f"click to points= in the link: {time.perf_counter() - started:.2f} s")
        assert "dataset=csv" in page.url
        assert page.get_by_text("Drawing started from the current data set").count() == 1
        x, y = find(page, 60, 60, cell)  # the messages above moved the chart, and the new point widened its plane
        # the new point, where the click was and no class-2 colour was before: a training point (a circle)
        # shows about 12 pixels of it, a test point (a diamond with a dark outline) about 8
        assert greens_above(page, 5, x, y) > 5
        assert not exceptions(page)
        screenshot(page, "playground-plane-drawn")
        link = page.url
        page.get_by_text("remove points", exact=True).click()
        wait_for_app(page)
        rendered_charts(page)
        laid_out(page)
        x, y = find(page, 60, 60, cell)
        page.mouse.click(x, y)
        page.wait_for_function("(old) => window.location.href !== old", arg=link, timeout=30_000)
        wait_for_app(page)
        rendered_charts(page)
        laid_out(page)
        x, y = find(page, 60, 60, cell)
        assert greens(page, x, y) == 0 and "points=" in page.url and not exceptions(page)
        screenshot(page, "playground-plane-removed")
