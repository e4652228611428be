"""AppTest of the Experiments page: every run is trained and drawn, with nn_core's own numbers."""

import json
import math

import numpy as np
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from dashboard import keys
from dashboard.diagnostics import FLOW_VIEWS
from nn_core.analysis import compare
from nn_core.config import RunConfig
from nn_core.history import epochs_to_target
from nn_core.runs import make_dataset
from nn_core.teaching.scenarios import SCENARIOS

PAGE = "../pages/4_Experiments.py"


def open_page(**state):
    at = AppTest.from_file(PAGE, default_timeout=120)
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def walk(node):
    for child in getattr(node, "children", {}).values():
        yield child
        yield from walk(child)


def chart_frames(at):
    """[(spec, [DataFrame per dataset])] for every Vega-Lite chart on the page."""
    out = []
    for element in walk(at.main):
        if getattr(element, "type", None) == "vega_lite_chart":
            frames = [convert_arrow_bytes_to_pandas_df(d.data.data) for d in element.proto.datasets]
            out.append((json.loads(element.proto.spec), frames))
    return out


def loss_chart_data(at):
    for _, frames in chart_frames(at):
        for frame in frames:
            if {"run", "epoch", "split", "loss"} <= set(frame.columns):
                return frame
    raise AssertionError("no overlaid loss chart on the page")


def texts(elements):
    return [e.value for e in elements]


def test_default_comparison_trains_every_run_and_draws_all_curves():
    at = open_page()
    assert not at.exception
    frame = loss_chart_data(at)
    expected = compare.compare(compare.sweep(RunConfig(), "activation", ["relu", "sigmoid", "tanh"]))
    assert sorted(frame["run"].unique()) == sorted(r.label for r in expected)
    shown = [*range(0, 300, 3), 299]  # of 300 recorded epochs a run, every third one and the last are drawn
    for r in expected:
        train = frame[(frame["run"] == r.label) & (frame["split"] == "train")].sort_values("epoch")
        test = frame[(frame["run"] == r.label) & (frame["split"] == "test")].sort_values("epoch")
        assert r.history.epochs == list(range(300)) and train["epoch"].tolist() == shown
        assert np.array_equal(train["loss"].to_numpy(), np.asarray(r.history.columns["loss"])[shown])
        assert np.array_equal(test["loss"].to_numpy(), np.asarray(r.history.columns["test_loss"])[shown])
    table = at.dataframe[-1].value
    assert table["run"].tolist() == [r.label for r in expected]
    assert table["final train loss"].tolist() == [r.metrics["train_loss"] for r in expected]
    assert table["same start as run 1"].tolist() == [True, True, True]
    assert table["epochs to target"].tolist() == [
        str(epochs_to_target(r.history, 0.2)) if epochs_to_target(r.history, 0.2) is not None
        else "never" for r in expected]
    assert table["epochs to target"].tolist()[1] == "never"  # sigmoid never reaches loss 0.2 in 300 epochs
    assert len(chart_frames(at)) == 1  # the loss curves: the other results' tabs are drawn when opened


def test_the_same_seed_gives_the_same_first_epoch_weights_across_runs():
    configs = compare.sweep(RunConfig(epochs=20), "lr", [0.03, 0.3, 3.0])
    results = compare.compare(configs)
    first = results[0].snapshots[0]
    for r in results[1:]:
        assert r.snapshots[0][0] == 0
        for a, b in zip(first[1] + first[2], r.snapshots[0][1] + r.snapshots[0][2]):
            assert np.array_equal(a, b)
    at = open_page()
    at.selectbox(key=f"{keys.EXP}.sweep.setting").set_value("lr")
    at.text_input(key=f"{keys.EXP}.sweep.values").set_value("0.03, 0.3, 3")
    at.button(key=f"{keys.EXP}.sweep.go").click().run()
    table = at.dataframe[-1].value
    assert table["run"].tolist() == ["lr 0.03", "lr 0.3", "lr 3"]
    assert table["same start as run 1"].tolist() == [True, True, True]
    assert sorted(loss_chart_data(at)["run"].unique()) == ["lr 0.03", "lr 0.3", "lr 3"]


def test_a_deeper_run_cannot_share_its_start_and_says_so():
    at = open_page()
    at.selectbox(key=f"{keys.EXP}.sweep.setting").set_value("hidden")
    at.text_input(key=f"{keys.EXP}.sweep.values").set_value("4; 4,4")
    at.button(key=f"{keys.EXP}.sweep.go").click().run()
    table = at.dataframe[-1].value
    assert table["run"].tolist() == ["hidden 4", "hidden 4-4"]
    assert table["same start as run 1"].tolist() == [True, False]


@pytest.mark.parametrize("scenario, phrase", [
    ("vanishing", "× layer 7's at the start of training: vanishing gradients"),
    ("exploding", "Loss diverged at epoch"),
    ("dead_relu", "of layer-1 ReLUs are dead (4 of 4)"),
])
def test_scenarios_are_diagnosed_on_the_page(scenario, phrase):
    at = open_page()
    at.selectbox(key=f"{keys.EXP}.scenario").set_value(scenario)
    at.button(key=f"{keys.EXP}.scenario.go").click().run()
    assert not at.exception
    problems = [e for e in texts(at.error) if phrase in e]
    assert len(problems) == 1, texts(at.error)
    assert ":small[" in problems[0]  # the numbers behind the sentence are shown under it
    assert any("no problems found" in e.label for e in at.expander)  # ... and its fix is clean
    assert at.session_state[keys.EXP_RESULTS] == "Gradient flow"  # a scenario opens on its diagnosis
    broken = compare.train_run(SCENARIOS[scenario].config)
    at.session_state[keys.EXP_RESULTS] = "Summary"
    assert [r for r in at.run().dataframe[-1].value["final train loss"]][0] == broken.metrics["train_loss"]


def test_bad_sweep_values_give_one_sentence_and_keep_the_runs():
    at = open_page()
    at.selectbox(key=f"{keys.EXP}.sweep.setting").set_value("lr")
    at.text_input(key=f"{keys.EXP}.sweep.values").set_value("0.1, fast")
    at.button(key=f"{keys.EXP}.sweep.go").click().run()
    assert not at.exception
    assert texts(at.error) == ["Learning rate: “fast” is not a number."]
    assert at.dataframe[-1].value["run"].tolist() == ["activation relu", "activation sigmoid", "activation tanh"]


def test_display_controls_do_not_retrain_and_log_scale_floors_losses():
    at = open_page()
    before = loss_chart_data(at)
    at.toggle(key=f"{keys.EXP}.log").set_value(True).run()
    spec = next(spec for spec, frames in chart_frames(at)
                if any({"run", "loss"} <= set(f.columns) for f in frames))
    assert spec["layer"][0]["encoding"]["y"]["scale"]["type"] == "log"
    after = loss_chart_data(at)
    assert np.array_equal(after["loss"].to_numpy(), before["loss"].to_numpy())  # same runs, nothing retrained
    at.toggle(key=f"{keys.EXP}.test").set_value(False).run()
    assert set(loss_chart_data(at)["split"]) == {"train"}


def test_replay_slider_shows_the_snapshot_weights():
    at = open_page(**{keys.EXP_RESULTS: "Inside one run"})
    slider = at.select_slider(key=f"{keys.EXP}.run.replay.epoch")
    epochs = list(slider.options)
    assert epochs[0] == "0" and epochs[-1] == "300"
    slider.set_value(0).run()
    relu = compare.train_run(RunConfig(activation="relu"))
    first_loss = relu.history.columns["loss"][0]
    assert any(f"Weights after 0 epochs: train loss {first_loss:.4g}" in c for c in texts(at.caption))


def test_histograms_have_one_panel_per_hidden_layer_and_count_every_output():
    at = open_page(**{keys.EXP_RESULTS: "Inside one run", f"{keys.EXP}.run.tab": "Activation histograms"})
    assert at.select_slider(key=f"{keys.EXP}.run.hist.epoch").value == 300  # starts on the final weights
    at.select_slider(key=f"{keys.EXP}.run.hist.epoch").set_value(0).run()
    frames = [f for _, fs in chart_frames(at) for f in fs if {"layer", "left", "right", "count"} <= set(f.columns)]
    assert len(frames) == 1
    hist = frames[0]
    n_train = make_dataset(RunConfig()).n_train
    assert sorted(hist["layer"].unique()) == ["layer 1 (relu)", "layer 2 (relu)"]
    assert all(hist[hist["layer"] == name]["count"].sum() == 4 * n_train for name in hist["layer"].unique())


def test_only_the_open_tabs_are_drawn():
    at = open_page()
    assert [t.label for t in at.tabs][:4] == ["Summary", "Decision boundaries", "Gradient flow", "Inside one run"]
    assert not [s for s, _ in chart_frames(at) if s.get("title") in [v.title for v in FLOW_VIEWS.values()]]
    at = open_page(**{keys.EXP_RESULTS: "Gradient flow"})
    assert not [f for _, fs in chart_frames(at) for f in fs if {"layer", "left", "right", "count"} <= set(f.columns)]
    flows = [s["title"] for s, _ in chart_frames(at) if s.get("title") in [v.title for v in FLOW_VIEWS.values()]]
    assert flows == ["Gradient norm per layer"]
    at = open_page(**{keys.EXP_RESULTS: "Gradient flow", f"{keys.EXP}.flow.tab": "Update size per layer"})
    assert [s["title"] for s, _ in chart_frames(at) if "facet" in s] == ["Update size per layer"]


def test_export_tab_offers_every_download():
    at = open_page(**{keys.EXP_RESULTS: "Inside one run", f"{keys.EXP}.run.tab": "Export"})
    labels = [b.label for b in walk(at.main) if getattr(b, "type", None) == "download_button"]
    for label in ["Config + weights (.json)", "Config + weights (.npz)", "Training history (.csv)",
                  "Dataset (.csv)", "NumPy script (.py)", "Jupyter notebook (.ipynb)"]:
        assert label in labels
    assert any(label.startswith("Loss chart") for label in labels)
    assert any(label.startswith("Boundary chart") for label in labels)


def test_too_few_runs_is_one_clear_sentence():
    at = AppTest.from_file(PAGE, default_timeout=120)
    from dashboard.experiments.panels import config_row
    at.session_state[f"{keys.EXP}.rows"] = [config_row(RunConfig())]
    at.session_state[f"{keys.EXP}.shared"] = RunConfig()
    at.session_state[f"{keys.EXP}.version"] = 0
    at.session_state[f"{keys.EXP}.data"] = None
    at.session_state[f"{keys.EXP}.message"] = None
    at.run()
    assert not at.exception
    assert texts(at.warning) == ["Compare 2 to 6 runs; got 1. Add or delete rows in the table."]


def test_copy_from_playground_uses_its_run():
    from nn_core.runs import run
    playground = run(RunConfig(activation="relu", hidden=(6,), epochs=40))
    at = open_page(**{keys.RUN: playground})
    at.button(key=f"{keys.EXP}.copy").click().run()
    assert not at.exception
    table = at.dataframe[-1].value
    assert len(table) == 2 and table["final train loss"].tolist()[0] == pytest.approx(
        playground.trainer.evaluate()["train_loss"])
    assert math.isfinite(table["final train loss"].tolist()[1])


def test_every_builder_makes_a_valid_vega_lite_spec():
    from dashboard import curves, diagnostics
    from dashboard.experiments import panels as ex
    from dashboard.experiments import replay
    results = compare.compare(compare.sweep(RunConfig(epochs=30), "activation", ["relu", "tanh"]))
    builders = [curves.overlaid_loss_chart(results),
                curves.overlaid_loss_chart(results, log_scale=True, show_test=False),
                *[diagnostics.flow_chart(results, column) for column in diagnostics.FLOW_VIEWS],
                diagnostics.activation_histogram_chart(compare.activation_histograms(results[0], 0)),
                ex.boundary_panels(results), replay.boundary_at(results[0], 1), replay.units_at(results[0], 1),
                curves.marked_loss_chart(results[0], 10)]
    for chart in builders:
        assert chart.to_dict()["$schema"].startswith("https://vega.github.io/schema/vega-lite/")  # validates


def _playground_panels():
    import streamlit as st

    from dashboard import diagnostics, exports
    from nn_core.config import RunConfig
    from nn_core.runs import run

    if "run" not in st.session_state:
        st.session_state["run"] = run(RunConfig(activation="relu", init="he", bias_init=-5.0, epochs=50))
    diagnostics.panel(st.session_state["run"], "pg")
    exports.export_panel(st.session_state["run"], "pg")


def test_playground_one_liners_work_on_a_plain_run():
    at = AppTest.from_function(_playground_panels, default_timeout=120).run()
    assert not at.exception
    assert any(e.value.startswith("**100 % of layer-1 ReLUs are dead (4 of 4)") for e in at.error)
    labels = [b.label for b in walk(at.main) if getattr(b, "type", None) == "download_button"]
    assert "NumPy script (.py)" in labels and "Config + weights (.json)" in labels
    assert len([1 for _, frames in chart_frames(at) if frames]) >= 3


def test_a_playground_csv_run_is_compared_on_its_own_data():
    from nn_core import datasets
    from nn_core.runs import run
    data = datasets.load_csv(datasets.to_csv(make_dataset(RunConfig(dataset="moons"))))
    playground = run(RunConfig(dataset="csv", epochs=40), data)
    at = open_page(**{keys.RUN: playground})
    at.button(key=f"{keys.EXP}.copy").click().run()
    at.selectbox(key=f"{keys.EXP}.sweep.setting").set_value("lr")
    at.text_input(key=f"{keys.EXP}.sweep.values").set_value("0.3, 1")
    at.button(key=f"{keys.EXP}.sweep.go").click().run()
    assert not at.exception
    table = at.dataframe[-1].value
    assert table["run"].tolist() == ["lr 0.3", "lr 1"]
    assert table["final train loss"].tolist()[0] == playground.trainer.evaluate()["train_loss"]


def test_a_diverging_run_is_cut_off_on_a_linear_axis_but_not_on_a_log_axis():
    from dashboard import curves as ex
    scenario = SCENARIOS["exploding"]
    results = compare.compare([scenario.config, scenario.config.replace(**scenario.fix)])
    cap = ex.loss_cap(results)
    assert cap == 3 * results[0].history.columns["loss"][0]
    linear = ex.overlaid_loss_chart(results).to_dict()
    assert linear["layer"][0]["encoding"]["y"]["scale"]["domain"] == [0, cap]
    assert "domain" not in ex.overlaid_loss_chart(results, log_scale=True).to_dict()["layer"][0]["encoding"]["y"]["scale"]
    assert ex.loss_cap(compare.compare(compare.sweep(RunConfig(epochs=20), "lr", [0.1, 0.3]))) is None


def _progressive_training():
    import streamlit as st

    from dashboard.experiments import panels as ex
    from nn_core.analysis import compare
    from nn_core.config import RunConfig
    from nn_core.runs import make_dataset

    configs = compare.sweep(RunConfig(epochs=7, seed=11), "lr", [0.11, 0.21, 0.31])
    seen = st.session_state.setdefault("seen", [])
    ex.train_runs(configs, compare.labels(configs), make_dataset(configs[0]),
                  on_result=lambda done: seen.append([r.label for r in done]))


def test_runs_are_shown_as_they_finish_and_then_come_from_the_cache():
    at = AppTest.from_function(_progressive_training, default_timeout=120).run()
    assert not at.exception
    # the page redraws the loss chart after each trained run but the last (then the full chart follows)
    assert at.session_state["seen"] == [["lr 0.11"], ["lr 0.11", "lr 0.21"]]
    at.run()  # every run is cached now: nothing trains, nothing is drawn early
    assert at.session_state["seen"] == [["lr 0.11"], ["lr 0.11", "lr 0.21"]]


def test_the_default_sweep_is_trained_once_and_shared_by_every_session():
    from dashboard.experiments import panels as ex
    first = loss_chart_data(open_page())
    default, store = ex.default_keys(), ex.run_store()
    assert len(default) == 3 and store.pinned_keys() == default
    runs = [store.get(k) for k in default]
    second = loss_chart_data(open_page())  # another session
    assert all(store.get(k).net is r.net for k, r in zip(default, runs))  # the very same trained networks
    assert first.equals(second)


def test_boundaries_and_replayed_units_are_pictures_of_the_trained_networks():
    from dashboard import charts, pictures
    from dashboard.experiments import panels as ex
    from nn_core.grids import network_grids
    at = open_page(**{keys.EXP_RESULTS: "Decision boundaries"})
    expected = compare.compare(compare.sweep(RunConfig(), "activation", ["relu", "sigmoid", "tanh"]))
    spec, frames = next((s, f) for s, f in chart_frames(at) if "concat" in s)
    assert [panel["layer"][0]["mark"]["type"] for panel in spec["concat"]] == ["image"] * 3
    urls = [f["url"][0] for f in frames if "url" in f.columns]
    for url, r in zip(urls, expected, strict=True):
        grids = network_grids(r.net, r.data.domain, ex.BOUNDARY_RESOLUTION)
        assert url == pictures.data_url(charts.background_picture(grids, r.data))
    at = open_page(**{keys.EXP_RESULTS: "Inside one run"})
    units = next(f for _, fs in chart_frames(at) for f in fs if {"unit", "url"} <= set(f.columns))
    assert units["unit"].tolist() == [1, 2, 3, 4]  # layer 1 of the replayed relu run (4, 4): one picture each


def test_the_shared_settings_are_drawn_only_while_open_and_keep_their_values_when_closed():
    """Closed, the shared data settings cost the browser nothing on a page open; a value set while
    they were open is still the one every run uses after they close."""
    at = open_page()
    assert not [n for n in at.number_input if n.label == "Samples"]
    at.session_state[f"{keys.EXP}.shared.open"] = True  # as a click on the expander sets it
    at.run()
    samples = next(n for n in at.number_input if n.label == "Samples")
    samples.set_value(120).run()
    at.session_state[f"{keys.EXP}.shared.open"] = False
    at.run()
    assert not at.exception and not [n for n in at.number_input if n.label == "Samples"]
    assert at.session_state[f"{keys.EXP}.shared"].n_samples == 120
    expected = compare.compare(compare.sweep(RunConfig(n_samples=120), "activation", ["relu", "sigmoid", "tanh"]))
    assert at.dataframe[-1].value["final train loss"].tolist() == [r.metrics["train_loss"] for r in expected]
    at.session_state[f"{keys.EXP}.shared.open"] = True  # reopened: the box shows the value it kept
    at.run()
    assert next(n for n in at.number_input if n.label == "Samples").value == 120


def test_the_run_table_is_drawn_only_while_open_and_its_edits_outlive_it():
    """Closed (as the page opens), the table's grid costs the browser nothing and the runs come from its rows.
    Open, the editor shows them; the rows it leaves after edits are the runs' rows once it closes, and it
    reopens on them under a new key (no edit of its own is applied twice)."""
    at = open_page()
    assert len(at.dataframe) == 1  # the summary only: no editor
    at.session_state[keys.EXP_TABLE] = True  # as a click on its title sets it
    at.run()
    assert not at.exception and len(at.dataframe) == 2
    editor = at.dataframe[0].value
    assert editor["activation"].tolist() == ["relu", "sigmoid", "tanh"]
    assert at.session_state[keys.EXP_EDITED] == at.session_state[f"{keys.EXP}.rows"]
    version = at.session_state[f"{keys.EXP}.version"]
    edited = [dict(row) for row in at.session_state[keys.EXP_EDITED]]
    edited[1]["lr"] = 0.1  # the rows as an edit of run 2's learning rate leaves them
    at.session_state[keys.EXP_EDITED] = edited
    at.session_state[keys.EXP_TABLE] = False
    at.run()
    assert not at.exception and len(at.dataframe) == 1
    assert at.session_state[f"{keys.EXP}.rows"] == edited and at.session_state[f"{keys.EXP}.version"] == version + 1
    expected = compare.compare([RunConfig(activation="relu"), RunConfig(activation="sigmoid", lr=0.1),
                                RunConfig(activation="tanh")])
    assert at.dataframe[-1].value["final train loss"].tolist() == [r.metrics["train_loss"] for r in expected]
    at.session_state[keys.EXP_TABLE] = True
    at.run()
    assert at.dataframe[0].value["lr"].tolist() == [r.config.lr for r in expected]


# ------------------------------------------------------------------ one slice for every run
def slice_chart(at):
    """(cells, paths) of the slice chart, as the browser receives them, and its caption."""
    for element in walk(at.main):
        if getattr(element, "type", None) == "vega_lite_chart":
            spec = json.loads(element.proto.spec)
            frames = [convert_arrow_bytes_to_pandas_df(d.data.data) for d in element.proto.datasets]
            cells = [f for f in frames if "alpha_lo" in f.columns]
            if cells:
                return cells[0], next(f for f in frames if "off_plane" in f.columns), spec["usermeta"]["caption"]
    return None


def test_three_optimizers_share_one_slice_with_nn_cores_numbers():
    from nn_core.analysis import landscape
    at = open_page()
    assert slice_chart(at) is None  # closed: nothing computed
    at.selectbox(key=f"{keys.EXP}.sweep.setting").set_value("optimizer")
    at.text_input(key=f"{keys.EXP}.sweep.values").set_value("sgd, momentum, adam")
    at.button(key=f"{keys.EXP}.sweep.go").click().run()
    at.session_state[f"{keys.EXP}.slice"] = True  # as a click on its title sets it
    at.run()
    assert not at.exception
    cells, paths, caption = slice_chart(at)
    from dashboard.experiments.panels import rows_to_configs
    configs = rows_to_configs(at.session_state[f"{keys.EXP}.rows"], at.session_state[f"{keys.EXP}.shared"])[0]
    assert [c.optimizer for c in configs] == ["sgd", "momentum", "adam"]
    shared = landscape.shared_slice(compare.compare(configs))
    assert cells["loss"].to_numpy().reshape(shared.loss.shape).tolist() == shared.loss.tolist()
    assert sorted(set(cells["alpha"])) == shared.alphas.tolist()
    assert list(dict.fromkeys(paths["path"])) == shared.labels == ["optimizer sgd", "optimizer momentum",
                                                                   "optimizer adam"]
    for label, placed, own, epochs in zip(shared.labels, shared.paths, shared.path_loss, shared.epochs):
        path = paths[paths["path"] == label]
        assert path["alpha"].tolist() == placed.alpha.tolist() and path["beta"].tolist() == placed.beta.tolist()
        assert path["loss"].tolist() == own and path["epoch"].tolist() == epochs
        assert (path["alpha"].iloc[0], path["beta"].iloc[0]) == (0.0, 0.0)  # every path starts at θ0
    assert caption.startswith("The loss around the weights all 3 runs start from, at (0, 0)")
    assert shared.plan.note() in caption


def test_runs_with_their_own_surfaces_get_one_sentence_instead_of_a_slice():
    at = open_page(**{f"{keys.EXP}.slice": True})  # the opening sweep: ReLU vs sigmoid vs tanh
    assert not at.exception and slice_chart(at) is None
    assert any(i.value.startswith("“activation sigmoid” and “activation relu” differ in their hidden activations")
               for i in at.info)
