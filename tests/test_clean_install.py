"""The app starts with only requirements.txt installed: no dev package (pytest, hypothesis, ruff, playwright, and
what they pull in) is needed to run it. vl-convert-python is a runtime requirement (PNG/SVG chart downloads on
Community Cloud); the app still guards its import and falls back to Vega-Lite JSON where it is missing.

Two checks, both able to fail: every import in the app's code comes from the standard library, the app itself
or a distribution requirements.txt installs (a dev-only import must sit in ``try/except ImportError``); and every
page runs, without an exception, in a fresh interpreter where importing any dev-only package fails.
"""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
LOCAL = {"nn_core", "dashboard"}
APP_CODE = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "dashboard").rglob("*.py")),
            *sorted((ROOT / "nn_core").rglob("*.py"))]
PAGES = ["app.py", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))]


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def requirements(path: Path) -> set[str]:
    """The distributions a requirements file names itself (its own lines, not the files it includes)."""
    lines = (line.split("#")[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return {_name(Requirement(line).name) for line in lines if line and not line.startswith("-")}


def closure(names: set[str]) -> set[str]:
    """``names`` and everything they install, following the installed distributions' metadata."""
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for text in requires:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(_name(requirement.name))
    return seen


@cache
def modules_of() -> dict[str, set[str]]:
    """distribution → the top-level modules it installs."""
    out: dict[str, set[str]] = {}
    for module, dists in metadata.packages_distributions().items():
        for dist in dists:
            out.setdefault(_name(dist), set()).add(module)
    return out


@cache
def runtime_modules() -> set[str]:
    return {m for d in closure(requirements(ROOT / "requirements.txt")) for m in modules_of().get(d, ())}


@cache
def dev_only_modules() -> set[str]:
    runtime = closure(requirements(ROOT / "requirements.txt"))
    dev = closure(requirements(ROOT / "requirements-dev.txt")) - runtime
    return {m for d in dev for m in modules_of().get(d, ())} - runtime_modules()


def _catches_import_errors(handler: ast.ExceptHandler) -> bool:
    caught = set(re.findall(r"\w+", ast.unparse(handler.type))) if handler.type else {"BaseException"}
    return bool(caught & {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def unguarded_imports(tree: ast.AST) -> list[tuple[str, int]]:
    """(top-level module, line) of every absolute import not inside ``try: ... except ImportError``."""
    guarded: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(_catches_import_errors(h) for h in node.handlers):
            guarded |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    out = []
    for node in ast.walk(tree):
        if id(node) in guarded:
            continue
        if isinstance(node, ast.Import):
            out += [(alias.name.split(".")[0], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.module.split(".")[0], node.lineno))
    return out


def test_the_requirement_files_are_what_this_check_expects():
    assert requirements(ROOT / "requirements.txt") == {"numpy", "streamlit", "altair", "pandas", "vl-convert-python",
                                                            "pyarrow", "pillow", "threadpoolctl"}
    assert {"pytest", "hypothesis", "ruff", "playwright"} <= requirements(ROOT / "requirements-dev.txt")
    assert {"pytest", "_pytest", "hypothesis", "ruff", "playwright"} <= dev_only_modules()
    assert {"numpy", "streamlit", "altair", "pandas", "pyarrow", "vl_convert"} <= runtime_modules()
    assert "vl_convert" not in dev_only_modules()


def test_the_app_imports_only_what_requirements_txt_installs():
    allowed = set(sys.stdlib_module_names) | LOCAL | runtime_modules()
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {module}"
             for path in APP_CODE for module, line in unguarded_imports(ast.parse(path.read_text(encoding="utf-8")))
             if module not in allowed or module in dev_only_modules()]
    assert not wrong, wrong


def test_a_guarded_dev_import_is_allowed_and_an_unguarded_one_is_caught():
    code = "try:\n    import vl_convert\nexcept ImportError:\n    vl_convert = None\nimport pytest\n"
    assert unguarded_imports(ast.parse(code)) == [("pytest", 5)]


BLOCKED_RUN = """
import importlib.abc, json, sys
root, blocked, pages = sys.argv[1], set(sys.argv[2].split(",")), sys.argv[3:]
preloaded = sorted(m for m in sys.modules if m.split(".")[0] in blocked)

class DevOnly(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r} (a dev-only package)", name=name)
        return None

sys.meta_path.insert(0, DevOnly())
sys.path.insert(0, root)
from streamlit.testing.v1 import AppTest

errors = {}
for page in pages:
    at = AppTest.from_file(root + "/" + page, default_timeout=120).run()
    errors[page] = [e.message for e in at.exception]
loaded = sorted(m for m in sys.modules if m.split(".")[0] in blocked)
try:
    import pytest  # noqa: F401
    refused = False
except ModuleNotFoundError:
    refused = True
print(json.dumps({"preloaded": preloaded, "loaded": loaded, "errors": errors, "refused": refused}))
"""


def run_blocked(pages: list[str], blocked: set[str]) -> dict:
    done = subprocess.run([sys.executable, "-I", "-c", BLOCKED_RUN, str(ROOT), ",".join(sorted(blocked)), *pages],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_page_runs_with_the_dev_packages_unimportable():
    result = run_blocked(PAGES, dev_only_modules())
    assert result["refused"] and result["preloaded"] == [] and result["loaded"] == []
    assert result["errors"] == {page: [] for page in PAGES}
