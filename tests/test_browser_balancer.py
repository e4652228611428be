"""Two servers behind HAProxy (`deploy/serve.py --replicas 2`), driven by real browsers.

Everything a visitor does reaches the server that holds the visitor's session only because of the balancer's
affinity cookie: the websocket carries the Playground's frames, an upload goes to /_stcore/upload_file/... and a
download comes from /media/.... Each browser context below is one visitor with its own cookie jar; the cookie's
value names its server (s1, s2, as serve.py prints them). The tests share one deployment and run in file order:
the last but one kills a server, the last stops everything.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browser_util import ROOT, browser, chromium_path, exceptions, free_port, open_page, wait_for_app, wait_paused

from nn_core import datasets, runs
from nn_core.config import RunConfig, to_query

pytestmark = [pytest.mark.browser, pytest.mark.slow]
VIEWPORT = {"width": 1400, "height": 1000}
COOKIE = "NNPLAY_SERVER"  # deploy/haproxy.cfg.in
SERVER_LINE = re.compile(r"^server (\S+) http://127\.0\.0\.1:(\d+) pid (\d+)$")
START_TIMEOUT = 180.0  # two cold servers on a loaded two-core machine
PLAYING = RunConfig(epochs=100_000)  # the default Playground, with an epoch budget that lasts minutes


@dataclass
class Deployment:
    url: str
    process: subprocess.Popen
    servers: dict[str, tuple[int, int]]  # name (the cookie's value) -> (port, pid)
    output: list[str] = field(default_factory=list)


def _read_lines(stream, lines: list[str], arrived: queue.Queue) -> None:
    for line in stream:
        lines.append(line.rstrip("\n"))
        arrived.put(line.rstrip("\n"))
    arrived.put(None)


@pytest.fixture(scope="module")
def deployment():
    if shutil.which("haproxy") is None:
        pytest.skip("haproxy is not installed (apt-get install haproxy); the balancer test needs it")
    chromium_path()
    port = free_port()
    process = subprocess.Popen([sys.executable, "deploy/serve.py", "--replicas", "2", "--port", str(port),
                                "--host", "127.0.0.1"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    lines: list[str] = []
    arrived: queue.Queue = queue.Queue()
    threading.Thread(target=_read_lines, args=(process.stdout, lines, arrived), daemon=True).start()
    servers = {}
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            line = arrived.get(timeout=max(0.1, deadline - time.monotonic()))
            assert line is not None, "serve.py ended before it was ready:\n" + "\n".join(lines)
            if match := SERVER_LINE.match(line):
                servers[match[1]] = (int(match[2]), int(match[3]))
            if line.startswith("nnplay on "):
                break
        assert sorted(servers) == ["s1", "s2"], lines
        url = f"http://127.0.0.1:{port}"
        _wait_until(lambda: _healthy(url), START_TIMEOUT, "the balancer never answered")
        yield Deployment(url, process, servers, lines)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(60)


@pytest.fixture(scope="module")
def chromium(deployment):
    with browser() as chromium:
        yield chromium


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=5) as reply:
            return reply.status == 200
    except OSError:
        return False


def _wait_until(condition, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.2)


def server_of(context) -> str | None:
    """Which server holds this visitor's session: the value of the balancer's cookie."""
    return next((c["value"] for c in context.cookies() if c["name"] == COOKIE), None)


def visitor(chromium, deployment: Deployment, query: str = ""):
    context = chromium.new_context(viewport=VIEWPORT, accept_downloads=True)
    page = context.new_page()
    open_page(page, deployment.url + "/Playground" + query)
    assert server_of(context) in deployment.servers and not exceptions(page)
    return context, page


def query_of(config: RunConfig) -> str:
    return "?" + "&".join(f"{k}={v}" for k, v in to_query(config).items())


WATCH_PICTURES = """() => {
  // Note the time of every new live picture: the live view is one <img> whose source changes with each frame.
  window.__pictures = [];
  let last = null;
  const look = () => {
    const img = document.querySelector('[data-testid="stImage"] img');
    if (img && img.src && img.src !== last) { last = img.src; window.__pictures.push(performance.now()); }
  };
  look();
  window.__pictures = [];
  new MutationObserver(look).observe(document.body, {subtree: true, childList: true, attributes: true,
                                                     attributeFilter: ['src']});
}"""


def test_visitors_spread_over_both_servers_and_four_play_at_once(deployment, chromium, capsys):
    """Four visitors (separate cookie jars, one address) land on both servers; each presses Play, and once all
    four are playing each sees at least 10 new pictures in 3 s."""
    visitors = [visitor(chromium, deployment, query_of(PLAYING.replace(seed=i))) for i in range(4)]
    try:
        held = [server_of(context) for context, _ in visitors]
        assert set(held) == {"s1", "s2"}, held
        for _, page in visitors:
            page.evaluate(WATCH_PICTURES)
        for _, page in visitors:
            page.get_by_role("button", name="Play", exact=True).click()
        for _, page in visitors:  # all four are playing: each has shown a new picture
            page.wait_for_function("() => window.__pictures.length > 0", timeout=60_000)
        for _, page in visitors:  # then each counts its new pictures in the next 3 s
            page.evaluate("() => { window.__from = performance.now(); }")
        counts = []
        for _, page in visitors:
            page.wait_for_function("() => performance.now() - window.__from > 3000", timeout=30_000)
            counts.append(page.evaluate(
                "() => window.__pictures.filter(t => t > window.__from && t <= window.__from + 3000).length"))
        for _, page in visitors:
            page.get_by_role("button", name="Pause", exact=True).click()
        for _, page in visitors:
            wait_paused(page)
            assert not exceptions(page)
        with capsys.disabled():  # into the log even under pytest -q, which shows a passed test as a dot
            print(f"\nbalancer: four visitors on servers {held}: {counts} new pictures each in 3 s")
        assert min(counts) >= 10, counts
    finally:
        for context, _ in visitors:
            context.close()


def test_a_csv_uploaded_through_the_balancer_trains(deployment, chromium):
    """The upload reaches the session's server: the page shows the untrained loss of the uploaded points, then
    trains on them to the epoch budget, to the loss nn_core computes for that file."""
    data = datasets.make("moons", n=60, noise=0.05, seed=3)
    content = datasets.to_csv(data)
    config = RunConfig(dataset="csv", epochs=200)
    loaded = datasets.load_csv(content)
    untrained = f"{runs.prepare(config, loaded).trainer.evaluate()['train_loss']:.4f}"
    trained = f"{runs.run(config, loaded).trainer.evaluate()['train_loss']:.4f}"
    context, page = visitor(chromium, deployment, "?dataset=csv&epochs=200")
    try:
        page.locator('[data-testid="stSidebar"] input[type="file"]').set_input_files(
            files=[{"name": "moons.csv", "mimeType": "text/csv", "buffer": content}])
        page.get_by_text(f"Train loss {untrained}").wait_for(timeout=60_000)
        wait_for_app(page)
        page.get_by_role("button", name="Play", exact=True).click()
        page.get_by_text(f"Epoch 200 · Train loss {trained}").wait_for(timeout=60_000)
        wait_paused(page)
        assert not exceptions(page)
    finally:
        context.close()


def test_an_export_downloads_through_the_balancer(deployment, chromium):
    """The download comes from the server that holds the session: the weights file of this visitor's run."""
    config = RunConfig(seed=11, hidden=(3,), epochs=30)
    context, page = visitor(chromium, deployment, query_of(config))
    try:
        page.locator('[data-testid="stButtonGroup"]').get_by_text("Export", exact=True).click()
        button = page.get_by_role("button", name="Config + weights (.json)")
        button.wait_for(timeout=30_000)
        with page.expect_download(timeout=60_000) as download:
            button.click()
        saved = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
        assert saved["config"]["seed"] == 11 and saved["config"]["hidden"] == [3]
        assert not exceptions(page)
    finally:
        context.close()


def test_a_visitor_on_a_killed_server_is_moved_and_the_link_brings_its_settings_back(deployment, chromium):
    """Its server's whole process group is killed (as a crash would); HAProxy's checks take it out and the
    visitor's page reconnects to the other server, which opens the same link: the same settings."""
    config = RunConfig(dataset="spiral", hidden=(5, 3), seed=7, lr=0.1)
    context, page = visitor(chromium, deployment, query_of(config))
    try:
        link = page.url
        first = server_of(context)
        os.killpg(deployment.servers[first][1], signal.SIGKILL)
        other = ({"s1", "s2"} - {first}).pop()
        _wait_until(lambda: server_of(context) == other, 60, f"the visitor stayed on {first}")
        wait_for_app(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("Two interleaved spiral arms").wait_for(timeout=30_000)  # the spiral's description
        assert page.url == link
        expected = f"{runs.prepare(config).trainer.evaluate()['train_loss']:.4f}"
        page.get_by_text(f"Epoch 0 · Train loss {expected}").wait_for(timeout=30_000)  # this link's network
        assert not exceptions(page)
    finally:
        context.close()


def _processes() -> dict[int, tuple[int, str]]:
    """Every running process (not zombies): pid -> (process group, command line)."""
    found = {}
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError):
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if entry.name.isdigit() and fields[0] != "Z":
            found[int(entry.name)] = (int(fields[2]), command)
    return found


def test_sigterm_stops_haproxy_and_every_server_with_its_workers(deployment):
    """Each server's group held more than the server (its drawing worker); after SIGTERM none of it is left."""
    groups = {pid for _, pid in deployment.servers.values()}
    marks = [f"--server.port {port} " for port, _ in deployment.servers.values()]

    def ours():
        return {pid: command for pid, (group, command) in _processes().items()
                if group in groups or any(m in command + " " for m in marks) or "nnplay-serve-" in command}

    before = ours()
    assert any("streamlit" not in command and "haproxy" not in command for command in before.values()), before
    deployment.process.send_signal(signal.SIGTERM)
    assert deployment.process.wait(60) == 0, "\n".join(deployment.output)
    assert ours() == {}
