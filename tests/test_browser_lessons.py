"""Lessons in a real browser: a learner opens a lesson link, sees only the controls it needs, plays, reads
what to try, changes the features, plays again and sees the check say the goal is met; a hide= link hides
exactly its controls. Saves artifacts/lesson-*.png."""

from __future__ import annotations

import re

import pytest
from browser_util import (
    LAST_CHART,
    browser,
    chromium_path,
    close_popover,
    exceptions,
    open_page,
    open_section,
    screenshot,
    streamlit_server,
    wait_for_app,
    wait_paused,
    wait_playing,
)

from dashboard.playground.sidebar import SECTIONS

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1400, "height": 1000}
LINK_SENTENCE = "This link set Epochs to 20; every other setting is at its default."


def sidebar_labels(page) -> set[str]:
    """The labels of every control the sidebar holds, as the learner reads them once every "More … settings"
    section there is opened (a closed section's controls are not built)."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    for title in SECTIONS.values():
        if sidebar.get_by_text(title, exact=True).count():
            open_section(page, title)
    return set(sidebar.locator("label").all_inner_texts()) - {""}


def play_to_the_budget(page, epochs: int) -> None:
    """Press Play and wait until the run has paused by itself at its epoch budget (the line of numbers says it)."""
    page.get_by_role("button", name="Play", exact=True).click()
    page.get_by_text(re.compile(rf"^Epoch {epochs:,}\b")).first.wait_for(timeout=60_000)
    wait_paused(page)


def test_a_learner_follows_a_lesson_until_its_check_says_it_is_met():
    chromium_path()
    with browser() as chromium, streamlit_server() as server:
        page = chromium.new_page(viewport=VIEWPORT)
        open_page(page, server.url + "/Playground?lesson=circle")
        page.get_by_text("Lesson: Fit the circle with no hidden layer.").wait_for()
        assert sidebar_labels(page) == {"Input features"}
        page.get_by_text("Lesson: Fit the circle with no hidden layer.").wait_for()
        page.get_by_text("Goal: 95 % test accuracy. Press Play to train.").wait_for()

        play_to_the_budget(page, 300)
        page.get_by_text("Not yet: 95 % test accuracy is the goal").wait_for(timeout=30_000)
        assert page.get_by_text("Pick features that grow with the distance from the centre").count() == 1

        features = page.locator('[data-testid="stSidebar"] [data-testid="stButtonGroup"]')
        for label, on in (("x₁²", True), ("x₂²", True), ("x₁", False), ("x₂", False)):
            features.get_by_role("button", name=label, exact=True).click()
            features.get_by_role("button", name=label, exact=True, pressed=on).wait_for(timeout=30_000)
            wait_for_app(page)
        page.wait_for_url("**features=x1_sq%2Cx2_sq*", timeout=30_000)  # the address bar follows the run
        assert "lesson=circle" in page.url and "features=x1_sq%2Cx2_sq" in page.url

        play_to_the_budget(page, 300)
        met = page.get_by_text("✓ Goal met: 95 % test accuracy reached at epoch")
        met.wait_for(timeout=30_000)
        assert not exceptions(page)
        screenshot(page, "lesson-circle")


def test_a_hide_link_hides_exactly_its_controls_and_the_text():
    chromium_path()
    with browser() as chromium, streamlit_server() as server:
        page = chromium.new_page(viewport=VIEWPORT)
        open_page(page, server.url + "/Playground?epochs=20")
        everything = sidebar_labels(page)
        assert {"Learning rate", "Optimizer", "L2", "Epochs", "Weight seed", "Data seed"} <= everything
        open_page(page, server.url + "/Playground?hide=optimizer,lr,l2,text&epochs=20")
        assert sidebar_labels(page) == everything - {"Learning rate", "Optimizer", "L2"}
        assert page.get_by_text("Press Play and watch a real network learn").count() == 0
        alerts = page.locator('[data-testid="stAlert"] [data-testid="stMarkdownContainer"]').all_inner_texts()
        assert alerts == [LINK_SENTENCE]  # no warning about the link: only what it set
        assert not exceptions(page)


def choose(page, label: str, option: str, within=None) -> None:
    """Pick ``option`` in the select box labelled ``label`` (in the main area, or ``within`` a section), as a
    learner does, and wait for the rerun."""
    label_of = page.locator('[data-testid="stWidgetLabel"]', has_text=re.compile(rf"^{re.escape(label)}$"))
    within = within or page.locator('[data-testid="stMain"]')
    box = within.locator('[data-testid="stSelectbox"]').filter(has=label_of).first
    box.click()
    if not page.get_by_role("option").count():  # a click can leave the list shut; the arrow key opens it
        box.locator("input").press("ArrowDown")
    page.get_by_role("option", name=option, exact=True).click()
    page.wait_for_function("""([label, option]) => [...document.querySelectorAll('[data-testid="stSelectbox"] input')]
        .some(i => i.getAttribute('aria-label') === label && i.value === option)""", arg=[label, option],
                           timeout=30_000)
    wait_for_app(page)


def test_a_learner_looks_inside_a_unit_and_edits_a_weight_that_training_continues_from():
    import test_browser  # its picture fingerprint, without collecting its tests here

    chromium_path()
    with browser() as chromium, streamlit_server() as server:
        page = chromium.new_page(viewport=VIEWPORT)
        open_page(page, server.url + "/Playground?epochs=30")
        play_to_the_budget(page, 30)
        boundary = test_browser.boundary_fingerprint(page)

        view = open_section(page, "Inspect and display")
        choose(page, "Look inside", "Layer 1, unit 2", within=view)
        unit = test_browser.boundary_fingerprint(page, unlike=boundary)
        assert unit != boundary  # the unit's picture fills the boundary panel
        choose(page, "Look inside", "Decision boundary", within=view)
        assert test_browser.boundary_fingerprint(page, like=boundary) == boundary  # and back
        close_popover(page)
        screenshot(page, "look-inside")

        page.locator('[data-testid="stMain"] [data-testid="stButtonGroup"]').get_by_text("Edit a weight", exact=True).click()
        wait_for_app(page)
        box = page.locator('[data-testid="stNumberInput"]').filter(has_text="W1[0,0]").locator("input")
        box.fill("3.5")
        box.press("Enter")
        page.get_by_text("You set W1[0,0] from").wait_for(timeout=30_000)
        assert page.get_by_text("to 3.5000 at epoch 30").count() == 1
        edited = test_browser.boundary_fingerprint(page, unlike=boundary)
        assert edited != boundary  # the edited network answers differently
        page.get_by_role("button", name="Step", exact=True).click()
        wait_for_app(page)
        page.get_by_text("Epoch 31").first.wait_for(timeout=30_000)
        assert not exceptions(page)
        screenshot(page, "edit-weight")


def test_a_learner_sees_a_layers_warped_plane():
    chromium_path()
    with browser() as chromium, streamlit_server() as server:
        page = chromium.new_page(viewport=VIEWPORT)
        open_page(page, server.url + "/Playground?epochs=60&hidden=4,2&dataset=circle&optimizer=adam&lr=0.03")
        play_to_the_budget(page, 60)
        page.locator('[data-testid="stMain"] [data-testid="stButtonGroup"]').get_by_text(
            "Warped plane", exact=True).click()
        wait_for_app(page)
        chart = page.locator('[data-testid="stVegaLiteChart"]').filter(has=page.locator("canvas, svg.marks"))
        chart.last.wait_for(timeout=30_000)
        page.get_by_text("How a layer bends the plane.").wait_for()
        choose(page, "Layer", "hidden layer 1")
        page.get_by_text("Each point is a training or test point").wait_for()
        assert not exceptions(page)
        chart.last.scroll_into_view_if_needed()
        screenshot(page, "warped-plane")

        before = chart_fingerprint(page)
        page.get_by_role("button", name="Play", exact=True).click()  # past the budget: plays until paused
        wait_playing(page)
        assert chart_fingerprint(page, unlike=before) != before  # the warped plane follows the network while it trains
        page.get_by_role("button", name="Pause", exact=True).click()
        wait_paused(page)
        assert not exceptions(page)


def chart_fingerprint(page, unlike: int | None = None) -> int:
    """A hash of the main area's last Vega-Lite chart as drawn (the warped plane's): its pixels or its SVG.
    With ``unlike``: once it is another hash, the same at two looks in a row (a redrawn chart is blank for a
    moment), so the wait is the check."""
    page.evaluate("() => { window.__lastHash = null; }")
    return page.wait_for_function("""(unlike) => {
        const hash = (LAST_CHART)();
        const last = window.__lastHash;
        window.__lastHash = hash;
        if (hash === null || unlike === null) return hash;
        return hash !== unlike && hash === last ? hash : null;
    }""".replace("LAST_CHART", LAST_CHART), arg=unlike, timeout=30_000, polling=250).json_value()
