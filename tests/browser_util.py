"""Helpers for real-browser tests: start `streamlit run app.py`, drive Debian's chromium, wait properly.

Every page's browser test reuses these:

    with streamlit_server() as server, browser() as chromium:
        page = chromium.new_page()
        open_page(page, server.url + "/Playground")
        assert not exceptions(page)

Waiting follows Streamlit's own e2e tests (select by data-testid, wait for
[data-testid="stApp"][data-test-script-state="notRunning"]) and never sleeps for a fixed time: every wait
is on a condition the page can check, with a timeout of 30 s or more. A click's rerun reaches the server
only after the click returns, and on a loaded machine it may start long after, so "idle" alone could be
the state before the click: the page counts the rerun requests it sends and the script runs the server
finishes (:data:`RUN_WATCH`), and the app is idle once every request has been answered by a finished run.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # the browser tests skip (chromium_path says why)
    PlaywrightTimeout = TimeoutError

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
CHART = '[data-testid="stVegaLiteChart"]'
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def chromium_path() -> str:
    """Debian's chromium, or skip the test with the reason (Playwright never downloads a browser here)."""
    path = shutil.which("chromium")
    if path is None:
        pytest.skip("chromium is not installed (apt-get install chromium); the browser test needs it")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("playwright for Python is not installed (pip install -r requirements-dev.txt)")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def page_paths() -> dict[str, str]:
    """Every page that exists: {name: URL path}. Home is "/", pages/3_Tutorials.py is "/Tutorials"."""
    paths = {"Home": "/"}
    for file in sorted((ROOT / "pages").glob("*.py")):
        name = re.sub(r"^\d+_", "", file.stem)
        paths[name.replace("_", " ")] = "/" + name
    return paths


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    started: float  # time.perf_counter() when the process was launched
    ready: float  # seconds until /_stcore/health answered
    log: Path


@contextlib.contextmanager
def streamlit_server(app: str = "app.py", timeout: float = 60.0):
    """Run `streamlit run <app>` headless on 127.0.0.1 and a free port; stop it afterwards."""
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / f"streamlit-{port}.log"
    command = [sys.executable, "-m", "streamlit", "run", app, "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port),
               "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]  # edits made while the test runs must not rerun the app
    started = time.perf_counter()
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    failed = True
    try:
        _wait_healthy(url, process, timeout, log)
        yield Server(url, process, started, time.perf_counter() - started, log)
        failed = False
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if not failed:
            log.unlink(missing_ok=True)  # the server's log is kept only when something went wrong


def _wait_healthy(url: str, process: subprocess.Popen, timeout: float, log: Path) -> None:
    """Until /_stcore/health answers; between two asks, the wait is for the server to exit (it says why)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        try:
            process.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            continue
        raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log.read_text()[-2000:]}")
    raise TimeoutError(f"streamlit did not answer within {timeout:.0f} s:\n{log.read_text()[-2000:]}")


@contextlib.contextmanager
def browser():
    """A headless Debian chromium driven by Playwright's sync API."""
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


# Installed in every document a test opens (open_page): reads the app's websocket, one protobuf field deep.
# A BackMsg's rerun_script (field 11) is a request; a ForwardMsg's new_session (field 4) starts a script run
# and its script_finished (field 6) ends one, with a status (2: ended early, because a rerun follows at once).
# A request is answered once a run that started after it has finished for good.
RUN_WATCH = """(() => {
  if (window.__runWatch) return;
  const watch = window.__runWatch = {pending: false, started: false, changed: performance.now()};
  const fields = (bytes) => {  // the top-level fields' numbers, each with its varint value (or null)
    const out = [];
    let k = 0;
    const varint = () => { let v = 0, f = 1, b; do { b = bytes[k++]; v += (b & 127) * f; f *= 128; } while (b & 128); return v; };
    while (k < bytes.length) {
      const tag = varint(), wire = tag % 8;
      if (wire === 0) out.push([Math.floor(tag / 8), varint()]);
      else if (wire === 2) { const n = varint(); k += n; out.push([Math.floor(tag / 8), null]); }
      else if (wire === 1) { k += 8; } else if (wire === 5) { k += 4; } else break;
    }
    return out;
  };
  const bytesOf = (data) => data instanceof ArrayBuffer ? new Uint8Array(data)
      : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
  const Socket = window.WebSocket;
  class Watched extends Socket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        const bytes = bytesOf(event.data);
        if (!bytes) return;
        for (const [field, value] of fields(bytes)) {
          if (field === 4 && watch.pending) watch.started = true;
          if (field === 6 && watch.started && value !== 2) watch.pending = false;
          if (field === 4 || field === 6) watch.changed = performance.now();
        }
      });
    }
    send(data) {
      const bytes = bytesOf(data);
      if (bytes && fields(bytes).some(([field]) => field === 11)) {
        watch.pending = true; watch.started = false; watch.changed = performance.now();
      }
      return super.send(data);
    }
  }
  window.WebSocket = Watched;
})()"""

# Idle: the app says it is not running, every rerun the page asked for has finished, and nothing has been
# sent or received about runs for QUIET_MS (a debounced widget sends its request a moment after the click).
# (A page opened without open_page has no watch: then only its idle state, held for QUIET_MS, counts.)
_IDLE = """([selector, quiet]) => {
  const now = performance.now();
  const watch = window.__runWatch || (window.__runWatch = {pending: false, started: false, changed: now});
  if (!document.querySelector(selector)) { watch.changed = now; return false; }
  return !watch.pending && now - watch.changed >= quiet;
}"""
QUIET_MS = 300


def wait_for_app(page, timeout_ms: float = 60_000) -> None:
    """Wait until the script runs this page asked for have finished, and it stayed so (a rerun may follow)."""
    page.wait_for_function(_IDLE, arg=[APP_IDLE, QUIET_MS], timeout=timeout_ms, polling=50)


def open_page(page, url: str, timeout_ms: float = 60_000) -> None:
    page.add_init_script(RUN_WATCH)  # once per document: a second copy sees the first and does nothing
    page.goto(url, timeout=timeout_ms)
    wait_for_app(page, timeout_ms)


# The live picture (the live view while playing, and paused unless inspected): one <img> whose source changes
# with each frame. Counts its new sources from now on; a page run draws one, a playing run one a frame.
_COUNT_PICTURES = """() => {
  if (window.__pictureWatch) window.__pictureWatch.disconnect();
  const count = window.__pictures = {seen: null, changes: 0};
  const look = () => {
    const img = document.querySelector('[data-testid="stImage"] img');
    const src = img && img.getAttribute('src');
    if (src && count.seen !== null && src !== count.seen) count.changes++;
    if (src) count.seen = src;
  };
  look();
  window.__pictureWatch = new MutationObserver(look);
  window.__pictureWatch.observe(document.body, {subtree: true, childList: true, attributes: true,
                                                attributeFilter: ['src']});
}"""


def count_pictures(page) -> None:
    """Start counting the live picture's new sources (read them with :func:`new_pictures`)."""
    page.evaluate(_COUNT_PICTURES)


def new_pictures(page) -> int:
    """How many new live pictures have arrived since :func:`count_pictures`."""
    return page.evaluate("() => window.__pictures.changes")


def wait_playing(page, timeout_ms: float = 30_000) -> None:
    """Until the Playground plays: new live pictures keep arriving (two since the call, where a paused page
    draws one per script run)."""
    count_pictures(page)
    page.wait_for_function("() => window.__pictures.changes >= 2", timeout=timeout_ms)


def wait_paused(page, timeout_ms: float = 60_000) -> None:
    """Until the Playground is paused (by Pause, or by itself at its epoch budget) and the page is drawn: the
    live loop runs inside a script run, so no run may be left under way (:func:`wait_for_app`)."""
    wait_for_app(page, timeout_ms)


def visible_charts(page) -> int:
    """Vega-Lite charts on screen (a chart in a closed expander or another tab is not drawn yet)."""
    return page.locator(f"{CHART}:visible").count()


# The visible charts (as Playwright's :visible: a box, not hidden) and how many of them have drawn.
_CHARTS = """(chart) => {
  const shown = [...document.querySelectorAll(chart)].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden';
  });
  return [shown.length, shown.filter(e => e.querySelector('canvas, svg.marks')).length];
}"""
# Every visible chart has drawn, at two looks in a row with the same count (charts appear one by one).
_ALL_DRAWN = """(chart) => {
  const [total, drawn] = (COUNT)(chart), last = window.__chartsDrawn;
  window.__chartsDrawn = total && drawn >= total ? total : null;
  return total && drawn >= total && last === total ? total : null;
}""".replace("COUNT", _CHARTS)


def rendered_charts(page, timeout_ms: float = 60_000) -> int:
    """How many visible Vega-Lite charts have drawn (a canvas or svg inside); waits for all to draw
    (generously: on a loaded two-core machine a cold browser can take many seconds per chart). At the
    timeout it returns how many had drawn, for the caller's assertion to say."""
    page.evaluate("() => { window.__chartsDrawn = null; }")
    try:
        return page.wait_for_function(_ALL_DRAWN, arg=CHART, timeout=timeout_ms, polling=500).json_value()
    except PlaywrightTimeout:
        total, drawn = page.evaluate(_CHARTS, CHART)
        return min(drawn, total)


# The boxes of the charts, their canvases and the pictures, unchanged over ``frames`` animation frames in a row.
_LAID_OUT = """(frames) => {
  const boxes = [...document.querySelectorAll('[data-testid="stVegaLiteChart"], [data-testid="stVegaLiteChart"] canvas, [data-testid="stImage"] img')]
    .map(e => { const r = e.getBoundingClientRect(); return [r.x, r.y, r.width, r.height, e.width, e.height].join(','); }).join(';');
  const look = window.__layout || (window.__layout = {boxes: null, same: 0});
  look.same = boxes === look.boxes ? look.same + 1 : 0;
  look.boxes = boxes;
  return look.same >= frames;
}"""


def laid_out(page, frames: int = 5, timeout_ms: float = 30_000) -> None:
    """Until the charts and pictures have stopped moving or resizing (an expander opening, a message above
    them appearing, a new viewport): their boxes held over ``frames`` animation frames."""
    page.evaluate("() => { window.__layout = null; }")
    page.wait_for_function(_LAID_OUT, arg=frames, timeout=timeout_ms, polling="raf")


def next_frames(page, frames: int = 2) -> None:
    """Until the browser has drawn ``frames`` animation frames: the input events sent before (a pointer
    move) have been handled and their effect (a tooltip) drawn."""
    page.evaluate("""(n) => new Promise(done => {
        const next = (k) => k ? requestAnimationFrame(() => next(k - 1)) : done();
        next(n);
    })""", frames)


def exceptions(page) -> list[str]:
    """Texts of any Streamlit exception boxes on the page (should be none)."""
    return page.locator('[data-testid="stException"]').all_inner_texts()


def screenshot(page, name: str) -> Path:
    """Save artifacts/<name>.png of the whole page (Streamlit scrolls inside its main block, so the
    viewport is stretched to the content's height first, then restored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate("""() => Math.max(...[...document.querySelectorAll(
        '[data-testid="stMain"], [data-testid="stMainBlockContainer"], [data-testid="stSidebarContent"]')]
        .map(e => e.scrollHeight), document.body.scrollHeight)""")
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 12000)})
    laid_out(page)  # charts re-lay out to the new size
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


# The title of a lazy section (dashboard.page.lazy_section): an expander's summary, or a popover's button.
_SECTION_TITLE = '[data-testid="stExpander"] summary:visible, [data-testid="stPopoverButton"]:visible'
_IS_OPEN = "e => e.tagName === 'SUMMARY' ? e.parentElement.open : e.getAttribute('aria-expanded') === 'true'"
_POPOVER = '[data-testid="stPopoverBody"]:visible'


def open_section(page, title: str, timeout_ms: float = 60_000):
    """Open the section titled ``title`` (an expander or a popover) as a user does, by a click on its title
    unless it is open already, and return its content once built: the page builds a lazy section's content
    only in the rerun its opening asks for, so the wait is for that rerun and the content's first element."""
    heading = page.locator(_SECTION_TITLE).filter(has=page.get_by_text(title, exact=True)).first
    heading.wait_for(timeout=timeout_ms)
    popover = heading.evaluate("e => e.tagName !== 'SUMMARY'")
    if not heading.evaluate(_IS_OPEN):
        heading.click()
    content = (page.locator(_POPOVER) if popover
               else heading.locator("xpath=..").locator('[data-testid="stExpanderDetails"]'))
    content.locator('[data-testid="stElementContainer"]').first.wait_for(timeout=timeout_ms)
    wait_for_app(page, timeout_ms)
    return content


def close_popover(page, timeout_ms: float = 60_000) -> None:
    """Close the open popover as a user does (Escape), once its closing rerun has finished: a popover's
    content lies over the page, and a click outside it would close it on its way to what it clicks."""
    page.keyboard.press("Escape")
    page.locator(_POPOVER).wait_for(state="detached", timeout=timeout_ms)
    wait_for_app(page, timeout_ms)


def inspect_on(page) -> dict:
    """Inspect on (in "Inspect and display"; the live view becomes the clickable chart), the popover closed
    again; the chart's canvas box once it has drawn, in the window."""
    open_section(page, "Inspect and display").get_by_text("Inspect", exact=True).click()
    page.get_by_text("Click the network:").wait_for(timeout=30_000)
    wait_for_app(page)
    close_popover(page)
    rendered_charts(page)
    canvas = page.locator('[data-testid="stMain"] [data-testid="stVegaLiteChart"] canvas').first
    canvas.scroll_into_view_if_needed()  # the popover under the live view scrolled the page down
    laid_out(page)
    return canvas.bounding_box()


# A hash of the main area's last Vega-Lite chart as drawn: its SVG, or its canvas's pixels; null before it has drawn.
LAST_CHART = """() => {
    const all = [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stVegaLiteChart"]')];
    const chart = all[all.length - 1];
    const canvas = chart && chart.querySelector('canvas'), svg = chart && chart.querySelector('svg.marks');
    let hash = 0;
    if (svg) {
        const text = svg.innerHTML;
        for (let k = 0; k < text.length; k += 3) hash = (hash * 31 + text.charCodeAt(k)) % 2147483647;
        return hash;
    }
    if (!canvas || !canvas.width) return null;
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let k = 0; k < pixels.length; k += 7) hash = (hash * 31 + pixels[k]) % 2147483647;
    return hash;
}"""
