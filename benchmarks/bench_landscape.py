"""Time a loss-landscape slice (nn_core.analysis.landscape) for networks from the default one up to 8 × 256.

    python benchmarks/bench_landscape.py [--repeats 5] [--only default]

For each network: a run is built as the Playground builds it (nn_core.runs.prepare) and trained a
few epochs, so that it has a path; then ``grid_plan`` picks the grid and the training rows, and one
slice is timed: the directions (filter-normalised random, or PCA of the snapshots) plus ``loss_grid``
over alphas = betas = linspace(-1, 1, N). Prints a markdown table of the median over ``--repeats``,
in this process's CPU time and in wall-clock time, beside the target (default network 41 × 41 ≤ 0.2 s;
every bigger network ≤ 5 s). BLAS runs on one thread unless OPENBLAS_NUM_THREADS says otherwise.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads its BLAS

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nn_core.analysis import landscape  # noqa: E402
from nn_core.config import RunConfig  # noqa: E402
from nn_core.runs import prepare  # noqa: E402

NETWORKS = {  # name -> (RunConfig keyword arguments, target seconds)
    "default": ({}, 0.2),  # the Playground's default: xor_cloud, 2-4-4-1 tanh, 160 training points
    "2-8-8-1, 800 points": ({"hidden": (8, 8), "n_samples": 1000}, 5.0),
    "2-32-32-1, 1,600 points": ({"hidden": (32, 32), "n_samples": 2000}, 5.0),
    "2-64×4-1 relu, 3,200 points": ({"hidden": (64,) * 4, "activation": "relu", "n_samples": 4000}, 5.0),
    "8 × 256 tanh, 3,200 points": ({"hidden": (256,) * 8, "n_samples": 4000}, 5.0),
    "8 × 256 relu spiral, 3,200 points": ({"dataset": "spiral", "hidden": (256,) * 8, "activation": "relu",
                                           "n_samples": 4000}, 5.0),
}
TRAIN_EPOCHS = 5


def slice_once(run, kind: str, plan) -> None:
    """One slice as the page would compute it: directions, then the grid over the plan's rows."""
    net, X, y = run.net, run.data.X_train, run.data.y_train
    if plan.rows is not None:
        X, y = X[plan.rows], y[plan.rows]
    path = [landscape.parameters_of(s) for s in run.snapshots]
    d1, d2 = landscape.directions(net, kind, snapshots=path if kind == "pca" else None)
    axis = np.linspace(-1.0, 1.0, plan.size)
    landscape.loss_grid(net, X, y, d1, d2, axis, axis)


def timed(work, repeats: int) -> tuple[float, float]:
    """Median (CPU seconds, wall seconds) of ``repeats`` calls."""
    cpu, wall = [], []
    for _ in range(repeats):
        c, w = time.process_time(), time.perf_counter()
        work()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return statistics.median(cpu), statistics.median(wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", choices=list(NETWORKS), help="time one network only")
    args = parser.parse_args()
    print(f"BLAS threads: {os.environ['OPENBLAS_NUM_THREADS']}; median of {args.repeats}\n")
    print("| network | grid | points | random: CPU s | random: wall s | PCA: CPU s | PCA: wall s | target |")
    print("|---|---|---|---|---|---|---|---|")
    for name, (settings, target) in NETWORKS.items():
        if args.only and name != args.only:
            continue
        run = prepare(RunConfig(**settings).replace(epochs=TRAIN_EPOCHS))
        run.train()
        plan = landscape.grid_plan(run.net, run.data.n_train)
        figures = []
        for kind in landscape.KINDS:
            figures += timed(lambda: slice_once(run, kind, plan), args.repeats)  # noqa: B023 (called at once)
        points = f"{plan.n_points} of {plan.n_train}" if plan.rows is not None else f"all {plan.n_train}"
        print(f"| {name} | {plan.size} × {plan.size} | {points} | "
              + " | ".join(f"{f:.3f}" for f in figures) + f" | ≤ {target:g} s |", flush=True)


if __name__ == "__main__":
    main()
