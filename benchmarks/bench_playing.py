"""Several visitors playing at once: frames a second each, and how much of a core the server process takes.

Starts ``streamlit run app.py`` on 127.0.0.1, opens N websocket sessions that press Play on the
Playground (``load_test.training_session``) and keep training, waits for them to warm up, then counts
each session's frames and the server process's CPU time over a window. The drawing worker
(``python -m dashboard.playground.worker``) is a child process, so a server that hands it the drawing shows
less than a core of its own; ``NNPLAY_DRAW_WORKERS=0`` draws in the server, for comparison.

    python benchmarks/bench_playing.py [--sessions 3] [--config spiral|limits] [--seconds 10] [--warmup 12]
"""

from __future__ import annotations

import argparse
import os
import threading
import time

from load_test import LIMITS, free_port, start_server, training_session

from nn_core.config import RunConfig

CONFIGS = {
    "spiral": RunConfig(dataset="spiral", n_samples=500, hidden=(8, 8), batch_size=10, epochs=100_000),
    "limits": LIMITS,  # 8 x 256 units, 5,000 points, batch 1
}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (Linux /proc), in seconds."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=3)
    parser.add_argument("--config", choices=list(CONFIGS), default="spiral")
    parser.add_argument("--seconds", type=float, default=10.0, help="the measured window")
    parser.add_argument("--warmup", type=float, default=12.0, help="seconds of playing before the window")
    args = parser.parse_args(argv)
    port = free_port()
    server = start_server(port)
    stop, results = threading.Event(), [dict() for _ in range(max(1, min(args.sessions, 8)))]
    threads = [threading.Thread(target=training_session, args=(f"http://127.0.0.1:{port}", CONFIGS[args.config].replace(seed=i), stop, r))
               for i, r in enumerate(results)]
    try:
        for t in threads:
            t.start()
        time.sleep(args.warmup)
        cpu, begun, frames = cpu_seconds(server.pid), time.perf_counter(), [r.get("frames", 0) for r in results]
        time.sleep(args.seconds)
        cpu, took = cpu_seconds(server.pid) - cpu, time.perf_counter() - begun
        rates = [(r.get("frames", 0) - f) / took for r, f in zip(results, frames)]
    finally:
        stop.set()
        for t in threads:
            t.join(10)
        server.terminate()
        server.wait(10)
    print(f"{len(results)} sessions playing {args.config}: frames a second each "
          f"{', '.join(f'{r:.1f}' for r in rates)}; the server process took {100 * cpu / took:.0f} % of a core")
    return 0 if all(rates) else 1


if __name__ == "__main__":
    raise SystemExit(main())
