"""nn_core's folders are its layers, and no import runs up a layer.

A module may import from its own layer or from a lower one, never from a higher one, whether the import
stands at the top of the file or hides inside a function. So the engine can be read, tested and reused
without the teaching material, the saved files or the command line above it.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "nn_core"

# Lowest first. "engine" is every module at nn_core's top level (and the package itself).
LAYERS = ("engine", "analysis", "teaching", "files", "programs")
# `python -m nn_core` needs nn_core/__main__.py at the top; it only starts the command line.
PLACED = {"nn_core.__main__": "programs"}


def layer_of(module: str) -> str:
    """The layer of a dotted nn_core module name: its subpackage, or "engine" for a top-level module."""
    if module in PLACED:
        return PLACED[module]
    parts = module.split(".")
    assert parts[0] == "nn_core", module
    if len(parts) > 1 and (PACKAGE / parts[1]).is_dir():
        assert parts[1] in LAYERS, f"nn_core/{parts[1]}/ is not in LAYERS: give it a place in the order"
        return parts[1]
    return "engine"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, dotted name) of every nn_core module ``source`` imports, at any depth of the file."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module
            for alias in node.names:  # `from .. import files` imports the subpackage itself
                candidate = f"{base}.{alias.name}"
                relative = Path(*candidate.split("."))
                is_module = (ROOT / relative).is_dir() or (ROOT / relative).with_suffix(".py").is_file()
                found.append((node.lineno, candidate if is_module else base))
    return [(line, name) for line, name in found if name.split(".")[0] == "nn_core"]


def upward_imports(source: str, module: str, is_package: bool = False) -> list[str]:
    """Each import in ``source`` that reaches a higher layer than ``module``'s, as a sentence."""
    own = LAYERS.index(layer_of(module))
    return [f"{module} (line {line}, layer {layer_of(module)}) imports {name} (layer {layer_of(name)})"
            for line, name in imported_modules(source, module, is_package) if LAYERS.index(layer_of(name)) > own]


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_subpackage_has_a_layer():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders == set(LAYERS) - {"engine"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_import_runs_up_a_layer(path):
    module = module_name(path)
    assert upward_imports(path.read_text(), module, path.name == "__init__.py") == []


def test_the_walk_sees_the_imports_it_checks():
    """The check reads relative, absolute and function-local imports (else the test above proves nothing)."""
    cli = (PACKAGE / "programs" / "cli.py").read_text()
    assert {"nn_core.config", "nn_core.files.export", "nn_core.teaching.presets", "nn_core.programs.script"} <= {
        name for _, name in imported_modules(cli, "nn_core.programs.cli", False)}
    assert len(MODULES) > 30


@pytest.mark.parametrize("source", [
    "from .teaching.presets import PRESETS\n",
    "def replay():\n    from .files import export\n",
    "import nn_core.programs.cli\n",
    "from . import analysis\n",
])
def test_an_upward_import_is_caught(source):
    assert len(upward_imports(source, "nn_core.training")) == 1


def test_an_upward_import_inside_a_function_of_a_subpackage_is_caught():
    source = "def replay():\n    from ..programs.script import export_script\n"
    assert upward_imports(source, "nn_core.teaching.replay") == [
        "nn_core.teaching.replay (line 2, layer teaching) imports nn_core.programs.script (layer programs)"]
