"""One-click failure scenarios: the training pathologies the seed tutorials name.

Each :class:`Scenario` is a small run that goes wrong for one clear reason, the
change that cures it, and a plain-words explanation. :func:`run_scenario`
trains both and returns the numbers that show the problem (per-layer gradient
norms, dead or saturated fractions, the loss, divergence), with sentences that
quote them. NumPy only, so any page (Backprop, Experiments) can reuse it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from .config import RunConfig
from .history import History
from .runs import run

LN2 = math.log(2.0)


@dataclass(frozen=True)
class Outcome:
    """The numbers of one trained run."""

    config: RunConfig
    status: str
    diverged_at: int | None
    epochs: list  # recorded epochs
    losses: list
    first_grad: list  # per-layer ‖dW‖ at epoch 0
    last_grad: list  # per-layer ‖dW‖ at the last recorded epoch
    peak_grad: list  # per-layer largest ‖dW‖ seen
    first_dead: list  # per hidden layer, NaN where the activation cannot die
    last_dead: list
    first_saturated: list
    history: History = field(repr=False)

    @property
    def first_loss(self) -> float:
        return self.losses[0]

    @property
    def last_loss(self) -> float:
        return self.losses[-1]

    def layer_rows(self) -> list[dict]:
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


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str
    config: RunConfig
    fix: dict  # the settings that cure it
    fix_label: str
    explanation: str
    findings: Callable[[Outcome, Outcome], list[str]]  # (broken, fixed) -> sentences with numbers
    gradients: str = "first_grad"  # the Outcome field that shows the problem: "first_grad" or "peak_grad"


@dataclass(frozen=True)
class ScenarioResult:
    scenario: Scenario
    broken: Outcome
    fixed: Outcome

    @property
    def findings(self) -> list[str]:
        return self.scenario.findings(self.broken, self.fixed)


def measure(config: RunConfig) -> Outcome:
    """Train ``config`` for its epochs and collect the numbers a finding quotes."""
    result = run(config)
    h = result.history
    grads = [g for g in h.columns["grad_norm"] if g is not None and all(math.isfinite(x) for x in g)]
    n = result.net.n_layers
    grads = grads or [[math.nan] * n]
    return Outcome(
        config=result.config, status=h.status, diverged_at=h.diverged_at,
        epochs=list(h.epochs), losses=list(h.columns["loss"]),
        first_grad=list(grads[0]), last_grad=list(grads[-1]),
        peak_grad=[max(g[l] for g in grads) for l in range(n)],
        first_dead=list(h.columns["dead_fraction"][0]), last_dead=list(_last_recorded(h, "dead_fraction")),
        first_saturated=list(h.columns["saturated_fraction"][0]), history=h)


def _last_recorded(h, column: str) -> list:
    """The newest per-layer values: records between diagnosed ones hold None."""
    return next(values for values in reversed(h.columns[column]) if values is not None)


def run_scenario(name: str) -> ScenarioResult:
    scenario = get_scenario(name)
    return ScenarioResult(scenario, measure(scenario.config), measure(scenario.config.replace(**scenario.fix)))


def get_scenario(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown scenario {name!r}; choose one of: {', '.join(SCENARIOS)}.") from None


# ---------------------------------------------------------------- findings
def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def _vanishing(broken: Outcome, fixed: Outcome) -> list[str]:
    g, f = broken.first_grad, fixed.first_grad
    return [
        f"At the start, layer 1's gradient is {g[0]:.1e} and the output layer's is {g[-1]:.1e}: "
        f"about {g[-1] / g[0]:,.0f} times smaller after passing back through {len(g) - 1} sigmoid layers.",
        f"After {broken.epochs[-1] + 1} epochs the loss has only gone from {broken.first_loss:.4f} to "
        f"{broken.last_loss:.4f} (ln 2 = {LN2:.4f} is a coin toss).",
        f"The same network with tanh gives layer 1 a gradient of {f[0]:.1e} ({f[0] / f[-1]:.1g} × the output "
        f"layer's) and reaches a loss of {fixed.last_loss:.4f}.",
    ]


def _exploding(broken: Outcome, fixed: Outcome) -> list[str]:
    g = broken.first_grad
    where = (f"the loss overflowed and training stopped: {broken.status}"
             if broken.diverged_at is not None else f"the loss ended at {broken.last_loss:.3g}")
    return [
        f"The gradient starts at a normal size ({max(g):.2f} at most) but every oversized step makes the next "
        f"one bigger: the largest gradient reached {max(broken.peak_grad):.1e}.",
        f"The loss went from {broken.first_loss:.4f} up to {max(broken.losses):.1e}; {where}.",
        f"With learning rate {fixed.config.lr:g} instead of {broken.config.lr:g}, the loss falls to "
        f"{fixed.last_loss:.4f} and the gradient never exceeds {max(fixed.peak_grad):.2f}.",
    ]


def _dead(broken: Outcome, fixed: Outcome) -> list[str]:
    dead = broken.first_dead
    return [
        f"With every hidden bias at {broken.config.bias_init:g}, {_pct(dead[0])} of the hidden ReLUs output 0 "
        f"for every training point from the very first epoch.",
        f"A dead unit's slope is 0, so its gradient is exactly 0: ‖dW1‖ = {broken.first_grad[0]:.1g}. "
        f"Nothing flows back, nothing changes: the loss stays at {broken.last_loss:.4f} (ln 2 = {LN2:.4f}).",
        f"With biases starting at 0, {_pct(fixed.first_dead[0])} are dead at the start, ‖dW1‖ = "
        f"{fixed.first_grad[0]:.2f}, and the loss reaches {fixed.last_loss:.4f}.",
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
