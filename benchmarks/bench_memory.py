"""Long runs keep memory flat: what a run holds after 1,000 and after 100,000 epochs.

    python benchmarks/bench_memory.py                  # the Playground's default run and the cheapest run
    python benchmarks/bench_memory.py --epochs 1000 10000 100000 --only playground
    python benchmarks/bench_memory.py --quick          # 1,000 vs 10,000 epochs

Each measurement runs in a fresh interpreter. With tracemalloc on, it builds the run
(nn_core.runs.prepare, as the Playground does), trains it for the given epochs and
reports, in KB of Python and NumPy allocations: **retained**, what the trained run
still holds beyond the freshly built one (its history, snapshots and log), and
**peak**, the most held at any moment while training. It also reports the history's
records and stride, the snapshots kept, and the process's peak resident memory.
Flat means: 100× more epochs, about the same retained and peak memory, because
History thins its records (stride doubles past max_points) and the snapshots thin
the same way.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CONFIGS = {  # name -> RunConfig keyword arguments
    "playground": {},  # the Playground's default: xor_cloud, 2-4-4-1 tanh, 160 training points, full batch
    "cheapest": {"dataset": "toy", "hidden": ()},  # 2 points, no hidden layer: the most epochs per second
    "mini-batch adam": {"hidden": (16, 16), "activation": "relu", "optimizer": "adam", "lr": 0.01,
                        "batch_size": 32},
}


def measure(name: str, epochs: int) -> dict:
    """One run of ``CONFIGS[name]`` for ``epochs`` epochs, measured (in this process)."""
    from nn_core import runs
    from nn_core.config import RunConfig

    config = RunConfig(**CONFIGS[name]).replace(epochs=epochs)
    tracemalloc.start()
    run = runs.prepare(config)
    built = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    started = time.perf_counter()
    run.train()
    seconds = time.perf_counter() - started
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    history = run.history
    return {"config": name, "epochs": epochs, "seconds": seconds, "status": history.status,
            "records": len(history), "stride": history.stride, "snapshots": len(run.trainer.snapshots),
            "retained_kb": (held - built) / 1024, "peak_kb": (peak - built) / 1024,
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def measure_in_child(name: str, epochs: int) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", name, str(epochs)], capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(rows: list[dict]) -> str:
    lines = ["| run | epochs | seconds | records (stride) | snapshots | retained KB | peak KB | max RSS MB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['config']} | {r['epochs']:,} | {r['seconds']:.1f} | {r['records']} ({r['stride']}) | "
                     f"{r['snapshots']} | {r['retained_kb']:.0f} | {r['peak_kb']:.0f} | {r['max_rss_mb']:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--only", choices=list(CONFIGS), nargs="+", default=["playground", "cheapest"])
    parser.add_argument("--quick", action="store_true", help="1,000 vs 10,000 epochs")
    parser.add_argument("--child", nargs=2, metavar=("CONFIG", "EPOCHS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], int(args.child[1]))))
        return
    epochs = [1_000, 10_000] if args.quick else args.epochs
    rows = []
    for name in args.only:
        for n in epochs:
            rows.append(measure_in_child(name, n))
            print(f"  {name}, {n:,} epochs: {rows[-1]['seconds']:.1f} s", file=sys.stderr, flush=True)
    print(table(rows))
    for name in args.only:
        mine = [r for r in rows if r["config"] == name]
        first, last = mine[0], mine[-1]
        print(f"\n{name}: {last['epochs'] // first['epochs']}x the epochs -> retained memory x"
              f"{last['retained_kb'] / max(first['retained_kb'], 1e-9):.2f}, peak x"
              f"{last['peak_kb'] / max(first['peak_kb'], 1e-9):.2f}")


if __name__ == "__main__":
    main()
