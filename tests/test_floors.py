"""CI installs requirements.txt's floors exactly and runs every page there: these checks keep that step honest.

``.ci/floors.txt`` pins every requirement at its ``>=`` floor and nothing else but the page tests' runner, and
``.ci/run`` installs that file and runs every page test with it. Raise a floor in requirements.txt and this fails
until floors.txt says the same; add an import to a page test that the floors venv lacks and this fails too.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
FLOORS = ROOT / ".ci" / "floors.txt"
CI = ROOT / ".ci" / "run"
# What the floors run needs beyond requirements.txt: only the test runner.
TEST_RUNNERS = {"pytest"}
# The tests the floors run executes (every page in AppTest, and the PNG/SVG exports through vl-convert).
FLOOR_TESTS = [*sorted((ROOT / "tests").glob("test_page_*.py")), ROOT / "tests" / "test_exports.py"]


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _lines(path: Path) -> list[Requirement]:
    lines = (line.split("#")[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [Requirement(line) for line in lines if line and not line.startswith("-")]


def floors_of(path: Path) -> dict[str, Version]:
    """name -> the version after ``>=``; every requirement must have exactly that one specifier."""
    out = {}
    for req in _lines(path):
        (spec,) = req.specifier  # one specifier per line: a floor, no cap, no pin
        assert spec.operator == ">=", f"{req}: requirements.txt states floors only"
        out[_name(req.name)] = Version(spec.version)
    return out


def pins_of(path: Path) -> dict[str, Version]:
    out = {}
    for req in _lines(path):
        (spec,) = req.specifier
        assert spec.operator == "==" and "*" not in spec.version, f"{req}: floors.txt pins exactly"
        out[_name(req.name)] = Version(spec.version)
    return out


def test_floors_txt_pins_exactly_the_requirement_floors():
    floors, pins = floors_of(ROOT / "requirements.txt"), pins_of(FLOORS)
    assert {name: pins.get(name) for name in floors} == floors
    assert set(pins) - set(floors) <= TEST_RUNNERS


def test_the_test_runner_is_pinned_at_the_dev_floor():
    dev = {_name(r.name): r for r in _lines(ROOT / "requirements-dev.txt")}
    pins = pins_of(FLOORS)
    for name in TEST_RUNNERS & set(pins):
        (spec,) = dev[name].specifier
        assert spec.operator == ">=" and Version(spec.version) == pins[name], name


def test_every_requirement_has_a_floor_the_floors_run_checks():
    assert set(floors_of(ROOT / "requirements.txt")) == {"numpy", "streamlit", "altair", "pandas",
                                                           "vl-convert-python", "pyarrow", "pillow", "threadpoolctl"}


def _commands(script: str) -> list[str]:
    return [line.strip() for line in script.splitlines() if line.strip() and not line.strip().startswith("#")]


def test_ci_installs_the_floors_and_runs_every_page_test_there():
    commands = _commands(CI.read_text(encoding="utf-8"))
    main_tests = commands.index(next(c for c in commands if c.endswith("&& pytest")))
    floor_steps = commands[main_tests + 1:]
    assert any(re.search(r'"\$floors/bin/python" -m pip install .*-r \.ci/floors\.txt$', c) for c in floor_steps)
    (run,) = [c for c in floor_steps if re.match(r'"\$floors/bin/python" -m pytest ', c)]
    assert "tests/test_page_*.py" in run.split() and "tests/test_exports.py" in run.split()
    assert "-x" not in run.split() and "-k" not in run.split()  # every test, every page
    assert any(c.startswith('"$floor_python" -m venv "$floors"') for c in floor_steps)


def test_every_page_has_a_page_test_the_floors_run_collects():
    pages = {p.stem.split("_", 1)[1].lower() for p in (ROOT / "pages").glob("*.py")} | {"home"}
    tested = {p.stem.removeprefix("test_page_") for p in FLOOR_TESTS if p.stem.startswith("test_page_")}
    assert pages <= tested, pages - tested


def _top_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module.split(".")[0])
    return out


def test_the_floor_tests_import_nothing_the_floors_venv_lacks():
    """That venv holds requirements.txt's closure and pytest: no hypothesis, no playwright."""
    allowed = (set(sys.stdlib_module_names) | {"nn_core", "dashboard", "conftest"} | {p.stem for p in FLOOR_TESTS}
               | {"numpy", "streamlit", "altair", "pandas", "vl_convert", "pyarrow", "PIL", "threadpoolctl", "pytest", "_pytest"})
    wrong = {str(p.relative_to(ROOT)): sorted(_top_imports(p) - allowed) for p in FLOOR_TESTS}
    assert all(not mods for mods in wrong.values()), wrong
