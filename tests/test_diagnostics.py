"""The diagnostics flag constructed failure cases, with the numbers behind them, and stay quiet on healthy runs."""

import math

import numpy as np
import pytest

from nn_core.analysis import diagnostics as D
from nn_core.config import RunConfig
from nn_core.history import History
from nn_core.runs import run


@pytest.fixture(scope="module")
def cases():
    configs = {
        "vanishing": RunConfig(hidden=(8,) * 8, activation="sigmoid", lr=0.3),
        "diverging": RunConfig(dataset="plane", output="linear", lr=10.0),
        "overshooting": RunConfig(lr=10.0),
        "dead": RunConfig(activation="relu", init="he", bias_init=-5.0),
        "healthy": RunConfig(),
    }
    return {name: run(config) for name, config in configs.items()}


def by_check(findings):
    return {f.check: f for f in findings}


def test_registry_lists_every_check_with_a_function():
    assert set(D.CHECKS) == {"exploding", "vanishing", "dead_units", "saturated_units", "tiny_updates",
                             "huge_updates", "plateau"}
    for check in D.CHECKS.values():
        assert callable(check.run) and check.looks_for


def test_vanishing_deep_sigmoid_stack(cases):
    r = cases["vanishing"]
    found = by_check(D.diagnose(r))
    assert "vanishing" in found
    f = found["vanishing"]
    numbers = dict(f.numbers)
    # the numbers are the recorded first-epoch gradient norms of layers 1 and 9
    first = r.history.columns["grad_norm"][0]
    assert numbers["layer-1 gradient norm"] == first[0]
    assert numbers["layer-9 gradient norm"] == first[-1]
    assert numbers["ratio"] == pytest.approx(first[0] / first[-1])
    assert numbers["ratio"] < 1e-3
    assert f.message.startswith("Layer 1 gradients are 1.1e-06 × layer 9's")
    assert "sigmoid" in f.message and f.severity == "problem"


def test_diverging_large_lr(cases):
    r = cases["diverging"]
    assert r.history.diverged_at is not None
    f = by_check(D.diagnose(r))["exploding"]
    assert f.message.startswith(f"Loss diverged at epoch {r.history.diverged_at}:")
    assert "lower learning rate" in f.advice
    assert dict(f.numbers)["learning rate"] == 10.0
    assert "vanishing" not in by_check(D.diagnose(r))  # a side effect of divergence is not blamed on depth


def test_overshooting_large_lr_without_divergence(cases):
    r = cases["overshooting"]
    assert r.history.diverged_at is None
    f = by_check(D.diagnose(r))["exploding"]
    loss = r.history.columns["loss"]
    assert dict(f.numbers)["peak loss"] == max(loss)
    assert dict(f.numbers)["final loss"] == loss[-1]
    assert max(loss) > 3 * loss[0]
    assert "huge_updates" in by_check(D.diagnose(r))


def test_dead_relus_from_negative_bias(cases):
    r = cases["dead"]
    found = [f for f in D.diagnose(r) if f.check == "dead_units"]
    assert [f.layer for f in found] == [1, 2]
    assert found[0].message.startswith("100 % of layer-1 ReLUs are dead (4 of 4)")
    assert "from the first epoch" in found[0].message
    assert dict(found[0].numbers)["dead at epoch 0"] == 1.0
    assert by_check(D.diagnose(r))["tiny_updates"].message.startswith("Layers 1–3 weights do not move at all")


def test_healthy_run_has_no_findings_and_an_all_clear_with_numbers(cases):
    r = cases["healthy"]
    assert D.diagnose(r) == []
    text = D.all_clear(r)
    assert text.startswith("No problems found: layer 1 gets") and "% of their size per epoch" in text


def test_seed_002_plateau_is_found_at_ln2():
    from nn_core.teaching.presets import run_preset
    r = run_preset("seed-002")
    f = by_check(D.diagnose(r))["plateau"]
    numbers = dict(f.numbers)
    assert numbers["plateau loss"] == pytest.approx(math.log(2), rel=0.01)
    assert numbers["plateau end"] > 5000 and numbers["lowest loss after"] < 0.05
    assert "ln 2" in f.message and f.severity == "note"


def test_hand_made_history_dead_fraction_and_wording():
    h = History(n_layers=3)
    for epoch in range(10):
        h.append(epoch, loss=0.5 - 0.01 * epoch, lr=0.1, grad_norm=[0.1, 0.1, 0.1], update_ratio=[1e-3] * 3,
                 dead_fraction=[0.0, 0.42 if epoch > 4 else 0.0], saturated_fraction=[math.nan, math.nan])
    findings = D.diagnose(h, activations=("relu", "relu"))
    assert [f.check for f in findings] == ["dead_units"]
    assert findings[0].message.startswith("42 % of layer-2 ReLUs are dead")
    assert "died during training" in findings[0].message
    assert findings[0].numbers_text() == "dead at epoch 0 = 0 · dead at epoch 9 = 0.42"


def test_thresholds_of_update_ratio_checks():
    h = History(n_layers=2)
    for epoch in range(5):
        h.append(epoch, loss=1.0 - 0.1 * epoch, lr=0.1, grad_norm=[0.1, 0.1], update_ratio=[1e-7, 0.5],
                 dead_fraction=[math.nan], saturated_fraction=[math.nan])
    found = by_check(D.diagnose(h))
    assert found["tiny_updates"].layer == 1 and dict(found["tiny_updates"].numbers) == {"layer 1 |ΔW|/|W|": 1e-7}
    assert found["huge_updates"].layer == 2 and "50 %" in found["huge_updates"].message


def test_flat_stretch_finds_longest_window():
    epochs = np.arange(10.0)
    loss = np.array([1.0, 0.9, 0.5, 0.501, 0.5, 0.499, 0.5, 0.2, 0.1, 0.1])
    assert D.flat_stretch(epochs, loss) == (2, 6)


def test_layer_series_rows_are_long_form_and_finite(cases):
    rows = D.layer_series(cases["healthy"], "grad_norm")
    assert {r["layer"] for r in rows} == {"layer 1", "layer 2", "layer 3"}
    assert all(math.isfinite(r["value"]) for r in rows)
    assert rows[0] == {"epoch": 0, "layer": "layer 1", "value": cases["healthy"].history.columns["grad_norm"][0][0]}
    with pytest.raises(ValueError):
        D.layer_series(cases["healthy"], "nope")


def test_unknown_check_and_empty_history():
    with pytest.raises(ValueError, match="Unknown check"):
        D.diagnose(History(2), checks=["nope"])
    assert D.diagnose(History(2)) == []


def test_diagnostics_off_gives_no_gradient_findings():
    r = run(RunConfig(epochs=20), diagnostics=False)
    assert D.diagnose(r) == []


@pytest.mark.parametrize("name, check", [("vanishing", "vanishing"), ("exploding", "exploding"),
                                         ("dead_relu", "dead_units")])
def test_teaching_scenarios_are_flagged_and_their_fixes_are_clean(name, check):
    from nn_core.teaching.scenarios import SCENARIOS
    scenario = SCENARIOS[name]
    assert check in by_check(D.diagnose(run(scenario.config)))
    assert D.diagnose(run(scenario.config.replace(**scenario.fix))) == []
