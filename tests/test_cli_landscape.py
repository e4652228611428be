"""``python -m nn_core landscape``: it trains as train does, and its JSON recomputes from itself alone."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nn_core import config as cfg
from nn_core.analysis import landscape
from nn_core.programs.cli import build_parser, flag, main
from nn_core.runs import prepare
from nn_core.teaching.presets import run_preset

ROOT = Path(__file__).resolve().parents[1]


def _run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def _json(capsys, *argv) -> tuple[int, dict]:
    code, out, _ = _run(capsys, "landscape", *argv, "--json")
    assert len(out) == 1
    return code, json.loads(out[0])


def _rebuilt(found: dict):
    """The data and the network at the centre, from the JSON object alone."""
    config = cfg.validate(found["config"])
    run = prepare(config)
    run.net.set_parameters([np.array(p) for p in found["center"]])
    X, y = run.data.X_train, run.data.y_train
    if found["rows"] is not None:
        X, y = X[found["rows"]], y[found["rows"]]
    return run, X, y


def _loss_at(found: dict, run, X, y, i: int, j: int) -> float:
    """Grid point (row i, column j) recomputed by hand: θ + α_j·d1 + β_i·d2."""
    a, b = found["alphas"][j], found["betas"][i]
    d1, d2 = ([np.array(p) for p in d] for d in found["directions"])
    moved = run.net.copy()
    moved.set_parameters([p + a * u + b * v for p, u, v in zip(run.net.parameters(), d1, d2)])
    return moved.loss(X, y)


def test_json_recomputes_every_sampled_grid_point_from_itself(capsys):
    code, found = _json(capsys, "--preset", "seed-000", "--grid", "7", "--span", "2")
    assert code == 0
    assert set(found) == {"alphas", "betas", "loss", "center", "directions", "path", "center_loss", "config",
                          "rows", "note", "notes"}
    assert found["alphas"] == found["betas"] == np.linspace(-2, 2, 7).tolist()
    assert np.shape(found["loss"]) == (7, 7)
    run, X, y = _rebuilt(found)
    trained = run_preset("seed-000").net  # the landscape trains exactly as train does
    for mine, theirs in zip(run.net.parameters(), trained.parameters(), strict=True):
        assert np.array_equal(mine, theirs)
    assert [np.shape(p) for p in found["center"]] == [(2, 2), (1, 2), (2, 1), (1, 1)]
    assert all([np.shape(p) for p in d] == [(2, 2), (1, 2), (2, 1), (1, 1)] for d in found["directions"])
    for i, j in [(0, 0), (6, 6), (2, 5), (4, 1), (3, 3)]:
        assert found["loss"][i][j] == pytest.approx(_loss_at(found, run, X, y, i, j), rel=1e-12)
    assert found["center_loss"] == pytest.approx(run.net.loss(X, y), rel=1e-13)
    assert found["loss"][3][3] == pytest.approx(found["center_loss"], rel=1e-13)


def test_the_path_ends_at_the_trained_weights_with_its_own_training_loss(capsys):
    _, found = _json(capsys, "--preset", "seed-000", "--grid", "5")
    path = found["path"]
    last = path[-1]
    assert last["epoch"] == 1000 and last["alpha"] == 0 and last["beta"] == 0 and last["off_plane"] == 0
    assert last["loss"] == pytest.approx(0.006871473684635499, rel=1e-12)  # train --json's train_loss
    run = prepare(cfg.validate(found["config"]))
    run.train()
    recorded = dict(zip(run.history.epochs, run.history["loss"]))
    assert [p["epoch"] for p in path[:-1]] == [s[0] for s in run.snapshots]
    for point in path[:-1]:
        assert point["loss"] == pytest.approx(recorded[point["epoch"]], rel=1e-12)
        assert point["off_plane"] > 0  # random directions miss the path
    assert path[0]["loss"] == pytest.approx(0.6107373433279786, rel=1e-12)  # the tutorial's epoch 0


def test_pca_on_a_training_subset(capsys):
    argv = ["--hidden", "64,64", "--n-samples", "2000", "--epochs", "6", "--directions", "pca", "--grid", "5"]
    code, found = _json(capsys, *argv)
    assert code == 0
    rows = found["rows"]
    assert len(rows) == landscape.MAX_POINTS and rows == (np.arange(500) * 1600 // 500).tolist()
    assert "a fixed subset of 500 of the 1600 training points on a 5 × 5 grid" in found["note"]
    d1, d2 = (np.concatenate([np.ravel(p) for p in d]) for d in found["directions"])
    assert d1 @ d1 == pytest.approx(1, abs=1e-12) and d2 @ d2 == pytest.approx(1, abs=1e-12)
    assert d1 @ d2 == pytest.approx(0, abs=1e-12)
    path = found["path"]
    assert [p["epoch"] for p in path] == [0, 1, 2, 3, 4, 5, 6]
    reach = max(max(abs(p["alpha"]), abs(p["beta"])) for p in path)
    assert found["alphas"][-1] == pytest.approx(1.2 * reach, rel=1e-12)  # the default span covers the path
    assert path[0]["alpha"] < 0 and path[0]["beta"] <= 0
    run, X, y = _rebuilt(found)
    for i, j in [(0, 4), (2, 2), (4, 1)]:
        assert found["loss"][i][j] == pytest.approx(_loss_at(found, run, X, y, i, j), rel=1e-12)


def test_after_a_divergence_the_slice_is_around_the_last_finite_epoch(capsys):
    code, found = _json(capsys, "--dataset", "multi_gaussian", "--hidden", "16,16", "--activation", "relu",
                        "--lr", "10", "--init-scale", "5", "--epochs", "100", "--grid", "3")
    assert code == 1
    assert [p["epoch"] for p in found["path"]] == [0, 1, 2]  # diverged at epoch 3: the weights are epoch 2's
    run = prepare(cfg.validate(found["config"]))
    run.train()
    assert run.history.diverged_at == 3
    assert found["path"][-1]["loss"] == pytest.approx(run.history["loss"][2], rel=1e-12)


def test_the_text_map_shows_the_slice_the_json_holds(capsys):
    argv = ["--dataset", "moons", "--hidden", "6", "--epochs", "80", "--grid", "11", "--directions", "pca"]
    _, found = _json(capsys, *argv)
    code, out, err = _run(capsys, "landscape", *argv)
    assert code == 0 and err == ""
    loss = np.array(found["loss"])
    low, high = loss.min(), loss.max()
    log = high > 10 * low
    ramp = " .:-=+*#%@"
    drawn = out[1:12]  # β up: the first row drawn is the JSON's last row
    marks = 0
    for r, line in enumerate(drawn):
        cells = line[line.index("|") + 1:line.rindex("|")]
        assert len(cells) == 22 and cells[0::2] == cells[1::2]  # two characters per grid point
        for j, cell in enumerate(cells[0::2]):
            if cell in "oX":
                marks += 1
                continue
            v = loss[10 - r][j]
            scaled = np.log(v / low) / np.log(high / low) if log else (v - low) / (high - low)
            assert cell == ramp[min(9, int(scaled * 10))]
    assert drawn[5].lstrip().startswith("0 |") and drawn[5][drawn[5].index("|") + 11] == "X"
    assert 2 <= marks <= len(found["path"])
    legend = " ".join(out[13:])
    assert f"from “ ” {low:.4g} to “@” {high:.4g}" in legend and ("log scale" in legend) == log
    assert f"epoch 80, train loss {found['path'][-1]['loss']:.4g}" in legend
    assert found["note"] in legend


def test_every_setting_flag_of_train_is_a_flag_of_landscape():
    choices = build_parser()._subparsers._group_actions[0].choices
    options = {name: {s for action in choices[name]._actions for s in action.option_strings}
               for name in ("train", "landscape")}
    assert {flag(p) for p in cfg.PARAMS} | {"--preset", "--csv"} <= options["landscape"]
    assert {"--grid", "--span", "--directions", "--json"} <= options["landscape"]
    assert options["train"] - options["landscape"] == {"--log-every", "--save", "--export-script", "--export-notebook", "--app-url",
                                                           "--no-diagnostics"}


BAD = {
    "grid not a number": (["--grid", "many"], "--grid: “many” is not a whole number from 2 to 101."),
    "grid too fine": (["--grid", "500"], "--grid: “500” is not a whole number from 2 to 101."),
    "span zero": (["--span", "0"], "--span: “0” is not a number above 0."),
    "span not finite": (["--span", "inf"], "--span: “inf” is not a number above 0."),
    "directions": (["--directions", "up"], "--directions: “up” is not one of random, pca."),
    "pca without a path": (["--directions", "pca", "--epochs", "1"], "train for 2 epochs or more."),
    "setting": (["--lr", "abc"], "--lr: “abc” is not a number."),
    "preset": (["--preset", "nope"], "--preset: “nope” is not one of"),
    "csv dataset without file": (["--dataset", "csv"], "--dataset csv needs --csv FILE."),
    "missing csv": (["--csv", "/nonexistent/points.csv"], "--csv: Cannot read the file"),
    "unknown flag": (["--save", "run.json"], "unrecognized arguments: --save run.json"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_flags_exit_2_with_one_sentence(capsys, name):
    argv, expected = BAD[name]
    code, out, err = _run(capsys, "landscape", *argv)
    assert code == 2 and out == []
    assert err.count("\n") == 1 and expected in err and "Traceback" not in err
    if name != "unknown flag":  # argparse reports unknown flags from the top-level parser
        assert err.startswith("python -m nn_core landscape: error: ")


def test_python_dash_m_runs_the_landscape():
    done = subprocess.run([sys.executable, "-m", "nn_core", "landscape", "--grid", "9", "--json"],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0 and done.stderr == ""
    found = json.loads(done.stdout)
    assert found["config"] == cfg.RunConfig().to_dict() and np.shape(found["loss"]) == (9, 9)
    assert found["notes"] == []
    assert found["loss"][4][4] == pytest.approx(found["center_loss"], rel=1e-13)


def test_an_overflowing_loss_is_null_in_json_and_marked_in_the_map(capsys):
    argv = ["--dataset", "plane", "--hidden", "3", "--activation", "relu", "--epochs", "5", "--grid", "3",
            "--span", "1e200"]
    code, found = _json(capsys, *argv)
    assert code == 0
    assert found["notes"] == ["A regression problem needs a linear output; switched from sigmoid."]
    corners = [found["loss"][i][j] for i in (0, 2) for j in (0, 2)]
    assert corners == [None] * 4  # weights of 1e200 overflow: strict JSON has no inf or NaN
    assert found["loss"][1][1] == pytest.approx(found["center_loss"], rel=1e-13)
    _, out, _ = _run(capsys, "landscape", *argv)
    assert out[1].endswith("|!!!!!!|") and out[2].endswith("|!!XX!!|")
    assert out[4].split() == ["-1e+200", "1e+200", "α"]
    assert any("“!” where it overflows" in line for line in out)
