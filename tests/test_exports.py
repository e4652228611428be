"""Every download parses back to the run's own values; an upload restores the run; bad uploads get one sentence."""

import csv
import io
import json
import math
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import exports
from nn_core import datasets
from nn_core.analysis import compare
from nn_core.config import RunConfig
from nn_core.files import export, restore
from nn_core.programs.notebook import DEFAULT_APP_URL, FINAL_LINE

PAGE = "../pages/4_Experiments.py"


@pytest.fixture(scope="module")
def result():
    return compare.train_run(RunConfig(epochs=60, hidden=(5, 3), activation="relu"), label="relu 5-3")


def test_registry_lists_every_file(result):
    assert list(exports.ARTIFACTS) == ["json", "npz", "history", "dataset", "script", "notebook"]


@pytest.mark.parametrize("key, loader", [("json", export.from_json_bytes), ("npz", export.from_npz_bytes)])
def test_config_and_weights_round_trip_exactly(result, key, loader):
    net, config = loader(exports.ARTIFACTS[key].make(result, DEFAULT_APP_URL))
    assert config == result.config
    for mine, theirs in zip(result.net.parameters(), net.parameters()):
        assert np.array_equal(mine, theirs)


def test_npz_opens_without_pickles(result):
    with np.load(io.BytesIO(exports.ARTIFACTS["npz"].make(result, DEFAULT_APP_URL)), allow_pickle=False) as npz:
        assert np.array_equal(npz["W1"], result.net.weights[0])
        assert json.loads(str(npz["meta"]))["config"]["hidden"] == [5, 3]


def test_history_csv_holds_every_record_exactly(result):
    rows = list(csv.DictReader(io.StringIO(exports.ARTIFACTS["history"].make(result, DEFAULT_APP_URL).decode())))
    h = result.history
    assert [int(r["epoch"]) for r in rows] == h.epochs
    assert [float(r["loss"]) for r in rows] == h.columns["loss"]
    assert [float(r["test_accuracy"]) for r in rows] == h.columns["test_accuracy"]
    assert [float(r["grad_norm_1"]) for r in rows] == [g[0] for g in h.columns["grad_norm"]]
    assert [float(r["dead_fraction_2"]) for r in rows] == [d[1] for d in h.columns["dead_fraction"]]
    assert math.isnan(float(rows[0]["dead_fraction_3"]))  # the output layer has no dead fraction


def test_dataset_csv_loads_back_with_the_same_split(result):
    data = datasets.load_csv(exports.ARTIFACTS["dataset"].make(result, DEFAULT_APP_URL))
    for part in ("X_train", "y_train", "X_test", "y_test"):
        assert np.array_equal(getattr(data, part), getattr(result.data, part))


def test_script_runs_and_ends_at_the_engine_loss(result, tmp_path):
    source = exports.ARTIFACTS["script"].make(result, DEFAULT_APP_URL).decode()
    path = tmp_path / "run.py"
    path.write_text(source)
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=True).stdout
    assert "import numpy" in source and "nn_core" not in source
    last = [line for line in out.splitlines() if line.startswith("Epoch")][-1]
    epoch = int(last.split("|")[0].split()[1])
    loss = float(last.rsplit(":", 1)[1])
    i = result.history.epochs.index(epoch)
    assert loss == pytest.approx(result.history.columns["loss"][i], abs=5e-7)  # printed to 6 decimals


def test_charts_export_as_png_and_svg(result):
    assert set(exports.chart_formats()) == {"png", "svg"}
    for name, build in exports.run_charts(result).items():
        png = exports.chart_bytes(build(), "png")
        assert png[:8] == b"\x89PNG\r\n\x1a\n", name
        svg = ET.fromstring(exports.chart_bytes(build(), "svg"))
        assert svg.tag.endswith("svg")


def test_vega_json_fallback_keeps_the_chart_data(result, monkeypatch):
    monkeypatch.setattr(exports, "vl_convert", None)
    assert list(exports.chart_formats()) == ["vl.json"]
    spec = json.loads(exports.chart_bytes(exports.run_charts(result)["loss"](), "vl.json"))
    values = next(iter(spec["datasets"].values()))
    assert [row["train"] for row in values] == result.history.columns["loss"]


def test_restore_rebuilds_the_run_and_can_continue(result):
    run = restore.load_saved(exports.ARTIFACTS["npz"].make(result, DEFAULT_APP_URL))
    assert run.config == result.config
    assert run.trainer.evaluate() == result.metrics
    run.train(5)  # the restored trainer continues from the saved weights
    assert run.history.columns["loss"][0] == pytest.approx(result.metrics["train_loss"])


# ------------------------------------------------------------------------- in the page
def _export_panel_of_a_run():
    import streamlit as st

    from dashboard import exports
    from nn_core.analysis import compare
    from nn_core.config import RunConfig

    if "run" not in st.session_state:
        st.session_state["run"] = compare.train_run(RunConfig(epochs=60, hidden=(5, 3), activation="relu"))
    exports.export_panel(st.session_state["run"], "exp")


def downloads(at, deferred) -> dict[str, bytes]:
    """label -> the bytes each of the page's download buttons gives when clicked (its deferred callable)."""
    return {b.proto.label: deferred[b.proto.deferred_file_id]() for b in at.get("download_button")
            if b.proto.deferred_file_id}


@pytest.fixture
def deferred(monkeypatch):
    """file id -> callable: every deferred download the page registers, as the server would run it on a click."""
    from streamlit.runtime.media_file_manager import MediaFileManager
    registered = {}
    add = MediaFileManager.add_deferred

    def recording(self, data_callable, *args, **kwargs):
        file_id = add(self, data_callable, *args, **kwargs)
        registered[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", recording)
    return registered


@pytest.mark.parametrize("url, app", [(None, DEFAULT_APP_URL),
                                      ("https://example.org/nnplay/Experiments", "https://example.org/nnplay")])
def test_downloaded_notebook_ends_at_the_runs_train_loss_and_links_back(result, deferred, url, app):
    at = AppTest.from_function(_export_panel_of_a_run, default_timeout=120)
    if url:
        if not hasattr(at, "context"):  # the floor's AppTest cannot seed st.context (the page reads it there too)
            pytest.skip("this Streamlit's AppTest cannot seed the page's address (st.context.url)")
        at.context = {"url": url}
    at.run()
    assert not at.exception
    files = downloads(at, deferred)
    notebook = json.loads(files["Jupyter notebook (.ipynb)"])
    code = "\n\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    lines = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=300,
                           check=True).stdout.splitlines()
    assert lines[-1] == f"{FINAL_LINE}{result.metrics['train_loss']!r}"
    assert notebook["metadata"]["nnplay"]["playground"].startswith(f"{app}/Playground?")


def upload(content: bytes, name: str):
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.file_uploader(key="exp.restore.weights").set_value((name, content, "application/octet-stream"))
    return at.run()


@pytest.mark.parametrize("key", ["json", "npz"])
def test_a_restored_upload_reproduces_the_run(result, key):
    at = upload(exports.ARTIFACTS[key].make(result, DEFAULT_APP_URL), f"run.{key}")
    assert not at.exception and not at.error
    restored = [m.value for m in at.markdown if m.value.startswith("Restored a ")]
    assert restored and f"train loss **{result.metrics['train_loss']:.6g}**" in restored[0]
    assert "2-5-3-1 relu" in restored[0]
    assert any("gives bit-identical weights: the run reproduces" in s.value for s in at.success)


def test_a_stepped_run_restores_but_says_it_differs(result):
    from nn_core.runs import prepare
    run = prepare(result.config)
    run.train(result.config.epochs + 7)  # more steps than its settings say
    at = upload(export.to_json_bytes(run.net, run.config), "stepped.json")
    assert not at.exception
    assert any("stopped early or trained for extra steps" in w.value for w in at.warning)


@pytest.mark.parametrize("content, name, sentence", [
    (b"", "empty.json", "The file is empty."),
    (b"\x00\x01garbage\xff", "garbage.npz", "The file is neither a saved .json network nor an .npz archive."),
    (b"PK\x03\x04broken", "broken.npz", "The .npz archive is damaged or truncated."),
    (b'{"format": "nnplay-mlp", "version": 1}', "partial.json", "The file has no “network” description."),
    (b"[1, 2", "bad.json", "The file is not valid JSON (line 1, column 6)."),
])
def test_malformed_uploads_give_one_clear_sentence(content, name, sentence):
    at = upload(content, name)
    assert not at.exception
    assert [e.value for e in at.error] == [f"Could not restore “{name}”: {sentence}"]
    assert at.dataframe  # the rest of the page still works


def test_wrong_shapes_in_an_upload_are_named(result):
    d = export.to_dict(result.net, result.config)
    d["weights"][0] = d["weights"][0][:-1]
    at = upload(json.dumps(d).encode(), "shapes.json")
    assert not at.exception
    assert len(at.error) == 1 and "W1" in at.error[0].value and at.error[0].value.startswith("Could not restore")
