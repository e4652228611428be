"""The Playground page in Streamlit's AppTest: it trains, its charts carry nn_core's numbers, the URL
round-trips, bad input gets one clear sentence, and display toggles never retrain."""

from __future__ import annotations

import base64
import io
import json
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import keys
from dashboard.playground import sidebar
from nn_core import runs
from nn_core.config import PARAM_BY_NAME, RunConfig, to_query
from nn_core.datasets import make, to_csv
from nn_core.grids import network_grids
from nn_core.metrics import scores

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "1_Playground.py")


def setting(at: AppTest, kind: str, name: str):
    """The sidebar control of setting ``name`` (e.g. "optimizer", "hidden.0"), as a learner reaches it: a
    setting off the first screen sits in its group's section, which is opened first (as a click on its
    title does; the floor's AppTest forgets an open section after an interaction, so it is opened again)."""
    base = name.split(".")[0]
    if base not in sidebar.FIRST_SCREEN or name.startswith("activation."):  # per-layer choices: "More network"
        at.session_state[keys.section(PARAM_BY_NAME[base].group)] = True
        at.run()
    return getattr(at, kind)(key=keys.widget(name))


def run_page(query: dict | None = None, session: dict | None = None, play: bool = True,
             inspect: bool = True) -> AppTest:
    """Open the Playground (it opens paused, untrained) and, unless ``play`` is False, press Play once:
    a new run plays to its epoch budget and pauses by itself. With ``inspect`` (the toggle a learner
    turns on for exact values) the paused view is the chart, whose datasets the tests read."""
    at = AppTest.from_file(PAGE, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.session_state["playground.view.inspect"] = inspect
    for key, value in (session or {}).items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if play and "playground.run" in at.session_state:
        next(b for b in at.button if b.label == "Play").click().run()
        assert not at.exception, [e.value for e in at.exception]
    return at


def vega_charts(at: AppTest) -> dict[str, tuple[dict, dict]]:
    """{description's first words: (spec, {dataset name: DataFrame})} for every Vega-Lite chart on the page."""
    out = {}
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        frames = {d.name: pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in element.proto.datasets}
        out[spec.get("description", "").split(":")[0]] = (spec, frames)
    return out


def live(at: AppTest) -> dict:
    """The live view's datasets by name."""
    return vega_charts(at)["live view"][1]


def the_run(at: AppTest) -> runs.Run:
    return at.session_state["playground.run"]


def metric(at: AppTest, label: str) -> str:
    """A number of the live view's line of numbers, e.g. metric(at, "Train loss") -> "0.1092"."""
    if label in ("R² (test)", "RMSE (test)"):
        return next(m.value for m in at.metric if m.label == label)
    line = next(m.value for m in at.markdown if m.value.startswith(("Epoch **", "Replaying epoch **")))
    return re.search(re.escape(label) + r" \*\*([^*]+)\*\*", line).group(1)


def playing(at: AppTest) -> bool:
    return bool(at.session_state["playground.playing"]) if "playground.playing" in at.session_state else False


def display(at: AppTest, kind: str, label: str):
    """A control of the "Inspect and display" popover, found by its label once the popover is opened (as a
    click on it does)."""
    at.session_state[keys.VIEW_OPEN] = True
    at.run()
    return next(w for w in getattr(at, kind) if w.label == label)


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def picture_pixels(url: str) -> np.ndarray:
    """Pixels of a data-URL picture: a PNG (paused) exactly, or a playing frame's JPEG (decoded by Pillow)."""
    if url.startswith("data:image/jpeg;base64,"):
        from PIL import Image
        return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB"))
    return png_pixels(url)


def png_pixels(url: str) -> np.ndarray:
    """(h, w, 3 or 4) uint8 pixels of a data-URL PNG written by dashboard.pictures (8-bit RGB/RGBA, filter 0)."""
    data = base64.b64decode(url.split(",", 1)[1])
    w, h = struct.unpack(">II", data[16:24])
    channels = {2: 3, 6: 4}[data[25]]
    at, idat = 8, b""
    while at < len(data):
        (length,), kind = struct.unpack(">I", data[at:at + 4]), data[at + 4:at + 8]
        if kind == b"IDAT":
            idat += data[at + 8:at + 8 + length]
        at += 12 + length
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(h, 1 + channels * w)
    return raw[:, 1:].reshape(h, w, channels)


@pytest.fixture(scope="module")
def default_page() -> AppTest:
    return run_page()


# ------------------------------------------------------------------ first load
def test_the_page_opens_paused_on_the_untrained_network():
    at = run_page(play=False)
    run = the_run(at)
    assert run.trainer.epoch == 0 and metric(at, "Epoch") == "0"
    assert not playing(at)
    untrained = runs.prepare(RunConfig())
    assert metric(at, "Train loss") == f"{untrained.trainer.evaluate()['train_loss']:.4f}"
    assert set(live(at)) >= {"picture_a", "units_a", "edges", "points"}


def test_play_trains_the_default_run_to_its_budget_and_pauses(default_page):
    at = default_page
    run = the_run(at)
    assert run.config == RunConfig() and run.trainer.epoch == 300
    assert metric(at, "Epoch") == "300"
    reference = runs.run(RunConfig())  # same seed, same bits, trained in whole epochs
    assert [p.tobytes() for p in run.net.parameters()] == [p.tobytes() for p in reference.net.parameters()]
    assert metric(at, "Train loss") == f"{reference.trainer.evaluate()['train_loss']:.4f}"
    assert not playing(at)  # it paused by itself
    assert set(vega_charts(at)) == {"live view", "confusion matrix", "data sets"}  # "Draw your own data" is shut
    assert dict(at.query_params) == {}  # the defaults need no URL parameters
    assert not at.warning and not at.error


def test_curves_carry_the_history(default_page):
    history = the_run(default_page).history
    frames = live(default_page)
    for name, train, test in (("loss_curve", "loss", "test_loss"), ("accuracy_curve", "accuracy", "test_accuracy")):
        curve = frames[name]
        for split, column in (("train", train), ("test", test)):
            rows = curve[curve["split"] == split]
            assert rows["epoch"].tolist() == history.epochs
            assert np.array_equal(rows["value"].to_numpy(), np.array(history.columns[column]))


def test_boundary_picture_is_the_networks_output_and_the_points_are_the_data(default_page):
    run = the_run(default_page)
    frames = live(default_page)
    front = frames["picture_front"]["front"][0]
    pixels = png_pixels(frames[f"picture_{front}"]["url"][0])
    assert pixels.shape == (100, 100, 3)
    grid = network_grids(run.net, run.data.domain, 100)
    p = grid.output[..., 0]
    blue, orange = pixels[..., 2].astype(int) - pixels[..., 0], pixels[..., 0].astype(int) - pixels[..., 2]
    upright = p[::-1]  # the picture's top row is the plane's highest x2
    assert np.all(blue[upright > 0.6] > 0) and np.all(orange[upright < 0.4] > 0)
    points = frames["points"]
    train = points[points["split"] == "train"]
    assert np.array_equal(train[["x1", "x2"]].to_numpy(), run.data.X_train)
    assert (points["split"] == "test").sum() == run.data.n_test
    assert train["target"].tolist() == [f"class {int(k)}" for k in run.data.y_train.ravel()]


def test_network_carries_every_weight_and_a_picture_per_unit(default_page):
    run = the_run(default_page)
    frames = live(default_page)
    expected = np.concatenate([W.ravel() for W in run.net.weights])  # 2-4-4-1: every weight is drawn
    assert np.array_equal(np.sort(frames["edges"]["weight"].to_numpy()), np.sort(expected))
    nodes = frames["nodes"]
    assert len(nodes) == 2 + 4 + 4 + 1
    assert nodes["bias"].dropna().tolist() == [float(b) for B in run.net.biases for b in B.ravel()]
    front = frames["units_front"]["front"][0]
    (url,) = frames[f"units_{front}"]["url"]  # every unit's picture in one transparent image over the plot
    sprite = png_pixels(url)
    assert sprite.shape == (42 * 7 + 30, 460, 4)  # the inspected graph has a slot for each of the 7 features
    opaque = sprite[..., 3] == 255
    assert opaque.sum() == 11 * 30 * 30  # eleven 30-pixel pictures, nothing else
    assert (sprite[..., 3] == 70).sum() == 5 * 30 * 30  # and the five features that are off, faded
    assert sorted(frames["inputs"]["pick"]) == sorted(f"input:{f}" for f in ("x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2"))
    rows, cols = np.nonzero(opaque)
    left = cols.min()  # the input layer is leftmost; x1 is its upper picture
    top = rows[cols == left].min()
    x1 = sprite[top:top + 30, left:left + 30]  # orange on the left, blue on the right
    assert x1[15, 0, 0] > x1[15, 0, 2] and x1[15, -1, 2] > x1[15, -1, 0]


def test_confusion_matrix_carries_the_scores(default_page):
    run = the_run(default_page)
    (confusion,) = vega_charts(default_page)["confusion matrix"][1].values()
    assert confusion["count"].tolist() == scores(run.net, run.data)["confusion"].ravel().tolist()


# ------------------------------------------------------------------ settings that apply to the running network
def test_a_learning_rate_change_keeps_the_trained_weights():
    at = run_page()
    run = the_run(at)
    weights = [p.copy() for p in run.net.parameters()]
    loss = metric(at, "Train loss")
    setting(at, "select_slider", "lr").set_value(1.0).run()
    assert not at.exception
    assert the_run(at) is run and run.trainer.epoch == 300 and run.trainer.lr == 1.0
    assert all(np.array_equal(a, b) for a, b in zip(weights, run.net.parameters()))
    assert metric(at, "Train loss") == loss  # the train loss stays where it was
    assert run.history.marks == [(300, "lr 0.3 → 1")]
    assert any("keeps its weights" in i.value for i in at.info)
    assert list(live(at)["loss_marks"]["epoch"]) == [300]  # the loss chart marks the change
    assert dict(at.query_params) == {"lr": "1.0"}  # the URL follows the controls
    button(at, "Step").click().run()
    assert the_run(at) is run and run.trainer.epoch == 301


def test_optimizer_and_batch_size_apply_to_the_running_network():
    at = run_page()
    run = the_run(at)
    setting(at, "selectbox", "optimizer").set_value("adam").run()
    setting(at, "number_input", "batch_size").set_value(16).run()
    assert the_run(at) is run and run.trainer.optimizer_name == "adam" and run.trainer.batch_size == 16
    assert [m for _, m in run.history.marks] == ["optimizer sgd → adam", "batch size 160 → 16"]


def test_a_network_change_restarts_and_says_so():
    at = run_page()
    first = the_run(at)
    setting(at, "number_input", "hidden.0").set_value(6).run()
    run = the_run(at)
    assert run is not first and run.net.layer_sizes == [2, 6, 4, 1] and run.trainer.epoch == 0  # paused: untrained
    assert any("hidden layers" in i.value and "restarted" in i.value and "press Play" in i.value for i in at.info)


def test_data_controls_reset_the_run_and_change_the_points():
    at = run_page()
    first = the_run(at)
    setting(at, "slider", "noise").set_value(0.3).run()
    run = the_run(at)
    assert run is not first and run.data.n_train == first.data.n_train
    assert not np.array_equal(run.data.X_train, first.data.X_train)
    assert any("noise" in i.value for i in at.info)


def test_display_toggles_never_retrain():
    at = run_page()
    run = the_run(at)
    weights = [W.copy() for W in run.net.weights]
    epoch, serial = run.trainer.epoch, at.session_state["playground.serial"]
    display(at, "toggle", "Log scale")  # opens the popover that holds the three
    for label, value in (("Log scale", True), ("Discretize", True), ("Test points", False)):
        next(t for t in at.toggle if t.label == label).set_value(value)
    at.run()
    # only the live view reran: AppTest then holds its elements alone (the confusion matrix is not redrawn)
    assert set(vega_charts(at)) == {"live view"} and not at.exception
    assert the_run(at) is run and run.trainer.epoch == epoch and at.session_state["playground.serial"] == serial
    assert all(np.array_equal(a, b) for a, b in zip(weights, run.net.weights))
    spec, frames = vega_charts(at)["live view"]
    assert json.dumps(spec).count('"type": "log"') == 1  # the loss axis
    assert set(frames["points"]["split"]) == {"train"}
    front = frames["picture_front"]["front"][0]
    colours = {tuple(c) for c in png_pixels(frames[f"picture_{front}"]["url"][0]).reshape(-1, 3)}
    assert len(colours) == 2  # discretized: two flat colours
    assert not [i for i in at.info if "restarted" in i.value]


# ------------------------------------------------------------------ play, step, reset, replay
def test_step_reset_play_and_new_seed_buttons():
    at = run_page()
    button(at, "Step").click().run()
    assert the_run(at).trainer.epoch == 301
    button(at, "Reset").click().run()  # same seed, same initial weights, untrained and paused
    run = the_run(at)
    fresh = runs.prepare(RunConfig())
    assert run.trainer.epoch == 0 and button(at, "Play")
    assert all(np.array_equal(a, b) for a, b in zip(run.net.weights, fresh.net.weights))
    assert any("Not trained yet" in c.value for c in at.caption) or metric(at, "Epoch") == "0"
    button(at, "Play").click().run()  # below the budget, Play pauses by itself at it
    assert the_run(at).trainer.epoch == 300 and button(at, "Play")
    button(at, "New seed").click().run()  # a different start, untrained and paused, and in the URL
    run = the_run(at)
    assert run.config.seed != 0 and run.trainer.epoch == 0
    assert at.query_params["seed"] == str(run.config.seed)


def test_replay_slider_scrubs_back_to_a_snapshot():
    at = run_page()
    run = the_run(at)
    epochs = [s[0] for s in run.trainer.snapshots]
    assert len(epochs) > 10
    at.select_slider(key="playground.replay").set_value(epochs[3]).run()
    assert the_run(at) is run and run.trainer.epoch == 300  # nothing retrained
    assert metric(at, "Replaying epoch") == f"{epochs[3]:,}"
    frames = live(at)
    assert frames["loss_marks"]["kind"].tolist() == ["replay"] and frames["loss_marks"]["epoch"].tolist() == [epochs[3]]
    replayed = runs.prepare(RunConfig())
    replayed.train(epochs[3])
    assert metric(at, "Train loss") == f"{replayed.trainer.evaluate()['train_loss']:.4f}"
    at.select_slider(key="playground.replay").set_value("now").run()
    assert metric(at, "Epoch") == "300"


def test_a_diverged_run_says_so_and_reset_recovers():
    at = run_page({"dataset": "plane", "output": "linear", "lr": "10"})
    run = the_run(at)
    assert run.history.diverged_at is not None
    assert any(f"Diverged at epoch {run.history.diverged_at} — try a lower learning rate" in e.value for e in at.error)
    button(at, "Play").click().run()  # Play cannot continue a diverged run: it stays where it stopped
    assert the_run(at) is run and run.trainer.epoch == run.history.diverged_at and at.error
    button(at, "Reset").click().run()
    assert the_run(at).trainer.epoch == 0 and not at.error


# ------------------------------------------------------------------ URL
def test_query_params_round_trip():
    wanted = RunConfig(dataset="circle", hidden=(8, 3), activation="relu", lr=0.03, epochs=120, seed=7)
    at = run_page(to_query(wanted))
    run = the_run(at)
    assert run.config == wanted and run.trainer.epoch == 120
    assert setting(at, "number_input", "hidden.1").value == 3 and setting(at, "selectbox", "activation").value == "relu"
    assert dict(at.query_params) == to_query(wanted)
    assert not at.warning


def test_bad_query_params_fall_back_with_one_warning():
    at = run_page({"lr": "fast", "hidden": "4,x", "bogus": "1", "epochs": "50"}, play=False)
    assert len(at.warning) == 1
    text = at.warning[0].value
    assert "Learning rate" in text and "Hidden layers" in text and "bogus" in text
    run = the_run(at)
    assert run.config == RunConfig(epochs=50)  # the valid value is kept, the rest are defaults
    assert dict(at.query_params) == {"epochs": "50"}  # the URL is rewritten clean
    display(at, "toggle", "Log scale").set_value(True).run()
    assert not at.warning  # said once, not on every rerun


def test_multiclass_data_switches_to_softmax_and_says_so():
    at = run_page({"dataset": "multi_spiral", "classes": "3", "epochs": "50"}, play=False)
    run = the_run(at)
    assert run.config.output == "softmax" and run.data.n_classes == 3
    assert any("softmax" in w.value for w in at.warning)
    button(at, "Play").click().run()
    (confusion,) = vega_charts(at)["confusion matrix"][1].values()
    assert len(confusion) == 9
    assert {"accuracy_curve", "loss_curve"} <= set(live(at))


def test_regression_shows_r2_and_rmse():
    at = run_page({"dataset": "plane", "output": "linear", "epochs": "50"})
    run = the_run(at)
    s = scores(run.net, run.data)
    assert metric(at, "R² (test)") == f"{s['test_r2']:.4f}"
    assert metric(at, "RMSE (test)") == f"{s['test_rmse']:.4f}"
    assert "confusion matrix" not in vega_charts(at)


# ------------------------------------------------------------------ CSV
def test_a_bad_csv_shows_the_loaders_sentence_and_the_page_keeps_working():
    at = run_page({"dataset": "csv"}, {"playground.csv": ("points.csv", b"x1,x2\n1,2\n3,4\n")})
    assert len(at.error) == 1
    assert at.error[0].value.startswith("points.csv: The CSV is missing column label (or target)")
    assert setting(at, "selectbox", "dataset").value == "csv"  # the sidebar is still there
    setting(at, "selectbox", "dataset").set_value("moons").run()
    assert not at.exception and not at.error and the_run(at).data.name == "moons"


def test_csv_without_a_file_explains_the_format():
    at = run_page({"dataset": "csv"})
    assert not at.error
    assert any("x1, x2" in i.value for i in at.info)


def test_a_good_csv_trains_on_its_points():
    data = make("moons", n=60, noise=0.05, seed=3)
    at = run_page({"dataset": "csv", "epochs": "20"}, {"playground.csv": ("moons.csv", to_csv(data))})
    run = the_run(at)
    assert run.data.name == "csv" and run.data.n_train + run.data.n_test == 60
    assert np.array_equal(run.data.X_train, data.X_train)  # the file's split column is honoured
    assert run.trainer.epoch == 20 and not at.error


def test_the_link_warning_stays_until_the_learner_acts():
    at = run_page({"epochs": "40", "lr": "fast"}, play=False)
    assert len(at.warning) == 1 and "Learning rate" in at.warning[0].value
    at.run()  # a rerun of its own (e.g. the page pausing itself) still says it
    assert len(at.warning) == 1
    button(at, "Play").click().run()
    assert the_run(at).trainer.epoch == 40 and not at.warning


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


# ------------------------------------------------------------------ input features
def test_features_from_a_link_shape_the_network_and_each_input_has_its_picture():
    wanted = RunConfig(dataset="circle", hidden=(), features=("x1_sq", "x2_sq"))
    at = run_page(to_query(wanted))
    run = the_run(at)
    assert run.config == wanted and run.net.layer_sizes == [2, 1]
    assert run.trainer.evaluate()["test_accuracy"] >= 0.9  # the lesson: no hidden layer needed
    pills = setting(at, "button_group", "features")
    assert pills.label == "Input features" and list(pills.value) == ["x1_sq", "x2_sq"]
    nodes = live(at)["nodes"]
    assert nodes["name"].tolist()[:2] == ["input x₁²", "input x₂²"]
    assert dict(at.query_params) == {"dataset": "circle", "hidden": "", "features": "x1_sq,x2_sq"}


def test_choosing_features_in_the_sidebar_restarts_with_one_input_each():
    at = run_page(play=False)
    pills = setting(at, "button_group", "features")
    pills.select("x1_x2").select("sin_x1").run()
    assert not at.exception
    run = the_run(at)
    assert run.net.features == ("x1", "x2", "x1_x2", "sin_x1") and run.net.layer_sizes[0] == 4
    assert live(at)["nodes"]["name"].tolist()[:4] == ["input x₁", "input x₂", "input x₁x₂", "input sin x₁"]
    assert dict(at.query_params) == {"features": "x1,x2,x1_x2,sin_x1"}


def test_the_last_feature_cannot_be_switched_off():
    at = run_page({"features": "x2"}, play=False)
    setting(at, "button_group", "features").unselect("x2").run()
    assert not at.exception
    assert the_run(at).net.features == ("x2",)
    assert list(setting(at, "button_group", "features").value) == ["x2"]
    assert any("at least one stays on" in i.value for i in at.info)


# ------------------------------------------------------------------ data controls: Regenerate, the pictures
def test_regenerate_draws_new_points_from_the_same_generator():
    at = run_page(play=False)
    before = the_run(at)
    button(at, "Regenerate").click().run()
    assert not at.exception
    run = the_run(at)
    seed = run.config.data_seed
    assert seed != 0 and run.config == before.config.replace(data_seed=seed)
    assert not np.array_equal(run.data.X_train, before.data.X_train)
    assert dict(at.query_params) == {"data_seed": str(seed)}  # a link to the new points
    np.testing.assert_array_equal(run.data.X_train, make("xor_cloud", seed=seed).X_train)


def test_regenerate_is_greyed_out_for_a_fixed_data_set():
    at = run_page({"dataset": "xor"}, play=False)
    assert button(at, "Regenerate").disabled


def test_the_data_set_pictures_show_every_set_and_frame_the_current_one():
    from nn_core.datasets import DATASETS

    at = run_page({"dataset": "circle"}, play=False)
    (chart,) = [e for e in at.get("vega_lite_chart") if "data sets" in json.loads(e.proto.spec)["description"]]
    values = pa.ipc.open_stream(chart.proto.data.data).read_all().to_pylist()
    assert [v["label"] for v in values] == [d.label for d in DATASETS.values()]
    assert [v["name"] for v in values if v["chosen"]] == ["circle"]
    circle = png_pixels(next(v["url"] for v in values if v["name"] == "circle"))
    assert circle.shape[:2] == (36, 36)
    centre, corner = circle[16:20, 16:20, :3].reshape(-1, 3), circle[:3, :3, :3].reshape(-1, 3)
    assert (centre != 246).any() and (corner == 246).all()  # points in the middle, an empty corner


def test_clicking_a_picture_switches_the_data_set(monkeypatch):
    """The chart's selection event, as the browser sends it, sets the dataset widget (tests/test_browser
    clicks the real chart)."""
    from dashboard import keys
    from dashboard.playground import data_picker

    state = {f"{keys.DATA_PICKER}.xor_cloud": {"selection": {"pick": [{"name": "spiral"}]}}}
    picked = []
    monkeypatch.setattr(data_picker.st, "session_state", state)
    data_picker._picked(f"{keys.DATA_PICKER}.xor_cloud", lambda: picked.append(True))
    assert state[keys.widget("dataset")] == "spiral" and picked == [True]
    for hostile in ({"selection": {"pick": [{"name": "../etc"}]}}, {"selection": {"pick": ["x"]}}, None, {}):
        state = {"chart": hostile}
        monkeypatch.setattr(data_picker.st, "session_state", state)
        data_picker._picked("chart", lambda: picked.append(False))
        assert keys.widget("dataset") not in state and picked == [True]
