"""Many users at once: N browser-less sessions on the real server, each training its own run.

Starts ``streamlit run app.py`` on 127.0.0.1 and a free port, then opens N
websocket sessions in threads, speaking Streamlit's own protocol (BackMsg /
ForwardMsg protobufs). Every session opens the Playground with its own URL
(a different weight seed and learning rate), so every session trains a
different network. Checks, per session:

- the page ran to the end with no exception element;
- the train loss it shows is the one nn_core computes for *its* config, and no
  other session's (no shared module state, no cache keyed too loosely);
- the server stayed responsive: the health endpoint answers during the load.

Reports wall times, the server's resident memory before and after, and its
peak (VmHWM), alone and with its child processes (the drawing workers). Every loop is bounded in count and time.

With ``--url`` it starts no server and loads a running deployment instead (for example deploy/serve.py's balancer):
the same page loads, health checks and isolation checks, through that address. Memory is then read from the
server process ids given with ``--pids`` (the ones serve.py prints), each with its child processes, summed.

    python benchmarks/load_test.py [--sessions 20] [--rounds 2]
    python benchmarks/load_test.py --url http://127.0.0.1:8080 --pids 1234,1235 --default --sessions 40
    python benchmarks/load_test.py --default    # every session opens the default Playground, as most visitors do
    python benchmarks/load_test.py --default --sessions 1 --limits 3
        # three sessions press Play at the limits (8 x 256 units, 5,000 points, batch 1) and keep training
        # while the others open the default Playground
"""

from __future__ import annotations

import argparse
import collections
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nn_core.config import RunConfig, to_query  # noqa: E402
from nn_core.runs import prepare  # noqa: E402

TIMEOUT = 120.0  # seconds one session may take, at most


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline:
        if healthy(f"http://127.0.0.1:{port}"):
            return server
        time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start within 60 s")


def healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=timeout) as reply:
            return reply.status == 200
    except OSError:
        return False


def memory_mb(pid: int) -> dict:
    """Resident and peak resident memory of a process, from /proc (Linux)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


def descendants(pid: int) -> list[int]:
    """Every process started by ``pid`` and theirs (the drawing workers, multiprocessing's resource tracker)."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                children = [int(c) for c in task.read_text().split()]
            except OSError:
                continue
            found += children
            todo += children
    return found


def stream_url(url: str) -> str:
    """The websocket a session lives on, at a page's base address."""
    return url.replace("http://", "ws://", 1).replace("https://", "wss://", 1) + "/_stcore/stream"


def servers_memory_mb(pids: list[int]) -> dict:
    """The servers' own resident and peak resident memory, summed (without their child processes)."""
    each = [memory_mb(pid) for pid in pids]
    return {key: sum(m[key] for m in each) for key in ("VmRSS", "VmHWM")}


def total_memory_mb(pids: list[int], peaks: dict) -> dict:
    """The servers' and their child processes' resident memory summed, and the sum of their peaks
    (``peaks`` keeps each child's last seen VmHWM, so a child that has ended still counts)."""
    total = servers_memory_mb(pids)
    children = [child for pid in pids for child in descendants(pid)]
    for child in children:
        try:
            peaks[child] = memory_mb(child)
        except OSError:
            continue
    live = [peaks[c]["VmRSS"] for c in children if c in peaks]
    return {"VmRSS": total["VmRSS"] + sum(live), "VmHWM": total["VmHWM"] + sum(p["VmHWM"] for p in peaks.values()),
            "children": len(peaks)}


LIMITS = RunConfig(dataset="spiral", n_samples=5000, hidden=(256,) * 8, batch_size=1, epochs=100_000)


def session_config(i: int) -> RunConfig:
    return RunConfig(seed=1000 + i, lr=round(0.05 + 0.02 * i, 2), epochs=200)


def expected_text(config: RunConfig) -> str:
    """The train loss the Playground shows when it opens on this config (paused, untrained), as it formats it."""
    return f"{prepare(config).trainer.evaluate()['train_loss']:.4f}"


def one_session(url: str, config: RunConfig, result: dict) -> None:
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    begun = time.perf_counter()
    texts = []
    with connect(stream_url(url), subprotocols=["streamlit"], max_size=None, open_timeout=30) as ws:
        result["cookie"] = ws.response.headers.get("Set-Cookie", "").split(";")[0]  # a balancer's affinity cookie
        message = BackMsg()
        message.rerun_script.query_string = urlencode(to_query(config))
        message.rerun_script.page_name = "Playground"
        ws.send(message.SerializeToString())
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            forward = ForwardMsg()
            forward.ParseFromString(ws.recv(timeout=TIMEOUT))
            kind = forward.WhichOneof("type")
            if kind == "delta":
                texts.append(str(forward.delta))
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(forward.script_finished)
                if status != "FINISHED_EARLY_FOR_RERUN":  # the page may hand a long first run over to a rerun
                    result["finished"] = status
                    break
    result["seconds"] = time.perf_counter() - begun
    result["output"] = "\n".join(texts)


def _open(ws, message, kind_wanted, deadline) -> list:
    """Send ``message`` and read until its script run ends; returns the run's ForwardMsgs."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    ws.send(message.SerializeToString())
    received = []
    while time.time() < deadline:
        forward = ForwardMsg()
        forward.ParseFromString(ws.recv(timeout=TIMEOUT))
        received.append(forward)
        if forward.WhichOneof("type") == kind_wanted:
            break
    return received


def training_session(url: str, config: RunConfig, stop: threading.Event, result: dict) -> None:
    """Open the Playground on ``config``, press Play, and keep receiving its frames until ``stop``."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    with connect(stream_url(url), subprotocols=["streamlit"], max_size=None, open_timeout=30) as ws:
        message = BackMsg()
        message.rerun_script.query_string = urlencode(to_query(config))
        message.rerun_script.page_name = "Playground"
        opened = _open(ws, message, "script_finished", time.time() + TIMEOUT)
        page_hash = next((f.new_session.page_script_hash for f in opened if f.WhichOneof("type") == "new_session"), "")
        play = next((f.delta.new_element.button.id for f in opened if f.WhichOneof("type") == "delta"
                     and f.delta.new_element.WhichOneof("type") == "button"
                     and f.delta.new_element.button.label == "Play"), None)
        if play is None:
            result["error"] = "no Play button"
            return
        press = BackMsg()
        press.rerun_script.query_string = message.rerun_script.query_string
        press.rerun_script.page_name = "Playground"
        press.rerun_script.page_script_hash = page_hash
        press.rerun_script.widget_states.widgets.add(id=play, trigger_value=True)
        ws.send(press.SerializeToString())
        result["frames"] = 0
        while not stop.is_set():
            forward = ForwardMsg()
            try:
                forward.ParseFromString(ws.recv(timeout=1.0))
            except TimeoutError:
                continue
            if forward.WhichOneof("type") == "delta" and forward.delta.new_element.WhichOneof("type") == "imgs":
                result["frames"] += 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2, help="page loads per session, one after another")
    parser.add_argument("--default", action="store_true",
                        help="every session opens the default Playground (a hosted demo's most common visit)")
    parser.add_argument("--limits", type=int, default=0,
                        help="sessions that first press Play at the limits and train throughout")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds the limit sessions train before the rest open")
    parser.add_argument("--url", help="load this running deployment (e.g. http://127.0.0.1:8080) instead of "
                                      "starting a server")
    parser.add_argument("--pids", default="", help="with --url: the servers' process ids, comma-separated (as "
                                                   "deploy/serve.py prints them), for the memory figures")
    args = parser.parse_args(argv)
    try:
        pids = [int(p) for p in args.pids.split(",") if p.strip()]
    except ValueError:
        parser.error(f"--pids takes process ids separated by commas, not {args.pids!r}")
    if pids and not args.url:
        parser.error("--pids goes with --url (without it the test measures the server it starts)")
    n = max(1, min(args.sessions, 100))

    configs = [RunConfig() if args.default else session_config(i) for i in range(n)]
    expected = [expected_text(c) for c in configs]
    if args.url:
        server, url = None, args.url.rstrip("/")
        if not healthy(url, timeout=10.0):
            parser.error(f"{url}/_stcore/health does not answer")
    else:
        port = free_port()
        server, url = start_server(port), f"http://127.0.0.1:{port}"
        pids = [server.pid]
    try:
        idle = servers_memory_mb(pids)
        peaks: dict = {}
        results = [dict() for _ in range(n)]
        responsive = []

        def probe():
            while any("finished" not in r for r in results) and len(responsive) < 600:
                total_memory_mb(pids, peaks)
                tick = time.perf_counter()
                responsive.append((healthy(url, timeout=10.0), time.perf_counter() - tick))
                time.sleep(0.5)

        stop, trainers = threading.Event(), [dict() for _ in range(max(0, min(args.limits, 8)))]
        training = [threading.Thread(target=training_session, args=(url, LIMITS.replace(seed=i), stop, r))
                    for i, r in enumerate(trainers)]
        for t in training:
            t.start()
        if training:
            time.sleep(args.warmup)
        begun = time.perf_counter()
        for _ in range(max(1, min(args.rounds, 5))):
            for r in results:
                r.clear()
            threads = [threading.Thread(target=one_session, args=(url, c, r)) for c, r in zip(configs, results)]
            watcher = threading.Thread(target=probe)
            for t in threads:
                t.start()
            watcher.start()
            for t in threads:
                t.join(TIMEOUT + 10)
            watcher.join(5)
        wall = time.perf_counter() - begun
        loaded = servers_memory_mb(pids)
        everything = total_memory_mb(pids, peaks)
        stop.set()
        for t in training:
            t.join(10)
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)

    failures = []
    for i, (r, want) in enumerate(zip(results, expected)):
        out = r.get("output", "")
        if r.get("finished") != "FINISHED_SUCCESSFULLY":
            failures.append(f"session {i}: did not finish ({r.get('finished', 'no reply')})")
        elif "exception" in out:
            failures.append(f"session {i}: the page showed an exception")
        elif want not in out:
            failures.append(f"session {i}: expected train loss {want} not shown")
        others = {e for j, e in enumerate(expected) if j != i and e != want}
        leaked = [e for e in others if f"**{e}**" in out]  # as the line of numbers shows a loss
        if leaked:
            failures.append(f"session {i}: shows another session's loss {leaked[0]}")
    ok_probes = sum(ok for ok, _ in responsive)
    latencies = sorted(t for _, t in responsive) or [0.0]
    times = sorted(r.get("seconds", float("nan")) for r in results)

    print(f"| sessions | {n} concurrent × {args.rounds} rounds, {'the default Playground' if args.default else 'each its own config'} |")
    print("|---|---|")
    if args.url:
        cookies = sorted(collections.Counter(r.get("cookie") or "none" for r in results).items())
        print(f"| through | {url}; sessions by affinity cookie (last round): "
              f"{', '.join(f'{c} × {k}' for c, k in cookies)} |")
    if trainers:
        print(f"| training at the limits meanwhile | {len(trainers)} sessions (8 × 256 units, 5,000 points, batch 1), "
              f"{args.warmup:.0f} s before the others open; frames each: "
              f"{', '.join(str(r.get('frames', r.get('error'))) for r in trainers)} |")
    print(f"| wall time | {wall:.1f} s |")
    print(f"| one page load (median / max, last round) | {times[len(times) // 2]:.2f} s / {times[-1]:.2f} s |")
    print(f"| health checks answered during load (10 s limit) | {ok_probes}/{len(responsive)} |")
    print(f"| health check latency (median / max) | {latencies[len(latencies) // 2] * 1000:.0f} ms / "
          f"{latencies[-1] * 1000:.0f} ms |")
    if not pids:
        print("| memory | not measured (give the servers' process ids with --pids) |")
    else:
        which = "server" if len(pids) == 1 else f"{len(pids)} servers' (summed)"
        print(f"| {which} RSS idle → after | {idle['VmRSS']:.0f} MB → {loaded['VmRSS']:.0f} MB |")
        print(f"| {which} peak RSS (VmHWM) | {loaded['VmHWM']:.0f} MB |")
        print(f"| with their {everything['children']} child processes: RSS after, sum of peaks | "
              f"{everything['VmRSS']:.0f} MB, {everything['VmHWM']:.0f} MB |")
        print(f"| peak per session (peak − idle) / n | {(loaded['VmHWM'] - idle['VmRSS']) / n:.1f} MB |")
    print(f"| isolation failures | {len(failures)} |")
    for failure in failures:
        print("  -", failure)
    if os.environ.get("LOAD_TEST_BUDGET_MB"):
        budget = float(os.environ["LOAD_TEST_BUDGET_MB"])
        if everything["VmHWM"] > budget:
            failures.append(f"peak memory {everything['VmHWM']:.0f} MB (with its child processes) is over the "
                            f"{budget:.0f} MB budget")
    return 1 if failures or ok_probes < len(responsive) else 0


if __name__ == "__main__":
    raise SystemExit(main())
