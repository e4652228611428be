"""Draw on the inspected plane, in AppTest: with a draw choice under the paused chart, a click on the decision-
boundary panel adds a point of the chosen class (or target) at the clicked cell, or removes the points there;
the first click starts from the current data set, and the run trains on the drawn points as "Train on these
points" does (the link carries them). AppTest cannot click a chart, so a click is what the browser sends: the
chart's ``plane_cells`` selection, with the clicked cell, in the next run's widget states."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_page_graph import click_graph, infos, live_chart
from test_page_playground import live, run_page, the_run

from dashboard import keys
from dashboard.playground import draw, panels, plane, points_link
from dashboard.playground.live_charts import GRAPH, PLANE

CHOICE = keys.PLANE_DRAW + plane.WIDGET


def send(at, event):
    """What the browser sends for a click on the live chart: ``event`` as its selection state."""
    chart = live_chart(at)
    states = at._tree.get_widget_states()
    state = states.widgets.add()
    state.id = chart.proto.id
    state.string_value = event if isinstance(event, str) else json.dumps(event)
    at._run(states)
    assert not at.exception, [e.value for e in at.exception]
    return at


def click_cell(at, i: int, j: int):
    return send(at, {"selection": {PLANE: [{"i": i, "j": j}]}})


def choose(at, choice: str):
    at.button_group(key=CHOICE).set_value(choice).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def at_cell(at, i: int, j: int):
    points = live(at)["points"]
    return points[(points.x1 == draw.cell_centre(i)) & (points.x2 == draw.cell_centre(j))]


def test_drawing_is_off_until_chosen_and_then_the_panel_takes_clicks():
    at = run_page(play=False)
    chart = live_chart(at)
    assert PLANE not in {p["name"] for p in json.loads(chart.proto.spec)["params"]}
    assert set(chart.proto.selection_mode) == set(GRAPH)
    assert at.button_group(key=CHOICE).value == plane.OFF
    choose(at, "class 1")
    chart = live_chart(at)
    spec = json.loads(chart.proto.spec)
    assert PLANE in {p["name"] for p in spec["params"]} and set(chart.proto.selection_mode) == {*GRAPH, PLANE}
    caption = next(c.value for c in at.caption if c.value.startswith("**Draw on the plane"))
    assert "first click starts the drawn set from the current data set" in caption and "Clear all" in caption


def test_the_first_click_starts_from_the_data_and_the_run_trains_on_the_drawn_points():
    at = run_page({"epochs": "20"})
    run = the_run(at)
    n = len(run.data.X)
    choose(at, "class 1")
    click_cell(at, 2, 27)
    drawn = the_run(at)
    assert drawn is not run and drawn.config.dataset == "csv" and len(drawn.data.X) == n + 1
    assert drawn.trainer.epoch == 0  # restarted on the drawn set, as "Train on these points" restarts it
    assert list(at_cell(at, 2, 27)["target"]) == ["class 1"]  # the new point, on the panel at once
    assert f"Drawing started from the current data set: its {n} points" in infos(at)
    assert at.session_state[keys.DRAWN][-1] == (draw.cell_centre(2), draw.cell_centre(27), 1.0)
    rows, regression = points_link.decode(at.query_params["points"])
    assert len(rows) == n + 1 and rows[-1] == (draw.cell_centre(2), draw.cell_centre(27), 1.0) and not regression
    assert at.query_params["dataset"] == "csv"
    # a second click adds to the drawn set (no second "started"), in another class
    choose(at, "class 0")
    click_cell(at, 27, 2)
    assert len(the_run(at).data.X) == n + 2 and list(at_cell(at, 27, 2)["target"]) == ["class 0"]
    assert "Drawing started" not in infos(at)
    # and Play trains on it
    next(b for b in at.button if b.label == "Play").click().run()
    assert not at.exception and the_run(at).trainer.epoch == 20 and len(the_run(at).data.X) == n + 2
    assert at.button_group(key=CHOICE).value == "class 0"  # the choice is back once paused


def test_remove_takes_the_points_of_the_clicked_cell_away():
    at = run_page(play=False)
    choose(at, "class 2")
    click_cell(at, 5, 5)
    n = len(the_run(at).data.X)
    assert the_run(at).data.n_classes == 3  # a third class drawn: softmax, as for a drawn file
    choose(at, plane.REMOVE)
    click_cell(at, 5, 5)
    assert len(the_run(at).data.X) == n - 1 and at_cell(at, 5, 5).empty
    run = the_run(at)
    empty = next((i, j) for i in range(draw.CELLS) for j in range(draw.CELLS)
                 if all(np.hypot(x - draw.cell_centre(i), y - draw.cell_centre(j)) > 0.2 for x, y in run.data.X))
    click_cell(at, *empty)
    assert the_run(at) is run and "No point there to remove." in infos(at)


def test_a_regression_point_carries_the_chosen_target():
    at = run_page({"dataset": "plane", "n_samples": "40"}, play=False)
    assert at.button_group(key=CHOICE).options == ["off", "add a point", "remove points"]
    choose(at, plane.ADD)
    next(n for n in at.number_input if n.key == keys.PLANE_TARGET + plane.WIDGET).set_value(-2.5).run()
    click_cell(at, 15, 15)
    run = the_run(at)
    assert run.data.kind == "regression" and len(run.data.X) == 41
    assert list(at_cell(at, 15, 15)["target"]) == [-2.5]
    assert points_link.decode(at.query_params["points"])[1] is True


def test_below_four_points_the_run_keeps_its_data_and_says_so():
    at = run_page({"dataset": "xor"}, play=False)
    run = the_run(at)
    x, y = run.data.X[0]
    choose(at, plane.REMOVE)
    click_cell(at, draw.cell_of(x), draw.cell_of(y))
    assert the_run(at) is run and len(at.session_state[keys.DRAWN]) == 3
    assert "3 points drawn: a data set needs at least 4 to train" in infos(at)


def test_playing_takes_no_clicks(monkeypatch):
    run = the_run(run_page(play=False))
    state = {keys.VIEW_INSPECT: True, keys.PLANE_DRAW: "class 1"}
    monkeypatch.setattr(panels.st, "session_state", state)
    assert panels.view_of(run).draw
    state[keys.PLAYING] = True  # playing shows a picture: no cells, no clicks
    assert not panels.view_of(run).draw
    state[keys.PLAYING], state[keys.VIEW_INSPECT] = False, False
    assert not panels.view_of(run).draw


@pytest.mark.parametrize("event", [
    {"selection": {PLANE: [{"i": 30, "j": 0}]}}, {"selection": {PLANE: [{"i": -1, "j": 3}]}},
    {"selection": {PLANE: [{"i": True, "j": 3}]}}, {"selection": {PLANE: [{"i": 1.5, "j": 3}]}},
    {"selection": {PLANE: [{"i": "1", "j": "2"}]}}, {"selection": {PLANE: [{"i": 1}]}},
    {"selection": {PLANE: {"i": 1, "j": 2}}}, {"selection": {PLANE: ["1,2"]}}, {"selection": {PLANE: []}},
    {"selection": {PLANE: [{"i": 10**30, "j": 2}]}}, {"selection": {PLANE: [None, {"i": 1, "j": 2}]}},
    {"selection": {"elsewhere": [{"i": 1, "j": 2}]}}, {"selection": {}}])
def test_a_tampered_click_on_the_plane_changes_nothing(event):
    at = run_page(play=False)
    choose(at, "class 1")
    run, query = the_run(at), dict(at.query_params)
    send(at, event)
    assert the_run(at) is run and keys.DRAWN not in at.session_state and dict(at.query_params) == query
    assert not at.warning and not at.error


@pytest.mark.parametrize("event", [None, {}, [], "3,4", {"selection": None}, {"selection": []},
                                   {"selection": {PLANE: "3,4"}}, {"selection": {PLANE: [[3, 4]]}}])
def test_a_malformed_event_has_no_cell(event):
    assert draw.cell_in(event, PLANE) is None  # (Streamlit itself refuses a selection that is not a dict)


def test_a_cell_click_with_drawing_off_changes_nothing():
    at = run_page(play=False)
    run = the_run(at)
    click_graph(at, "unit:1:2", selection=PLANE)  # a graph pick in the plane's selection
    send(at, {"selection": {PLANE: [{"i": 3, "j": 4}]}})  # a cell though the panel has no cells
    assert the_run(at) is run and keys.DRAWN not in at.session_state and dict(at.query_params) == {}


def test_a_tampered_choice_is_off():
    at = run_page(play=False, session={keys.PLANE_DRAW: "class 99"})
    assert at.button_group(key=CHOICE).value == plane.OFF
    assert PLANE not in set(live_chart(at).proto.selection_mode)
