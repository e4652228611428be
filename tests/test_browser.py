"""The real app in a real browser: `streamlit run app.py` + Debian's chromium driven by Playwright.

Opens every page that exists, checks that charts draw and nothing raises; on the
Playground presses Play (the boundary is redrawn), Pause (it stays) and scrubs the
replay slider back; saves screenshots to artifacts/ (untracked: docs/ screenshots
are refreshed deliberately, by hand). Prints the cold-start time.
"""

from __future__ import annotations

import re
import time

import pytest
from browser_util import (
    ROOT,
    browser,
    chromium_path,
    close_popover,
    count_pictures,
    exceptions,
    inspect_on,
    laid_out,
    new_pictures,
    next_frames,
    open_page,
    open_section,
    page_paths,
    rendered_charts,
    screenshot,
    streamlit_server,
    visible_charts,
    wait_for_app,
    wait_paused,
    wait_playing,
)

from dashboard.playground import live_sizes
from nn_core.features import FEATURES

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1400, "height": 1000}


# The decision boundary's pixels: the right third of the live view, which is one picture (an <img>) while
# playing and a canvas-drawn chart when paused. [hash, drawn from a canvas], or null while nothing is drawn.
_BOUNDARY = """() => {
    const img = document.querySelector('[data-testid="stImage"] img');
    const canvas = document.querySelector('[data-testid="stMain"] [data-testid="stVegaLiteChart"] canvas');
    let source = null, w = 0, h = 0;
    if (img && img.complete && img.naturalWidth) { source = img; w = img.naturalWidth; h = img.naturalHeight; }
    else if (canvas && canvas.width) { source = canvas; w = canvas.width; h = canvas.height; }
    if (!source) return null;
    const x0 = Math.floor(w * 0.67), copy = document.createElement('canvas');
    copy.width = w - x0; copy.height = h;
    const g = copy.getContext('2d');
    g.drawImage(source, x0, 0, w - x0, h, 0, 0, w - x0, h);
    const pixels = g.getImageData(0, 0, w - x0, h).data;
    let hash = 0;
    for (let k = 0; k < pixels.length; k += 7) hash = (hash * 31 + pixels[k]) % 2147483647;
    return [hash, source === canvas];
}"""
# The hash once it is the one wanted: equal to ``like``, or unlike ``unlike``. A chart's canvas is being
# redrawn for a moment, so unlike an old hash counts only when two looks in a row agree on the new one.
_WANTED = """([like, unlike]) => {
    const seen = (BOUNDARY)();
    if (seen === null) return null;
    const [hash, canvas] = seen, last = window.__lastHash;
    window.__lastHash = hash;
    if (like !== null) return hash === like ? hash : null;
    if (unlike !== null) return hash !== unlike && (!canvas || hash === last) ? hash : null;
    return hash;
}""".replace("BOUNDARY", _BOUNDARY)


def boundary_fingerprint(page, like: int | None = None, unlike: int | None = None) -> int:
    """A hash of the decision boundary's pixels, once drawn; with ``like`` or ``unlike``, once it is (or is no
    longer) that hash: the wait is the check, so a redraw that never comes fails it at the timeout."""
    page.evaluate("() => { window.__lastHash = null; }")
    return page.wait_for_function(_WANTED, arg=[like, unlike], timeout=30_000, polling=250).json_value()


def pictures_while(page, frames: int) -> int:
    """How many new live pictures arrive while the browser draws ``frames`` animation frames (at 60 a
    second; a playing run sends about 17 pictures a second, so 90 frames would bring about 25)."""
    count_pictures(page)
    next_frames(page, frames)
    return new_pictures(page)


def pictures_shown(page) -> int:
    """Images that have loaded (the live view and the home page's example are pictures)."""
    page.wait_for_function("""() => [...document.querySelectorAll('[data-testid="stImage"] img')]
                                    .every(i => i.complete && i.naturalWidth)""", timeout=30_000)
    return page.locator('[data-testid="stImage"] img').count()


def test_every_page_renders_and_the_playground_retrains():
    chromium_path()  # skips with the reason when chromium or playwright is missing
    with browser() as chromium, streamlit_server() as server:  # browser first: cold start times the app only
        page = chromium.new_page(viewport=VIEWPORT)
        open_page(page, server.url + "/")
        assert pictures_shown(page) == 1  # the example: the Playground's picture of a trained run
        cold_start = time.perf_counter() - server.started
        print(f"\ncold start: server launch → home page rendered in {cold_start:.2f} s "
              f"(server answered after {server.ready:.2f} s)")

        for name, path in page_paths().items():
            open_page(page, server.url + path)
            drawn = rendered_charts(page)  # waits until every visible chart has drawn (some appear late)
            charts = visible_charts(page)
            assert drawn == charts and charts + pictures_shown(page) >= 1, f"{name}: {drawn} of {charts} charts drew"
            assert not exceptions(page), f"{name}: {exceptions(page)}"
            shot = screenshot(page, f"page-{name.replace(' ', '_')}")
            print(f"{name}: {charts} charts, screenshot {shot.relative_to(ROOT)}")

        # Play streams frames, Pause stops within a frame and stays, the replay slider scrubs back
        open_page(page, server.url + "/Playground?epochs=100000&hidden=8,8&dataset=spiral&batch_size=10")
        assert rendered_charts(page) >= 1 and not exceptions(page)  # the confusion matrix, below
        assert page.locator('[data-testid="stImage"] img').count() == 1  # the live view, as one picture
        page.get_by_role("button", name="Play", exact=True).click()
        wait_playing(page)
        first = boundary_fingerprint(page)
        assert boundary_fingerprint(page, unlike=first) != first  # the boundary is redrawn as the network learns
        page.get_by_role("button", name="Pause", exact=True).click()
        wait_paused(page)
        paused = boundary_fingerprint(page)
        assert pictures_while(page, 90) == 0  # it stays paused: no new picture for 90 browser frames
        assert boundary_fingerprint(page) == paused
        assert "epochs=100000" in page.url and "dataset=spiral" in page.url  # the shareable URL
        replay = page.locator('[data-testid="stSlider"]').filter(has_text="Replay").locator("input")
        replay.focus()
        replay.press("Home")  # back to the first snapshot: the untrained network
        wait_for_app(page)
        assert boundary_fingerprint(page, unlike=paused) != paused
        replay.press("End")  # and forward to now
        wait_for_app(page)
        assert boundary_fingerprint(page, like=paused) == paused
        assert not exceptions(page)
        charts = rendered_charts(page)
        view = open_section(page, "Inspect and display")
        view.get_by_text("Inspect", exact=True).click()  # the interactive chart takes the picture's place
        # the live view's own rerun, which the callback asks for on the server (the page cannot count it)
        page.locator('[data-testid="stMain"] [data-testid="stImage"] img').wait_for(state="detached", timeout=60_000)
        wait_for_app(page)
        assert rendered_charts(page) == charts + 1 and page.locator('[data-testid="stImage"] img').count() == 0
        assert not exceptions(page)

        open_page(page, server.url + "/Playground")  # the default run, played, for the README's picture
        page.get_by_role("button", name="Play", exact=True).click()
        wait_playing(page)
        wait_paused(page)  # it pauses by itself at its epoch budget
        rendered_charts(page)
        shot = screenshot(page, "playground")
        assert shot.stat().st_size > 50_000


def test_the_features_lesson_by_link_and_a_click_on_a_data_set_picture():
    """The lesson's link draws an input picture per feature; clicking the spiral's picture in the sidebar
    switches the data set (the chart's point selection), and Regenerate writes a new data seed to the URL."""
    chromium_path()
    with browser() as chromium, streamlit_server() as server:
        page = chromium.new_page(viewport=VIEWPORT)
        open_page(page, server.url + "/Playground?dataset=circle&hidden=&features=x1_sq,x2_sq")
        # the data sets' pictures and the confusion matrix are charts; the live view is one picture
        assert rendered_charts(page) >= 2 and pictures_shown(page) == 1 and not exceptions(page)
        pills = page.locator('[data-testid="stSidebar"] [data-testid="stButtonGroup"]').first
        assert "x₁²" in pills.inner_text() and "sin x₂" in pills.inner_text()
        picker = page.locator('[data-testid="stSidebar"] [data-testid="stVegaLiteChart"]')
        picker.locator("canvas, svg").first.wait_for()
        box = picker.bounding_box()
        started = time.perf_counter()
        page.mouse.click(box["x"] + 4 * 42 + 21, box["y"] + 21)  # the fifth picture: Spiral
        page.wait_for_url("**dataset=spiral**", timeout=30_000)
        wait_for_app(page)
        print(f"picture click to the spiral's run: {time.perf_counter() - started:.2f} s")
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert sidebar.get_by_text("Two interleaved spiral arms").is_visible()  # the spiral's description
        assert "features=x1_sq" in page.url and not exceptions(page)
        page.get_by_role("button", name="Regenerate").click()
        page.wait_for_url("**data_seed=**", timeout=30_000)
        wait_for_app(page)
        assert not exceptions(page)
        screenshot(page, "playground-features")


def test_drawing_points_by_clicking_the_plane_and_training_on_them():
    """Each click on the drawing plane shows its point (the plane is a fragment: only it reruns); the
    drawn set then trains. Prints each click's time to its point on screen."""
    chromium_path()
    with browser() as chromium, streamlit_server() as server:
        page = chromium.new_page(viewport=VIEWPORT)
        open_page(page, server.url + "/Playground")
        expander = open_section(page, "Draw your own data")  # below the live view
        plane = expander.locator('[data-testid="stVegaLiteChart"] .mark-rect').first
        plane.wait_for()
        plane.scroll_into_view_if_needed()  # a click lands only inside the window
        laid_out(page)  # the expander has opened and the page scrolled: the plane stays where it is
        box = plane.bounding_box()
        times = []
        for k, (fx, fy) in enumerate([(0.3, 0.3), (0.7, 0.7), (0.3, 0.7), (0.7, 0.3), (0.6, 0.6)]):
            if k == 2:
                expander.get_by_text("class 1", exact=True).click()
                expander.get_by_role("radio", name="class 1", exact=True, checked=True).wait_for(timeout=30_000)
                wait_for_app(page)
            started = time.perf_counter()
            page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
            page.get_by_text(f"{k + 1} point{'s' * (k > 0)} drawn").wait_for(timeout=30_000)
            times.append(time.perf_counter() - started)
        print("click to its point on screen (s):", ", ".join(f"{t:.2f}" for t in times))
        assert expander.locator(".mark-symbol path, .mark-symbol").count() >= 1
        page.get_by_role("button", name="Train on these points").click()
        page.wait_for_url("**dataset=csv**", timeout=30_000)
        wait_for_app(page)
        assert not exceptions(page) and page.get_by_text("You changed dataset").count()
        screenshot(page, "playground-drawn")


def hover_until(page, x: float, y: float, text: str, reach: int = 36, step: int = 6) -> tuple[float, float]:
    """The point near (x, y) whose tooltip shows ``text``: the chart's layout puts the mark about there, and
    the tooltip says which mark the pointer is on (a click lands on what the tooltip names)."""
    tooltip = page.locator("#vg-tooltip-element")
    offsets = sorted(((dx, dy) for dx in range(-reach, reach + 1, step) for dy in range(-reach, reach + 1, step)),
                     key=lambda d: abs(d[0]) + abs(d[1]))
    for dx, dy in offsets:
        page.mouse.move(x + dx, y + dy)
        next_frames(page)  # the chart has handled the move and drawn its tooltip
        if tooltip.count() and tooltip.is_visible() and text in tooltip.inner_text():
            return x + dx, y + dy
    raise AssertionError(f"no mark with the tooltip {text!r} near ({x:.0f}, {y:.0f})")


def test_a_click_on_a_hidden_unit_in_the_inspected_graph_fills_the_boundary_panel():
    """Inspect on, a click on layer 1's second unit shows it in the boundary panel (the Look inside choice
    follows), and a second click goes back to the boundary. Prints each click's time to the panel's change."""
    chromium_path()
    with browser() as chromium, streamlit_server() as server:
        page = chromium.new_page(viewport=VIEWPORT)
        open_page(page, server.url + "/Playground")
        inspect_on(page)
        assert page.get_by_text("Click the network:").count() == 1
        boundary = boundary_fingerprint(page)
        canvas = page.locator('[data-testid="stMain"] [data-testid="stVegaLiteChart"] canvas').first.bounding_box()
        # hidden 1, unit 2 of the default 2-4-4-1 graph (7 input slots: every feature, on or off)
        x, y = hover_until(page, canvas["x"] + 198, canvas["y"] + 164, "layer 1, unit 2")
        assert "show it in the boundary panel" in page.locator("#vg-tooltip-element").inner_text()
        at = (x - canvas["x"], y - canvas["y"])
        for wanted, panel_changes in (("Layer 1, unit 2", True), ("Decision boundary", False)):
            canvas = live_canvas(page)  # back in the window after the popover's scroll
            started = time.perf_counter()
            page.mouse.click(canvas["x"] + at[0], canvas["y"] + at[1])
            shown = boundary_fingerprint(page, unlike=boundary) if panel_changes else boundary_fingerprint(page, like=boundary)
            print(f"click to {wanted}: {time.perf_counter() - started:.2f} s")
            wait_for_app(page)
            assert (shown != boundary) is panel_changes
            view = open_section(page, "Inspect and display")  # the Look inside choice follows the click
            assert view.get_by_role("combobox", name="Look inside").input_value() == wanted
            close_popover(page)
            rendered_charts(page)
            assert not exceptions(page)
            if panel_changes:
                screenshot(page, "playground-inspect-unit")


DEFAULT_GRAPH = (len(FEATURES), 4, 4, 1)  # the default 2-4-4-1 network's graph: an input slot for every feature
PLOT_ORIGIN = (30, 25)  # pixels from the live chart's canvas to its network plot (the top axis labels, padding)


def graph_xy(canvas: dict, layer: float, y: float, layout=DEFAULT_GRAPH) -> tuple[float, float]:
    """Where the network graph draws (layer, y) on the page: the chart's own scales (live_sizes, which the chart
    lays out from), from the canvas's corner. Approximate by the padding: hover_until finds the mark itself by its tooltip."""
    (left, right), (low, high) = live_sizes.network_domain(layout)
    x = PLOT_ORIGIN[0] + (layer - left) / (right - left) * live_sizes.NETWORK_WIDTH
    return (canvas["x"] + x,
            canvas["y"] + PLOT_ORIGIN[1] + (high - y) / (high - low) * live_sizes.network_height(layout))


def live_canvas(page) -> dict:
    """The live chart's canvas box, once drawn and in the window (it moves as the notice and the value box
    come and go, and the page scrolls as a popover under it opens)."""
    rendered_charts(page)
    canvas = page.locator('[data-testid="stMain"] [data-testid="stVegaLiteChart"] canvas').first
    canvas.scroll_into_view_if_needed()
    laid_out(page)
    return canvas.bounding_box()


def weight_tooltip(page) -> tuple[str, float]:
    """The weight the tooltip names (1-based, as the graph's units are) and its value."""
    text = page.locator("#vg-tooltip-element").inner_text()
    found = re.search(r"weight\s+(W\d\[\d+,\d+\])\s+value\s+([-−]?\d+\.\d{4})", text)
    assert found, text
    return found.group(1), float(found.group(2).replace("−", "-"))  # Vega writes a minus sign, not a hyphen


def hover_weight(page, at: tuple[float, float]) -> tuple[float, float, str, float]:
    """Hover the weight edge near ``at`` (pixels from the live chart's canvas): the pointer first leaves the
    chart, so the tooltip is the chart's as drawn now. (x, y) on the page, the weight's name and value."""
    page.mouse.move(5, 5)
    page.locator("#vg-tooltip-element").wait_for(state="hidden", timeout=30_000)
    canvas = live_canvas(page)
    x, y = hover_until(page, canvas["x"] + at[0], canvas["y"] + at[1], "edit this weight", reach=12, step=3)
    return (x, y, *weight_tooltip(page))


def test_a_click_on_a_weight_in_the_inspected_graph_opens_its_value_and_training_continues_from_it():
    """Inspect on, a click on a weight from hidden layer 2 to the output opens a box with its value; a typed
    value is set (the notice, and the edge's own tooltip in the redrawn graph), the box closes, and Step
    trains on from the edited network: epoch 1, the weight moved a little from the typed value."""
    chromium_path()
    with browser() as chromium, streamlit_server() as server:
        page = chromium.new_page(viewport=VIEWPORT)
        open_page(page, server.url + "/Playground")
        canvas = inspect_on(page)
        # 60 % of the way from hidden 2, unit 1 (y 1.5) to the output (y 0): no other edge or node that close
        x, y = hover_until(page, *graph_xy(canvas, 2.6, 1.5 - 0.6 * 1.5), "edit this weight")
        at = (x - canvas["x"], y - canvas["y"])
        edge, before = weight_tooltip(page)
        page.mouse.click(x, y)
        box = page.locator('[data-testid="stNumberInput"]').filter(has_text="New value of W3[")
        box.wait_for(timeout=30_000)
        assert page.get_by_text(re.compile(r"the weight from layer 2, unit \d to output 1: now")).count() == 1
        assert float(box.locator("input").input_value()) == pytest.approx(before, abs=1e-4)
        name = re.search(r"W3\[\d,\d\]", box.inner_text()).group(0)  # the box's (0-based) name
        box.locator("input").fill("1.75")
        box.locator("input").press("Enter")
        page.get_by_text(f"You set {name} from {before:.4f} to 1.7500 at epoch 0").wait_for(timeout=30_000)
        wait_for_app(page)
        assert page.locator('[data-testid="stNumberInput"]').filter(has_text="New value of").count() == 0
        assert hover_weight(page, at)[2:] == (edge, 1.75)  # the graph draws the edited network
        screenshot(page, "playground-inspect-weight")

        page.get_by_role("button", name="Step", exact=True).click()
        page.get_by_text(re.compile(r"^Epoch 1\b")).first.wait_for(timeout=30_000)
        wait_for_app(page)
        again, after = hover_weight(page, at)[2:]
        assert again == edge and after != 1.75  # one epoch of training moved it ...
        assert abs(after - 1.75) < abs(after - before)  # ... from the typed value, not from the old one
        assert not exceptions(page)


def test_a_click_on_a_faded_input_in_the_inspected_graph_switches_its_feature_on():
    """Inspect on, a click on the faded x₁² input node switches the feature on: the link, the sidebar's
    feature pills and the graph (now an input with edges) all say so."""
    chromium_path()
    with browser() as chromium, streamlit_server() as server:
        page = chromium.new_page(viewport=VIEWPORT)
        open_page(page, server.url + "/Playground")
        assert "features=" not in page.url
        canvas = inspect_on(page)
        slot = list(FEATURES).index("x1_sq")  # inputs top to bottom in the table's order, y from 3 down
        x, y = hover_until(page, *graph_xy(canvas, 0, (len(FEATURES) - 1) / 2 - slot), "x₁² (off)")
        assert "use this feature" in page.locator("#vg-tooltip-element").inner_text()
        page.mouse.click(x, y)
        page.wait_for_url("**features=x1%2Cx2%2Cx1_sq**", timeout=30_000)
        wait_for_app(page)
        page.get_by_text("You changed input features").first.wait_for(timeout=30_000)
        pills = page.locator('[data-testid="stSidebar"] [data-testid="stButtonGroup"]').first
        assert pills.get_by_role("button", pressed=True).all_inner_texts() == ["x₁", "x₂", "x₁²"]
        canvas = live_canvas(page)
        hover_until(page, *graph_xy(canvas, 0, (len(FEATURES) - 1) / 2 - slot), "input x₁²")  # on, as a unit
        assert "(off)" not in page.locator("#vg-tooltip-element").inner_text()
        assert not exceptions(page)
