"""The teaching math: stages equal the engine's numbers, scenarios show their failure, replays match."""

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nn_core import MLP, Trainer
from nn_core.analysis.symmetry import epochs_on_plateau, hidden_unit_spread
from nn_core.parameter_edits import set_weight
from nn_core.runs import prepare
from nn_core.teaching.backprop_lesson import BackpropLesson
from nn_core.teaching.presets import PRESETS
from nn_core.teaching.replays import replay
from nn_core.teaching.scenarios import SCENARIOS, layer_numbers, run_scenario
from nn_core.teaching.stages import stage_keys, training_step

ROOT = Path(__file__).resolve().parents[1]


def _seed_002():
    run = prepare(PRESETS["seed-002"].config)
    return run.net, run.data.X_train, run.data.y_train


def _arrays(stage):
    return dict(stage.arrays)


def test_seed_002_stages_in_order():
    net, X, y = _seed_002()
    stages = training_step(net, X, y, lr=1.0)
    assert [s.key for s in stages] == ["Z1", "A1", "Z2", "A2", "loss", "dZ2", "dW2", "db2", "dA1", "dZ1",
                                       "dW1", "db1", "update"]
    assert [s.phase for s in stages] == ["forward"] * 4 + ["loss"] + ["backward"] * 7 + ["update"]
    assert all(s.latex and s.explanation and s.title for s in stages)
    shapes = {s.key: s.result.shape for s in stages}
    assert shapes == {"Z1": (4, 4), "A1": (4, 4), "Z2": (4, 1), "A2": (4, 1), "loss": (1, 1), "dZ2": (4, 1),
                      "dW2": (4, 1), "db2": (1, 1), "dA1": (4, 4), "dZ1": (4, 4), "dW1": (2, 4), "db1": (1, 4),
                      "update": (2, 4)}
    reuses = {s.key: s.reuses for s in stages if s.reuses}
    assert reuses == {"loss": ("A2",), "dZ2": ("A2",), "dW2": ("A1",), "dZ1": ("A1",), "dW1": ("X",)}


def test_stages_are_the_engines_numbers():
    net, X, y = _seed_002()
    stages = {s.key: s for s in training_step(net, X, y, lr=1.0)}
    # The tutorial's own formulas, written out.
    W1, b1, W2, b2 = (p.copy() for p in net.parameters())
    Z1 = X @ W1 + b1
    A1 = 1 / (1 + np.exp(-Z1))
    Z2 = A1 @ W2 + b2
    A2 = 1 / (1 + np.exp(-Z2))
    np.testing.assert_array_equal(stages["Z1"].result, Z1)
    np.testing.assert_array_equal(stages["A1"].result, A1)
    np.testing.assert_array_equal(stages["A2"].result, A2)
    assert stages["loss"].result[0, 0] == pytest.approx(-np.mean(y * np.log(A2) + (1 - y) * np.log(1 - A2)), abs=1e-15)
    dZ2 = A2 - y
    np.testing.assert_allclose(stages["dW2"].result, A1.T @ dZ2 / 4, rtol=0, atol=1e-16)
    dZ1 = (dZ2 @ W2.T) * A1 * (1 - A1)
    np.testing.assert_allclose(stages["dZ1"].result, dZ1, rtol=0, atol=1e-16)
    np.testing.assert_allclose(stages["dW1"].result, X.T @ dZ1 / 4, rtol=0, atol=1e-16)
    # dZ1 = dA1 ⊙ f'(Z1) exactly, with the arrays the stage shows.
    a = _arrays(stages["dZ1"])
    np.testing.assert_array_equal(a["dA1"] * a["f'(Z1)"], a["dZ1"])
    # And they equal the engine's own gradient.
    loss, grads = net.loss_and_gradients(X, y)
    assert stages["loss"].result[0, 0] == loss
    for l, (dW, db) in enumerate(grads, start=1):
        np.testing.assert_array_equal(stages[f"dW{l}"].result, dW)
        np.testing.assert_array_equal(stages[f"db{l}"].result, db)


def test_update_stage_is_the_trainers_step_and_net_is_untouched():
    net, X, y = _seed_002()
    before = [p.copy() for p in net.parameters()]
    update = _arrays(training_step(net, X, y, lr=1.0)[-1])
    for p, q in zip(net.parameters(), before):
        np.testing.assert_array_equal(p, q)
    Trainer(net, X, y, lr=1.0).run(1)
    for l in range(net.n_layers):
        np.testing.assert_array_equal(update[f"new W{l + 1}"], net.weights[l])
        np.testing.assert_array_equal(update[f"new b{l + 1}"], net.biases[l])


@pytest.mark.parametrize("sizes,activation,output,reduction", [
    ([2, 3, 1], "relu", "sigmoid", "sum"),
    ([2, 5, 3, 4, 3], "tanh", "softmax", "mean"),
    ([2, 1], "sigmoid", "linear", "mean"),
])
def test_any_depth_matches_the_engine(sizes, activation, output, reduction):
    rng = np.random.default_rng(7)
    net = MLP(sizes, activation=activation, output=output, init="xavier", seed=3)
    X = rng.normal(size=(6, 2))
    y = rng.integers(0, sizes[-1], size=6) if output == "softmax" else rng.integers(0, 2, size=(6, 1)).astype(float)
    stages = training_step(net, X, y, lr=0.5, reduction=reduction)
    assert [s.key for s in stages] == stage_keys(net.n_layers)
    by_key = {s.key: s for s in stages}
    loss, grads = net.loss_and_gradients(X, y, reduction)
    assert by_key["loss"].result[0, 0] == loss
    for l, (dW, db) in enumerate(grads, start=1):
        np.testing.assert_array_equal(by_key[f"dW{l}"].result, dW)
        np.testing.assert_array_equal(by_key[f"db{l}"].result, db)
    for l, A in enumerate(net.layer_outputs(X), start=1):
        np.testing.assert_allclose(by_key[f"A{l}"].result, A, rtol=0, atol=1e-15)
    assert ("\\frac{1}{n}" in by_key["dW1"].latex) == (reduction == "mean")


def test_derivative_term_follows_the_activation():
    """Same weights, three activations: f'(Z1) is a(1−a), 1−a² and the 0/1 step."""
    _, X, y = _seed_002()
    slopes = {}
    for act in ("sigmoid", "tanh", "relu"):
        lesson = BackpropLesson.build([2, 4, 1], act, "sigmoid", X, y, lr=1.0, init_scale=0.1, seed=42)
        stage = {s.key: s for s in lesson.stages()}["dZ1"]
        A1 = _arrays(stage)
        slopes[act] = A1["f'(Z1)"]
        a = {s.key: s for s in lesson.stages()}["A1"].result
        expected = {"sigmoid": a * (1 - a), "tanh": 1 - a * a, "relu": (a > 0).astype(float)}[act]
        np.testing.assert_array_equal(slopes[act], expected)
        assert stage.latex.endswith({"sigmoid": r"a\,(1 - a)", "tanh": "1 - a^2", "relu": r"\mathbb{1}[a > 0]"}[act])
    assert set(np.unique(slopes["relu"])) <= {0.0, 1.0}
    assert slopes["sigmoid"].max() <= 0.25


def test_lesson_steps_and_weight_edit_move_the_loss():
    _, X, y = _seed_002()
    lesson = BackpropLesson.build([2, 4, 1], "sigmoid", "sigmoid", X, y, lr=1.0, init_scale=0.1, seed=42)
    first = lesson.loss()
    assert first == pytest.approx(0.6934, abs=5e-5)
    lesson.step(100)
    assert lesson.iteration == 100
    assert lesson.loss() < first
    old, new = set_weight(lesson.net, 2, 0, 0, 5.0)
    assert new == 5.0 and lesson.net.weights[1][0, 0] == 5.0 and old != 5.0
    assert lesson.loss() != pytest.approx(first, abs=1e-3)
    with pytest.raises(ValueError, match="outside"):
        set_weight(lesson.net, 1, 2, 0, 1.0)
    with pytest.raises(ValueError, match="finite"):
        set_weight(lesson.net, 1, 0, 0, math.inf)


def test_lesson_takes_foreign_weights_and_keeps_eight_rows():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(50, 2)), rng.integers(0, 2, size=(50, 1)).astype(float)
    source = MLP([2, 3, 3, 1], "tanh", "sigmoid", seed=9)
    lesson = BackpropLesson.build([2, 3, 3, 1], "tanh", "sigmoid", X, y, lr=0.3, weights=source.weights,
                          biases=source.biases)
    assert lesson.X.shape == (8, 2)
    for mine, theirs in zip(lesson.net.parameters(), source.parameters()):
        np.testing.assert_array_equal(mine, theirs)
        assert mine is not theirs


def test_gradient_check_passes_and_fails_when_broken():
    _, X, y = _seed_002()
    lesson = BackpropLesson.build([2, 4, 1], "sigmoid", "sigmoid", X, y, lr=1.0, init_scale=0.1, seed=42)
    assert lesson.gradient_check().passed
    broken = lesson.gradient_check("drop_activation_derivative")
    assert not broken.passed
    errors = {p.name: p.error for p in broken.params}
    assert errors["W2"] < 1e-6 and errors["W1"] > 0.1  # only the layer behind an activation is wrong


def test_relu_kink_is_counted():
    """XOR's (0, 0) input with zero biases puts every ReLU exactly on its corner."""
    _, X, y = _seed_002()
    lesson = BackpropLesson.build([2, 4, 1], "relu", "sigmoid", X, y, lr=1.0, init_scale=0.1, seed=42)
    assert lesson.kinks() == 4
    assert not lesson.gradient_check().passed
    lesson.step(1)
    assert lesson.kinks() < 4  # biases move off 0 (a unit with no gradient stays put)


def test_plateau_and_symmetry():
    assert epochs_on_plateau([0, 10, 20, 30], [0.69, 0.69, 0.59, 0.1]) == 20
    assert epochs_on_plateau([0, 10], [0.69, 0.69]) is None
    net = MLP([2, 3, 1], "sigmoid", seed=0)
    net.set_parameters([np.full_like(W, 0.5) for W in net.parameters()])  # identical units
    assert hidden_unit_spread(net, np.eye(2)) == [0.0]


@pytest.fixture(scope="module")
def replays():
    return {name: replay(name) for name in PRESETS}


def test_replay_000_agrees_with_the_tutorial(replays):
    r = replays["seed-000"]
    assert r.engine_lines == r.claimed_lines and all(r.agree) and len(r.agree) == 10
    assert [p["predicted"] for p in r.predictions] == [1, 0]


def test_replay_002_is_the_codes_output_not_the_claim(replays):
    r = replays["seed-002"]
    code = subprocess.run([sys.executable, str(ROOT / "dashboard/listings/seed-002.txt")], capture_output=True,
                          text=True, check=True, timeout=120).stdout.splitlines()
    assert r.engine_lines == code[:10]
    assert not any(r.agree)
    assert r.engine_lines[1] == "Epoch  1000 | Loss: 0.6931"
    assert r.plateau == 8319
    h = r.run.history
    assert h.columns["loss"][h.epochs.index(8318)] >= 0.6 > h.columns["loss"][h.epochs.index(8319)]
    assert r.run.label == "seed-002" and not r.run.live and r.run.epochs_done == r.run.config.epochs
    assert [p["predicted"] for p in r.predictions] == [0, 1, 1, 0]
    spread = dict(r.symmetry)
    assert spread[0] < 0.05 and spread[max(spread)] > 0.5  # near-identical units, then symmetry breaks


def test_listing_000_prints_the_engines_table(replays):
    out = subprocess.run([sys.executable, str(ROOT / "dashboard/listings/seed-000.txt")], capture_output=True,
                         text=True, check=True, timeout=120).stdout.splitlines()
    assert out == replays["seed-000"].engine_lines


def test_larger_init_shortens_the_plateau():
    config = PRESETS["seed-002"].config
    assert replay("seed-002", config.replace(init_scale=1.0)).plateau == 212


def test_scenarios_show_their_failure():
    vanishing = run_scenario("vanishing")
    g, f = layer_numbers(vanishing.broken.history).first_grad, layer_numbers(vanishing.fixed.history).first_grad
    assert g[0] / g[-1] < 1e-3 and f[0] / f[-1] > 0.1
    assert vanishing.broken.history.last_loss > 0.69 > 0.2 > vanishing.fixed.history.last_loss

    exploding = run_scenario("exploding")
    broken = exploding.broken.history
    assert broken.diverged_at is not None and "diverged at epoch" in broken.status
    assert max(layer_numbers(broken).peak_grad) > 1e100
    assert exploding.fixed.history.diverged_at is None and exploding.fixed.history.last_loss < 0.01

    dead = run_scenario("dead_relu")
    assert layer_numbers(dead.broken.history).first_dead == [1.0] and layer_numbers(dead.broken.history).first_grad[0] == 0.0
    assert layer_numbers(dead.fixed.history).first_dead == [0.0]
    assert dead.fixed.history.last_loss < dead.broken.history.last_loss

    for result in (vanishing, exploding, dead):
        assert len(result.findings) == 3 and all(s.endswith(".") for s in result.findings)
        assert len(layer_numbers(result.broken.history).rows()) == result.broken.history.n_layers
        assert not result.broken.live and result.broken.label == result.scenario.label
    assert set(SCENARIOS) == {"vanishing", "exploding", "dead_relu"}
