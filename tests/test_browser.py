"""The real app in a real browser: `streamlit run app.py` + Debian's chromium driven by Playwright.

Opens every page that exists, checks that charts draw and nothing raises, moves a
Playground control and checks it retrains, saves screenshots to artifacts/ (untracked:
docs/ screenshots are refreshed deliberately, by hand). Prints the cold-start time.
"""

from __future__ import annotations

import time

import pytest
from browser_util import (
    ARTIFACTS,
    ROOT,
    browser,
    chromium_path,
    exceptions,
    open_page,
    page_paths,
    rendered_charts,
    screenshot,
    streamlit_server,
    visible_charts,
    wait_for_app,
)

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1400, "height": 1000}


def metric_value(page, label: str) -> str:
    metric = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=label))
    return metric.locator('[data-testid="stMetricValue"]').inner_text()


def test_every_page_renders_and_the_playground_retrains():
    chromium_path()  # skips with the reason when chromium or playwright is missing
    with browser() as chromium, streamlit_server() as server:  # browser first: cold start times the app only
        page = chromium.new_page(viewport=VIEWPORT)
        open_page(page, server.url + "/")
        assert rendered_charts(page) == visible_charts(page) >= 2
        cold_start = time.perf_counter() - server.started
        print(f"\ncold start: server launch → home page rendered in {cold_start:.2f} s "
              f"(server answered after {server.ready:.2f} s)")

        for name, path in page_paths().items():
            open_page(page, server.url + path)
            charts = visible_charts(page)
            assert rendered_charts(page) == charts, f"{name}: not every chart drew"
            assert not exceptions(page), f"{name}: {exceptions(page)}"
            shot = screenshot(page, f"page-{name.replace(' ', '_')}")
            print(f"{name}: {charts} charts, screenshot {shot.relative_to(ROOT)}")

        open_page(page, server.url + "/Playground")
        assert rendered_charts(page) >= 5
        assert metric_value(page, "Epoch") == "300"
        before = metric_value(page, "Train loss")
        epochs = page.get_by_label("Epochs", exact=True)
        epochs.fill("120")
        epochs.press("Enter")
        page.wait_for_function(
            """() => [...document.querySelectorAll('[data-testid="stMetric"]')]
                   .some(m => m.innerText.includes('Epoch') && m.innerText.includes('120'))""", timeout=60_000)
        wait_for_app(page)
        assert metric_value(page, "Train loss") != before  # 120 epochs instead of 300: a different network
        assert "epochs=120" in page.url  # the shareable URL followed the control
        assert not exceptions(page)

        # a long run trains live (progress bar, charts redrawn) and Stop ends it mid-run
        page.goto(server.url + "/Playground?epochs=50000&n_samples=1000&hidden=16,16")
        stop = page.locator('button[data-testid="stBaseButton-secondary"]:visible').filter(has_text="Stop")
        stop.wait_for(timeout=60_000)
        page.locator('[data-testid="stProgress"]:visible').wait_for(timeout=60_000)
        stop.click()
        wait_for_app(page)
        stopped = page.locator('[data-testid="stCaptionContainer"]').filter(has_text="Stopped at epoch")
        epoch = int(stopped.inner_text().split("epoch ")[1].split(".")[0].replace(",", ""))
        assert 0 < epoch < 50_000 and metric_value(page, "Epoch") == f"{epoch:,}"
        page.wait_for_timeout(1500)
        assert metric_value(page, "Epoch") == f"{epoch:,}"  # it stays stopped
        assert not exceptions(page)

        open_page(page, server.url + "/Playground")  # the default run again, for the README's picture
        rendered_charts(page)
        shot = screenshot(page, "playground")
        (ROOT / "docs").mkdir(exist_ok=True)
        assert (ARTIFACTS / "playground.png").stat().st_size > 50_000
