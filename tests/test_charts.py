"""The pure Altair builders of dashboard.charts, without a server: data in, spec out."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dashboard import chart_specs, charts, curves, palette
from nn_core import MLP, runs
from nn_core.config import RunConfig
from nn_core.datasets import make
from nn_core.grids import network_grids
from nn_core.history import History


@pytest.fixture(scope="module")
def trained():
    return runs.run(RunConfig(epochs=60))


def layers(spec: dict) -> list[dict]:
    return spec["layer"]


def test_loss_chart_holds_train_and_test_losses_with_a_legend_and_exact_tooltips(trained):
    chart = curves.loss_chart(trained.history)
    frame = chart.data
    assert frame["epoch"].tolist() == list(range(60))
    assert frame["train"].tolist() == trained.history.columns["loss"]
    assert frame["test"].tolist() == trained.history.columns["test_loss"]
    spec = chart.to_dict()  # validates against the Vega-Lite schema
    line, rule = layers(spec)
    assert line["transform"] == [{"fold": ["train", "test"], "as": ["split", "loss"]}]
    assert line["encoding"]["color"]["scale"]["domain"] == ["train", "test"]
    assert [t["format"] for t in rule["encoding"]["tooltip"][1:]] == [".6g", ".6g"]
    assert "type" not in line["encoding"]["y"]["scale"]  # linear


def test_loss_chart_log_scale_floors_zero_and_drops_non_finite_values():
    history = History(n_layers=1)
    for epoch, loss in enumerate([1.0, 0.0, math.inf, math.nan]):
        history.append(epoch, loss=loss, test_loss=math.nan)
    chart = curves.loss_chart(history, log_scale=True)
    assert "test" not in chart.data  # no test data at all: no test curve, no empty legend entry
    values = chart.data["train"].tolist()
    assert values[:2] == [1.0, curves.LOG_FLOOR] and all(math.isnan(v) for v in values[2:])
    assert layers(chart.to_dict())[0]["encoding"]["y"]["scale"]["type"] == "log"


def test_overlaid_losses_keep_the_same_epochs_of_every_run_and_each_last_one():
    from types import SimpleNamespace

    def result(label, epochs):
        history = History(n_layers=1)
        for epoch in range(epochs):
            history.append(epoch, loss=1 / (epoch + 1), test_loss=2 / (epoch + 1))
        return SimpleNamespace(label=label, history=history)

    long, short = result("long", 1000), result("short", 420)
    frame = curves.loss_frame([long, short], most=curves.CURVE_POINTS)
    epochs = {run: part[part["split"] == "train"]["epoch"].tolist() for run, part in frame.groupby("run")}
    assert len(epochs["long"]) <= curves.CURVE_POINTS and epochs["long"][-1] == 999
    assert epochs["long"][:3] == [0, 7, 14] and epochs["short"][:3] == [0, 7, 14]  # one step for both: one hover
    assert epochs["short"][-1] == 419  # each run's last epoch, off the step
    row = frame[(frame["run"] == "long") & (frame["epoch"] == 14) & (frame["split"] == "test")]
    assert row["loss"].tolist() == [2 / 15]  # the recorded value, not a mean of its neighbours
    assert len(curves.loss_frame([short])) == 2 * 420  # without ``most``: every epoch


def test_accuracy_chart_is_a_fraction_between_0_and_1(trained):
    chart = curves.accuracy_chart(trained.history)
    assert chart.data["train"].tolist() == trained.history.columns["accuracy"]
    y = layers(chart.to_dict())[0]["encoding"]["y"]
    assert y["scale"]["domain"] == [0, 1]


def test_boundary_chart_background_is_the_grid_and_test_points_are_distinct(trained):
    grid = network_grids(trained.net, trained.data.domain)
    chart = charts.boundary_chart(grid, trained.data)
    background, train, test = chart.layer
    assert np.allclose(background.data["value"].to_numpy(), grid.output[..., 0].ravel(), atol=1e-6)
    assert background.data["i"].max() == 99 and len(background.data) == 10_000
    spec = chart.to_dict()
    train_mark, test_mark = layers(spec)[1]["mark"], layers(spec)[2]["mark"]
    assert train_mark["stroke"] != test_mark["stroke"]  # held-out points are outlined dark
    assert spec["layer"][1]["encoding"]["shape"]["scale"]["range"] == ["circle", "diamond"]
    scale = layers(spec)[0]["encoding"]["color"]["scale"]
    assert scale["domain"] == [0, 0.5, 1] and layers(spec)[0]["encoding"]["color"]["legend"]["title"] == "P(class 1)"
    discrete = layers(charts.boundary_chart(grid, trained.data, discretize=True).to_dict())[0]
    assert discrete["encoding"]["color"]["scale"] == {"type": "threshold", "domain": [0.5],
                                                      "range": [palette.tint(palette.NEGATIVE), palette.tint(palette.POSITIVE)]}
    no_test = charts.boundary_chart(grid, trained.data, show_test=False)
    assert len(no_test.layer) == 2 and set(no_test.layer[1].data["split"]) == {"train"}


def test_boundary_chart_for_several_classes_and_for_regression():
    data = make("blobs", n=90, noise=0.05, seed=1, classes=3)
    net = MLP([2, 6, 3], activation="tanh", output="softmax", seed=0)
    grid = network_grids(net, data.domain, resolution=20)
    spec = charts.boundary_chart(grid, data).to_dict()
    assert "shade" in str(spec["layer"][0]["transform"])
    assert spec["layer"][1]["encoding"]["fill"]["scale"]["domain"] == ["class 0", "class 1", "class 2"]
    cells = charts.boundary_chart(grid, data).layer[0].data
    assert cells["label"].tolist() == grid.predicted.ravel().tolist()

    reg = make("plane", n=40, noise=0.0, seed=0)
    net = MLP([2, 4, 1], activation="tanh", output="linear", seed=0)
    grid = network_grids(net, reg.domain, resolution=10)
    spec = charts.boundary_chart(grid, reg).to_dict()
    assert spec["layer"][1]["encoding"]["fill"]["type"] == "quantitative"
    assert charts.boundary_chart(grid, reg, discretize=True).to_dict()["layer"][0]["encoding"]["color"]["scale"][
        "type"] == "quantize"


def test_a_diverged_network_never_puts_nan_or_overflow_into_the_boundary():
    reg = make("plane", n=40, noise=0.0, seed=0)
    net = MLP([2, 4, 1], activation="relu", output="linear", seed=0)
    W1, b1, W2, b2 = net.parameters()
    net.set_parameters([np.full_like(W1, 1e200), b1, np.full_like(W2, 1e200), b2])
    grid = network_grids(net, reg.domain, resolution=10)
    values = charts.boundary_chart(grid, reg).layer[0].data["value"].to_numpy()
    assert np.isfinite(values).all() and np.abs(values).max() <= 1e6


def test_neurons_chart_has_one_picture_per_unit_grouped_by_layer():
    net = MLP([2, 3, 20, 1], activation="tanh", seed=0)
    grid = network_grids(net, (-1, 1, -1, 1), hidden_resolution=12, max_units=charts.MAX_UNITS)
    chart = charts.neurons_chart(grid.hidden, net.hidden_activations, widths=[3, 20])
    (frame,) = chart_specs.to_spec(chart)["datasets"].values()  # one dataset shared by the layer rows
    assert sorted(set(zip(frame["layer"], frame["unit"]))) == (
        [(1, u) for u in range(1, 4)] + [(2, u) for u in range(1, charts.MAX_UNITS + 1)])
    unit = frame[(frame["layer"] == 2) & (frame["unit"] == 5)]
    assert np.allclose(unit["value"].to_numpy(), grid.hidden[1][..., 4].ravel(), atol=1e-6)
    spec = chart.to_dict()
    assert "first 16 of 20 units" in spec["vconcat"][1]["title"]["text"]
    assert charts.thumb_size(16) == 30 and charts.thumb_size(128) == 12


def test_confusion_chart_writes_the_counts():
    matrix = np.array([[5, 1], [2, 7]])
    chart = charts.confusion_chart(matrix)
    (frame,) = chart_specs.to_spec(chart)["datasets"].values()
    assert frame.to_dict("records")[1] == {"true": "class 0", "predicted": "class 1", "count": 1}
    assert frame["count"].tolist() == [5, 1, 2, 7]
    chart.to_dict()


def test_to_spec_names_each_dataset_once_and_keeps_the_frames(trained):
    grid = network_grids(trained.net, trained.data.domain, hidden_resolution=10)
    chart = charts.boundary_chart(grid, trained.data)
    spec = chart_specs.to_spec(chart)
    assert list(spec["datasets"]) == ["frame_0", "frame_1"]  # cells, points (both point layers share one)
    assert spec["datasets"]["frame_0"] is chart.layer[0].data
    assert spec["layer"][0]["data"] == {"name": "frame_0"} and spec["layer"][2]["data"] == {"name": "frame_1"}
    assert chart.layer[0].data is spec["datasets"]["frame_0"]  # the chart itself is left as it was
    neurons = chart_specs.to_spec(charts.neurons_chart(grid.hidden, trained.net.hidden_activations))
    assert list(neurons["datasets"]) == ["frame_0"]
    assert chart_specs.to_spec(curves.loss_chart(trained.history))["description"].startswith("loss")
