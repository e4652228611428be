"""AppTest of the Tutorials page: both seed tutorials replayed, their tables, curves, predictions and plateau."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from dashboard import keys, tutorials
from nn_core.teaching.presets import PRESETS, run_preset

PAGE = "../pages/3_Tutorials.py"
ROOT = Path(__file__).resolve().parents[1]


TABS = {"seed-000": "Seed 000 · ReLU and sigmoid on two samples", "seed-002": "Seed 002 · XOR with a 2-4-1 network"}


def in_tab(at, name: str) -> AppTest:
    """The tab of preset ``name`` is open, as a click on it sets it. The browser sends the open tab with every
    rerun; the floor's AppTest (Streamlit 1.65) drops it after an interaction, so a test sends it again."""
    at.session_state[keys.TUTORIALS_TAB] = TABS[name]
    return at


def open_tab(name: str, **state) -> AppTest:
    at = in_tab(AppTest.from_file(PAGE, default_timeout=120), name)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="module")
def pages() -> dict:
    """The page opened on each tutorial's tab: {preset name: AppTest}."""
    return {name: open_tab(name) for name in PRESETS}


def _python(source: str) -> list[str]:
    return subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, check=True,
                          timeout=120).stdout.splitlines()


def _tables(at):
    return [df.value for df in at.dataframe if "nnplay prints" in df.value.columns]


def _chart_frames(at):
    """Every Vega-Lite chart's datasets as DataFrames, chart by chart."""
    out = []
    for el in at.get("vega_lite_chart"):
        out.append([dataframe_util.convert_arrow_bytes_to_pandas_df(d.data.data) for d in el.proto.datasets])
    return out


def test_page_shows_both_tutorials(pages):
    for name, page in pages.items():  # one tab at a time: the other is not drawn (page-open time)
        assert [t.label for t in page.tabs] == list(TABS.values())
        assert [s.value for s in page.subheader] == [PRESETS[name].title]
        assert not page.code  # the listings are drawn only once their expander is opened (page-open time)
        assert len(page.get("download_button")) == 1
    codes = [c.value for name in PRESETS for c in open_tab(name, **{keys.tutorial_code(name): True}).code]
    assert codes == [tutorials.listing("seed-000").strip(), tutorials.listing("seed-002").strip()]
    assert "np.random.seed(42)" in codes[0] and "W1 = np.random.randn(2, 4) * 0.1" in codes[1]


def test_the_first_tutorial_is_open_and_the_other_is_drawn_only_once_opened():
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert [s.value for s in at.subheader] == [PRESETS["seed-000"].title]
    assert len(_tables(at)) == 1 and not at.metric  # seed 002's table and plateau are not built


def test_seed_000_table_agrees_with_the_tutorial(pages):
    page = pages["seed-000"]
    table = _tables(page)[0]
    preset = PRESETS["seed-000"]
    assert list(table["nnplay prints"]) == preset.table(run_preset("seed-000").history.log)
    assert list(table["the tutorial shows"]) == preset.claimed_table()
    assert list(table["nnplay prints"]) == list(table["the tutorial shows"])
    assert set(table["same"]) == {"✓"}
    # ... and is what the tutorial's code prints when run.
    assert _python(tutorials.listing("seed-000")) == list(table["nnplay prints"])
    text = "\n".join(m.value for m in page.markdown)
    assert "Summed gradients" in text and "print the same table ✓" in text


def test_seed_002_table_is_the_codes_output_not_the_claim(pages):
    page = pages["seed-002"]
    table = _tables(page)[0]
    code_output = _python(tutorials.listing("seed-002"))
    assert list(table["nnplay prints"]) == code_output[:10]
    assert list(table["the tutorial shows"]) == PRESETS["seed-002"].claimed_table()
    assert set(table["same"]) == {"✗"}
    assert table["nnplay prints"][1] == "Epoch  1000 | Loss: 0.6931"
    assert any("UnboundLocalError" in w.value for w in page.warning)


def test_predictions_are_the_engines(pages):
    frames = [df.value for page in pages.values() for df in page.dataframe if "predicted" in df.value.columns]
    assert list(frames[0]["predicted"]) == [1, 0]
    run = run_preset("seed-002")
    assert list(frames[1]["predicted"]) == [0, 1, 1, 0]
    np.testing.assert_allclose(frames[1]["probability"], run.net.forward(run.data.X_train).ravel(), rtol=1e-12)
    assert code_predictions() == [0, 1, 1, 0]


def code_predictions() -> list[int]:
    lines = _python(tutorials.listing("seed-002"))
    return [int(line.split("|")[-1]) for line in lines[lines.index("Input | Target | Predicted") + 1:]]


def test_loss_curves_carry_the_engines_losses(pages):
    run = run_preset("seed-002")
    losses = dict(zip(run.history.epochs, run.history.columns["loss"]))
    curve = next(f for frames in _chart_frames(pages["seed-002"]) for f in frames
                 if "train" in f.columns and len(f) > 100 and f["epoch"].max() > 9000)
    for epoch, loss in zip(curve["epoch"], curve["train"]):
        if epoch in losses:
            assert loss == losses[epoch]
    assert curve["train"].iloc[0] == pytest.approx(0.6934, abs=5e-5)


def test_plateau_is_counted_and_moves_with_init_scale_and_seed():
    at = open_tab("seed-002")
    assert at.metric[0].value == "8,319"
    assert any("for 8,319 epochs" in m.value for m in at.markdown)
    in_tab(at, "seed-002").select_slider(key=keys.TUTORIALS_INIT_SCALE).set_value(1.0).run()
    assert at.metric[0].value == "212"
    assert "-8,107" in at.metric[0].delta
    frames = [f for frames in _chart_frames(at) for f in frames if "run" in f.columns and "loss" in f.columns]
    assert set(frames[0]["run"]) == {"tutorial: init 0.1, seed 42", "init 1, seed 42"}
    in_tab(at, "seed-002").select_slider(key=keys.TUTORIALS_INIT_SCALE).set_value(0.1).run()
    in_tab(at, "seed-002").number_input(key=keys.TUTORIALS_SEED).set_value(0).run()
    assert at.metric[0].value == "2,823"
    assert not at.exception


def test_the_plateau_controls_keep_their_values_while_their_tab_is_closed():
    """Seed 002's tab is not drawn while seed 000's is open; its init scale and seed come back with it and still
    set the variant."""
    at = open_tab("seed-002")
    in_tab(at, "seed-002").select_slider(key=keys.TUTORIALS_INIT_SCALE).set_value(1.0).run()
    in_tab(at, "seed-002").number_input(key=keys.TUTORIALS_SEED).set_value(0).run()
    in_tab(at, "seed-000").run()
    assert not at.exception and not at.metric and not at.get("select_slider")  # closed: not drawn
    in_tab(at, "seed-002").run()
    assert at.select_slider(key=keys.TUTORIALS_INIT_SCALE).value == 1.0
    assert at.number_input(key=keys.TUTORIALS_SEED).value == 0
    variant = tutorials.tutorial_replay("seed-002", 1.0, 0)
    assert at.metric[0].value == f"{variant.plateau:,}" and variant.plateau != 8_319
    frames = [f for frames in _chart_frames(at) for f in frames if "run" in f.columns and "loss" in f.columns]
    assert set(frames[0]["run"]) == {"tutorial: init 0.1, seed 42", "init 1, seed 0"}


def test_open_in_playground_carries_the_preset(pages):
    links = [m.value for page in pages.values() for m in page.markdown if "Open in Playground" in m.value]
    assert len(links) == 2
    assert "hidden=2" in links[0] and "reduction=sum" in links[0] and "seed=42" in links[0]
    assert "init_scale=0.1" in links[1] and "dataset=xor" in links[1]


@pytest.mark.parametrize("name", list(PRESETS))
def test_downloaded_script_prints_the_engines_table(name):
    lines = _python(tutorials.script_source(name))
    preset = PRESETS[name]
    assert lines[:10] == preset.table(run_preset(name).history.log)
