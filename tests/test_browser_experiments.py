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
        assert rendered_charts(page) == 1  # the loss curves: the results' tabs under them are built when opened
        screenshot(page, "experiments")
        for tab, charts in (("Decision boundaries", 1), ("Gradient flow", 1), ("Inside one run", 3)):
            page.get_by_role("tab", name=tab, exact=True).click()
            wait_for_app(page, 120_000)
            drawn = rendered_charts(page)
            assert drawn == 1 + charts, f"{tab}: {drawn} charts drew"
            assert exceptions(page) == []
            if tab == "Gradient flow":  # a finding per run
                body = page.inner_text("body")
                for label in ("activation relu", "activation sigmoid", "activation tanh"):
                    assert label in body

        page.get_by_role("button", name="Load scenario").click()
        page.get_by_text("× layer 7's at the start of training").wait_for(timeout=120_000)
        wait_for_app(page, 120_000)
        assert exceptions(page) == []
        assert page.get_by_role("tab", name="Gradient flow", exact=True).get_attribute("aria-selected") == "true"
        assert rendered_charts(page) == 2  # the loss curves and the gradient flow: the scenario's diagnosis
        assert "activation relu" not in page.inner_text("body")  # the scenario replaced the default runs
        screenshot(page, "experiments-scenario")

        table = page.locator('[data-testid="stExpander"]').filter(has_text="The runs, one row per run")
        assert table.locator('[data-testid="stDataFrame"]').count() == 0  # closed: the editor is not built
        table.get_by_text("The runs, one row per run").click()
        table.locator('[data-testid="stDataFrame"]').wait_for(timeout=60_000)  # opened: the editor, as a user edits it
        wait_for_app(page, 120_000)
        assert exceptions(page) == []


def test_three_optimizers_paths_show_on_one_slice():
    from dashboard.palette import RUN_COLOURS
    with streamlit_server() as server, browser() as chromium:
        page = chromium.new_page(viewport={"width": 1400, "height": 950})
        open_page(page, server.url + "/Experiments", timeout_ms=120_000)
        page.get_by_label("Sweep one setting").click()
        page.get_by_role("option", name="Optimizer", exact=True).click()
        wait_for_app(page, 120_000)  # the choice reruns the page: the values box is filled once it is redrawn
        values = page.get_by_role("textbox", name="over the values")
        values.fill("sgd, momentum, adam")
        values.press("Enter")
        wait_for_app(page, 120_000)
        page.get_by_role("button", name="Sweep", exact=True).click()
        # the swept runs' names: in the summary table's cells (a canvas grid, whose cells are hidden text)
        page.get_by_text("optimizer momentum").first.wait_for(state="attached", timeout=120_000)
        wait_for_app(page, 120_000)
        section = page.locator('[data-testid="stExpander"]').filter(has_text="All runs on one loss slice")
        section.get_by_text("All runs on one loss slice").click()
        lines = section.locator('[data-testid="stVegaLiteChart"] .mark-line path')
        lines.nth(2).wait_for(timeout=120_000)
        wait_for_app(page, 120_000)
        assert exceptions(page) == []
        assert lines.count() == 3  # one path per run
        strokes = lines.evaluate_all("paths => paths.map(p => p.getAttribute('stroke'))")
        assert strokes == list(RUN_COLOURS[:3])
        for d in lines.evaluate_all("paths => paths.map(p => p.getAttribute('d'))"):
            assert d.count("L") >= 3  # a path of several snapshots, not a dot
        legend = section.locator(".role-legend-label text").evaluate_all("labels => labels.map(t => t.textContent)")
        runs = [label for label in legend if label.startswith("optimizer")]  # besides the loss scale's ticks
        assert runs == ["optimizer sgd", "optimizer momentum", "optimizer adam"]
        assert "at (0, 0)" in section.inner_text()
        section.scroll_into_view_if_needed()
        screenshot(page, "experiments-slice")
