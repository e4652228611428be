"""The picture a playing Playground shows: the whole live view, drawn on the server, true to the run."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from dashboard.playground import frames, live_picture
from dashboard.playground import picture as live_view
from dashboard.playground.live_sizes import PLANE_SIZE
from dashboard.playground.panels import View
from nn_core import datasets, runs
from nn_core.config import RunConfig
from nn_core.grids import network_grids

VIEW = View(log_scale=False, discretize=False, show_test=True)


def decoded(url: str) -> np.ndarray:
    assert url.startswith(("data:image/png;base64,", "data:image/jpeg;base64,"))
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB"))


def prepared(config: RunConfig) -> runs.Run:
    data = datasets.make(config.dataset, n=config.n_samples, noise=config.noise, seed=config.data_seed,
                         test_ratio=config.test_ratio, classes=config.classes)
    return runs.prepare(config, data)


def test_the_live_picture_shows_the_networks_boundary_where_no_point_covers_it():
    run = prepared(RunConfig())
    run.trainer.run_steps(40)
    frame = frames.frame(run, run.net, VIEW, final=True)  # paused: PNG, pixel for pixel
    assert frame.picture.startswith("data:image/png;base64,")
    picture = decoded(frame.picture)
    the = live_picture.layout(tuple(run.net.layer_sizes), run.data.kind)
    assert picture.shape == (the.height, the.width, 3) and frame.width == the.width
    grids = network_grids(run.net, run.data.domain, live_view.resolution(run.net, final=True))
    boundary = np.asarray(Image.fromarray(live_view.boundary_image(grids, run.data, False)).resize(
        (PLANE_SIZE, PLANE_SIZE), Image.Resampling.NEAREST))
    uncovered = live_view.dots_image(run.data, True)[..., 3] == 0
    plane = picture[the.plane.y:the.plane.y + PLANE_SIZE, the.plane.x:the.plane.x + PLANE_SIZE]
    assert uncovered.mean() > 0.5
    assert np.array_equal(plane[uncovered], boundary[uncovered])
    assert frame.metrics["train_loss"] == run.trainer.evaluate()["train_loss"]


def test_a_playing_frame_is_a_jpeg_that_looks_like_the_exact_picture():
    run = prepared(RunConfig())  # small enough that playing draws it at the paused resolution
    run.trainer.run_steps(40)
    assert live_view.resolution(run.net) == live_view.resolution(run.net, final=True)
    playing = frames.frame(run, run.net, VIEW, final=False)
    assert playing.picture.startswith("data:image/jpeg;base64,")
    exact = decoded(frames.frame(run, run.net, VIEW, final=True).picture).astype(int)
    moving = decoded(playing.picture).astype(int)
    error = np.abs(moving - exact)
    assert moving.shape == exact.shape and error.mean() < 1.5 and np.percentile(error, 99) < 30  # ringing only at sharp edges


def test_the_live_picture_changes_as_the_network_learns_and_repeats_for_the_same_state():
    run = prepared(RunConfig())
    before = decoded(frames.frame(run, run.net, VIEW, final=False).picture)
    again = decoded(frames.frame(run, run.net, VIEW, final=False).picture)
    assert np.array_equal(before, again)
    run.trainer.run_steps(60)
    after = decoded(frames.frame(run, run.net, VIEW, final=False).picture)
    the = live_picture.layout(tuple(run.net.layer_sizes), run.data.kind)
    for box in (the.plane, the.network, the.curves[0][1]):
        region = (slice(box.y, box.y + box.h), slice(box.x, box.x + box.w))
        assert not np.array_equal(before[region], after[region])


def test_paused_the_view_is_the_picture_unless_inspected_and_playing_always_the_picture():
    run = prepared(RunConfig(dataset="plane", output="linear"))
    inspected = frames.frame(run, run.net, View(False, False, True, inspect=True), final=True)
    paused = frames.frame(run, run.net, VIEW, final=True)
    playing = frames.frame(run, run.net, View(False, False, True, inspect=True), final=False)
    assert inspected.picture is None
    assert {"picture", "points", "edges", "loss_curve"} <= set(inspected.datasets)
    assert inspected.text == paused.text == playing.text
    assert paused.text.startswith("Epoch **0** · Train loss **") and "Test R² **" in paused.text
    assert paused.datasets == {} and playing.datasets == {} and paused.picture and playing.picture
    the = live_picture.layout(tuple(run.net.layer_sizes), "regression")
    assert [title for title, _ in the.curves] == ["loss"]  # regression has no accuracy curve


def test_a_replayed_snapshot_is_pictured_with_its_own_epoch_and_numbers():
    run = prepared(RunConfig())
    early = run.net.copy()
    run.trainer.run_steps(80)
    replayed = frames.frame(run, early, VIEW, at=0, final=True)
    now = frames.frame(run, run.net, VIEW, final=True)
    assert replayed.epoch == 0 and now.epoch == 80
    assert replayed.metrics["train_loss"] == run.trainer.evaluate(early)["train_loss"] != now.metrics["train_loss"]
    assert not np.array_equal(decoded(replayed.picture), decoded(now.picture))


def test_the_axes_are_drawn_once_for_many_frames():
    run = prepared(RunConfig())
    frames.frame(run, run.net, VIEW, final=False)
    hits = live_picture.backdrop.cache_info().hits
    run.trainer.run_steps(3)
    frames.frame(run, run.net, VIEW, final=False)
    assert live_picture.backdrop.cache_info().hits == hits + 1


def test_ticks_are_round_numbers_inside_the_range():
    assert live_picture.ticks(0, 300) == [0, 100, 200, 300]
    assert live_picture.ticks(-1.2, 1.2) == [-1, -0.5, 0, 0.5, 1]
    assert [v for v, _ in live_picture.scale_ticks(1e-4, 1, 100, flip=True, log=True)] == [1e-4, 1e-3, 1e-2, 0.1, 1]
    assert live_picture.tick_text(2000) == "2k" and live_picture.tick_text(0.5, percent=True) == "50%"
