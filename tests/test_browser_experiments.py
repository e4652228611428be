"""The Experiments page in a real browser: it renders, its charts draw, and loading a scenario retrains."""

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

VIEWPORT = {"width": 1400, "height": 5200}  # tall: Streamlit scrolls inside the app, so this captures it all


def test_experiments_page_renders_and_retrains_in_chromium():
    with streamlit_server() as server, browser() as chromium:
        page = chromium.new_page(viewport=VIEWPORT)
        open_page(page, server.url + "/Experiments", timeout_ms=120_000)
        assert exceptions(page) == []
        drawn = rendered_charts(page)
        assert drawn >= 6, f"only {drawn} charts drew"
        body = page.inner_text("body")
        for label in ("activation relu", "activation sigmoid", "activation tanh"):
            assert label in body
        screenshot(page, "experiments")

        page.get_by_role("button", name="Load scenario").click()
        page.get_by_text("× layer 7's at the start of training").wait_for(timeout=120_000)
        wait_for_app(page, 120_000)
        assert exceptions(page) == []
        assert rendered_charts(page) >= 6
        assert "activation relu" not in page.inner_text("body")  # the scenario replaced the default runs
        screenshot(page, "experiments-scenario")
