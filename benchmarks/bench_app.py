"""Time the app server-side: a first Playground load, a display-only rerun, and the grids.

    python benchmarks/bench_app.py [--repeats 7]

(a) a default Playground page run in AppTest, training included, in a new session
    with st.cache_data cleared (what a newcomer's first visit costs);   target ≤ 1.5 s
(b) the rerun after a display-only toggle (log scale) in that session;  target ≤ 150 ms
(c) the 100×100 boundary and every hidden unit's 100×100 grid for a
    2-8-8-1 network (one forward pass), and the app's variant with
    30×30 hidden thumbnails;                                            target ≤ 10 ms

Prints a markdown table of medians over --repeats runs, as wall-clock time and as
this process's CPU time (on a shared machine, CPU time does not count the time
other processes hold the CPU). BLAS runs on one thread, as in bench_engine.py.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads its BLAS

import argparse  # noqa: E402
import logging  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from nn_core import MLP, datasets  # noqa: E402
from nn_core.grids import network_grids  # noqa: E402

PAGE = str(ROOT / "pages" / "1_Playground.py")


def timed(fn, repeats: int) -> tuple[float, float]:
    """Median (wall seconds, CPU seconds) of ``repeats`` calls of fn()."""
    wall, cpu = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return statistics.median(wall), statistics.median(cpu)


def first_load() -> AppTest:
    """A fresh session opens the default page (paused, untrained) and presses Play: 300 epochs, live."""
    st.cache_data.clear()
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    next(b for b in at.button if b.label == "Play").click().run()
    if at.exception or at.session_state["playground.run"].trainer.epoch != 300:
        raise RuntimeError(f"the default page did not train: {at.exception}")
    return at


def first_toggle(repeats: int) -> tuple[float, float]:
    """Median cost of the first log-scale toggle after a fresh load (the loss chart is rebuilt once)."""
    wall, cpu = [], []
    for _ in range(repeats):
        at = first_load()
        toggle = at.toggle(key="playground.view.log").set_value(True)
        w, c = time.perf_counter(), time.process_time()
        toggle.run()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
        if at.session_state["playground.run"].trainer.epoch != 300 or at.exception:
            raise RuntimeError("a display toggle retrained the network")
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    logging.getLogger("streamlit").setLevel(logging.ERROR)  # AppTest's "missing ScriptRunContext" noise

    first_load()  # warm-up: imports and Altair's schema load happen once per server, not per visitor
    rows = [("(a) default Playground: open, press Play, 300 epochs live, 3 epochs a frame", "—",
             timed(first_load, args.repeats))]
    rows.append(("(b) rerun after a display-only toggle (log scale)", "≤ 150 ms", first_toggle(args.repeats)))

    data = datasets.make("xor_cloud", n=200, noise=0.1, seed=0)
    net = MLP([2, 8, 8, 1], activation="tanh", output="sigmoid", seed=0)
    network_grids(net, data.domain)
    rows.append(("(c) 100×100 boundary + all hidden units, 2-8-8-1", "≤ 10 ms",
                 timed(lambda: network_grids(net, data.domain), args.repeats * 30)))
    rows.append(("(c') same, hidden units as 30×30 thumbnails (app)", "≤ 10 ms",
                 timed(lambda: network_grids(net, data.domain, hidden_resolution=30, max_units=16),
                       args.repeats * 30)))

    print(f"\nbenchmarks/bench_app.py, median of {args.repeats}+ runs, OPENBLAS_NUM_THREADS="
          f"{os.environ['OPENBLAS_NUM_THREADS']}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
    print("| measurement | target | wall | CPU |")
    print("|---|---|---:|---:|")
    for name, target, (wall, cpu) in rows:
        print(f"| {name} | {target} | {_ms(wall)} | {_ms(cpu)} |")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


if __name__ == "__main__":
    main()
