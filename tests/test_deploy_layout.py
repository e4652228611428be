"""The repository is laid out the way Streamlit Community Cloud deploys it (README, "Deploy").

Cloud clones the repository, installs the first dependency file it finds (uv.lock, Pipfile, environment.yml,
requirements.txt, pyproject.toml, in that order) and any Debian packages named in packages.txt, then runs
``streamlit run <main file>`` from the root with the root's ``.streamlit/config.toml``. These checks keep that
true: the main file and requirements.txt at the root, no dependency file that would win over it, nothing to
install outside Python, and the config values a public demo needs, each an option Streamlit really knows.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".streamlit" / "config.toml"
APP_CODE = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "dashboard").rglob("*.py")),
            *sorted((ROOT / "nn_core").rglob("*.py"))]


def config() -> dict:
    return tomllib.loads(CONFIG.read_text(encoding="utf-8"))


def test_the_main_file_the_requirements_and_the_pages_sit_where_cloud_looks():
    assert (ROOT / "app.py").is_file()  # the "Main file path" to enter on Cloud
    assert (ROOT / "requirements.txt").is_file()
    assert CONFIG.is_file()  # Cloud reads the config at the root only
    assert sorted(p.name for p in (ROOT / "pages").glob("*.py"))  # the multipage app's other pages


def test_requirements_txt_is_the_dependency_file_cloud_installs():
    for earlier in ("uv.lock", "Pipfile", "environment.yml", "environment.yaml"):
        assert not (ROOT / earlier).exists(), f"{earlier} would be installed instead of requirements.txt"
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "poetry" not in pyproject.get("tool", {})


def test_requirements_are_plain_packages_from_the_package_index():
    """No URL, VCS or local path (they need network access or a build on Cloud), no index options."""
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        text = line.split("#")[0].strip()
        if not text:
            continue
        assert not text.startswith("-"), f"{text}: options and nested files have no place in requirements.txt"
        requirement = Requirement(text)
        assert requirement.url is None and not requirement.extras and requirement.marker is None, text


def test_the_python_cloud_defaults_to_is_allowed():
    """Community Cloud defaults to Python 3.12; CI runs every page on 3.12 with the floors (.ci/run)."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    allowed = SpecifierSet(pyproject["project"]["requires-python"])
    assert "3.12" in allowed and "3.11" in allowed


# The one program the app starts: its own drawing worker, as `python -m dashboard.playground.worker`.
WORKER_LAUNCH = ("dashboard/playground/drawer.py", "[sys.executable, '-m', 'dashboard.playground.worker']")


def test_no_system_packages_are_needed_at_run_time():
    """No packages.txt, and the app starts no external program but its own drawing worker (the same Python
    running one of the app's modules); its imports are checked by test_clean_install."""
    assert not (ROOT / "packages.txt").exists()
    calls = {"system", "popen", "execv", "execvp", "spawnv", "spawnlp", "which", "CDLL", "cdll"}
    wrong, launches = [], []
    for path in APP_CODE:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        launcher = str(path.relative_to(ROOT)) == WORKER_LAUNCH[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
                wrong += [f"{path.relative_to(ROOT)}:{node.lineno} imports {n}" for n in names
                          if n and n.split(".")[0] in {"ctypes"} | (set() if launcher else {"subprocess"})]
            elif isinstance(node, ast.Attribute) and node.attr in calls:
                wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} calls .{node.attr}")
            elif launcher and isinstance(node, ast.Call) and ast.unparse(node.func).startswith("subprocess."):
                launches.append(ast.unparse(node.func) + "(" + ast.unparse(node.args[0]) + ")")
    assert not wrong, wrong
    assert launches == [f"subprocess.Popen({WORKER_LAUNCH[1]})"]


def test_the_config_suits_a_public_demo():
    client, server = config()["client"], config().get("server", {})
    assert client["toolbarMode"] == "viewer"  # no Deploy, Rerun or Clear cache for visitors
    assert client["showErrorDetails"] in {"type", "none"}  # messages and tracebacks stay in the log
    assert server.get("enableXsrfProtection", True) is True
    for owned_by_cloud in ("port", "address", "baseUrlPath", "headless"):
        assert owned_by_cloud not in server, f"server.{owned_by_cloud} is Cloud's to set"


def test_every_config_key_is_an_option_streamlit_knows():
    """A misspelt key is ignored without a word: ask Streamlit itself which options exist."""
    keys = sorted(f"{section}.{key}" for section, values in config().items() for key in values)
    code = ("import json, sys; from streamlit import config; "
            "print(json.dumps(sorted(config.get_config_options(force_reparse=True))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    known = set(json.loads(done.stdout.splitlines()[-1]))
    assert [k for k in keys if k not in known] == []


def test_the_readme_says_a_push_needs_a_reboot_while_no_file_is_watched():
    """With fileWatcherType = "none" the running server keeps the code it loaded, whatever Cloud copies in."""
    if config().get("server", {}).get("fileWatcherType") != "none":
        return
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    deploy = re.search(r"^## Deploy.*?(?=^## )", readme, re.S | re.M)
    assert deploy and "reboot" in deploy.group(0).lower()


def test_the_app_uses_one_blas_thread_per_product():
    """The server's parallelism is its sessions: BLAS threads spinning for a busy core doubled a frame's time.
    Importing the dashboard sets nothing; opening a page (page.setup_page) does, once."""
    code = ("import threadpoolctl; from streamlit.testing.v1 import AppTest; "
            "threads = lambda: sorted({p['num_threads'] for p in threadpoolctl.threadpool_info() "
            "if p['user_api'] == 'blas'}); "
            "import dashboard.playground.panels; before = threads(); "
            "at = AppTest.from_file('pages/3_Tutorials.py', default_timeout=60).run(); "
            "assert not at.exception, at.exception; print(before != [1], threads())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip().splitlines()[-1] == "True [1]", out.stdout + out.stderr
