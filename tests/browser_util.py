"""Helpers for real-browser tests: start `streamlit run app.py`, drive Debian's chromium, wait properly.

Every page's browser test reuses these:

    with streamlit_server() as server, browser() as chromium:
        page = chromium.new_page()
        open_page(page, server.url + "/Playground")
        assert_no_exception(page)

Waiting follows Streamlit's own e2e tests: select by data-testid and wait for
[data-testid="stApp"][data-test-script-state="notRunning"], never a fixed sleep.
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
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
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


def wait_for_app(page, timeout_ms: float = 60_000) -> None:
    """Wait until the script has run and stayed finished (a rerun may follow the first one at once)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        page.wait_for_selector(APP_IDLE, timeout=max(1.0, (deadline - time.monotonic()) * 1000))
        page.wait_for_timeout(300)
        if page.locator(APP_IDLE).count() or time.monotonic() > deadline:
            return


def open_page(page, url: str, timeout_ms: float = 60_000) -> None:
    page.goto(url, timeout=timeout_ms)
    wait_for_app(page, timeout_ms)


_INSPECT_DISABLED = """(wanted) => {
  const box = [...document.querySelectorAll('[data-testid="stCheckbox"]')].find(e => e.innerText.trim() === 'Inspect');
  const input = box && box.querySelector('input');
  return !!input && input.disabled === wanted;
}"""


def wait_playing(page, timeout_ms: float = 30_000) -> None:
    """Until the Playground plays: its Inspect toggle, which works only while paused, is disabled."""
    page.wait_for_function(_INSPECT_DISABLED, arg=True, timeout=timeout_ms)


def wait_paused(page, timeout_ms: float = 60_000) -> None:
    """Until the Playground is paused (by Pause, or by itself at its epoch budget) and the page is drawn."""
    page.wait_for_function(_INSPECT_DISABLED, arg=False, timeout=timeout_ms)
    wait_for_app(page, timeout_ms)


def visible_charts(page) -> int:
    """Vega-Lite charts on screen (a chart in a closed expander or another tab is not drawn yet)."""
    return page.locator(f"{CHART}:visible").count()


def rendered_charts(page, timeout_ms: float = 60_000) -> int:
    """How many visible Vega-Lite charts have drawn (a canvas or svg inside); waits for all to draw
    (generously: on a loaded two-core machine a cold browser can take many seconds per chart)."""
    deadline = time.monotonic() + timeout_ms / 1000
    settled = None  # the chart count at the last check where every chart had drawn: charts appear one by one
    while True:
        total = visible_charts(page)
        drawn = page.locator(f"{CHART}:visible").filter(has=page.locator("canvas, svg.marks")).count()
        if total and drawn >= total and settled == total:
            return total
        if time.monotonic() > deadline:
            return min(drawn, total)
        settled = total if total and drawn >= total else None
        page.wait_for_timeout(500)


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
    page.wait_for_timeout(500)  # charts re-lay out to the new size
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


def inspect_on(page) -> dict:
    """Inspect on (the live view becomes the clickable chart); the chart's canvas box once it has drawn."""
    page.get_by_text("Inspect", exact=True).click()
    wait_for_app(page)
    rendered_charts(page)
    page.get_by_text("Click the network:").wait_for(timeout=30_000)
    return page.locator('[data-testid="stMain"] [data-testid="stVegaLiteChart"] canvas').first.bounding_box()
