"""Clicks on the network graph of the inspected Playground, in AppTest: an input switches its feature (as the
sidebar's buttons do), a hidden unit fills the boundary panel and a second click goes back, a weight or a bias
opens a box whose value trains on. AppTest cannot click a chart, so a click is what the browser sends: the
chart's selection state, with the clicked mark's pick, in the next run's widget states."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_page_inside import boundary_pixels
from test_page_playground import display, live, run_page, the_run

from dashboard import keys
from dashboard.playground import graph
from dashboard.playground.live_charts import GRAPH

LAYER = {"weight": "graph_weights", "unit": "graph_units", "output": "graph_units", "input": "graph_inputs",
         "bias": "graph_biases"}  # the chart layer each kind of mark is drawn in


def live_chart(at):
    return next(e for e in at.get("vega_lite_chart")
                if json.loads(e.proto.spec).get("description", "").startswith("live view"))


def click_graph(at, pick: str, selection: str | None = None):
    """One click on the graph's mark ``pick``: the chart's selection as the browser reports it."""
    chart = live_chart(at)
    states = at._tree.get_widget_states()
    state = states.widgets.add()
    state.id = chart.proto.id
    name = selection or LAYER[pick.split(":")[0]]
    state.string_value = json.dumps({"selection": {name: [{"pick": pick}]}})
    at._run(states)
    assert not at.exception, [e.value for e in at.exception]
    return at


def infos(at) -> str:
    return " ".join(i.value for i in at.info)


def test_the_inspected_chart_takes_clicks_on_its_graph_and_says_so():
    at = run_page(play=False)
    chart = live_chart(at)
    assert sorted(json.loads(chart.proto.spec)["params"][i]["name"] for i in range(4)) == sorted(GRAPH)
    assert set(chart.proto.selection_mode) == set(GRAPH)
    assert any("Click the network" in c.value for c in at.caption)
    assert "click the network" in display(at, "toggle", "Inspect").help


def test_a_click_on_a_hidden_unit_fills_the_boundary_panel_and_a_second_click_goes_back():
    at = run_page({"epochs": "30"})
    run, boundary = the_run(at), boundary_pixels(at)
    click_graph(at, "unit:1:2")
    assert display(at, "selectbox", "Look inside").value == "1.2"  # the Look inside choice follows
    assert not np.array_equal(boundary_pixels(at), boundary) and the_run(at) is run and run.trainer.epoch == 30
    inside = boundary_pixels(at)
    display(at, "selectbox", "Look inside").set_value("boundary").run()
    at.run()
    display(at, "selectbox", "Look inside").set_value("1.2").run()
    assert np.array_equal(boundary_pixels(at), inside)  # the very picture the Look inside choice shows
    at.run()
    click_graph(at, "unit:1:2")
    assert display(at, "selectbox", "Look inside").value == "boundary"
    assert np.array_equal(boundary_pixels(at), boundary)
    click_graph(at, "unit:2:3")
    click_graph(at, "output:1")  # the output unit is the boundary itself
    assert display(at, "selectbox", "Look inside").value == "boundary"


def test_a_click_on_an_input_switches_its_feature_as_the_sidebar_does():
    at = run_page(play=False)
    off = live(at)["inputs"]
    assert "x1_sq" in {p.split(":")[1] for p in off["pick"]}  # the features that are off are drawn, to click on
    click_graph(at, "input:x1_sq")
    run = the_run(at)
    assert run.net.features == ("x1", "x2", "x1_sq") and run.net.layer_sizes[0] == 3
    assert list(at.button_group(key=keys.widget("features")).value) == ["x1", "x2", "x1_sq"]
    assert dict(at.query_params) == {"features": "x1,x2,x1_sq"}
    assert "You changed input features" in infos(at)
    assert "input:x1_sq" not in set(live(at)["inputs"]["pick"]) and "input x₁²" in set(live(at)["nodes"]["name"])
    click_graph(at, "input:x1")
    click_graph(at, "input:x2")
    assert the_run(at).net.features == ("x1_sq",) and dict(at.query_params) == {"features": "x1_sq"}


def test_the_last_feature_stays_on_when_its_node_is_clicked():
    at = run_page({"features": "x2"}, play=False)
    run = the_run(at)
    click_graph(at, "input:x2")
    assert the_run(at) is run and run.net.features == ("x2",)
    assert list(at.button_group(key=keys.widget("features")).value) == ["x2"]
    assert "Input features: at least one stays on." in infos(at)
    assert dict(at.query_params) == {"features": "x2"}


def test_a_lesson_that_hides_the_features_keeps_them():
    at = run_page({"hide": "features"}, play=False)
    assert live(at)["inputs"].empty  # no faded features to switch on
    click_graph(at, "input:x1")
    assert the_run(at).net.features == ("x1", "x2") and "keeps the input features" in infos(at)


@pytest.mark.parametrize("pick, name, read", [
    ("weight:2:0:1", "W2[0,1]", lambda net: net.weights[1][0, 1]),
    ("bias:1:3", "b1[3]", lambda net: net.biases[0][0, 3]),
])
def test_a_click_on_a_weight_or_bias_opens_a_box_and_training_continues_from_the_typed_value(pick, name, read):
    at = run_page({"epochs": "20"})
    run = the_run(at)
    click_graph(at, pick)
    box = next(n for n in at.number_input if n.label == f"New value of {name}")
    assert box.value == pytest.approx(float(read(run.net)), abs=5e-5)
    box.set_value(1.75).run()
    assert not at.exception
    assert float(read(run.net)) == 1.75 and the_run(at) is run
    assert any(name in text for _, text in run.history.marks)  # the loss curve marks the edit
    assert f"You set {name}" in infos(at)
    assert not any(n.label.startswith("New value") for n in at.number_input)  # the box has closed
    next(b for b in at.button if b.label == "Step").click().run()
    assert run.trainer.epoch == 21  # and it trains on from the edited network


def test_the_close_button_closes_the_box():
    at = run_page(play=False)
    click_graph(at, "weight:1:1:2")
    next(b for b in at.button if b.label == "Close").click().run()
    assert not any(n.label.startswith("New value") for n in at.number_input)


@pytest.mark.parametrize("pick, name", [
    ("unit:9:9", None), ("unit:1:0", None), ("unit:1", None), ("unit:x:1", None), ("unit:1:+2", None),
    ("weight:1:99:0", None), ("weight:0:0:0", None), ("weight:3:0", None), ("bias:0:0", None), ("bias:1:4", None),
    ("input:evil", None), ("input:", None), ("zzz:1", None), ("", None), ("unit:1:2" * 20, None),
    ("unit:1:2", "not_a_selection"), ("unit:１:２", None)])
def test_a_tampered_click_changes_nothing(pick, name):
    at = run_page(play=False)
    run = the_run(at)
    before = [p.copy() for p in run.net.parameters()]
    click_graph(at, pick, selection=name or "graph_units")
    assert the_run(at) is run and all(np.array_equal(a, b) for a, b in zip(before, run.net.parameters()))
    assert keys.GRAPH_EDIT not in at.session_state and display(at, "selectbox", "Look inside").value == "boundary"
    assert dict(at.query_params) == {} and not at.warning and not at.error


@pytest.mark.parametrize("event", [None, {}, [], "unit:1:2", {"selection": None}, {"selection": []},
                                   {"selection": {"graph_units": {"pick": "unit:1:2"}}},
                                   {"selection": {"graph_units": ["unit:1:2"]}},
                                   {"selection": {"graph_units": [{"pick": 12}]}}])
def test_a_malformed_event_has_no_pick(event):
    assert graph.picked(event) is None


def test_an_edge_is_named_on_the_graph_as_the_value_box_names_it():
    """A learner hovers W2[0,1] on the graph and types into a box labelled W2[0,1]: one name, 0-based as on
    the Backprop page (the graph's tooltip once counted from 1)."""
    from dashboard import weight_editor
    from dashboard.playground import picture
    from nn_core.grids import network_grids

    run = the_run(run_page(play=False))
    grids = network_grids(run.net, run.data.domain, 24, hidden_resolution=24, max_units=8)
    edges = picture.network_parts(run.net, grids, run.data).edges
    picks = list(edges["pick"])
    k = picks.index("weight:2:0:1")
    assert edges["name"][k] == weight_editor.name(2, 0, 1) == "W2[0,1]"
    assert edges["weight"][k] == pytest.approx(run.net.weights[1][0, 1])
