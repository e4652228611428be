"""What a learner sees of live training, in headless Chromium: frames per second, and time to the first frame.

    python benchmarks/bench_live.py [--seconds 6]
    python benchmarks/bench_live.py --detail "Loss landscape" [--seconds 6]
    python benchmarks/bench_live.py --beside-limits [--seconds 10]

For each scenario the Playground opens at a link (paused, untrained), and Play
is clicked. A script in the page watches the decision boundary's
picture on every animation frame and counts the frames in which it changed:
those are the redraws a learner sees. Streamlit's own floor is measured in the
same run: a one-chart page (``floor_page.py``) that updates one 50 × 50 PNG every
50 ms.

Page open (``--pages-only``, or after the frames): on a warm server, each open starts once the previous
page has finished its script run (Streamlit's status idle) and shown no new chart for 1.5 s. It is timed
from ``page.goto`` (the document's navigation start) to the first drawn chart: a Vega-Lite svg or canvas,
or an image in the main area of at least 200 × 200 px, loaded. A script installed from the document's
start checks on every animation frame, by the page's own clock. Median of 3 opens per page; the floor is
the one-chart page ``floor_page.py``, opened the same way in the same run.

``--detail NAME``: each scenario opens that detail below the live view (a tab of "More about this run",
e.g. "Loss landscape" or "Warped plane", which follow the network while it plays) before Play is pressed.

``--burst``: the floor page alone, with 30 input widgets after its chart, and with the same widgets sent
0.3 s after the chart (median of 5 opens each, interleaved): what the rest of a page's first script run
costs its first chart.

``--beside-limits``: three visitors open the Playground at its limits (8 × 256 units, 5,000 points, batch 1)
and press Play; then a fourth presses Play on the default Playground. It prints the fourth's first frame
and frames a second, and each limit run's frames a second and optimizer steps a second before and after
the fourth joined (the steps from the server's frame log, ``NNPLAY_TRACE``).
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser_util import RUN_WATCH, browser, page_paths, streamlit_server, wait_for_app  # noqa: E402

SCENARIOS = {
    "default XOR (2-4-4-1, full batch)": "",
    "two spirals, 2-8-8-1, 500 points, batch 10": "?dataset=spiral&n_samples=500&hidden=8,8&batch_size=10&lr=0.03"
                                                  "&optimizer=adam&epochs=3000",
}
LIMITS = "?dataset=spiral&hidden=256,256,256,256,256,256,256,256&n_samples=5000&batch_size=1&epochs=100000"
WATCH = """(region) => {
  // Each animation frame, fingerprint the pixels of the decision boundary (the right third of the live
  // view, all of the floor page's chart) and note the frames in which they changed. The live view is one
  // picture (an <img>), read only when its source has changed (reading pixels costs the page's main thread
  // time, so reading them 60 times a second would slow what it measures); the floor page's chart is a
  // canvas, read every frame.
  window.__redraws = [];
  let last = null, lastSrc = null;
  const copy = document.createElement('canvas');
  // The region is sampled onto a 96 x 96 canvas: copying and reading it whole cost the page 13 ms a
  // frame, a fifth of its main thread, and every pixel of a learning boundary shifts colour anyway.
  copy.width = 96; copy.height = 96;
  const g = copy.getContext('2d', {willReadFrequently: true});
  g.imageSmoothingEnabled = false;
  const fingerprint = (source, w, h) => {
    const x0 = Math.floor(w * region);
    g.drawImage(source, x0, 0, w - x0, h, 0, 0, 96, 96);
    const pixels = g.getImageData(0, 0, 96, 96).data;
    let hash = 0;
    for (let k = 0; k < pixels.length; k += 3) hash = (hash * 31 + pixels[k]) % 2147483647;
    return hash;
  };
  const look = () => {
    const img = document.querySelector('[data-testid="stImage"] img');
    if (img) {
      if (img.src === lastSrc || !img.complete || !img.naturalWidth) return null;
      lastSrc = img.src;
      return fingerprint(img, img.naturalWidth, img.naturalHeight);
    }
    const canvas = document.querySelector('[data-testid="stVegaLiteChart"] canvas');
    return canvas && canvas.width ? fingerprint(canvas, canvas.width, canvas.height) : null;
  };
  const tick = () => {
    const now = look();
    if (now !== null && now !== last) { window.__redraws.push(performance.now()); last = now; }
    window.__watching = requestAnimationFrame(tick);
  };
  window.__watching = requestAnimationFrame(tick);
}"""


def measure_play(page, seconds: float, region: float) -> tuple[float, float]:
    """(seconds from the click on Play to the first new picture, redraws per second after it)."""
    page.evaluate(WATCH, region)
    page.wait_for_timeout(300)
    clicked = page.evaluate("() => performance.now()")
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_timeout(seconds * 1000)
    redraws = [t for t in page.evaluate("() => window.__redraws") if t > clicked]
    page.evaluate("() => cancelAnimationFrame(window.__watching)")
    if len(redraws) < 2:
        return float("nan"), 0.0
    first = (redraws[0] - clicked) / 1000
    span = (redraws[-1] - redraws[0]) / 1000
    return first, (len(redraws) - 1) / span if span > 0 else 0.0


# Installed in every document the page opens (add_init_script), so it watches from the document's start.
# On every animation frame it counts the charts drawn; it keeps when the first appeared and when the count
# last changed, by performance.now(): milliseconds since this document's navigation started.
CHART_WATCH = """(() => {
  const drawn = () => document.querySelectorAll(
      '[data-testid="stVegaLiteChart"] svg.marks, [data-testid="stVegaLiteChart"] canvas').length
    + [...document.querySelectorAll('[data-testid="stMain"] img')].filter(img => {
        const box = img.getBoundingClientRect();
        return img.complete && img.naturalWidth > 0 && box.width >= 200 && box.height >= 200;
      }).length;
  const charts = window.__charts = {first: null, count: 0, changed: performance.now()};
  const look = () => {
    const count = drawn();
    if (count !== charts.count) { charts.count = count; charts.changed = performance.now(); }
    if (count && charts.first === null) charts.first = charts.changed;
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})()"""
QUIET_MS = 1500  # no new chart for this long: the page has finished drawing


def open_to_first_chart(page, url: str) -> float:
    """Seconds from navigation to the first drawn chart (see CHART_WATCH); then waits until the page has
    finished its script run and drawn no new chart for QUIET_MS, so the next open starts from a still page."""
    page.goto(url)
    first = page.wait_for_function("() => window.__charts.first", timeout=60_000, polling=100).json_value()
    wait_for_app(page)
    page.wait_for_function("(quiet) => performance.now() - window.__charts.changed >= quiet", arg=QUIET_MS,
                           timeout=60_000, polling=100)
    return first / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="seconds of Play counted per scenario")
    parser.add_argument("--repeats", type=int, default=3, help="page opens per page (median)")
    parser.add_argument("--pages-only", action="store_true", help="only the page-open times")
    parser.add_argument("--detail", metavar="NAME", help="open this detail tab (e.g. \"Loss landscape\") before Play")
    parser.add_argument("--burst", action="store_true", help="the floor's first chart with 30 widgets after it")
    parser.add_argument("--beside-limits", action="store_true",
                        help="a default visitor's frames beside three visitors playing at the limits")
    args = parser.parse_args()
    if args.beside_limits:
        trace = Path(tempfile.mkdtemp()) / "frames.log"
        os.environ["NNPLAY_TRACE"] = str(trace)  # the server started below appends each frame's timings
        with streamlit_server() as app, streamlit_server("benchmarks/floor_page.py") as floor, \
                browser() as chromium:
            beside_limits(chromium, app, floor, args.seconds, trace)
        return
    if args.burst:
        with streamlit_server("benchmarks/floor_page.py") as floor, browser() as chromium:
            burst(chromium.new_page(viewport={"width": 1400, "height": 950}), floor)
        return
    with streamlit_server() as app, streamlit_server("benchmarks/floor_page.py") as floor, browser() as chromium:
        page = chromium.new_page(viewport={"width": 1400, "height": 950})
        if not args.pages_only:
            frames_while_training(page, app, floor, args.seconds, args.detail)
        open_times(page, app, floor, args.repeats)


def open_detail(page, name: str) -> None:
    """Open the detail tab ``name`` below the live view and wait until its chart (if any) has drawn."""
    page.locator('[data-testid="stMain"] [data-testid="stButtonGroup"]').get_by_text(name, exact=True).click()
    wait_for_app(page)
    page.wait_for_function("""() => { const all = [...document.querySelectorAll(
        '[data-testid="stMain"] [data-testid="stVegaLiteChart"]')];
        return all.length && all[all.length - 1].querySelector('canvas, svg.marks'); }""", timeout=60_000)


def frames_while_training(page, app, floor, seconds: float, detail: str | None = None) -> None:
    print("Frames while training (headless Chromium, 1400 x 950)"
          + (f", with the {detail!r} detail open:" if detail else ":"))
    page.goto(floor.url)
    wait_for_app(page)
    first, fps = measure_play(page, seconds, region=0.0)
    print(f"  {'floor: one-chart page, 50x50 PNG every 50 ms':48s} first frame {first:5.2f} s   {fps:5.1f} fps")
    for name, query in SCENARIOS.items():
        page.goto(app.url + "/Playground" + query)  # it opens paused, untrained
        wait_for_app(page)
        page.locator('[data-testid="stImage"] img').wait_for()
        if detail:
            open_detail(page, detail)
        page.wait_for_timeout(1000)  # the browser finishes drawing the page: Play is pressed on a page a learner sees
        first, fps = measure_play(page, seconds, region=0.67)
        print(f"  {name:48s} first frame {first:5.2f} s   {fps:5.1f} fps")
        page.get_by_role("button", name="Pause", exact=True).click()  # the default run may have paused already
        wait_for_app(page)


def opened(chromium, url: str):
    """A new visitor (its own browser context, so its own session) with ``url`` open and drawn, paused."""
    page = chromium.new_context(viewport={"width": 1400, "height": 950}).new_page()
    page.goto(url)
    wait_for_app(page)
    page.locator('[data-testid="stImage"] img').wait_for()
    page.wait_for_timeout(1000)
    return page


def watch(page) -> float:
    """Start counting ``page``'s redraws (see WATCH); the page's clock now."""
    page.evaluate(WATCH, 0.67)
    return page.evaluate("() => performance.now()")


def rate(page, since: float, until: float) -> float:
    """Redraws a second of ``page`` between two readings of its clock."""
    redraws = [t for t in page.evaluate("() => window.__redraws") if since <= t <= until]
    span = (until - since) / 1000
    return len(redraws) / span if span > 0 else 0.0


def steps_per_second(trace: Path, since: float, until: float) -> dict[int, float]:
    """Optimizer steps a second of each run (by its id in the frame log) between two perf_counter times."""
    steps = collections.Counter()
    for line in trace.read_text().splitlines():
        words = line.split()
        if since <= float(words[0]) <= until:
            steps[int(words[2])] += int(words[4])
    return {run: n / (until - since) for run, n in steps.items()}


def beside_limits(chromium, app, floor, seconds: float, trace: Path) -> None:
    print("A default visitor beside three playing at the limits (headless Chromium, 1400 x 950):")
    page = chromium.new_context(viewport={"width": 1400, "height": 950}).new_page()
    page.goto(floor.url)
    wait_for_app(page)
    first, fps = measure_play(page, seconds, region=0.0)
    print(f"  {'floor: one-chart page, alone':48s} first frame {first:5.2f} s   {fps:5.1f} fps")
    limits = [opened(chromium, app.url + "/Playground" + LIMITS) for _ in range(3)]
    fourth = opened(chromium, app.url + "/Playground")
    for page in limits:
        watch(page)
        page.get_by_role("button", name="Play", exact=True).click()
    time.sleep(seconds)  # warm up: the first frames measure a step and the numbers
    marks = [page.evaluate("() => performance.now()") for page in limits]
    began = time.perf_counter()
    time.sleep(seconds)
    alone = [rate(page, since, page.evaluate("() => performance.now()")) for page, since in zip(limits, marks)]
    steps_alone = steps_per_second(trace, began, time.perf_counter())
    marks = [page.evaluate("() => performance.now()") for page in limits]
    began = time.perf_counter()
    first, fps = measure_play(fourth, seconds, region=0.67)
    beside = [rate(page, since, page.evaluate("() => performance.now()")) for page, since in zip(limits, marks)]
    steps_beside = steps_per_second(trace, began, time.perf_counter())
    print(f"  {'default XOR, beside the three':48s} first frame {first:5.2f} s   {fps:5.1f} fps")
    for k, (before, after) in enumerate(zip(alone, beside)):
        print(f"  {f'limit visitor {k + 1}: frames a second':48s} {before:5.1f} alone -> {after:5.1f} beside it")
    for k, run in enumerate(steps_alone):
        print(f"  {f'limit run {k + 1}: steps a second':48s} {steps_alone[run]:5.0f} alone -> "
              f"{steps_beside.get(run, 0):5.0f} beside it")
    for page in (*limits, fourth):
        page.get_by_role("button", name="Pause", exact=True).click()


def median_open(page, url: str, repeats: int) -> float:
    """Median seconds to the first chart over ``repeats`` opens of ``url``, after one open that warms it
    (caches and the server's first import)."""
    open_to_first_chart(page, url)
    return statistics.median(open_to_first_chart(page, url) for _ in range(repeats))


def open_times(page, app, floor, repeats: int) -> None:
    page.add_init_script(RUN_WATCH)  # wait_for_app then also waits for the run the opening page asked for
    page.add_init_script(CHART_WATCH)
    print(f"Page open to first chart (warm server, median of {repeats}):")
    base = median_open(page, floor.url, repeats)
    print(f"  {'floor: one-chart page':48s} {base:5.2f} s   1.00x", flush=True)
    for name, path in page_paths().items():
        median = median_open(page, app.url + path, repeats)
        print(f"  {name:48s} {median:5.2f} s   {median / base:4.2f}x", flush=True)


BURST = {"floor: one-chart page": "", "the chart, then 30 widgets": "?widgets=30",
         "the chart, then 30 widgets 0.3 s later": "?widgets=30&gap=0.3"}


def burst(page, floor, rounds: int = 5) -> None:
    page.add_init_script(RUN_WATCH)
    page.add_init_script(CHART_WATCH)
    times = {name: [] for name in BURST}
    for _ in range(rounds + 1):  # the first round warms up, and is not counted
        for name, query in BURST.items():
            times[name].append(open_to_first_chart(page, floor.url + query))
    base = statistics.median(times["floor: one-chart page"][1:])
    print(f"Page open to first chart (warm server, median of {rounds}, interleaved):")
    for name, values in times.items():
        median = statistics.median(values[1:])
        print(f"  {name:48s} {median:5.2f} s   {median / base:4.2f}x", flush=True)


if __name__ == "__main__":
    main()
