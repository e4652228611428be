"""One-click failure scenarios: the training pathologies the seed tutorials name.

Each :class:`Scenario` is a small run that goes wrong for one clear reason, the
change that cures it, and a plain-words explanation. :func:`run_scenario`
trains both into finished Runs, with sentences that quote the numbers that
show the problem; :func:`layer_numbers` reads those numbers (per-layer
gradient norms, dead or saturated fractions) from a history. NumPy only, so
any page (Backprop, Experiments) can reuse it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from ..config import RunConfig
from ..history import History
from ..runs import Run, run

LN2 = math.log(2.0)


@dataclass(frozen=True)
class LayerNumbers:
    """Per-layer gradient norms and unit health read from a run's history: the numbers a finding quotes."""

    first_grad: list  # per-layer ‖dW‖ at epoch 0
    last_grad: list  # per-layer ‖dW‖ at the last recorded epoch
    peak_grad: list  # per-layer largest ‖dW‖ seen
    first_dead: list  # per hidden layer, NaN where the activation cannot die
    last_dead: list
    first_saturated: list

    def rows(self) -> list[dict]:
        """One row per weight layer: gradient norms and unit health, for a table."""
        rows = []
        for l in range(len(self.first_grad)):
            hidden = l < len(self.first_dead)
            rows.append({
                "layer": l + 1,
                "‖dW‖ at epoch 0": self.first_grad[l],
                "‖dW‖ at the end": self.last_grad[l],
                "largest ‖dW‖": self.peak_grad[l],
                "dead units at epoch 0": self.first_dead[l] if hidden else math.nan,
                "dead units at the end": self.last_dead[l] if hidden else math.nan,
                "saturated units at epoch 0": self.first_saturated[l] if hidden else math.nan,
            })
        return rows


def layer_numbers(history: History) -> LayerNumbers:
    """The gradient norms of the finite records (a diverged run's last ones are not) and the unit health."""
    grads = [g for g in history.columns["grad_norm"] if g is not None and all(math.isfinite(x) for x in g)]
    n = history.n_layers
    grads = grads or [[math.nan] * n]
    return LayerNumbers(
        first_grad=list(grads[0]), last_grad=list(grads[-1]), peak_grad=[max(g[l] for g in grads) for l in range(n)],
        first_dead=list(history.columns["dead_fraction"][0]), last_dead=list(_last_recorded(history, "dead_fraction")),
        first_saturated=list(history.columns["saturated_fraction"][0]))


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str
    config: RunConfig
    fix: dict  # the settings that cure it
    fix_label: str
    explanation: str
    findings: Callable[[Run, Run], list[str]]  # (broken, fixed) -> sentences with numbers
    gradients: str = "first_grad"  # the LayerNumbers field that shows the problem: "first_grad" or "peak_grad"


@dataclass(frozen=True)
class ScenarioResult:
    scenario: Scenario
    broken: Run  # the scenario as set up, trained and finished
    fixed: Run  # the same with the fix

    @property
    def findings(self) -> list[str]:
        return self.scenario.findings(self.broken, self.fixed)


def _last_recorded(h, column: str) -> list:
    """The newest per-layer values: records between diagnosed ones hold None."""
    return next(values for values in reversed(h.columns[column]) if values is not None)


def run_scenario(name: str) -> ScenarioResult:
    scenario = get_scenario(name)
    return ScenarioResult(scenario, run(scenario.config).finished(scenario.label),
                          run(scenario.config.replace(**scenario.fix)).finished(scenario.fix_label))


def get_scenario(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown scenario {name!r}; choose one of: {', '.join(SCENARIOS)}.") from None


# ---------------------------------------------------------------- findings
def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def _losses(r: Run) -> tuple[float, float]:
    """(first, last) recorded loss."""
    return r.history.columns["loss"][0], r.history.last_loss


def _vanishing(broken: Run, fixed: Run) -> list[str]:
    g, f = layer_numbers(broken.history).first_grad, layer_numbers(fixed.history).first_grad
    (start, end), (_, fixed_end) = _losses(broken), _losses(fixed)
    return [
        f"At the start, layer 1's gradient is {g[0]:.1e} and the output layer's is {g[-1]:.1e}: "
        f"about {g[-1] / g[0]:,.0f} times smaller after passing back through {len(g) - 1} sigmoid layers.",
        f"After {broken.history.epochs[-1] + 1} epochs the loss has only gone from {start:.4f} to "
        f"{end:.4f} (ln 2 = {LN2:.4f} is a coin toss).",
        f"The same network with tanh gives layer 1 a gradient of {f[0]:.1e} ({f[0] / f[-1]:.1g} × the output "
        f"layer's) and reaches a loss of {fixed_end:.4f}.",
    ]


def _exploding(broken: Run, fixed: Run) -> list[str]:
    numbers, fixed_numbers = layer_numbers(broken.history), layer_numbers(fixed.history)
    (start, end), (_, fixed_end) = _losses(broken), _losses(fixed)
    where = (f"the loss overflowed and training stopped: {broken.history.status}"
             if broken.history.diverged_at is not None else f"the loss ended at {end:.3g}")
    return [
        f"The gradient starts at a normal size ({max(numbers.first_grad):.2f} at most) but every oversized step "
        f"makes the next one bigger: the largest gradient reached {max(numbers.peak_grad):.1e}.",
        f"The loss went from {start:.4f} up to {max(broken.history.columns['loss']):.1e}; {where}.",
        f"With learning rate {fixed.config.lr:g} instead of {broken.config.lr:g}, the loss falls to "
        f"{fixed_end:.4f} and the gradient never exceeds {max(fixed_numbers.peak_grad):.2f}.",
    ]


def _dead(broken: Run, fixed: Run) -> list[str]:
    numbers, fixed_numbers = layer_numbers(broken.history), layer_numbers(fixed.history)
    (_, end), (_, fixed_end) = _losses(broken), _losses(fixed)
    return [
        f"With every hidden bias at {broken.config.bias_init:g}, {_pct(numbers.first_dead[0])} of the hidden "
        f"ReLUs output 0 for every training point from the very first epoch.",
        f"A dead unit's slope is 0, so its gradient is exactly 0: ‖dW1‖ = {numbers.first_grad[0]:.1g}. "
        f"Nothing flows back, nothing changes: the loss stays at {end:.4f} (ln 2 = {LN2:.4f}).",
        f"With biases starting at 0, {_pct(fixed_numbers.first_dead[0])} are dead at the start, ‖dW1‖ = "
        f"{fixed_numbers.first_grad[0]:.2f}, and the loss reaches {fixed_end:.4f}.",
    ]


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in [
        Scenario(
            "vanishing", "Vanishing gradients (a stack of sigmoids)",
            RunConfig(dataset="xor_cloud", hidden=(8,) * 6, activation="sigmoid", init="xavier", lr=0.3,
                      epochs=300),
            {"activation": "tanh"}, "tanh instead of sigmoid",
            "Going backward, each sigmoid layer multiplies the error by its slope, which is at most 0.25, and by "
            "small weights. Six layers in a row shrink it to almost nothing, so the first layers barely learn.",
            _vanishing),
        Scenario(
            "exploding", "Exploding gradients (learning rate too large)",
            RunConfig(dataset="plane", output="linear", hidden=(4,), activation="tanh", init="xavier", lr=3.0,
                      epochs=300),
            {"lr": 0.3}, "learning rate 0.3",
            "A step far too large overshoots the valley: the loss lands higher up the other side, where the "
            "gradient is steeper, so the next step is larger still. The weights grow until the numbers overflow.",
            _exploding, gradients="peak_grad"),
        Scenario(
            "dead_relu", "Dead ReLUs (large negative bias)",
            RunConfig(dataset="xor_cloud", hidden=(4,), activation="relu", init="he", bias_init=-3.0, lr=0.3,
                      epochs=300),
            {"bias_init": 0.0}, "biases starting at 0",
            "A ReLU whose weighted sum is negative for every input outputs 0 and has slope 0. No error can pass "
            "through it, so its weights never change: the unit is dead for good.",
            _dead),
    ]
}
