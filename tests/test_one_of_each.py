"""The app declares each shared fact once: every colour in dashboard/palette.py, every session-state key in
dashboard/keys.py. These tests read the source of app.py, pages/ and dashboard/ (no server)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP_FILES = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "dashboard").rglob("*.py")])
HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}\b")
PALETTE = ROOT / "dashboard" / "palette.py"
KEYS = ROOT / "dashboard" / "keys.py"

# Functions whose argument at this position is a session-state key (or a prefix of keys).
KEY_ARGUMENTS = {"lazy_expander": 1, "export_panel": 1, "restore_panel": 0, "histogram_block": 1, "flow_tabs": 1,
                 "replay_panel": 1, "diagnostics.panel": 1, "chart_specs.show": 1}
KEY_KEYWORDS = {"key", "key_prefix"}  # on any call but Altair's (alt.LookupData's key= names a field)
PREFIX_OWNERS = ("weight_editor.draw", "weight_editor_control.draw")  # prefix= of the widgets' keys


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _strings(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node


def test_the_files_checked_are_the_apps():
    names = {_relative(p) for p in APP_FILES}
    assert {"app.py", "pages/2_Backprop.py", "dashboard/keys.py", "dashboard/playground/state.py"} <= names


@pytest.mark.parametrize("path", [p for p in APP_FILES if p != PALETTE],
                         ids=_relative)
def test_no_colour_is_written_outside_the_palette(path):
    found = [(node.lineno, match) for node in _strings(ast.parse(path.read_text(encoding="utf-8")))
             for match in HEX_COLOUR.findall(node.value)]
    assert not found, f"{_relative(path)} writes colours of its own (line, colour): {found}"


def test_the_colour_check_finds_a_colour():
    tree = ast.parse('chart.mark_rule(color="#888")\nstyle = f"background-color: #fde2e1"\n')
    assert sorted(m for node in _strings(tree) for m in HEX_COLOUR.findall(node.value)) == ["#888", "#fde2e1"]


def _dotted(node: ast.AST) -> str:
    """``a.b.c`` of a Name/Attribute chain, else ""."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else node.attr
    return ""


def _literal_key(node: ast.AST | None) -> bool:
    """A key written out: a plain string, or an f-string that starts with literal text (f"download_{name}")."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    return isinstance(node, ast.JoinedStr) and bool(node.values) and isinstance(node.values[0], ast.Constant)


def literal_keys(source: str) -> list[tuple[int, str]]:
    """(line, what) of every session-state key written as a literal in ``source``."""
    tree = ast.parse(source)
    states = {"st.session_state", "session_state"}
    states |= {target.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
               and _dotted(node.value) in states for target in node.targets if isinstance(target, ast.Name)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _dotted(node.value) in states and _literal_key(node.slice):
            found.append((node.lineno, "session_state[...]"))
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        owner, _, method = name.rpartition(".")
        if owner in states and method in ("get", "pop", "setdefault") and node.args and _literal_key(node.args[0]):
            found.append((node.lineno, f"session_state.{method}"))
        for keyword in node.keywords:
            names_a_key = (keyword.arg in KEY_KEYWORDS and not name.startswith("alt.")
                           or keyword.arg == "prefix" and name.endswith(PREFIX_OWNERS))
            if names_a_key and _literal_key(keyword.value):
                found.append((node.lineno, f"{keyword.arg}="))
        for called, position in KEY_ARGUMENTS.items():
            if (name == called or name.endswith("." + called)) and len(node.args) > position \
                    and _literal_key(node.args[position]):
                found.append((node.lineno, f"argument {position} of {called}"))
    return found


@pytest.mark.parametrize("path", [p for p in APP_FILES if p != KEYS], ids=_relative)
def test_every_session_key_is_named_in_the_keys_module(path):
    found = literal_keys(path.read_text(encoding="utf-8"))
    assert not found, f"{_relative(path)} writes session-state keys as literals (line, where): {found}"


def test_the_key_check_finds_every_kind_of_literal_key():
    source = '''
ss = st.session_state
st.session_state["a"] = 1
ss["b"]
st.session_state.get("c")
ss.pop(f"d_{name}", None)
st.button("Go", key="e")
lazy_expander("The code", "f")
weight_editor.draw(net, prefix="g")
st.session_state[keys.RUN]
st.button("Go", key=f"{keys.EXP}.go")
lazy_expander("The code", keys.BACKPROP_CODE)
alt.LookupData(data=front, key="buffer_key")
curve_chart("loss", prefix="loss_")
'''
    assert sorted(line for line, _ in literal_keys(source)) == [3, 4, 5, 6, 7, 8, 9]
