"""The Backprop and Tutorials pages in a real browser: they render, their charts draw, the controls work.

Screenshots go to artifacts/ (backprop-*.png, tutorials-*.png) to be looked at.
"""

import pytest

from tests.browser_util import (
    browser,
    exceptions,
    open_page,
    rendered_charts,
    screenshot,
    streamlit_server,
    wait_for_app,
)

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1400, "height": 2400}  # tall: Streamlit scrolls inside the app, so this captures it all


@pytest.fixture(scope="module")
def server():
    with streamlit_server() as running:
        yield running


@pytest.fixture()
def page(server):
    with browser() as chromium:
        yield chromium.new_page(viewport=VIEWPORT)


def _click(page, role: str, name: str) -> None:
    page.get_by_role(role, name=name).first.click()
    wait_for_app(page)


def _body(page) -> str:
    return page.inner_text("body")


def test_backprop_page_in_chromium(server, page):
    open_page(page, server.url + "/Backprop")
    assert exceptions(page) == []
    assert rendered_charts(page) >= 1
    assert "stage 1 of 13" in _body(page) and "Layer 1: weighted sums" in _body(page)
    screenshot(page, "backprop-forward")

    for stage in range(2, 11):  # each click is one stage on; the next click waits until it shows
        _click(page, "button", "Next ▶")
        page.get_by_text(f"stage {stage} of 13", exact=False).wait_for()
    assert "Through the activation of layer 1" in _body(page)
    _click(page, "button", "+100 steps")
    page.get_by_text("The loss sits at ln 2").wait_for()
    assert "100" in page.locator('[data-testid="stMetricValue"]').first.inner_text()
    assert rendered_charts(page) >= 1
    screenshot(page, "backprop-dZ1-after-100-steps")

    _click(page, "tab", "② Gradient check")
    page.get_by_text("Passed", exact=True).wait_for()
    screenshot(page, "backprop-gradcheck")
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Break the backward pass").click()
    page.get_by_role("option", name="Drop the activation derivative f'(Z)").click()
    wait_for_app(page)
    page.get_by_text("Failed", exact=True).wait_for()
    assert "What was broken:" in _body(page)
    screenshot(page, "backprop-gradcheck-broken")

    _click(page, "tab", "③ What goes wrong")
    page.get_by_text("Dead ReLUs (large negative bias)").click()
    wait_for_app(page, 120_000)
    page.get_by_text("100 % of the hidden ReLUs output 0").wait_for()
    assert rendered_charts(page) >= 2
    screenshot(page, "backprop-dead-relu")
    assert exceptions(page) == []


def test_tutorials_page_in_chromium(server, page):
    open_page(page, server.url + "/Tutorials", timeout_ms=120_000)
    assert exceptions(page) == []
    assert rendered_charts(page) >= 1
    body = _body(page)
    assert "Summed gradients" in body and "print the same table ✓" in body  # the tables are canvas-drawn grids
    assert page.locator('[data-testid="stDataFrame"]').count() >= 2
    link = page.get_by_role("link", name="Open in Playground").first
    assert "reduction=sum" in (link.get_attribute("href") or "")
    screenshot(page, "tutorials-seed-000")

    _click(page, "tab", "Seed 002 · XOR with a 2-4-1 network")
    page.get_by_text("for 8,319 epochs").wait_for()
    assert "is not what its code prints" in _body(page)
    assert rendered_charts(page) >= 3
    screenshot(page, "tutorials-seed-002")
    assert exceptions(page) == []
