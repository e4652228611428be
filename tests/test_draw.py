"""Draw your own data: clicks on the plane add and remove points, the drawn set trains like any data set,
survives a page switch, and round-trips through CSV and a saved run bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import keys
from dashboard.playground import draw
from nn_core import datasets, runs
from nn_core.files import export, restore
from tests.test_page_playground import PAGE, run_page, the_run, vega_charts

DRAWN = [(-0.5, -0.5, 0.0), (0.5, 0.5, 0.0), (-0.5, 0.5, 1.0), (0.5, -0.5, 1.0), (-0.45, -0.55, 0.0),
         (0.55, 0.45, 0.0), (-0.55, 0.45, 1.0), (0.45, -0.55, 1.0), (0.1, 0.9, 1.0), (-0.9, 0.1, 1.0)]


def test_points_csv_round_trips_exactly():
    X = np.array([[0.1, -0.2], [1 / 3, 2 / 3], [-1.25, 1e-17], [0.5, 0.5]])
    data = datasets.load_csv(datasets.points_csv(X, [0, 1, 1, 0]), test_ratio=0.0)
    assert data.kind == "binary" and sorted(data.X_train.tolist()) == sorted(X.tolist())  # shuffled, exact
    regression = datasets.load_csv(datasets.points_csv(X, [0.5, -1.0, 2.0, 0.25], regression=True), test_ratio=0.0)
    assert regression.kind == "regression" and sorted(regression.y_train.ravel().tolist()) == [-1.0, 0.25, 0.5, 2.0]


def _click(monkeypatch, state: dict, event) -> None:
    state["chart"] = event
    monkeypatch.setattr(draw.st, "session_state", state)
    draw._clicked("chart")


def test_a_click_adds_a_point_of_the_chosen_class_at_its_cell_and_remove_mode_takes_it_away(monkeypatch):
    state = {keys.DRAW_CLASS: 2}
    _click(monkeypatch, state, {"selection": {"cell": [{"i": 0, "j": 29}]}})
    (point,) = state[keys.DRAWN]
    assert point == (draw.cell_centre(0), draw.cell_centre(29), 2.0) and point[0] == -1.45 and point[1] > 1.4
    _click(monkeypatch, state, {"selection": {"cell": [{"i": 15, "j": 15}]}})
    assert len(state[keys.DRAWN]) == 2 and state[keys.DRAW_CLICKS] == 2  # each click, a fresh chart
    state[keys.DRAW_MODE] = "remove"
    _click(monkeypatch, state, {"selection": {"cell": [{"i": 0, "j": 29}]}})
    assert state[keys.DRAWN] == [(draw.cell_centre(15), draw.cell_centre(15), 2.0)]


def test_a_regression_point_carries_the_chosen_target(monkeypatch):
    state = {keys.DRAW_REGRESSION: True, keys.DRAW_TARGET: -2.5}
    _click(monkeypatch, state, {"selection": {"cell": [{"i": 3, "j": 4}]}})
    assert state[keys.DRAWN][0][2] == -2.5


@pytest.mark.parametrize("event", [None, {}, {"selection": None}, {"selection": {"cell": []}},
                                   {"selection": {"cell": ["3,4"]}}, {"selection": {"cell": [{"i": 30, "j": 0}]}},
                                   {"selection": {"cell": [{"i": -1, "j": 0}]}},
                                   {"selection": {"cell": [{"i": True, "j": 0}]}},
                                   {"selection": {"cell": [{"i": 1.5, "j": 0}]}},
                                   {"selection": {"cell": [{"i": "1", "j": "2"}]}}])
def test_a_tampered_click_event_changes_nothing(monkeypatch, event):
    state = {keys.DRAWN: list(DRAWN)}
    _click(monkeypatch, state, event)
    assert state[keys.DRAWN] == DRAWN and keys.DRAW_CLICKS not in state


def test_the_drawn_points_train_like_any_data_set_and_survive_a_page_switch():
    at = run_page(session={keys.DRAWN: list(DRAWN), keys.DRAW_OPEN: True}, play=False)
    assert "10 points drawn" in " ".join(c.value for c in at.caption)
    at.button(key=keys.DRAW_USE).click().run()
    assert not at.exception and not at.error
    run = the_run(at)
    assert run.config.dataset == "csv" and run.data.n_train + run.data.n_test == len(DRAWN)
    drawn = np.array([p[:2] for p in DRAWN])
    assert sorted(map(tuple, run.data.X.tolist())) == sorted(map(tuple, drawn.tolist()))
    next(b for b in at.button if b.label == "Play").click().run()
    assert not at.exception and the_run(at).trainer.epoch == run.config.epochs
    # another page, then back: the same session keeps the points and the run's data
    at.switch_page("2_Backprop.py").run()
    at.switch_page("1_Playground.py").run()
    assert not at.exception
    assert at.session_state[keys.DRAWN] == DRAWN and the_run(at).config.dataset == "csv"


def test_the_plane_is_drawn_only_while_its_expander_is_open():
    at = run_page(play=False)
    assert "draw points" not in vega_charts(at) and not [b for b in at.button if b.key == keys.DRAW_USE]
    at.session_state[keys.DRAW_OPEN] = True  # as a click on "Draw your own data" sets it
    at.run()
    assert "draw points" in vega_charts(at) and at.button(key=keys.DRAW_USE).disabled  # nothing drawn yet


def test_start_from_the_data_then_clear_all():
    at = run_page({"dataset": "circle", "n_samples": "40"}, session={keys.DRAW_OPEN: True}, play=False)
    at.button(key=keys.DRAW_FROM_DATA).click().run()
    assert len(at.session_state[keys.DRAWN]) == 40
    assert not at.button(key=keys.DRAW_USE).disabled
    at.button(key=keys.DRAW_CLEAR).click().run()
    assert at.session_state[keys.DRAWN] == [] and at.button(key=keys.DRAW_USE).disabled


def test_a_drawn_run_saves_and_restores_bit_for_bit(tmp_path):
    X = np.array([p[:2] for p in DRAWN])
    y = np.array([p[2] for p in DRAWN])
    data = datasets.load_csv(datasets.points_csv(X, y))
    config = runs.RunConfig(dataset="csv", features=("x1", "x2", "x1_x2"), hidden=(4,), epochs=40)
    trained = runs.run(config, data)
    path = tmp_path / "drawn.json"
    export.save(path, trained.net, trained.config)
    restored = restore.load_saved(path.read_bytes(), datasets.to_csv(trained.data))
    assert restored.net.flat_parameters().tobytes() == trained.net.flat_parameters().tobytes()
    assert restored.data.X_train.tobytes() == trained.data.X_train.tobytes()
    assert restored.net.features == ("x1", "x2", "x1_x2")


def test_the_page_keeps_working_without_any_drawing():
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state[keys.DRAW_OPEN] = True
    at.run()
    assert not at.exception and at.button(key=keys.DRAW_USE).disabled
