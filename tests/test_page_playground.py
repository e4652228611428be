"""The Playground page in Streamlit's AppTest: it trains, its charts carry nn_core's numbers, the URL
round-trips, bad input gets one clear sentence, and display toggles never retrain."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from nn_core import runs
from nn_core.config import RunConfig, to_query
from nn_core.datasets import make, to_csv
from nn_core.grids import network_grids
from nn_core.metrics import scores

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "1_Playground.py")


def run_page(query: dict | None = None, session: dict | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in (session or {}).items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def vega_charts(at: AppTest) -> dict[str, tuple[dict, dict]]:
    """{description's first words: (spec, {dataset name: DataFrame})} for every Vega-Lite chart on the page."""
    out = {}
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        frames = {d.name: dataframe_util.convert_arrow_bytes_to_pandas_df(d.data.data) for d in element.proto.datasets}
        out[spec.get("description", "").split(":")[0]] = (spec, frames)
    return out


def the_run(at: AppTest) -> runs.Run:
    return at.session_state["playground_run"]


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.fixture(scope="module")
def default_page() -> AppTest:
    return run_page()


# ------------------------------------------------------------------ first load
def test_first_load_trains_the_default_run(default_page):
    at = default_page
    run = the_run(at)
    assert run.config == RunConfig() and run.trainer.epoch == 300
    assert metric(at, "Epoch") == "300"
    reference = runs.run(RunConfig())  # same seed, same bits
    assert metric(at, "Train loss") == f"{reference.trainer.evaluate()['train_loss']:.4f}"
    assert set(vega_charts(at)) == {"decision boundary", "loss per epoch, train and test",
                                    "accuracy per epoch, train and test", "network", "confusion matrix",
                                    "hidden units"}
    assert dict(at.query_params) == {}  # the defaults need no URL parameters
    assert not at.warning and not at.error


def test_loss_and_accuracy_charts_carry_the_history(default_page):
    history = the_run(default_page).history
    charts = vega_charts(default_page)
    _, (loss,) = charts["loss per epoch, train and test"][0], charts["loss per epoch, train and test"][1].values()
    assert loss["epoch"].tolist() == history.epochs
    assert np.array_equal(loss["train"].to_numpy(), np.array(history.columns["loss"]))
    assert np.array_equal(loss["test"].to_numpy(), np.array(history.columns["test_loss"]))
    (accuracy,) = charts["accuracy per epoch, train and test"][1].values()
    assert np.array_equal(accuracy["train"].to_numpy(), np.array(history.columns["accuracy"]))


def test_boundary_chart_carries_the_grid_and_the_points(default_page):
    run = the_run(default_page)
    spec, frames = vega_charts(default_page)["decision boundary"]
    cells = next(f for f in frames.values() if "value" in f)
    points = next(f for f in frames.values() if "split" in f)
    grid = network_grids(run.net, run.data.domain)
    assert len(cells) == 100 * 100
    assert np.allclose(cells["value"].to_numpy(), grid.output[..., 0].ravel(), atol=1e-6)  # float32 payload
    train = points[points["split"] == "train"]
    assert np.array_equal(train[["x1", "x2"]].to_numpy(), run.data.X_train)
    assert (points["split"] == "test").sum() == run.data.n_test
    assert train["target"].tolist() == [f"class {int(k)}" for k in run.data.y_train.ravel()]


def test_network_and_confusion_charts_carry_the_weights_and_scores(default_page):
    run = the_run(default_page)
    charts = vega_charts(default_page)
    edges = next(f for f in charts["network"][1].values() if "weight" in f)
    expected = np.concatenate([W.ravel() for W in run.net.weights])  # 2-4-4-1: every weight is drawn
    assert np.array_equal(np.sort(edges["weight"].to_numpy()), np.sort(expected))
    (confusion,) = charts["confusion matrix"][1].values()
    assert confusion["count"].tolist() == scores(run.net, run.data)["confusion"].ravel().tolist()


def test_hidden_unit_chart_has_one_picture_per_unit(default_page):
    (frame,) = vega_charts(default_page)["hidden units"][1].values()
    assert sorted(set(zip(frame["layer"], frame["unit"]))) == [(l, u) for l in (1, 2) for u in (1, 2, 3, 4)]


# ------------------------------------------------------------------ controls
def test_changing_a_control_retrains_and_says_so():
    at = run_page()
    before = metric(at, "Train loss")
    at.select_slider(key="cfg_lr").set_value(1.0).run()
    assert not at.exception
    run = the_run(at)
    assert run.config.lr == 1.0 and run.trainer.epoch == 300
    assert metric(at, "Train loss") != before
    assert any("learning rate" in i.value and "restarted" in i.value for i in at.info)
    assert dict(at.query_params) == {"lr": "1.0"}  # the URL follows the controls


def test_data_controls_reset_the_run_and_change_the_points():
    at = run_page()
    first = the_run(at)
    at.slider(key="cfg_noise").set_value(0.3).run()
    run = the_run(at)
    assert run is not first and run.data.n_train == first.data.n_train
    assert not np.array_equal(run.data.X_train, first.data.X_train)
    assert any("noise" in i.value for i in at.info)


def test_display_toggles_never_retrain():
    at = run_page()
    run = the_run(at)
    weights = [W.copy() for W in run.net.weights]
    epoch, serial = run.trainer.epoch, at.session_state["playground_serial"]
    at.toggle(key="view_log").set_value(True).run()
    at.toggle(key="view_discretize").set_value(True).run()
    at.toggle(key="view_test").set_value(False).run()
    assert not at.exception
    assert the_run(at) is run and run.trainer.epoch == epoch and at.session_state["playground_serial"] == serial
    assert all(np.array_equal(a, b) for a, b in zip(weights, run.net.weights))
    charts = vega_charts(at)
    loss_spec = charts["loss per epoch, train and test"][0]
    assert loss_spec["layer"][0]["encoding"]["y"]["scale"]["type"] == "log"
    boundary_spec, frames = charts["decision boundary"]
    assert boundary_spec["layer"][0]["encoding"]["color"]["scale"]["type"] == "threshold"
    points = next(f for f in frames.values() if "split" in f)
    assert set(points["split"]) == {"train"}
    assert not [i for i in at.info if "restarted" in i.value]


def test_step_reset_and_new_seed_buttons():
    at = run_page()
    at.button[2].click().run()  # Step 10
    assert the_run(at).trainer.epoch == 310
    at.button[3].click().run()  # Reset: same seed, same initial weights, untrained
    run = the_run(at)
    fresh = runs.prepare(RunConfig())
    assert run.trainer.epoch == 0
    assert all(np.array_equal(a, b) for a, b in zip(run.net.weights, fresh.net.weights))
    assert any("Not trained yet" in i.value for i in at.info)
    at.button[1].click().run()  # Step 1
    assert the_run(at).trainer.epoch == 1
    at.button[4].click().run()  # New seed: a different start, trained again, and in the URL
    run = the_run(at)
    assert run.config.seed != 0 and run.trainer.epoch == 300
    assert at.query_params["seed"] == str(run.config.seed)


def test_stop_keeps_the_run_where_it_is():
    at = run_page()
    at.button[5].click().run()  # Stop (AppTest cannot interrupt a run; the callback pins the target epoch)
    assert at.session_state["playground_target"] == the_run(at).trainer.epoch == 300
    assert any("Stopped at epoch 300" in c.value for c in at.caption)
    at.button[0].click().run()  # Train continues from there
    assert the_run(at).trainer.epoch == 600


def test_a_diverged_run_says_so_and_reset_recovers():
    at = run_page({"dataset": "plane", "output": "linear", "lr": "10"})
    run = the_run(at)
    assert run.history.diverged_at is not None
    assert any(f"Diverged at epoch {run.history.diverged_at} — try a lower learning rate" in e.value for e in at.error)
    at.button[0].click().run()  # Train cannot continue a diverged run: it stays where it stopped
    assert the_run(at) is run and run.trainer.epoch == run.history.diverged_at and at.error
    at.button[3].click().run()
    assert the_run(at).trainer.epoch == 0 and not at.error


# ------------------------------------------------------------------ URL
def test_query_params_round_trip():
    wanted = RunConfig(dataset="circle", hidden=(8, 3), activation="relu", lr=0.03, epochs=120, seed=7)
    at = run_page(to_query(wanted))
    run = the_run(at)
    assert run.config == wanted and run.trainer.epoch == 120
    assert at.number_input(key="cfg_hidden_1").value == 3 and at.selectbox(key="cfg_activation").value == "relu"
    assert dict(at.query_params) == to_query(wanted)
    assert not at.warning


def test_bad_query_params_fall_back_with_one_warning():
    at = run_page({"lr": "fast", "hidden": "4,x", "bogus": "1", "epochs": "50"})
    assert len(at.warning) == 1
    text = at.warning[0].value
    assert "Learning rate" in text and "Hidden layers" in text and "bogus" in text
    run = the_run(at)
    assert run.config == RunConfig(epochs=50)  # the valid value is kept, the rest are defaults
    assert dict(at.query_params) == {"epochs": "50"}  # the URL is rewritten clean
    at.toggle(key="view_log").set_value(True).run()
    assert not at.warning  # said once, not on every rerun


def test_multiclass_data_switches_to_softmax_and_says_so():
    at = run_page({"dataset": "multi_spiral", "classes": "3", "epochs": "50"})
    run = the_run(at)
    assert run.config.output == "softmax" and run.data.n_classes == 3
    assert any("softmax" in w.value for w in at.warning)
    (confusion,) = vega_charts(at)["confusion matrix"][1].values()
    assert len(confusion) == 9


def test_regression_shows_r2_and_rmse():
    at = run_page({"dataset": "plane", "output": "linear", "epochs": "50"})
    run = the_run(at)
    s = scores(run.net, run.data)
    assert metric(at, "R² (test)") == f"{s['test_r2']:.4f}"
    assert metric(at, "RMSE (test)") == f"{s['test_rmse']:.4f}"
    assert "confusion matrix" not in vega_charts(at)


# ------------------------------------------------------------------ CSV
def test_a_bad_csv_shows_the_loaders_sentence_and_the_page_keeps_working():
    at = run_page({"dataset": "csv"}, {"playground_csv": ("points.csv", b"x1,x2\n1,2\n3,4\n")})
    assert len(at.error) == 1
    assert at.error[0].value.startswith("points.csv: The CSV is missing column label (or target)")
    assert at.selectbox(key="cfg_dataset").value == "csv"  # the sidebar is still there
    at.selectbox(key="cfg_dataset").set_value("moons").run()
    assert not at.exception and not at.error and the_run(at).data.name == "moons"


def test_csv_without_a_file_explains_the_format():
    at = run_page({"dataset": "csv"})
    assert not at.error
    assert any("x1, x2" in i.value for i in at.info)


def test_a_good_csv_trains_on_its_points():
    data = make("moons", n=60, noise=0.05, seed=3)
    at = run_page({"dataset": "csv", "epochs": "20"}, {"playground_csv": ("moons.csv", to_csv(data))})
    run = the_run(at)
    assert run.data.name == "csv" and run.data.n_train + run.data.n_test == 60
    assert np.array_equal(run.data.X_train, data.X_train)  # the file's split column is honoured
    assert run.trainer.epoch == 20 and not at.error


def test_a_long_first_run_hands_over_and_still_shows_the_link_warning(monkeypatch):
    from dashboard import panels

    monkeypatch.setattr(panels, "QUIET_SECONDS", 0.0)  # every first run now counts as long
    at = run_page({"epochs": "400", "lr": "fast"})
    assert the_run(at).trainer.epoch == 400  # the second run trained on to the target
    assert len(at.warning) == 1 and "Learning rate" in at.warning[0].value
    at.toggle(key="view_log").set_value(True).run()
    assert not at.warning


def test_more_about_this_run_shows_findings_and_downloads_on_request():
    at = run_page()
    assert not at.get("download_button")  # nothing built until asked for
    at.button_group(key="playground.more").set_value("Gradient flow").run()
    assert not at.exception
    assert any("No problems found" in el.value for el in at.success)
    at.button_group(key="playground.more").set_value("Export").run()
    assert not at.exception
    labels = [el.proto.label for el in at.get("download_button")]
    assert "Config + weights (.json)" in labels and "NumPy script (.py)" in labels
