"""The Playground's "Loss landscape" tab in AppTest: its chart carries nn_core's slice and path, the choice of
directions switches them, it is built only when opened, and while the run plays it keeps the last pause's
slice and projects the new points onto it (the grid is computed only in paused page runs)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from test_page_playground import button, run_page, setting, the_run, vega_charts

from dashboard import keys, landscape_chart
from dashboard.playground import loss_landscape, state
from nn_core.analysis import landscape
from nn_core.config import RunConfig
from nn_core.runs import prepare

TAB = "Loss landscape"


def open_tab(at):
    at.segmented_control(key=keys.MORE).set_value(TAB).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def chart(at) -> dict:
    """The landscape chart's datasets by what they hold: "heat" (the slice's cells) and "path"."""
    spec, frames = vega_charts(at)["loss landscape"]
    out = {}
    for frame in frames.values():
        if "alpha_lo" in frame:
            out["heat"] = frame
        elif "off_plane" in frame:
            out["path"] = frame
    out["spec"] = spec
    return out


def as_grid(heat, alphas, betas) -> np.ndarray:
    """The heat map's cells back into a (betas, alphas) grid (NaN where a cell was left out)."""
    grid = np.full((len(betas), len(alphas)), np.nan)
    i = np.searchsorted(betas, heat["beta"].to_numpy())
    j = np.searchsorted(alphas, heat["alpha"].to_numpy())
    grid[i, j] = heat["loss"].to_numpy()
    return grid


@pytest.fixture(scope="module")
def trained():
    """The default run, played to its budget (300 epochs), with the tab open."""
    return open_tab(run_page())


def test_the_chart_holds_the_engines_slice_and_path(trained):
    at = trained
    run = the_run(at)
    found = landscape.run_slice(run, "pca")  # what the CLI computes for the same run
    shown = chart(at)
    assert at.radio(key=keys.LANDSCAPE_DIRECTIONS).value == "pca"
    assert len(shown["heat"]) == landscape.GRID_SIZE ** 2
    np.testing.assert_allclose(as_grid(shown["heat"], found.alphas, found.betas), found.loss, rtol=1e-13, atol=0)
    middle = shown["heat"][(shown["heat"].alpha.abs() < 1e-12) & (shown["heat"].beta.abs() < 1e-12)]
    assert middle.loss.item() == pytest.approx(found.center_loss, rel=1e-12)
    assert found.center_loss == pytest.approx(run.trainer.evaluate()["train_loss"], rel=1e-12)
    path = shown["path"]
    assert path.epoch.tolist() == found.epochs and found.epochs[-1] == 300
    np.testing.assert_allclose(path.alpha, found.path.alpha, rtol=0, atol=1e-12)
    np.testing.assert_allclose(path.off_plane, found.path.off_plane, rtol=0, atol=1e-12)
    last = path.iloc[-1]
    assert path.order.tolist() == found.epochs and path.order.is_monotonic_increasing  # the last point is now
    assert abs(last.alpha) < 1e-12 and abs(last.beta) < 1e-12 and abs(last.off_plane) < 1e-12  # now is (0, 0)
    assert path.alpha.iloc[0] < 0  # PCA directions: the path starts at negative α and walks in
    assert shown["spec"]["layer"][0]["encoding"]["color"]["scale"]["type"] == (
        "log" if landscape.wide_range(found.loss) else "linear")
    words = next(m.value for m in at.markdown if m.value.startswith("**A slice, not the whole surface.**"))
    assert f"{sum(p.size for p in run.net.parameters()):,} dimensions" in words
    assert f"up to {float(np.max(found.path.off_plane)):.3g} away from the slice's plane" in words
    assert found.plan.note() in words


def test_the_choice_switches_the_directions(trained):
    at = trained
    run = the_run(at)
    pca = at.session_state[keys.LANDSCAPE_SLICE].found
    at.radio(key=keys.LANDSCAPE_DIRECTIONS).set_value("random").run()
    assert not at.exception
    held = at.session_state[keys.LANDSCAPE_SLICE]
    assert held.found.kind == "random" and held.requested == "random"
    d1, d2 = landscape.directions(run.net, "random")
    assert all(np.array_equal(u, v) for u, v in zip(d1 + d2, held.found.d1 + held.found.d2))
    assert not np.allclose(pca.d1[0], held.found.d1[0])
    found = landscape.run_slice(run, "random")
    np.testing.assert_allclose(as_grid(chart(at)["heat"], found.alphas, found.betas), found.loss, rtol=1e-13)
    assert any("random directions nearly miss" in m.value for m in at.markdown)
    path = chart(at)["path"]
    assert abs(path.alpha.iloc[-1]) < 1e-12 and abs(path.beta.iloc[-1]) < 1e-12
    at.radio(key=keys.LANDSCAPE_DIRECTIONS).set_value("pca").run()
    assert at.session_state[keys.LANDSCAPE_SLICE].found.kind == "pca"


def test_the_tab_is_not_built_while_closed(monkeypatch):
    calls = []
    real = landscape.run_slice
    monkeypatch.setattr(landscape, "run_slice", lambda *a, **k: calls.append(a) or real(*a, **k))
    at = run_page()
    assert "loss landscape" not in vega_charts(at) and keys.LANDSCAPE_SLICE not in at.session_state
    assert not any(r.key == keys.LANDSCAPE_DIRECTIONS for r in at.radio)
    assert calls == []
    open_tab(at)
    assert "loss landscape" in vega_charts(at) and len(calls) == 1
    at.segmented_control(key=keys.MORE).set_value("Export").run()
    assert "loss landscape" not in vega_charts(at) and len(calls) == 1


def test_an_untrained_run_has_no_path_yet_and_says_so():
    at = open_tab(run_page(play=False))
    held = at.session_state[keys.LANDSCAPE_SLICE]
    assert held.requested == "pca" and held.found.kind == "random" and held.epoch == 0
    assert any("need a path of at least two snapshots" in m.value for m in at.markdown)
    path = chart(at)["path"]
    assert path.epoch.tolist() == [0] and path.alpha.item() == 0 and path.beta.item() == 0


def test_playing_keeps_the_last_pauses_slice_and_projects_the_new_points(monkeypatch):
    """Slices are computed only in paused page runs; while playing, the follow (at most once a second)
    projects the snapshots and the weights of the moment onto the held plane."""
    sliced, drawn = [], []
    real_slice, real_path = landscape.run_slice, loss_landscape.path_now

    def recording_slice(still, kind, *args, **kwargs):
        sliced.append((still.epochs_done, state.playing()))
        return real_slice(still, kind, *args, **kwargs)

    def recording_path(run, held):
        result = real_path(run, held)
        drawn.append((time.perf_counter(), held, result, state.playing()))
        return result

    monkeypatch.setattr(landscape, "run_slice", recording_slice)
    monkeypatch.setattr(loss_landscape, "path_now", recording_path)
    at = open_tab(run_page({"epochs": "60"}))
    paused = at.session_state[keys.LANDSCAPE_SLICE]
    assert paused.epoch == 60 and sliced == [(60, False)]
    drawn.clear()
    setting(at, "number_input", "epochs").set_value(200).run()  # a new budget: Play trains to it
    button(at, "Play").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert the_run(at).trainer.epoch == 200
    assert sliced == [(60, False), (200, False)]  # none while playing: the held one was kept
    playing = [d for d in drawn if d[3]]
    assert len(playing) >= 3 and all(d[1] is paused for d in playing)
    times = [d[0] for d in playing]
    assert all(b - a >= 0.99 * loss_landscape.FOLLOW_SECONDS for a, b in zip(times[1:], times[2:]))
    for _, _, (epochs, alpha, beta, off), _ in playing[1:]:
        assert epochs[-1] > 60
        snaps = {int(s[0]): s for s in the_run(at).snapshots}
        inner = [e for e in epochs[:-1] if e in snaps]
        exact = landscape.project([landscape.parameters_of(snaps[e]) for e in inner], paused.found.center,
                                  paused.found.d1, paused.found.d2)
        got = {e: (a, b, o) for e, a, b, o in zip(epochs, alpha, beta, off)}
        np.testing.assert_allclose([got[e] for e in inner], np.stack([exact.alpha, exact.beta, exact.off_plane], 1),
                                   rtol=1e-9, atol=1e-12)
        assert off[-1] > 0 and (alpha[-1], beta[-1]) != (0.0, 0.0)  # now has moved off the pause's point
    final = at.session_state[keys.LANDSCAPE_SLICE]
    assert final is not paused and final.epoch == 200  # paused at its budget: recomputed there
    path = chart(at)["path"]
    assert path.epoch.iloc[-1] == 200 and abs(path.alpha.iloc[-1]) < 1e-12


def test_a_diverged_run_shows_the_slice_around_its_last_finite_weights():
    at = open_tab(run_page({"dataset": "plane", "output": "linear", "lr": "10"}))
    run = the_run(at)
    diverged = run.history.diverged_at
    assert diverged is not None
    held = at.session_state[keys.LANDSCAPE_SLICE]
    path = chart(at)["path"]
    assert path.epoch.iloc[-1] == held.found.epochs[-1] == diverged - 1
    assert np.isfinite(path[["alpha", "beta", "off_plane"]].to_numpy()).all()
    heat = chart(at)["heat"]
    assert len(heat) > 0 and np.isfinite(heat.loss).all()  # overflowed points are left out, not drawn
    words = next(m.value for m in at.markdown if m.value.startswith("**A slice, not the whole surface.**"))
    assert f"centred on the weights at epoch {diverged - 1:,} " in words


@pytest.mark.parametrize("log", [False, True])
def test_the_chart_builder_makes_a_valid_vega_lite_spec(log):
    run = prepare(RunConfig(epochs=30))
    run.train()
    found = landscape.run_slice(run, "pca", size=9)
    found.loss[0, 0] = np.inf  # an overflowed point is left out of the heat map
    finite = found.loss[np.isfinite(found.loss)]
    loss = found.loss.copy()
    if log:  # a range as wide as the engine's rule asks for a log scale
        loss[1, 1] = 2 * landscape.LOG_RATIO * finite.max()
    else:  # squeezed into [1, 2]: narrow
        loss = 1 + (loss - finite.min()) / (finite.max() - finite.min())
    assert landscape.wide_range(loss) == log
    path = loss_landscape.path_frame(found.path.alpha, found.path.beta, found.epochs, found.path.off_plane)
    spec = landscape_chart.landscape_chart(found.alphas, found.betas, loss, path, side=loss_landscape.SIDE).to_dict()
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")  # validated
    assert spec["layer"][0]["encoding"]["color"]["scale"]["type"] == ("log" if log else "linear")
    heat = landscape_chart.slice_frame(found.alphas, found.betas, loss)
    assert len(heat) == 9 * 9 - 1 and heat.alpha_lo.min() < found.alphas[0] < found.alphas[-1] < heat.alpha_hi.max()
