"""The Playground's first screen in a real browser: what a visitor sees before scrolling.

On a laptop (1280 × 720, 1366 × 768), with the sidebar open as Streamlit opens it, the Play button and the
whole live view (the line of numbers and the picture under it) lie inside the window, for the default link
and for a wider network. On a phone (390 × 844, touch), the page never scrolls sideways, the live picture
scales to the window's width, and a tap on Play trains (new pictures, a growing epoch) until a tap on Pause.
Screenshots go to artifacts/first-screen-*.png (*-window.png: the window alone, as a visitor first sees it).
"""

from __future__ import annotations

import re

import pytest
from browser_util import (
    ARTIFACTS,
    browser,
    chromium_path,
    exceptions,
    laid_out,
    open_page,
    screenshot,
    streamlit_server,
    wait_paused,
    wait_playing,
)

from dashboard import keys
from dashboard.page import css_class

pytestmark = pytest.mark.browser

LAPTOPS = [{"width": 1280, "height": 720}, {"width": 1366, "height": 768}]
LINKS = ["/Playground", "/Playground?hidden=8,8"]
PHONE = {"width": 390, "height": 844}
PICTURE = f'.{css_class(keys.LIVE_PICTURE)} [data-testid="stImage"] img'
NUMBERS_LINE = re.compile(r"^(Replaying epoch|Epoch) [\d,]+ · Train loss .* · Test loss .* · Test accuracy ")
EPOCH = re.compile(r"Epoch ([\d,]+)")

# The live picture once its image has loaded: its source, or null before.
_PICTURE_SOURCE = """(selector) => {
  const img = document.querySelector(selector);
  return img && img.complete && img.naturalWidth ? img.getAttribute('src') : null;
}"""

# Whether the line of numbers shows an epoch above ``before``.
_EPOCH_ABOVE = """(before) => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stMarkdown"]')]
  .map(e => e.innerText.match(/^Epoch ([\\d,]+) · Train loss/)).some(m => m && Number(m[1].replace(/,/g, '')) > before)"""


@pytest.fixture(scope="module")
def server():
    chromium_path()  # skips with the reason when chromium or playwright is missing
    with streamlit_server() as running:
        yield running


@pytest.fixture(scope="module")
def chromium(server):
    with browser() as running:
        yield running


def numbers_line(page):
    """The line of numbers above the live picture (the only Markdown in the main area that reads like it)."""
    return page.locator('[data-testid="stMain"] [data-testid="stMarkdown"]').filter(has_text=NUMBERS_LINE)


def shown_epoch(page) -> int:
    return int(EPOCH.search(numbers_line(page).inner_text()).group(1).replace(",", ""))


def picture_source(page) -> str:
    """The live picture's source, once it has loaded (the wait fails at its timeout if it never does)."""
    return page.wait_for_function(_PICTURE_SOURCE, arg=PICTURE, timeout=60_000).json_value()


def open_first_screen(page, url: str) -> None:
    """Open ``url`` and wait until the live picture has loaded and the page has stopped moving."""
    open_page(page, url)
    picture_source(page)
    laid_out(page)


def window_shot(page, name: str) -> None:
    """Save artifacts/<name>-window.png: the window alone, as the visitor sees it (screenshot() saves the
    whole page)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-window.png"))


def inside(box: dict, window: dict) -> bool:
    return (0 <= box["y"] and box["y"] + box["height"] <= window["height"]
            and 0 <= box["x"] and box["x"] + box["width"] <= window["width"])


def span(box: dict) -> str:
    return f"top {box['y']:.0f}, bottom {box['y'] + box['height']:.0f}, left {box['x']:.0f}, " \
           f"right {box['x'] + box['width']:.0f}"


@pytest.mark.parametrize("link", LINKS)
@pytest.mark.parametrize("window", LAPTOPS, ids=lambda w: f"{w['width']}x{w['height']}")
def test_play_and_the_live_view_fit_a_laptop_screen(server, chromium, window, link):
    context = chromium.new_context(viewport=window)
    try:
        page = context.new_page()
        open_first_screen(page, server.url + link)
        assert not exceptions(page)
        assert numbers_line(page).count() == 1
        text = numbers_line(page).inner_text()
        assert "Epoch" in text and "loss" in text and "accuracy" in text, text
        assert page.locator('[data-testid="stSidebar"][data-collapsed="false"]').count() == 1  # as opened

        boxes = {"Play": page.get_by_role("button", name="Play", exact=True).bounding_box(),
                 "numbers": numbers_line(page).bounding_box(),
                 "picture": page.locator(PICTURE).bounding_box()}
        print(f"\n{window['width']}x{window['height']} {link}: "
              + "; ".join(f"{name} {span(box)}" for name, box in boxes.items()))
        shot = f"first-screen-{window['width']}x{window['height']}-{'wide' if '8,8' in link else 'default'}"
        window_shot(page, shot)
        screenshot(page, shot)
        outside = {name: span(box) for name, box in boxes.items() if not inside(box, window)}
        assert not outside, f"outside the {window['width']} × {window['height']} window: {outside}"
        numbers, picture = boxes["numbers"], boxes["picture"]
        assert numbers["y"] + numbers["height"] <= picture["y"]  # the numbers are the line above the picture
    finally:
        context.close()


def test_a_phone_shows_the_picture_at_its_width_and_a_tap_plays(server, chromium):
    context = chromium.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    try:
        page = context.new_page()
        open_first_screen(page, server.url + "/Playground")
        assert not exceptions(page)
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], f"the page scrolls sideways: {widths[0]} px wide in a {widths[1]} px window"
        picture = page.locator(PICTURE).bounding_box()
        print(f"\nphone {PHONE['width']}x{PHONE['height']}: window {widths[1]} px, picture {span(picture)}")
        assert 0.8 * widths[1] <= picture["width"] <= widths[1], f"picture {picture['width']:.0f} px wide"
        # the buttons wrap into two short rows (stacked one a row, they pushed the picture 170 px lower)
        assert picture["y"] + picture["height"] <= PHONE["height"], f"the picture ends below the window: {span(picture)}"
        window_shot(page, "first-screen-phone")
        screenshot(page, "first-screen-phone")

        before, first = shown_epoch(page), picture_source(page)
        page.get_by_role("button", name="Play", exact=True).tap()
        wait_playing(page)
        page.wait_for_function("""([selector, first]) => {
            const img = document.querySelector(selector);
            return img && img.getAttribute('src') !== first;
        }""", arg=[PICTURE, first], timeout=30_000)  # a new picture: the view follows the training
        page.wait_for_function(_EPOCH_ABOVE, arg=before, timeout=30_000)  # and the line of numbers counts the epochs trained
        page.get_by_role("button", name="Pause", exact=True).tap()
        wait_paused(page)
        assert shown_epoch(page) > before and not exceptions(page)
        page.locator(PICTURE).scroll_into_view_if_needed()
        window_shot(page, "first-screen-phone-paused")
        screenshot(page, "first-screen-phone-paused")
    finally:
        context.close()


def test_opening_a_section_while_playing_keeps_the_run_playing(server, chromium):
    """A section's opening reruns the page, which hands the live loop over: the run neither pauses nor
    restarts (its epoch goes on from where it was), and the section's controls are built."""
    context = chromium.new_context(viewport={"width": 1400, "height": 950})
    try:
        page = context.new_page()
        open_first_screen(page, server.url + "/Playground?epochs=100000")
        page.get_by_role("button", name="Play", exact=True).click()
        wait_playing(page)
        page.wait_for_function(_EPOCH_ABOVE, arg=30, timeout=30_000)
        before, link = shown_epoch(page), page.url
        page.get_by_text("More training settings", exact=True).click()
        page.get_by_text("Optimizer", exact=True).wait_for(timeout=30_000)  # the section's controls are built
        assert shown_epoch(page) >= before  # a restarted run would show an epoch near 0 here
        wait_playing(page)  # still playing after the page's rerun
        page.wait_for_function(_EPOCH_ABOVE, arg=before, timeout=30_000)  # on from where it was, not from 0
        assert shown_epoch(page) > before and page.url == link and not exceptions(page)
        page.get_by_role("button", name="Pause", exact=True).click()
        wait_paused(page)
        assert shown_epoch(page) > before
    finally:
        context.close()
