"""nnplay on several Streamlit servers behind HAProxy, on one machine: `python deploy/serve.py --replicas N --port P`.

One Streamlit server is one process, and its sessions share its CPU. This starts N servers (one per core by
default) on free loopback ports, fills deploy/haproxy.cfg.in with their ports and runs HAProxy in the foreground
on port P, with a cookie that keeps each browser on one server. It prints one line per server:

    server s1 http://127.0.0.1:40123 pid 12345

(`s1` is also the value of the NNPLAY_SERVER cookie HAProxy gives the browsers that server holds). Ctrl-C or
SIGTERM (or SIGHUP) stops HAProxy and every server, each server's child processes (its drawing workers) included: each
server runs in its own process group, and the whole group is stopped, whatever the server started in it. A
server that dies meanwhile is reported; HAProxy sends its visitors to the others.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name("haproxy.cfg.in")
MAX_REPLICAS = 64
START_TIMEOUT = 120.0  # seconds for every server to answer its health check (a loaded machine starts slowly)
STOP_TIMEOUT = 10.0  # seconds a process group gets after SIGTERM, before SIGKILL
INSTALL_HINT = "haproxy is not on PATH: install it (Debian or Ubuntu: sudo apt-get install haproxy) and run this again."


@dataclass
class Server:
    name: str  # also its cookie value
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


# ------------------------------------------------------------------ flags
class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:
        """A bad flag: one sentence and exit 2 (argparse's usage block would bury it)."""
        self.exit(2, f"serve.py: {message.removeprefix('argument ')}.\n")


def _whole_number(low: int, high: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is outside {low}..{high}")
        return value
    return parse


def parse_args(argv=None) -> argparse.Namespace:
    parser = _Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=_whole_number(1, MAX_REPLICAS), default=os.cpu_count() or 1,
                        help="Streamlit servers to start (default: one per core)")
    parser.add_argument("--port", type=_whole_number(1, 65535), default=8080, help="the port visitors open")
    parser.add_argument("--host", default="0.0.0.0", help="the address HAProxy listens on (default: all)")
    return parser.parse_args(argv)


# ------------------------------------------------------------------ starting
def free_loopback_port(taken: set[int]) -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in taken:
            return port


def start_server(name: str, port: int, logs: Path) -> Server:
    """`streamlit run app.py` on 127.0.0.1:port, in its own process group (Ctrl-C in the terminal reaches only
    this launcher, which stops each group as a whole)."""
    log = logs / f"{name}.log"
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port)]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, process_group=0)
    return Server(name, port, process, log)


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


def wait_healthy(servers: list[Server], stop: threading.Event) -> str | None:
    """None once every server answers; otherwise why not."""
    deadline = time.monotonic() + START_TIMEOUT
    waiting = list(servers)
    while waiting and not stop.is_set():
        for server in list(waiting):
            if server.process.poll() is not None:
                return (f"server {server.name} exited with code {server.process.returncode} while starting:\n"
                        f"{server.log.read_text(errors='replace')[-2000:]}")
            if healthy(server.url):
                waiting.remove(server)
        if time.monotonic() > deadline:
            return f"{len(waiting)} server(s) did not answer within {START_TIMEOUT:.0f} s"
        stop.wait(0.2)
    return "stopped while starting" if waiting else None


def haproxy_config(host: str, port: int, servers: list[Server]) -> str:
    lines = "\n".join(f"    server {s.name} 127.0.0.1:{s.port} cookie {s.name}" for s in servers)
    return string.Template(TEMPLATE.read_text(encoding="utf-8")).substitute(bind=f"{host}:{port}", servers=lines)


# ------------------------------------------------------------------ stopping
def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, process group, start time) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return fields[0], int(fields[2]), int(fields[19])


def _pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def descendants(pid: int) -> dict[int, int]:
    """Every process below ``pid`` now, with its start time (so that a pid the system hands out again later is
    not taken for it). A child that left its server's group (setsid) is still found here."""
    found: dict[int, int] = {}
    todo = [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*/children"):
            try:
                children = [int(c) for c in task.read_text().split()]
            except OSError:
                continue
            for child in children:
                stat = _stat(child)
                if stat is not None and child not in found:
                    found[child] = stat[2]
                    todo.append(child)
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def leftovers(groups: set[int], known: dict[int, int], ports: set[int]) -> list[int]:
    """Processes still running (zombies are not) that belong to us: in one of our process groups, seen below one
    of our processes, or naming one of our servers' ports on their command line."""
    marks = [f"--server.port {p} " for p in ports]
    found = []
    for pid in _pids():
        stat = _stat(pid)
        if stat is None or stat[0] == "Z" or pid == os.getpid():
            continue
        if stat[1] in groups or known.get(pid) == stat[2] or any(m in _cmdline(pid) + " " for m in marks):
            found.append(pid)
    return found


def _signal_group(group: int, signum: int) -> None:
    try:
        os.killpg(group, signum)
    except (ProcessLookupError, PermissionError):
        pass


def stop_all(processes: list[subprocess.Popen], ports: set[int]) -> list[int]:
    """SIGTERM to each process's group, SIGKILL to whatever of it is left after STOP_TIMEOUT; returns the pids
    still running after that (none, unless something escaped both)."""
    groups = {p.pid for p in processes}  # each was started as the leader of its own group
    known = {pid: start for p in processes for pid, start in descendants(p.pid).items()}
    for group in groups:
        _signal_group(group, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    while leftovers(groups, known, ports) and time.monotonic() < deadline:
        time.sleep(0.1)  # the drawing workers end when their server does
    for _ in range(50):
        remaining = leftovers(groups, known, ports)
        if not remaining:
            break
        for group in groups:
            _signal_group(group, signal.SIGKILL)
        for pid in remaining:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.1)
    for process in processes:
        try:
            process.wait(1)
        except subprocess.TimeoutExpired:
            pass
    return leftovers(groups, known, ports)


# ------------------------------------------------------------------ main
def main(argv=None) -> int:
    args = parse_args(argv)
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        print(INSTALL_HINT, file=sys.stderr)
        return 1
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((args.host, args.port))
        except OSError as error:
            print(f"serve.py: cannot listen on {args.host}:{args.port} ({error.strerror}).", file=sys.stderr)
            return 1

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGHUP: the terminal closed
        signal.signal(signum, lambda *_: stop.set())

    work = Path(tempfile.mkdtemp(prefix="nnplay-serve-"))
    servers: list[Server] = []
    balancer: subprocess.Popen | None = None
    code = 0
    try:
        taken: set[int] = {args.port}
        for i in range(1, args.replicas + 1):
            port = free_loopback_port(taken)
            taken.add(port)
            servers.append(start_server(f"s{i}", port, work))
        problem = wait_healthy(servers, stop)
        if problem:
            print(f"serve.py: {problem}", file=sys.stderr)
            return 1
        for s in servers:
            print(f"server {s.name} {s.url} pid {s.process.pid}", flush=True)
        config = work / "haproxy.cfg"
        config.write_text(haproxy_config(args.host, args.port, servers), encoding="utf-8")
        balancer = subprocess.Popen([haproxy, "-db", "-f", str(config)], stdin=subprocess.DEVNULL,
                                    process_group=0)
        shown = "localhost" if args.host in ("0.0.0.0", "::", "") else args.host
        print(f"nnplay on http://{shown}:{args.port} (HAProxy pid {balancer.pid}, {len(servers)} servers); "
              "Ctrl-C stops everything.", flush=True)
        dead: set[str] = set()
        while not stop.wait(0.5):
            if balancer.poll() is not None:
                print(f"serve.py: HAProxy exited with code {balancer.returncode}; stopping.", file=sys.stderr)
                code = 1
                break
            for s in servers:
                if s.name not in dead and s.process.poll() is not None:
                    dead.add(s.name)
                    print(f"server {s.name} (pid {s.process.pid}) exited with code {s.process.returncode}; "
                          "HAProxy sends its visitors to the others.", file=sys.stderr, flush=True)
    finally:
        processes = ([balancer] if balancer else []) + [s.process for s in servers]
        remaining = stop_all(processes, {s.port for s in servers})
        if remaining:
            print(f"serve.py: still running after SIGKILL: {', '.join(map(str, remaining))}.", file=sys.stderr)
            code = 1
        shutil.rmtree(work, ignore_errors=True)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
