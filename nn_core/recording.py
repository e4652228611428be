"""What a run leaves behind as it trains: its history, its printed log and its weight snapshots.

A :class:`Recorder` decides which epochs are recorded, evaluates the weights on those (the loss and
accuracy on the training and test data, and the units' health where the record takes diagnostics),
and keeps snapshots within a byte budget. The trainer calls it at the start of an epoch, with the
forward pass it made anyway where it can, and again after the update for the gradient half of a
diagnosed record. It never changes the weights.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .heads import get_head, hits_against
from .history import DIAGNOSTIC_POINTS, History
from .network import MLP, _packed
from .unit_health import UnitHealth, unit_health

SNAPSHOT_BYTES = 24 * 2**20  # weight snapshots one run may keep: an 8 × 256 network keeps 6, a small one 40


@dataclass
class Pass:
    """What an evaluation pass over a data set found: its mean loss, its accuracy (NaN unless asked for
    and classifying), and its units' health (a call, made only when the record takes diagnostics)."""

    loss: float
    accuracy: float
    health: Callable[[], tuple[list, list]] | None


class Recorder:
    """The history, log and snapshots of one trainer's network on its training (and test) data."""

    def __init__(self, net: MLP, X, Y, X_test=None, y_test=None, *, diagnostics=True, max_points=1000,
                 max_diagnostics=DIAGNOSTIC_POINTS, snapshots=40, snapshot_bytes=SNAPSHOT_BYTES, log_every=None):
        """X, Y: the training data as the network reads it (MLP.inputs, MLP.targets); X_test, y_test as given
        (none or empty: no test data)."""
        has_test = X_test is not None and len(X_test) > 0
        self.X_test, self.Y_test = (net.inputs(X_test), net.targets(y_test)) if has_test else (None, None)
        self.net, self.X, self.Y = net, X, Y
        self.classify, self.diagnostics = get_head(net.output).task == "classification", diagnostics
        self.log_every = int(log_every) if log_every else None
        self.train_hits = hits_against(Y) if self.classify else None
        self._test_hits = hits_against(self.Y_test) if self.classify and has_test else None
        self.history = History(net.n_layers, max_points, max_diagnostics)
        params = net.parameters()
        self.snapshot_limit = snapshot_count(params, snapshots, snapshot_bytes)
        self.snapshot_stride = 1
        self.snapshots: list[tuple[int, list, list]] = []  # (epoch, weights, biases)
        self._change_flat, self._change = _packed(params, fill=False)  # the last update, for |ΔW|

    # --------------------------------------------------------------- which epochs
    def recording(self, epoch: int) -> bool:
        return epoch % self.history.stride == 0 or self._logging(epoch)

    def _logging(self, epoch: int) -> bool:
        return self.log_every is not None and epoch % self.log_every == 0

    def _diagnosing(self, epoch: int, end: int) -> bool:
        """Per-layer diagnostics for the record just added: on the history's sparser schedule,
        and always for the last record before ``end`` (the epoch the trainer's run() call trains up to),
        so a finished run ends with them."""
        history = self.history
        if not self.diagnostics or history.epochs[-1] != epoch:  # not recorded, or thinned away at once
            return False
        return history.keeps_diagnostics(epoch) or epoch + history.stride >= end

    # ------------------------------------------------------------------ passes
    def test_metrics(self) -> tuple[float, float]:
        if self.X_test is None:
            return (math.nan, math.nan)
        found = self.evaluate_on(self.X_test, self.Y_test, self._test_hits, health=False)
        return (found.loss, found.accuracy)

    def found(self, cache, Y, rows: slice, hits) -> Pass:
        """One pass's findings from its cache (the rows ``rows`` of the data); health is read from the
        cache's spare arrays, so only until the next pass or backward pass overwrites them."""
        net = self.net
        n = cache.A[-1].shape[0]
        acc = hits(cache.A[-1], rows) / n if hits is not None else math.nan
        return Pass(net.total_loss(cache, Y[rows]) / n, acc, lambda: unit_health(net, cache.A, (cache.D, cache.work)))

    def evaluate_on(self, X, Y, hits, health: bool) -> Pass:
        """Mean loss, accuracy (if ``hits``) and unit health (if ``health``) of the current weights on
        (X, Y), in the network's row blocks (MLP.row_blocks). Data that is one block is one plain pass.
        Over several blocks the sums add up block by block, and the health is gathered as it goes."""
        net = self.net
        blocks = net.row_blocks(X.shape[0])
        if len(blocks) == 1:
            return self.found(net.forward_cache(X), Y, blocks[0], hits)
        n = X.shape[0]
        total, right, gathered = 0.0, 0, UnitHealth(net) if health else None
        for rows in blocks:
            cache = net.forward_cache(X[rows])
            total += net.total_loss(cache, Y[rows])
            if hits is not None:
                right += hits(cache.A[-1], rows)
            if gathered is not None:
                gathered.add(cache.A, (cache.D, cache.work))
        return Pass(total / n, right / n if hits is not None else math.nan,
                    gathered.fractions if gathered is not None else None)

    # ----------------------------------------------------------------- records
    def record(self, epoch: int, found: Pass, test: tuple[float, float], lr: float, end: int) -> bool:
        """Log and/or record this epoch; True when the record takes per-layer diagnostics,
        whose gradient half :meth:`record_gradients` adds after the update."""
        history = self.history
        row = {"loss": found.loss, "test_loss": test[0], "accuracy": found.accuracy, "test_accuracy": test[1],
               "lr": lr}
        if self._logging(epoch):
            history.log.append({"epoch": epoch, **row})
        if not history.wants(epoch):
            return False
        history.append(epoch, **row)
        self._snapshot(epoch)
        if not self._diagnosing(epoch, end) or found.health is None:
            return False
        dead, saturated = found.health()
        history.set_latest(dead_fraction=dead, saturated_fraction=saturated)
        return True

    def record_gradients(self, grad_norms: list, flat: np.ndarray, backup_flat: np.ndarray, backup: list) -> None:
        """Complete the last record with |dW| per layer and the epoch's |ΔW| / |W|, from the weights
        before the update (``backup_flat``, viewed per parameter as ``backup``) and after it (``flat``)."""
        np.subtract(flat, backup_flat, out=self._change_flat)
        ratios = []
        for change, before in zip(self._change[0::2], backup[0::2]):
            base = norm(before)
            ratios.append(norm(change) / base if base > 0 else math.nan)
        self.history.set_latest(grad_norm=grad_norms, update_ratio=ratios)

    @property
    def snapshot_bytes(self) -> int:
        return sum(8 * p.size for p in self.net.parameters()) * len(self.snapshots)

    def _snapshot(self, epoch: int) -> None:
        if self.snapshot_limit <= 0 or epoch % self.snapshot_stride:
            return
        self.snapshots.append((epoch, [W.copy() for W in self.net.weights], [b.copy() for b in self.net.biases]))
        if len(self.snapshots) > self.snapshot_limit:
            self.snapshot_stride *= 2
            self.snapshots = [s for s in self.snapshots if s[0] % self.snapshot_stride == 0]

    # -------------------------------------------------------------- evaluation
    def evaluate(self, net: MLP | None = None) -> dict:
        """Loss and accuracy of the current weights (or of ``net``, e.g. a snapshot) on train and test data."""
        net = self.net if net is None else net
        out = {}
        for split, X, Y in (("train", self.X, self.Y), ("test", self.X_test, self.Y_test)):
            if X is None:
                continue
            n, total, right = X.shape[0], 0.0, 0
            hits = hits_against(Y) if self.classify else None
            with np.errstate(all="ignore"):
                for rows in net.row_blocks(n):  # one block for a small network: the plain mean
                    cache = net.forward_cache(X[rows])
                    total += float(net.sample_losses(cache, Y[rows]).sum())
                    right += hits(cache.A[-1], rows) if hits is not None else 0
            out[f"{split}_loss"] = total / n
            out[f"{split}_accuracy"] = right / n if hits is not None else math.nan
        return out


def snapshot_count(params, limit: int, budget: int = SNAPSHOT_BYTES) -> int:
    """How many weight snapshots of ``params`` fit ``budget`` bytes: 2 to ``limit`` (0 keeps none).

    Snapshots are what a replay slider scrubs through; bounding them in bytes
    keeps a limit-size network's session as small as a default one's.
    """
    limit = int(limit)
    if limit <= 0:
        return 0
    size = max(1, sum(8 * p.size for p in params))
    return int(min(limit, max(2, budget // size)))


def norm(a: np.ndarray) -> float:
    return math.sqrt(float(np.vdot(a, a)))
