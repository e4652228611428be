"""Security: uploads are parsed (never executed or unpickled) and size-capped, the exported script holds no user
text, nothing needs a secret, and XSRF protection stays on."""

from __future__ import annotations

import ast
import io
import json
import pickle
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest
from test_deploy_layout import WORKER_LAUNCH
from test_hostile_inputs import PLAYGROUND, Page, assert_clean

from dashboard import exports
from nn_core import datasets, runs
from nn_core.config import RunConfig
from nn_core.files import export, restore
from nn_core.programs.script import check_line, export_script

ROOT = Path(__file__).resolve().parents[1]
APP_CODE = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "dashboard").rglob("*.py")),
            *sorted((ROOT / "nn_core").rglob("*.py"))]
UI_CODE = [p for p in APP_CODE if p.relative_to(ROOT).parts[0] != "nn_core"]


# ------------------------------------------------------------------ uploads are parsed, never run
class Payload:
    """Unpickling this creates ``path``: proof that a pickle was loaded."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def _npz_with_objects(tmp_path: Path) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, meta=np.array("{}"), W1=np.array([Payload(tmp_path / "pwned")], dtype=object))
    return buf.getvalue()


def _zip_holding_a_pickle(tmp_path: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("W1.npy", pickle.dumps(Payload(tmp_path / "pwned")))
        z.writestr("meta.npy", pickle.dumps(Payload(tmp_path / "pwned")))
    return buf.getvalue()


@pytest.mark.parametrize("make, sentence", [
    (_npz_with_objects, "Python objects (pickles), which are never loaded"),
    (_zip_holding_a_pickle, "holds an entry that is not a NumPy array"),
    (lambda tmp: pickle.dumps(Payload(tmp / "pwned")), "neither a saved .json network nor an .npz archive"),
    (lambda tmp: b"PK\x03\x04" + pickle.dumps(Payload(tmp / "pwned")), "damaged or truncated"),
], ids=["npz with an object array", "npz whose arrays are pickles", "a bare pickle", "a pickle behind zip magic"])
def test_a_pickle_is_refused_and_never_loaded(tmp_path, make, sentence):
    content = make(tmp_path)
    with pytest.raises(export.ExportError, match=re.escape(sentence)):
        export.load(content)
    with pytest.raises(export.ExportError):
        restore.load_saved(content)
    assert not (tmp_path / "pwned").exists()
    pickle.loads(pickle.dumps(Payload(tmp_path / "control")))  # the payload is live: unpickling it makes a file
    assert (tmp_path / "control").exists()


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node, ast.unparse(node.func)


FORBIDDEN_MODULES = {"pickle", "cPickle", "marshal", "shelve", "dill", "cloudpickle", "joblib", "subprocess"}
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "os.system", "os.popen", "importlib.import_module"}
# The one HTML the app writes: the page skeleton's layout rules, a constant filled with constants (a key's
# CSS class and a number of pixels); no user text can reach it.
LAYOUT_HTML = ("dashboard/page.py",
               "st.html(LAYOUT_CSS % {'picture': css_class(keys.LIVE_PICTURE), 'above': ABOVE_PICTURE})")


@pytest.mark.parametrize("path", APP_CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_app_code_has_no_way_to_run_or_unpickle_input(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    if path.relative_to(ROOT).as_posix() == WORKER_LAUNCH[0]:  # it starts the drawing worker, and only that
        imported -= {"subprocess"}
    assert not imported & FORBIDDEN_MODULES
    for call, name in _calls(tree):
        assert name not in FORBIDDEN_CALLS, ast.unparse(call)
        if name.endswith("load") and name.split(".")[0] in ("np", "numpy"):
            assert any(k.arg == "allow_pickle" and ast.unparse(k.value) == "False" for k in call.keywords), name
        for keyword in call.keywords:  # user text never rendered as HTML
            assert not (keyword.arg == "unsafe_allow_html" and ast.unparse(keyword.value) != "False"), ast.unparse(call)
        if (path.relative_to(ROOT).as_posix(), ast.unparse(call)) == LAYOUT_HTML:
            continue
        assert name not in ("st.html", "components.html"), ast.unparse(call)


# The switches that whoever starts the server may set (never a visitor): the live loop's timing log,
# appended to the file it names, and the number of drawing workers (README, Speed).
DEVELOPER_SWITCHES = {"runtime.py": ('os.environ.get("NNPLAY_TRACE")',),
                      "drawer.py": ('os.environ.get("NNPLAY_DRAW_WORKERS", "")',)}  # 0: no drawing workers
DEVELOPER_FILES = {"runtime.py": ("open(TRACE, 'a')",)}


@pytest.mark.parametrize("path", UI_CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_ui_never_writes_files(path):
    """Upload names never become paths: the pages and dashboard write nothing to disk."""
    for call, name in _calls(ast.parse(path.read_text(encoding="utf-8"))):
        assert not name.endswith(("write_text", "write_bytes", "savez", "savez_compressed", "mkdir", "unlink")), name
        if name == "open" and ast.unparse(call) not in DEVELOPER_FILES.get(path.name, ()):
            mode = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "mode"),
                                                                None)
            assert mode is None or "r" in ast.literal_eval(mode), ast.unparse(call)


# ------------------------------------------------------------------ size caps
def test_the_csv_loader_refuses_more_than_5_mb_from_every_kind_of_source(tmp_path):
    big = b"x1,x2,label\n" + b"0.5,0.5,1\n" * 510_000
    (tmp_path / "big.csv").write_bytes(big)

    class Unbounded(io.RawIOBase):
        """A stream that never ends: the loader must stop reading after its limit."""

        def readable(self):
            return True

        def readinto(self, buffer):
            buffer[:] = b"0" * len(buffer)
            return len(buffer)

    for source in (big, bytearray(big), io.BytesIO(big), tmp_path / "big.csv", str(tmp_path / "big.csv"),
                   io.BufferedReader(Unbounded())):
        with pytest.raises(datasets.DataError, match="larger than the 5 MB limit"):
            datasets.load_csv(source)


def test_the_saved_run_loader_refuses_more_than_20_mb_and_zip_bombs():
    with pytest.raises(export.ExportError, match="larger than the 20 MB limit"):
        export.load(b"{" + b" " * export.MAX_BYTES + b"}")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("W1.npy", b"\0" * (export.MAX_BYTES + 1))  # 20 MB of zeros: a 20 kB download
    assert len(buf.getvalue()) < 100_000
    with pytest.raises(export.ExportError, match="unpacks to more than 20 MB"):
        export.load(buf.getvalue())


# ------------------------------------------------------------------ the exported script holds no user text
EVIL_NAME = 'evil"; import os; os.system("x")#.csv'
EVIL_CSV = (b'x1,x2,label,note,"import os"\n'
            b'0.1,-0.0,7,"""); import os; os.system(""x"") #",1\n'
            b'-0.7,1e-320,-3,__import__,2\n'
            b'123456.789,0.5,7,{epoch.__class__},3\n'
            b'-2,2,1000,\'\'\'; exec(1)\n'
            b'0.3,-0.4,-3,x,5\n'
            b'0.9,0.9,1000,y,6\n')


@pytest.fixture(scope="module")
def evil_run() -> runs.Run:
    """The Playground's run on a CSV uploaded under a hostile name, with hostile extra columns and odd labels."""
    page = Page.open(PLAYGROUND, query={"dataset": "csv", "epochs": "30"})
    page.at.file_uploader(key="playground.csv_upload").set_value((EVIL_NAME, EVIL_CSV, "text/csv"))
    page.run()
    page.click("Play")
    assert_clean(page)
    run = page.run_state
    assert run.data.n_classes == 3 and run.trainer.epoch == 30
    return run


def test_the_script_of_a_hostile_upload_holds_only_numbers_and_runs(evil_run, tmp_path):
    source = exports.script_bytes(evil_run).decode("utf-8")
    for text in ("evil", "os.system", "import os", "__import__", "exec", "note", "epoch.__class__", "'''"):
        assert text not in source, text
    imports = {alias.name for node in ast.walk(ast.parse(source)) if isinstance(node, (ast.Import, ast.ImportFrom))
               for alias in node.names}
    assert imports == {"numpy"}
    # The same points from a clean file give the very same script: nothing the user typed reaches it.
    clean = datasets.load_csv(datasets.to_csv(evil_run.data), test_ratio=evil_run.config.test_ratio)
    assert source == export_script(evil_run.config, clean)
    assert "123456.789" in source and "1e-320" in source and "-0.0" in source  # numbers written exactly (repr)
    script = tmp_path / "run.py"
    script.write_text(source, encoding="utf-8")
    done = subprocess.run([sys.executable, "-I", str(script)], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    first = evil_run.history.columns["loss"][0]
    assert done.stdout.splitlines()[0] == f"Epoch     0 | Loss: {first:.6f}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.py"]  # it wrote nothing


def test_download_names_are_slugs_of_the_run_label():
    assert exports.slug(EVIL_NAME) == "evil-import-os-os-system-x-csv"
    assert exports.slug("../../etc/passwd") == "etc-passwd" and exports.slug("") == "run"
    assert re.fullmatch(r"[a-z0-9-]{1,60}", exports.slug("<script>\x00ＸＯＲ" * 50))


@pytest.mark.parametrize("line", ["{loss.__class__}", "{loss!r}", "{epoch[0]} {loss}", "{loss}\nimport os",
                                  "{loss:{epoch}}", "{loss} " + "x" * 200, "{0}", "{}"])
def test_a_table_line_format_with_code_is_refused(line):
    with pytest.raises(export.ExportError, match="table line format"):
        check_line(line)


def test_a_config_holding_text_is_refused_before_any_script_is_written():
    for bad in (RunConfig(activation='relu"); import os; ("'), RunConfig(hidden=("4",)), RunConfig(lr=float("nan")),
                RunConfig(epochs=10**9), RunConfig(seed=-1)):
        with pytest.raises(export.ExportError, match="not a valid setting"):
            export_script(bad)


# ------------------------------------------------------------------ hosting: no secrets, XSRF on
def _effective_options(*names: str) -> dict:
    """Streamlit's options as `streamlit run` in the repository would see them (reads .streamlit/config.toml)."""
    code = ("import json, sys; from streamlit import config; config.get_config_options(force_reparse=True); "
            "print(json.dumps({n: config.get_option(n) for n in sys.argv[1:]}))")
    done = subprocess.run([sys.executable, "-c", code, *names], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def options() -> dict:
    return _effective_options("server.enableXsrfProtection", "server.enableCORS", "server.maxUploadSize")


def test_xsrf_protection_stays_on(options):
    server = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")).get("server", {})
    assert server.get("enableXsrfProtection", True) is True and server.get("enableCORS", True) is True
    assert options["server.enableXsrfProtection"] is True
    assert options["server.enableCORS"] is True  # Streamlit turns XSRF off when CORS is disabled


def test_no_secrets_are_needed():
    assert not (ROOT / ".streamlit" / "secrets.toml").exists()
    for path in APP_CODE:
        source = path.read_text(encoding="utf-8")
        for switch in DEVELOPER_SWITCHES.get(path.name, ()):
            source = source.replace(switch, "")
        assert "st.secrets" not in source and "os.environ" not in source and "getenv" not in source, path.name


def test_the_server_accepts_the_largest_upload_the_loaders_allow(options):
    """The server refuses a larger HTTP upload outright (413), whatever a widget promises."""
    assert datasets.MAX_CSV_BYTES <= options["server.maxUploadSize"] * 1024 * 1024


def test_the_server_accepts_a_saved_run_as_large_as_the_restore_panel_promises(options):
    assert exports.MAX_UPLOAD_MB <= options["server.maxUploadSize"]
