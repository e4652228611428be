"""Numerical robustness: divergence is caught, said and recoverable; no picture ever receives NaN, inf or a value
float32 cannot hold; long runs keep their memory flat.

(The 100,000-epoch memory figures are in benchmarks/bench_memory.py; here a shorter run proves the shape.)
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pyarrow as pa
import pytest
from test_hostile_inputs import Page, assert_clean, assert_one_message
from test_page_playground import picture_pixels, png_pixels

from dashboard.playground import frames
from dashboard.playground.panels import View
from nn_core import MLP, runs
from nn_core.analysis import compare
from nn_core.config import RunConfig
from nn_core.grids import LIMIT, finite, network_grids

# A run that diverges at epoch 4: linear units multiply the error instead of squashing it.
DIVERGING = RunConfig(activation="linear", hidden=(8, 8, 8), init_scale=10.0, lr=10.0, reduction="sum", epochs=100)


# ------------------------------------------------------------------ divergence in the Playground
def live_numbers(page: Page) -> dict[str, np.ndarray]:
    """The numbers the live view draws: weights, biases and curves (pictures are PNGs, checked to decode)."""
    out = {}
    for element in page.at.get("vega_lite_chart"):
        for dataset in element.proto.datasets:
            frame = pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()
            if "url" in frame:
                assert all(png_pixels(url).size for url in frame["url"])
            for column in ("weight", "bias", "value"):
                if column in frame and dataset.name in ("edges", "nodes", "loss_curve"):
                    out[f"{dataset.name}.{column}"] = frame[column].to_numpy(dtype=np.float64)
    return out


def test_divergence_is_caught_said_and_reset_recovers():
    query = {"activation": "linear", "hidden": "8,8,8", "init_scale": "10", "lr": "10", "reduction": "sum",
             "epochs": "100"}
    page = Page.open(query=query, session={"playground.view.inspect": True})  # the chart: its numbers
    assert_clean(page)
    run = page.run_state
    assert run.history.diverged_at == 4 and run.trainer.epoch == 4
    assert_one_message(page, "error", "Diverged at epoch 4 — try a lower learning rate, then press Reset.")
    assert all(np.isfinite(p).all() for p in run.net.parameters())  # the last finite epoch's weights are kept
    numbers = live_numbers(page)
    assert set(numbers) == {"edges.weight", "nodes.bias", "loss_curve.value"}
    for name, values in numbers.items():  # everything the diverged network shows is drawable
        values = values[~np.isnan(values)] if name == "nodes.bias" else values  # inputs have no bias
        assert np.isfinite(values).all(), name
        if name != "loss_curve.value":  # curves are float64; weights and biases are clipped for drawing
            assert np.abs(values).max() <= LIMIT, name

    page.click("Step")  # a diverged run stays where it stopped
    assert page.run_state is run and run.trainer.epoch == 4

    page.click("Reset")
    assert_clean(page)
    fresh = runs.prepare(run.config)
    assert page.run_state.trainer.epoch == 0 and not page.boxes("error")
    assert all(np.array_equal(a, b) for a, b in zip(page.run_state.net.parameters(), fresh.net.parameters()))

    page.at.select_slider(key="playground.cfg.lr").set_value(1e-4)
    page.run()  # a lower learning rate, as the message advises, then Reset and Play: the whole run trains
    page.click("Reset")
    page.click("Play")
    assert_clean(page)
    assert page.run_state.trainer.epoch == 100 and page.run_state.history.diverged_at is None
    assert not page.boxes("error")


def test_divergence_is_caught_by_the_engine_with_the_last_finite_weights():
    run = runs.prepare(DIVERGING)
    weights_at = {}
    for _ in range(8):
        weights_at.setdefault(run.trainer.epoch, [p.copy() for p in run.net.parameters()])
        run.train(1)
    assert run.history.diverged_at == 4 and run.history.status == "diverged at epoch 4" and run.trainer.epoch == 4
    assert all(np.array_equal(a, b) for a, b in zip(weights_at[3], run.net.parameters()))  # 4's loss was not finite
    assert np.isfinite(run.trainer.evaluate()["train_loss"])


# ------------------------------------------------------------------ the grids never hold NaN, inf or huge values
def _net(activation: str, output: str, scale: float) -> MLP:
    n_out = 3 if output == "softmax" else 1
    net = MLP([2, 5, 4, n_out], activation=activation, output=output, seed=1)
    _scale_weights(net, scale)
    return net


def _scale_weights(net: MLP, factor: float) -> None:
    net.set_parameters([p * factor if i % 2 == 0 else p for i, p in enumerate(net.parameters())])


def assert_plottable(grids) -> None:
    for array in [grids.output, *grids.hidden]:
        assert np.isfinite(array).all()
        assert np.abs(array).max() <= LIMIT


@pytest.mark.parametrize("output", ["sigmoid", "softmax", "linear"])
@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh", "sigmoid", "linear", "elu", "softplus"])
@pytest.mark.parametrize("scale", [1e150, 1e300, np.inf, np.nan], ids=["1e150", "1e300", "inf", "nan"])
def test_grids_of_any_weights_are_plottable(activation, output, scale):
    net = _net(activation, output, scale)
    grids = network_grids(net, (-1.0, 1.0, -1.0, 1.0), resolution=20, hidden_resolution=10)
    assert_plottable(grids)
    if output != "linear":  # probabilities stay probabilities; NaN shows as undecided
        assert 0.0 <= grids.output.min() and grids.output.max() <= 1.0


def test_big_network_grids_computed_in_blocks_are_plottable():
    net = MLP([2, 256, 256, 1], activation="linear", output="linear", seed=0)
    _scale_weights(net, 1e120)
    grids = network_grids(net, (-1.0, 1.0, -1.0, 1.0), hidden_resolution=30, max_units=16)  # 100 × 100, in blocks
    assert grids.output.shape == (100, 100, 1) and grids.hidden[0].shape == (30, 30, 16)
    assert_plottable(grids)


def test_every_picture_of_a_1e150_network_builds_without_a_warning():
    """pyproject turns RuntimeWarnings into errors: an overflow while colouring or drawing 1e150 would fail here."""
    run = runs.prepare(RunConfig(dataset="plane", output="linear", hidden=(5, 4), activation="relu", n_samples=40))
    _scale_weights(run.net, 1e150)
    for view in (View(False, False, True), View(True, True, False)):  # the picture of each
        assert png_pixels(frames.frame(run, run.net, view, final=True).picture).size
        assert picture_pixels(frames.frame(run, run.net, view, final=False).picture).size
    for view in (View(False, False, True, inspect=True), View(True, True, False, inspect=True)):
        frame = frames.frame(run, run.net, view, final=True)
        for name, table in frame.datasets.items():
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, table.schema) as writer:  # what the page sends to the browser
                writer.write_table(table)
            for column in ("weight", "bias"):
                if column in table.column_names:
                    values = table[column].to_numpy(zero_copy_only=False)
                    values = values[~np.isnan(values)]
                    assert np.isfinite(values).all() and np.abs(values).max() <= LIMIT, name
        assert all(png_pixels(url).size for url in frame.datasets["units"]["url"].to_pylist())


def test_histograms_and_replay_frames_of_a_diverged_run_are_finite():
    result = compare.train_run(DIVERGING)
    assert result.history.diverged_at == 4
    for index in range(len(compare.frames(result))):
        for layer in compare.activation_histograms(result, index):
            assert np.isfinite(layer.edges).all() and layer.counts.sum() > 0
        assert_plottable(network_grids(compare.net_at(result, index), result.data.domain, resolution=20))


def test_finite_clips_in_place_and_copies_read_only_arrays():
    values = np.array([np.nan, np.inf, -np.inf, 1e150, -1e7, 0.25])
    assert finite(values, nan=0.5) is values
    assert values.tolist() == [0.5, LIMIT, -LIMIT, LIMIT, -LIMIT, 0.25]
    frozen = np.array([np.nan, 2e6])
    frozen.setflags(write=False)
    fixed = finite(frozen)
    assert fixed.tolist() == [0.0, LIMIT] and np.isnan(frozen[0])
    clean = np.array([1.0, -LIMIT])
    assert finite(clean) is clean


# ------------------------------------------------------------------ long runs keep memory flat
def _retained_after(epochs: int) -> tuple[int, int, int]:
    """(bytes still allocated by the run, history records, snapshots) after ``epochs`` of the cheapest run."""
    config = RunConfig(dataset="toy", hidden=(), epochs=epochs)
    tracemalloc.start()
    try:
        run = runs.prepare(config)
        base = tracemalloc.get_traced_memory()[0]
        run.train()
        retained = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    return retained, len(run.history), len(run.trainer.snapshots)


def test_a_run_16_times_longer_keeps_the_same_memory():
    short, records_short, snaps_short = _retained_after(1_000)
    long, records_long, snaps_long = _retained_after(16_000)
    assert records_short == 1000 and 500 <= records_long <= 1000  # thinned: every 16th epoch kept
    assert snaps_long <= 40 and snaps_short <= 40
    assert long < 1.5 * short, (short, long)
