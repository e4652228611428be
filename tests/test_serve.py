"""deploy/serve.py without a browser: its flags, its HAProxy configuration, and stopping whole process groups.

The browser test (test_browser_balancer.py) runs the real deployment; these check in a second what it relies on.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVE = ROOT / "deploy" / "serve.py"
spec = importlib.util.spec_from_file_location("deploy_serve", SERVE)  # a script, not a package's module
serve = sys.modules["deploy_serve"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(serve)


def run_serve(*flags: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SERVE), *flags], capture_output=True, text=True, cwd=ROOT,
                          timeout=60, env=env)


@pytest.mark.parametrize("flags", [["--replicas", "x"], ["--replicas", "0"], ["--port", "70000"], ["--bogus"]])
def test_a_bad_flag_is_one_sentence_and_exit_2(flags):
    done = run_serve(*flags)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.strip().endswith("."), done.stderr


def test_without_haproxy_it_says_how_to_install_it_and_exits_1(tmp_path):
    python_only = tmp_path / "bin"
    python_only.mkdir()
    done = run_serve("--replicas", "1", env={**os.environ, "PATH": str(python_only)})
    assert done.returncode == 1 and done.stderr.strip() == serve.INSTALL_HINT
    assert "apt-get install haproxy" in serve.INSTALL_HINT


def test_the_replicas_default_to_the_cores():
    assert serve.parse_args([]).replicas == (os.cpu_count() or 1)


def filled_config() -> str:
    servers = [serve.Server(f"s{i}", port, None, Path("unused")) for i, port in ((1, 40001), (2, 40002))]
    return serve.haproxy_config("127.0.0.1", 8080, servers)


def test_the_configuration_has_affinity_tunnels_and_health_checks():
    text = filled_config()
    lines = [line.split("#")[0].strip() for line in text.splitlines()]
    assert "bind 127.0.0.1:8080" in lines
    assert "server s1 127.0.0.1:40001 cookie s1" in lines and "server s2 127.0.0.1:40002 cookie s2" in lines
    assert "cookie NNPLAY_SERVER insert indirect nocache httponly" in lines
    assert "timeout tunnel 1h" in lines
    assert "option httpchk GET /_stcore/health" in lines and "default-server check inter 1s fall 2 rise 2" in lines
    assert "option redispatch" in lines and "retries 3" in lines
    assert "$" not in text  # every placeholder filled


def test_haproxy_accepts_the_configuration(tmp_path):
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        pytest.skip("haproxy is not installed (apt-get install haproxy)")
    config = tmp_path / "haproxy.cfg"
    config.write_text(filled_config())
    done = subprocess.run([haproxy, "-c", "-f", str(config)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr


# A stand-in for a server: it starts a child in its group (as the drawing worker is) and one that leaves the group
# with setsid (which only the launcher's list of descendants still finds), then waits to be stopped.
FAKE_SERVER = """
import os, subprocess, sys, time
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"], start_new_session=True)
print("ready", flush=True)
time.sleep(300)
"""


def test_stopping_ends_each_group_and_a_child_that_left_it():
    leader = subprocess.Popen([sys.executable, "-c", FAKE_SERVER], stdout=subprocess.PIPE, text=True,
                              process_group=0)
    try:
        assert leader.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 30
        while len(serve.descendants(leader.pid)) < 2:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        children = serve.descendants(leader.pid)
        assert serve.stop_all([leader], set()) == []
        assert leader.returncode is not None
        assert all((serve._stat(pid) or ("Z",))[0] == "Z" for pid in children)  # gone, or a zombie (not running)
    finally:
        if leader.poll() is None:
            leader.kill()
