"""Gradient-flow diagnostics: automatic findings in plain words, each with the numbers behind it.

A training history already records, per epoch and per layer, the gradient norm,
the update ratio |ΔW|/|W| and the fraction of dead or saturated units. This
module reads those columns into a :class:`Flow` (plain arrays) and runs every
check of the ``CHECKS`` registry over it. A check is a small function returning
zero or more :class:`Finding` records: one sentence a learner can read, what to
try, and the measured numbers that justify the sentence.

    >>> findings = diagnose(run)              # a Run, or a History (with its activations)
    >>> findings[0].message
    'Loss diverged at epoch 92: the updates grew until the loss was no longer a finite number.'
    >>> findings[0].numbers_text()
    'diverged at epoch = 92 · loss at epoch 0 = 0.6035 · ... · learning rate = 10'
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..activations import ACTIVATIONS
from ..history import History
from ..network import MLP
from ..runs import Run

VANISHING_RATIO = 1e-3  # layer-1 gradient norm / last layer's, at the first recorded epoch
EXPLODING_GROWTH = 100.0  # gradient norm growth over its starting value
LOSS_SPIKE = 3.0  # peak loss / starting loss
DEAD_FRACTION = 0.25
SATURATED_FRACTION = 0.5
TINY_UPDATE = 1e-5
HUGE_UPDATE = 1e-1
PLATEAU_TOLERANCE = 0.01  # the loss stays within 1 % of its level
PLATEAU_SPAN = 0.25  # ... for at least a quarter of the run
PLATEAU_MIN_EPOCHS = 20
LN2 = math.log(2.0)

SEVERITIES = ("problem", "warning", "note")


@dataclass(frozen=True)
class Finding:
    """One diagnosis: ``message`` says what happened, ``advice`` what to try,
    ``numbers`` the measured (label, value) pairs behind the sentence."""

    check: str
    severity: str  # "problem" | "warning" | "note"
    message: str
    advice: str
    numbers: tuple[tuple[str, float], ...]
    layer: int | None = None  # 1-based, when the finding is about one layer

    def numbers_text(self) -> str:
        return " · ".join(f"{label} = {fmt(value)}" for label, value in self.numbers)

    def text(self) -> str:
        return f"{self.message} {self.advice}".strip()


@dataclass(frozen=True)
class Flow:
    """The diagnostic columns of a history as arrays (NaN where not recorded).

    epochs, loss : (n,); grad_norm, update_ratio : (n, L) for the L weight layers;
    dead, saturated : (n, H) for the H hidden layers.
    """

    epochs: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    update_ratio: np.ndarray
    dead: np.ndarray
    saturated: np.ndarray
    activations: tuple[str, ...]  # hidden activation names; empty when unknown
    widths: tuple[int, ...]  # hidden widths; empty when unknown
    lr: float
    diverged_at: int | None
    status: str

    @property
    def n_layers(self) -> int:
        return self.grad_norm.shape[1]

    @property
    def last_epoch(self) -> int:
        return int(self.epochs[-1]) if len(self.epochs) else 0

    def unit_word(self, layer: int, plural: bool = True) -> str:
        """'ReLUs', 'tanh units'... for hidden layer ``layer`` (1-based)."""
        name = self.activations[layer - 1] if layer - 1 < len(self.activations) else ""
        spec = ACTIVATIONS.get(name)
        if spec is None:
            return "units" if plural else "unit"
        if spec.family == "relu":
            return spec.label + ("s" if plural else "")
        return f"{spec.label.lower()} unit" + ("s" if plural else "")


def history_of(source: History | Run) -> History:
    """The History of a History or a Run (a Run also says which hidden activations it has)."""
    if isinstance(source, Run):
        return source.history
    if isinstance(source, History):
        return source
    raise TypeError(f"Expected a History or a Run; got {type(source).__name__}.")


def _net_of(source: History | Run) -> MLP | None:
    return source.net if isinstance(source, Run) else None


def _matrix(column: list, width: int) -> np.ndarray:
    """A per-layer column (lists, or None where not recorded) as an (n, width) float array."""
    out = np.full((len(column), width), np.nan)
    for i, row in enumerate(column):
        if row is not None:
            values = [np.nan if v is None else float(v) for v in row][:width]
            out[i, :len(values)] = values
    return out


def flow(source, activations: tuple[str, ...] | None = None) -> Flow:
    """Read the diagnostic columns of ``source`` (a History or a Run)."""
    history = history_of(source)
    net = _net_of(source)
    if activations is None:
        activations = tuple(net.hidden_activations) if net is not None else ()
    widths = tuple(net.layer_sizes[1:-1]) if net is not None else ()
    n_layers = history.n_layers
    lrs = [v for v in history.columns["lr"] if v is not None and math.isfinite(v)]
    return Flow(
        epochs=np.asarray(history.epochs, dtype=float),
        loss=np.asarray([np.nan if v is None else v for v in history.columns["loss"]], dtype=float),
        grad_norm=_matrix(history.columns["grad_norm"], n_layers),
        update_ratio=_matrix(history.columns["update_ratio"], n_layers),
        dead=_matrix(history.columns["dead_fraction"], max(n_layers - 1, 0)),
        saturated=_matrix(history.columns["saturated_fraction"], max(n_layers - 1, 0)),
        activations=tuple(activations),
        widths=widths,
        lr=lrs[0] if lrs else math.nan,
        diverged_at=history.diverged_at,
        status=history.status,
    )


# ------------------------------------------------------------------ helpers
def fmt(value: float) -> str:
    """A number as a learner reads it: 0.6931, 1.2e-06, 3.4e+05."""
    if value is None or not math.isfinite(value):
        return "n/a" if value is None or math.isnan(value) else ("∞" if value > 0 else "−∞")
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e4:
        return f"{value:.4g}"
    return f"{value:.1e}"


def _pct(fraction: float) -> str:
    return f"{100 * fraction:.0f} %"


def _finite(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return values[np.isfinite(values)]


def _last_finite(values: np.ndarray) -> int | None:
    """Index of the last finite value: a stopped run's latest record may hold no per-layer diagnostics."""
    ok = np.flatnonzero(np.isfinite(values))
    return int(ok[-1]) if ok.size else None


def _median(values: np.ndarray) -> float:
    values = _finite(values)
    return float(np.median(values)) if values.size else math.nan


def _layers_text(layers: list[int]) -> str:
    if len(layers) == 1:
        return f"layer {layers[0]}"
    if layers == list(range(layers[0], layers[-1] + 1)):
        return f"layers {layers[0]}–{layers[-1]}"
    return "layers " + ", ".join(map(str, layers[:-1])) + f" and {layers[-1]}"


# ------------------------------------------------------------------- checks
def check_exploding(f: Flow) -> list[Finding]:
    """Divergence, a loss spike, or gradient norms that grow by orders of magnitude."""
    if not len(f.loss) and f.diverged_at is None:
        return []
    start = f.loss[0] if len(f.loss) else math.nan
    total = np.sqrt(np.nansum(np.square(f.grad_norm), axis=1)) if f.n_layers else np.zeros(len(f.loss))
    with np.errstate(all="ignore"):
        growth = float(np.nanmax(total) / total[0]) if total.size and total[0] > 0 else math.nan
    lr = ("learning rate", f.lr)
    if f.diverged_at is not None:
        return [Finding(
            "exploding", "problem",
            f"Loss diverged at epoch {f.diverged_at}: the updates grew until the loss was no longer a finite number.",
            "Try a lower learning rate (or a smaller init scale).",
            (("diverged at epoch", f.diverged_at), ("loss at epoch 0", start),
             ("last finite loss", float(_finite(f.loss)[-1]) if _finite(f.loss).size else math.nan),
             ("gradient-norm growth", growth), lr))]
    peak = int(np.nanargmax(f.loss))
    spike = f.loss[peak] / start if start > 0 else math.nan
    if spike >= LOSS_SPIKE or f.loss[-1] > 1.05 * start:
        return [Finding(
            "exploding", "problem",
            f"Loss jumped from {fmt(start)} to {fmt(f.loss[peak])} at epoch {int(f.epochs[peak])} and ended at "
            f"{fmt(f.loss[-1])}: the steps overshoot the minimum.",
            "Try a lower learning rate.",
            (("loss at epoch 0", start), ("peak loss", float(f.loss[peak])), ("final loss", float(f.loss[-1])),
             ("gradient-norm growth", growth), lr))]
    if growth >= EXPLODING_GROWTH:
        return [Finding(
            "exploding", "warning",
            f"The gradient norm grew {fmt(growth)}× over training: exploding gradients.",
            "Try a lower learning rate, a smaller init scale, or gradient-friendly activations.",
            (("gradient-norm growth", growth), lr))]
    return []


def start_ratio(f: Flow) -> tuple[float, float, float] | None:
    """(layer-1 gradient norm, last layer's, their ratio) at the first record that has both."""
    if f.n_layers < 2:
        return None
    first, last = f.grad_norm[:, 0], f.grad_norm[:, -1]
    ok = np.flatnonzero(np.isfinite(first) & np.isfinite(last) & (last > 0))
    if not ok.size:
        return None
    i = ok[0]
    return float(first[i]), float(last[i]), float(first[i] / last[i])


def check_vanishing(f: Flow) -> list[Finding]:
    """Layer 1's gradient is a tiny fraction of the last layer's at the start of training."""
    start = start_ratio(f)
    if start is None or start[2] >= VANISHING_RATIO:
        return []
    first, last, ratio = start
    n = f.n_layers
    names = set(f.activations)
    spec = ACTIVATIONS.get(f.activations[0]) if len(names) == 1 else None
    why = (f" Each {spec.label.lower()} layer multiplies the backward signal by its slope (at most "
           f"{fmt(spec.peak_slope)}), {n - 1} times in a row." if spec is not None and spec.family == "squash" else "")
    return [Finding(
        "vanishing", "problem",
        f"Layer 1 gradients are {fmt(ratio)} × layer {n}'s at the start of training: vanishing gradients, "
        f"so the first layers barely learn.{why}",
        "Try fewer layers, relu/leaky_relu, or He/Xavier init.",
        (("layer-1 gradient norm", first), (f"layer-{n} gradient norm", last), ("ratio", ratio)), layer=1)]


def check_dead_units(f: Flow) -> list[Finding]:
    """ReLU-family units that are never positive on any training sample: they get no gradient."""
    out = []
    if not len(f.epochs):
        return out
    for j in range(f.dead.shape[1]):
        last = _last_finite(f.dead[:, j])
        if last is None or f.dead[last, j] < DEAD_FRACTION:
            continue
        final, start = f.dead[last, j], f.dead[0, j]
        layer = j + 1
        count = f" ({round(final * f.widths[j])} of {f.widths[j]})" if j < len(f.widths) else ""
        if math.isfinite(start) and start >= final:
            why = "They were dead from the first epoch: a large negative bias or an unlucky init switched them off."
            advice = "Start the biases near 0, or use leaky_relu, whose slope is never exactly 0."
        else:
            why = "They died during training: large updates pushed their inputs below 0 for every sample."
            advice = "Try a lower learning rate, or leaky_relu."
        out.append(Finding(
            "dead_units", "problem" if final >= 0.5 else "warning",
            f"{_pct(final)} of layer-{layer} {f.unit_word(layer)} are dead{count}: they output 0 for every "
            f"training point, so no gradient reaches them. {why}",
            advice,
            ((f"dead at epoch {int(f.epochs[0])}", start), (f"dead at epoch {int(f.epochs[last])}", final)),
            layer=layer))
    return out


def check_saturated_units(f: Flow) -> list[Finding]:
    """Sigmoid/tanh units stuck on their flat tails, where the slope (and so the gradient) is ~0."""
    out = []
    if not len(f.epochs):
        return out
    for j in range(f.saturated.shape[1]):
        last = _last_finite(f.saturated[:, j])
        if last is None or f.saturated[last, j] < SATURATED_FRACTION:
            continue
        final = f.saturated[last, j]
        layer = j + 1
        out.append(Finding(
            "saturated_units", "warning",
            f"{_pct(final)} of layer-{layer} {f.unit_word(layer)} are saturated: their average slope is below "
            f"10 % of its peak, so they pass back little gradient.",
            "Try a smaller init scale or learning rate, or relu.",
            ((f"saturated at epoch {int(f.epochs[0])}", f.saturated[0, j]),
             (f"saturated at epoch {int(f.epochs[last])}", final)), layer=layer))
    return out


def _median_updates(f: Flow) -> list[float]:
    return [_median(f.update_ratio[:, j]) for j in range(f.n_layers)]


def check_tiny_updates(f: Flow) -> list[Finding]:
    """Weights that barely move each epoch (|ΔW|/|W| ≪ 1e-5)."""
    medians = _median_updates(f)
    layers = [j + 1 for j, m in enumerate(medians) if math.isfinite(m) and m < TINY_UPDATE]
    if not layers:
        return []
    moved = [medians[k - 1] for k in layers]
    still = all(m == 0 for m in moved)
    return [Finding(
        "tiny_updates", "warning",
        f"{_layers_text(layers).capitalize()} weights {'do not move at all' if still else 'barely move'}: the median "
        f"|ΔW|/|W| per epoch is {_range(min(moved), max(moved))} "
        f"(healthy training is roughly 1e-4 to 1e-2).",
        "Raise the learning rate, or fix what stops the gradient (see the other findings).",
        tuple((f"layer {k} |ΔW|/|W|", medians[k - 1]) for k in layers), layer=layers[0])]


def check_huge_updates(f: Flow) -> list[Finding]:
    """Weights that change by more than a tenth of their size every epoch."""
    medians = _median_updates(f)
    layers = [j + 1 for j, m in enumerate(medians) if math.isfinite(m) and m > HUGE_UPDATE]
    if not layers:
        return []
    moved = [medians[k - 1] for k in layers]
    return [Finding(
        "huge_updates", "warning",
        f"{_layers_text(layers).capitalize()} weights change by {_pct(max(moved))} of their size per epoch (median "
        f"|ΔW|/|W|): steps this large jump over the minimum.",
        "Try a lower learning rate.",
        tuple((f"layer {k} |ΔW|/|W|", medians[k - 1]) for k in layers), layer=layers[0])]


def flat_stretch(epochs: np.ndarray, loss: np.ndarray, tolerance: float = PLATEAU_TOLERANCE) -> tuple[int, int]:
    """(i, j): the record indices of the longest run (in epochs) where the loss stays within
    ``tolerance`` (relative) of loss[i]."""
    best, best_span = (0, 0), -1.0
    n = len(loss)
    for i in range(n):
        if not math.isfinite(loss[i]) or epochs[-1] - epochs[i] <= best_span:
            continue
        with np.errstate(invalid="ignore"):
            off = ~(np.abs(loss[i:] - loss[i]) <= tolerance * max(abs(loss[i]), 1e-12))
        j = i + (int(np.argmax(off)) - 1 if off.any() else n - 1 - i)
        if epochs[j] - epochs[i] > best_span:
            best, best_span = (i, j), epochs[j] - epochs[i]
    return best


def check_plateau(f: Flow) -> list[Finding]:
    """A long flat stretch of the loss that is not convergence: stuck high, or stuck then released."""
    if len(f.loss) < 3 or not math.isfinite(f.loss[0]):
        return []
    i, j = flat_stretch(f.epochs, f.loss)
    span = f.epochs[j] - f.epochs[i]
    total = max(f.epochs[-1] - f.epochs[0], 1.0)
    if span < max(PLATEAU_MIN_EPOCHS, PLATEAU_SPAN * total):
        return []
    level, start = float(f.loss[i]), float(f.loss[0])
    after = _finite(f.loss[j + 1:])
    released = after.size and after.min() < 0.8 * level
    stuck = not released and level >= 0.5 * start
    if not (released or stuck):
        return []
    coin = " (≈ ln 2: the network answers 50 % for every point)" if abs(level - LN2) < 0.01 * LN2 else ""
    where = f"from epoch {int(f.epochs[i])} to {int(f.epochs[j])} ({_pct(span / total)} of the run)"
    numbers = (("plateau loss", level), ("plateau start", f.epochs[i]), ("plateau end", f.epochs[j]))
    if released:
        return [Finding(
            "plateau", "note",
            f"The loss sat at {fmt(level)}{coin} {where}, then fell to {fmt(float(after.min()))}: a plateau, "
            f"typically a symmetric start where the hidden units are near copies of each other.",
            "A larger init scale or another seed usually shortens it.",
            numbers + (("lowest loss after", float(after.min())),))]
    return [Finding(
        "plateau", "warning",
        f"The loss stayed at {fmt(level)}{coin} {where} and never dropped: learning has stalled.",
        "Look at the other findings for the cause; otherwise try a larger learning rate or another init.",
        numbers)]


@dataclass(frozen=True)
class Check:
    name: str
    label: str
    looks_for: str  # one sentence, for the UI's "what is checked" list
    run: Callable[[Flow], list[Finding]]


CHECKS: dict[str, Check] = {
    c.name: c
    for c in [
        Check("exploding", "Exploding / diverging", "the loss diverging or spiking, or gradients growing 100×.",
              check_exploding),
        Check("vanishing", "Vanishing gradients",
              f"layer 1's gradient below {VANISHING_RATIO:g} × the last layer's at the start.", check_vanishing),
        Check("dead_units", "Dead ReLUs", f"≥ {_pct(DEAD_FRACTION)} of a ReLU layer outputting 0 for every point.",
              check_dead_units),
        Check("saturated_units", "Saturated units",
              f"≥ {_pct(SATURATED_FRACTION)} of a sigmoid/tanh layer on its flat tails.", check_saturated_units),
        Check("tiny_updates", "Frozen weights", f"median |ΔW|/|W| per epoch below {TINY_UPDATE:g}.",
              check_tiny_updates),
        Check("huge_updates", "Huge steps", f"median |ΔW|/|W| per epoch above {HUGE_UPDATE:g}.",
              check_huge_updates),
        Check("plateau", "Plateau", "the loss flat for a quarter of the run without having converged.",
              check_plateau),
    ]
}


def diagnose(source, checks=None, activations: tuple[str, ...] | None = None) -> list[Finding]:
    """Run the registered checks (all, or the names in ``checks``) over ``source``'s history.

    Findings come in registry order, problems before warnings before notes.
    """
    data = source if isinstance(source, Flow) else flow(source, activations)
    names = list(CHECKS) if checks is None else list(checks)
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise ValueError(f"Unknown check {unknown[0]!r}; choose from: {', '.join(CHECKS)}.")
    findings = [finding for name in names for finding in CHECKS[name].run(data)]
    return sorted(findings, key=lambda f: SEVERITIES.index(f.severity))


def all_clear(source) -> str:
    """The sentence shown when no check fires, still with its numbers."""
    data = source if isinstance(source, Flow) else flow(source)
    parts = []
    start = start_ratio(data)
    if start is not None:
        parts.append(f"layer 1 gets {fmt(start[2])} × the last layer's gradient at the start")
    updates = _finite(np.asarray(_median_updates(data)))
    if updates.size:
        lo, hi = f"{100 * updates.min():.2g}", f"{100 * updates.max():.2g}"
        parts.append(f"the weights change by {lo if lo == hi else f'{lo}–{hi}'} % "
                     f"of their size per epoch")
    return "No problems found" + (": " + ", ".join(parts) if parts else "") + "."


def _range(lo: float, hi: float) -> str:
    return fmt(lo) if fmt(lo) == fmt(hi) else f"{fmt(lo)}–{fmt(hi)}"


def layer_series(source, column: str) -> list[dict]:
    """Long-form rows {epoch, layer, value} of a per-layer column, finite values only (for charts).

    ``column`` is grad_norm, update_ratio, dead_fraction or saturated_fraction.
    """
    data = source if isinstance(source, Flow) else flow(source)
    matrix = {"grad_norm": data.grad_norm, "update_ratio": data.update_ratio,
              "dead_fraction": data.dead, "saturated_fraction": data.saturated}.get(column)
    if matrix is None:
        raise ValueError(f"Unknown per-layer column {column!r}.")
    rows = []
    for j in range(matrix.shape[1]):
        for epoch, value in zip(data.epochs.tolist(), matrix[:, j].tolist()):
            if math.isfinite(value):
                rows.append({"epoch": int(epoch), "layer": f"layer {j + 1}", "value": value})
    return rows
