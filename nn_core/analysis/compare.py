"""Runs side by side: 2 to 6 configs trained on the same data from the same seed.

A comparison only means something when the runs differ in the settings under
study and nothing else, so :func:`align` copies the data settings and the
weight seed of the first run into every other one. All layers draw from one
``RandomState(seed)`` in order, so runs whose layer shapes and init agree start
from bit-identical weights (their ``snapshots[0]``).

    >>> configs = sweep(RunConfig(), "activation", ["relu", "sigmoid", "tanh"])
    >>> results = compare(configs)
    >>> [r.summary(target_loss=0.1)["epochs to target"] for r in results]
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .. import runs
from ..config import PARAM_BY_NAME, PARAMS, RunConfig, clamp, coerce
from ..datasets import Dataset
from ..network import MLP
from ..runs import Run

MIN_RUNS, MAX_RUNS = 2, 6
SNAPSHOTS = 40  # snapshots kept per run: memory stays flat however long the run
SNAPSHOT_BYTES = 2_000_000  # ... and within this budget for wide networks
CHUNK_EPOCHS = 50
HISTOGRAM_BINS = 24
HISTOGRAM_SAMPLES = 2000  # points fed through the network for an activation histogram
SHARED = tuple(p.name for p in PARAMS if p.group == "data") + ("seed",)
# The settings a comparison can vary: everything but the data and the seed, which runs share.
SWEEPABLE = tuple(p.name for p in PARAMS if p.name not in SHARED)


# ---------------------------------------------------------------- defining runs
def check_count(configs: Sequence) -> None:
    if not MIN_RUNS <= len(configs) <= MAX_RUNS:
        raise ValueError(f"Compare {MIN_RUNS} to {MAX_RUNS} runs; got {len(configs)}.")


def parse_values(setting: str, text: str) -> list:
    """The values of a sweep from text: "relu, sigmoid, tanh", "0.01, 0.1, 1" or, for
    hidden layers and input features, "4; 4,4; 8,8,8" and "x1,x2; x1_sq,x2_sq". Raises ValueError with one sentence."""
    param = PARAM_BY_NAME.get(setting)
    if param is None or setting not in SWEEPABLE:
        raise ValueError(f"“{str(setting)[:40]}” cannot be swept; choose one of: {', '.join(SWEEPABLE)}.")
    separator = ";" if param.kind in ("widths", "names") else ","  # each value is itself a list
    parts = [p.strip() for p in str(text).replace("|", ";").split(separator)]
    values = []
    for part in (p for p in parts if p):
        value = clamp(param, coerce(param, part))
        if value not in values:
            values.append(value)
    if not MIN_RUNS <= len(values) <= MAX_RUNS:
        example = {"widths": "4; 4,4; 8,8,8", "names": "x1,x2; x1_sq,x2_sq"}.get(param.kind) or \
            ", ".join(map(str, param.choices[:3])) or "0.01, 0.1, 1"
        raise ValueError(f"Give {MIN_RUNS} to {MAX_RUNS} different values for {param.label}, e.g. “{example}”; "
                         f"got {len(values)}.")
    return values


def sweep(base: RunConfig, setting: str, values: Sequence) -> list[RunConfig]:
    """One config per value of ``setting``, everything else as in ``base``."""
    if setting not in SWEEPABLE:
        raise ValueError(f"“{str(setting)[:40]}” cannot be swept; choose one of: {', '.join(SWEEPABLE)}.")
    param = PARAM_BY_NAME[setting]
    configs = [base.replace(**{setting: clamp(param, coerce(param, v))}) for v in values]
    check_count(configs)
    return configs


def align(configs: Sequence[RunConfig]) -> tuple[list[RunConfig], list[str]]:
    """Give every run the first run's data settings and weight seed; say which runs changed."""
    check_count(configs)
    first = configs[0]
    shared = {name: getattr(first, name) for name in SHARED}
    out, notes = [first], []
    for i, config in enumerate(configs[1:], start=2):
        changed = [PARAM_BY_NAME[n].label for n, v in shared.items() if getattr(config, n) != v]
        if changed:
            notes.append(f"Run {i} now uses run 1's {', '.join(changed).lower()}, so every run sees the same data "
                         f"and starts from the same seed.")
        out.append(config.replace(**shared))
    return out, notes


def _show(value) -> str:
    if isinstance(value, tuple):
        return "-".join(map(str, value)) or "none"
    return f"{value:g}" if isinstance(value, float) else str(value)


def labels(configs: Sequence[RunConfig]) -> list[str]:
    """Short unique names from the settings that differ, e.g. "lr 0.1 · optimizer adam"."""
    differing = [p.name for p in PARAMS if len({getattr(c, p.name) for c in configs}) > 1]
    names = []
    for i, config in enumerate(configs, start=1):
        name = " · ".join(f"{n.replace('_', ' ')} {_show(getattr(config, n))}" for n in differing)
        names.append(name or f"run {i}")
    return [name if names.count(name) == 1 else f"{i}: {name}" for i, name in enumerate(names, start=1)]


# ---------------------------------------------------------------------- training
def train_run(config: RunConfig, data: Dataset | None = None, *, label: str = "run",
              snapshots: int = SNAPSHOTS, chunk: int = CHUNK_EPOCHS,
              progress: Callable[[float], None] | None = None) -> Run:
    """Train one config for its epochs, in chunks (``progress(fraction)`` after each); the finished Run."""
    run = runs.prepare(config, data, snapshots=snapshots, snapshot_bytes=SNAPSHOT_BYTES)
    started = time.perf_counter()
    total = max(run.config.epochs, 1)
    for _ in run.trainer.chunks(run.config.epochs, chunk):
        if progress is not None:
            progress(min(run.trainer.epoch / total, 1.0))
    return run.finished(label, time.perf_counter() - started)


def compare(configs: Sequence[RunConfig], data: Dataset | None = None, **options) -> list[Run]:
    """Align and train every config on the same data; results in the configs' order."""
    configs, notes = align(configs)
    data = data if data is not None else runs.make_dataset(configs[0])
    results = [train_run(c, data, label=name, **options) for c, name in zip(configs, labels(configs))]
    if notes:
        results[0].notes.extend(notes)
    return results


def same_start(a: Run, b: Run) -> bool:
    """Whether two runs began from bit-identical weights and biases (their first snapshots)."""
    if not a.snapshots or not b.snapshots:
        return False
    first, second = a.snapshots[0], b.snapshots[0]
    pairs = list(zip(first[1] + first[2], second[1] + second[2]))
    return (len(first[1]) == len(second[1])
            and all(x.shape == y.shape and np.array_equal(x, y) for x, y in pairs))


# ------------------------------------------------------------- snapshots & units
def snapshot_index(snapshots: Sequence, epoch: int) -> int:
    """Index of the last snapshot taken at or before ``epoch`` (0 if none)."""
    epochs = [s[0] for s in snapshots]
    return max(int(np.searchsorted(epochs, epoch, side="right")) - 1, 0)


def frames(result: Run) -> list[int]:
    """The epochs a replay can show: every snapshot, then the final weights (if later)."""
    epochs = [int(s[0]) for s in result.snapshots]
    if not epochs or result.epochs_done > epochs[-1]:
        epochs.append(int(result.epochs_done))
    return epochs


def net_at(result: Run, index: int) -> MLP:
    """A copy of the run's network at frame ``index`` of :func:`frames` (the last may be the final net)."""
    return runs.snapshot_net(result.net, result.snapshots[index]) if index < len(result.snapshots) else result.net.copy()


def frame_loss(result: Run, index: int) -> tuple[float, float]:
    """(train loss, train accuracy) of frame ``index``: the history's record, or the final evaluation."""
    epoch = frames(result)[index]
    if index < len(result.snapshots) and epoch in result.history.epochs:
        i = result.history.epochs.index(epoch)
        return result.history.columns["loss"][i], result.history.columns["accuracy"][i]
    return result.metrics.get("train_loss", math.nan), result.metrics.get("train_accuracy", math.nan)


@dataclass(frozen=True)
class LayerHistogram:
    layer: int  # 1-based hidden layer
    activation: str
    epoch: int
    edges: np.ndarray  # (bins + 1,)
    counts: np.ndarray  # (bins,): unit outputs over every sample and unit of the layer


def activation_histograms(result: Run, index: int, bins: int = HISTOGRAM_BINS) -> list[LayerHistogram]:
    """Per hidden layer, the distribution of unit outputs on the training data at frame ``index``.

    Piles at 0 (ReLU) mean dead units; piles at ±1 or 0/1 (tanh/sigmoid) mean saturation.
    """
    net = net_at(result, index)
    X = result.data.X_train[:HISTOGRAM_SAMPLES]
    epoch = frames(result)[index]
    out = []
    for layer, (name, A) in enumerate(zip(net.hidden_activations, net.layer_outputs(X)[:-1]), start=1):
        values = A[np.isfinite(A)]
        lo, hi = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
        if hi - lo < 1e-9:
            lo, hi = lo - 0.5, hi + 0.5
        counts, edges = np.histogram(values, bins=bins, range=(lo, hi))
        out.append(LayerHistogram(layer, name, epoch, edges, counts))
    return out
