"""The training loop: it only coordinates forward, backward and update, and records.

A :class:`Trainer` can be resumed: ``run(k)`` continues from where it stopped,
so a UI can train in chunks, draw between them, and stop on request. A live view
trains in slices of optimizer steps instead (``run_steps``), because at the
limits one epoch is thousands of steps and no frame can wait for it; either way
the weights are bit-identical. Settings that keep the network's shape and data
(learning rate, optimizer, L1/L2, batch size, decay) can change mid-run
(``retune``), as in TF Playground. A non-finite loss stops training with the
weights of the last finite epoch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .activations import get_activation
from .heads import get_head, hits_against
from .history import DIAGNOSTIC_POINTS, History
from .network import MLP, REDUCTIONS, _packed
from .optimizers import OPTIMIZERS, make_optimizer

SNAPSHOT_BYTES = 24 * 2**20  # weight snapshots one run may keep: an 8 × 256 network keeps 6, a small one 40
RETUNABLE = {"lr": "lr", "l2": "l2", "l1": "l1", "lr_decay": "lr_decay", "batch_size": "batch_size",
             "optimizer": "optimizer_name", "momentum": "momentum"}  # setting -> Trainer attribute


@dataclass
class _Pass:
    """What an evaluation pass over a data set found: its mean loss, its accuracy (NaN unless asked for
    and classifying), and its units' health (a call, made only when the record takes diagnostics)."""

    loss: float
    accuracy: float
    health: object  # () -> (dead fractions, saturated fractions), or None


@dataclass
class _OpenEpoch:
    """A mini-batch epoch in progress: its shuffled order, how far it got, its learning rate."""

    order: np.ndarray
    lr: float
    norms: np.ndarray | None  # summed per-layer |dW| when this epoch's record takes diagnostics
    start: int = 0
    batches: int = 0



class Trainer:
    """Trains ``net`` in place on (X, y); see :func:`train` for the arguments."""

    def __init__(self, net: MLP, X, y, *, lr=0.1, optimizer="sgd", batch_size=None, l2=0.0, l1=0.0,
                 lr_decay=0.0, reduction="mean", momentum=0.9, shuffle_seed=0, X_test=None, y_test=None,
                 diagnostics=True, max_points=1000, snapshots=40, log_every=None,
                 max_diagnostics=DIAGNOSTIC_POINTS, snapshot_bytes=SNAPSHOT_BYTES):
        if reduction not in REDUCTIONS:
            raise ValueError(f"Unknown reduction {reduction!r}; choose one of: {', '.join(REDUCTIONS)}.")
        for name, value in (("lr", lr), ("l2", l2), ("l1", l1), ("lr_decay", lr_decay)):
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number ≥ 0; got {value!r}.")
        self.net = net
        self.X = net.inputs(X)
        self.Y = net.targets(y)
        if self.Y.shape[0] != self.X.shape[0] or self.X.shape[0] == 0:
            raise ValueError(f"X has {self.X.shape[0]} rows and y has {self.Y.shape[0]}; they must match and be > 0.")
        has_test = X_test is not None and len(X_test) > 0
        self.X_test = net.inputs(X_test) if has_test else None
        self.Y_test = net.targets(y_test) if has_test else None
        n = self.X.shape[0]
        self.batch_size = n if not batch_size else max(1, min(int(batch_size), n))
        self.lr, self.l2, self.l1, self.lr_decay = float(lr), float(l2), float(l1), float(lr_decay)
        self.reduction = reduction
        self.params = net.parameters()
        # The net's parameters are read-only views of one flat array: the update and the backup
        # are one NumPy call each on it, with the same bits as layer by layer.
        self._flat = net.flat_parameters()
        self._step_params = [self._flat]
        self.momentum = float(momentum)
        self.optimizer = make_optimizer(optimizer, self._step_params, momentum=self.momentum)
        self.optimizer_name = optimizer
        self.rng = np.random.RandomState(shuffle_seed)
        self.diagnostics = diagnostics
        self.log_every = int(log_every) if log_every else None
        self.classify = get_head(net.output).task == "classification"
        self._train_hits = hits_against(self.Y) if self.classify else None
        self._test_hits = hits_against(self.Y_test) if self.classify and has_test else None
        self.history = History(net.n_layers, max_points, max_diagnostics)
        self.snapshot_limit = snapshot_count(self.params, snapshots, snapshot_bytes)
        self.snapshot_stride = 1
        self.snapshots: list[tuple[int, list, list]] = []  # (epoch, weights, biases)
        self._backup_flat, self._backup = _packed(self.params)  # parameters before the last update
        self._change_flat, self._change = _packed(self.params, fill=False)  # the last update, for |ΔW|
        self._batch_X = np.empty((self.batch_size, self.X.shape[1]))
        self._batch_Y = np.empty((self.batch_size, self.Y.shape[1]))
        self._stop = False
        self.epoch = 0  # epochs completed
        self._end = 0  # the epoch the current run() call trains up to
        self._open: _OpenEpoch | None = None  # a mini-batch epoch that run_steps left part-way

    # --------------------------------------------------------------- control
    @property
    def status(self) -> str:
        return self.history.status

    @property
    def done(self) -> bool:
        return self.history.diverged_at is not None

    def stop(self) -> None:
        """Ask a running :meth:`run` to return after the current epoch."""
        self._stop = True

    def run(self, epochs: int) -> History:
        """Train ``epochs`` more epochs (fewer if stopped or diverged).

        An epoch that :meth:`run_steps` left part-way counts as the first of them.
        """
        if self.done:
            return self.history
        self._stop = False
        self._end = self.epoch + int(epochs)
        self.history.status = "running"
        with np.errstate(all="ignore"):
            while self.epoch < self._end:
                if self._stop:
                    self.history.status = f"stopped at epoch {self.epoch}"
                    return self.history
                if self._advance(math.inf) is None:
                    return self.history
        self.history.status = f"trained {self.epoch} epochs"
        return self.history

    def run_steps(self, steps: int) -> int:
        """Train at most ``steps`` optimizer steps (mini-batches), stopping mid-epoch if need be.

        Returns the steps taken (0 once diverged). A frame of live training asks
        for as many steps as fit its time budget, so its length is bounded
        whatever the batch size and data size; the weights are bit-identical to
        training the same steps with :meth:`run`.
        """
        if self.done:
            return 0
        taken, budget = 0, max(1, int(steps))
        self._end = self.epoch + 1  # the epoch recorded first in this slice also gets diagnostics
        self.history.status = "running"
        with np.errstate(all="ignore"):
            while taken < budget:
                done = self._advance(budget - taken)
                if done is None:
                    break
                taken += done
        if not self.done:
            self.history.status = f"trained {self.epoch} epochs"
        return taken

    @property
    def steps_per_epoch(self) -> int:
        return -(-self.X.shape[0] // self.batch_size)

    @property
    def mid_epoch(self) -> bool:
        return self._open is not None

    def retune(self, **settings) -> list[str]:
        """Change settings that keep the network's shape and data, for the running network.

        settings : any of lr, l2, l1, lr_decay, batch_size, optimizer, momentum.
        The weights stay; a new optimizer starts with fresh state (its moments
        belong to the old rule). Each change is marked in the history at this
        epoch, so a loss curve can show where it happened. Returns the marks made.
        """
        changed = []
        for name, value in settings.items():
            value = self._checked(name, value)
            old = getattr(self, RETUNABLE[name])
            if value != old:
                setattr(self, RETUNABLE[name], value)
                changed.append((name, f"{name.replace('_', ' ')} {_show(old)} → {_show(value)}"))
        names = {name for name, _ in changed}
        if names & {"optimizer", "momentum"}:
            self.optimizer = make_optimizer(self.optimizer_name, self._step_params, momentum=self.momentum)
        if "batch_size" in names:
            self._batch_X = np.empty((self.batch_size, self.X.shape[1]))
            self._batch_Y = np.empty((self.batch_size, self.Y.shape[1]))
        for _, mark in changed:
            self.history.mark(self.epoch, mark)
        return [mark for _, mark in changed]

    def _checked(self, name: str, value):
        if name not in RETUNABLE:
            raise ValueError(f"{name!r} cannot change during a run; these can: {', '.join(RETUNABLE)}.")
        if name == "optimizer":
            if value not in OPTIMIZERS:
                raise ValueError(f"Unknown optimizer {value!r}; choose one of: {', '.join(OPTIMIZERS)}.")
            return value
        if name == "batch_size":
            return self._clamp_batch(value)
        value = float(value)
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be a finite number ≥ 0; got {value!r}.")
        return value

    def _clamp_batch(self, batch_size) -> int:
        n = self.X.shape[0]
        return n if not batch_size else max(1, min(int(batch_size), n))

    def chunks(self, epochs: int, chunk: int = 25):
        """Generator: train ``epochs`` epochs, yielding the history after every ``chunk``."""
        left = int(epochs)
        while left > 0 and not self.done and not self._stop:
            step = min(chunk, left)
            self.run(step)
            left -= step
            yield self.history

    # ----------------------------------------------------------------- epochs
    def _lr(self) -> float:
        return self.lr / (1.0 + self.lr_decay * self.epoch) if self.lr_decay else self.lr

    def _grads(self, cache):
        return [cache.flat_grad]

    def _full_batch_epoch(self) -> bool:
        net, Y = self.net, self.Y
        recording = self._recording()
        test = self._test_metrics() if recording else None
        cache = net.forward_cache(self.X)  # the whole batch: the backward pass below needs every row
        found = self._found(cache, Y, slice(None), self._train_hits if recording else None)
        if not math.isfinite(found.loss):
            return self._diverged()
        diagnosed = recording and self._record(found, test)
        if net.dropping:  # the loss above is without dropout; the gradient comes from a pass with fresh masks
            cache = net.forward_cache(self.X, train=True)
        net.backward(cache, Y, self.reduction, self.l2, self.l1)
        self._save_backup()
        self.optimizer.step(self._step_params, self._grads(cache), self._lr())
        if diagnosed:
            self._record_gradients([_norm(dW) for dW in cache.dW])
        return True

    def _advance(self, budget: float) -> int | None:
        """Up to ``budget`` more steps of the current epoch; None when the loss diverged."""
        if self.batch_size >= self.X.shape[0] and self._open is None:
            if not self._full_batch_epoch():
                return None
            self.epoch += 1
            return 1
        if self._open is None and not self._open_epoch():
            return None
        return self._batches(budget)

    def _open_epoch(self) -> bool:
        """Record the epoch (the loss before its updates), then shuffle its mini-batches."""
        net, X, Y = self.net, self.X, self.Y
        recording = self._recording()
        test = self._test_metrics() if recording else None
        found = self._evaluate(X, Y, self._train_hits if recording else None, health=recording and self.diagnostics)
        if not math.isfinite(found.loss):
            return self._diverged()
        diagnosed = recording and self._record(found, test)
        self._save_backup()
        self._open = _OpenEpoch(order=self.rng.permutation(X.shape[0]), lr=self._lr(),
                                norms=np.zeros(net.n_layers) if diagnosed else None)
        return True

    def _batches(self, budget: float) -> int:
        """Train the open epoch's next mini-batches, at most ``budget``; close the epoch at its end."""
        net, X, Y, e = self.net, self.X, self.Y, self._open
        n, taken = X.shape[0], 0
        while e.start < n and taken < budget:
            idx = e.order[e.start:e.start + self.batch_size]
            Xb, Yb = self._batch_X[:len(idx)], self._batch_Y[:len(idx)]
            X.take(idx, axis=0, out=Xb)
            Y.take(idx, axis=0, out=Yb)
            batch = net.forward_cache(Xb, train=True)
            net.backward(batch, Yb, self.reduction, self.l2, self.l1)
            if e.norms is not None:
                e.norms += [_norm(dW) for dW in batch.dW]
            self.optimizer.step(self._step_params, self._grads(batch), e.lr)
            e.start += len(idx)
            e.batches += 1
            taken += 1
        if e.start >= n:
            if e.norms is not None:
                self._record_gradients(list(e.norms / e.batches))
            self._open = None
            self.epoch += 1
        return taken

    def _save_backup(self) -> None:
        np.copyto(self._backup_flat, self._flat)

    def _diverged(self) -> bool:
        """The current weights gave a non-finite loss: go back to the last epoch's, which did not."""
        if self.epoch > 0:
            np.copyto(self._flat, self._backup_flat)
        self.history.diverged_at = self.epoch
        self.history.status = f"diverged at epoch {self.epoch}"
        return False

    # -------------------------------------------------------------- records
    def _recording(self) -> bool:
        return self.epoch % self.history.stride == 0 or self._logging()

    def _logging(self) -> bool:
        return self.log_every is not None and self.epoch % self.log_every == 0

    def _test_metrics(self):
        if self.X_test is None:
            return (math.nan, math.nan)
        found = self._evaluate(self.X_test, self.Y_test, self._test_hits, health=False)
        return (found.loss, found.accuracy)

    def _found(self, cache, Y, rows: slice, hits) -> _Pass:
        """One pass's findings from its cache (the rows ``rows`` of the data); health is read from the
        cache's spare arrays, so only until the next pass or backward pass overwrites them."""
        net = self.net
        n = cache.A[-1].shape[0]
        acc = hits(cache.A[-1], rows) / n if hits is not None else math.nan
        return _Pass(net.total_loss(cache, Y[rows]) / n, acc,
                     lambda: unit_health(net, cache.A, (cache.D, cache.work)))

    def _evaluate(self, X, Y, hits, health: bool) -> _Pass:
        """Mean loss, accuracy (if ``hits``) and unit health (if ``health``) of the current weights on
        (X, Y), in the network's row blocks (MLP.row_blocks). Data that is one block is one plain pass.
        Over several blocks the sums add up block by block, and the health is gathered as it goes."""
        net = self.net
        blocks = net.row_blocks(X.shape[0])
        if len(blocks) == 1:
            return self._found(net.forward_cache(X), Y, blocks[0], hits)
        n = X.shape[0]
        total, right, gathered = 0.0, 0, UnitHealth(net) if health else None
        for rows in blocks:
            cache = net.forward_cache(X[rows])
            total += net.total_loss(cache, Y[rows])
            if hits is not None:
                right += hits(cache.A[-1], rows)
            if gathered is not None:
                gathered.add(cache.A, (cache.D, cache.work))
        return _Pass(total / n, right / n if hits is not None else math.nan,
                     gathered.fractions if gathered is not None else None)

    def _record(self, found: _Pass, test) -> bool:
        """Log and/or record this epoch; True when the record takes per-layer diagnostics,
        whose gradient half :meth:`_record_gradients` adds after the update."""
        epoch, history = self.epoch, self.history
        row = {"loss": found.loss, "test_loss": test[0], "accuracy": found.accuracy, "test_accuracy": test[1],
               "lr": self._lr()}
        if self._logging():
            history.log.append({"epoch": epoch, **row})
        if not history.wants(epoch):
            return False
        history.append(epoch, **row)
        self._snapshot(epoch)
        if not self._diagnosing(epoch):
            return False
        if found.health is None:
            return False
        dead, saturated = found.health()
        history.set_latest(dead_fraction=dead, saturated_fraction=saturated)
        return True

    def _diagnosing(self, epoch: int) -> bool:
        """Per-layer diagnostics for the record just added: on the history's sparser schedule,
        and always for the last record of this run() call, so a finished run ends with them."""
        history = self.history
        if not self.diagnostics or history.epochs[-1] != epoch:  # not recorded, or thinned away at once
            return False
        return history.keeps_diagnostics(epoch) or epoch + history.stride >= self._end

    def _record_gradients(self, grad_norms: list) -> None:
        """Complete the last record with |dW| per layer and the epoch's |ΔW| / |W|."""
        np.subtract(self._flat, self._backup_flat, out=self._change_flat)
        ratios = []
        for change, before in zip(self._change[0::2], self._backup[0::2]):
            base = _norm(before)
            ratios.append(_norm(change) / base if base > 0 else math.nan)
        self.history.set_latest(grad_norm=grad_norms, update_ratio=ratios)

    @property
    def snapshot_bytes(self) -> int:
        return sum(8 * p.size for p in self.params) * len(self.snapshots)

    def _snapshot(self, epoch: int) -> None:
        if self.snapshot_limit <= 0 or epoch % self.snapshot_stride:
            return
        self.snapshots.append((epoch, [W.copy() for W in self.net.weights], [b.copy() for b in self.net.biases]))
        if len(self.snapshots) > self.snapshot_limit:
            self.snapshot_stride *= 2
            self.snapshots = [s for s in self.snapshots if s[0] % self.snapshot_stride == 0]

    # ------------------------------------------------------------ evaluation
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


def _show(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _norm(a: np.ndarray) -> float:
    return math.sqrt(float(np.vdot(a, a)))


def unit_health(net: MLP, A: list, scratch: tuple[list, list] | None = None) -> tuple[list, list]:
    """Per hidden layer: the fraction of dead units (ReLU family: never positive on any
    sample) and of saturated units (sigmoid/tanh: mean slope below 10 % of its peak).

    A : [X, A1, ..., AL] as in a forward cache. ``scratch`` optionally gives two lists
    of spare arrays shaped like A1.. (e.g. a cache's D and work) to compute slopes in.
    """
    health = UnitHealth(net)
    health.add(A, scratch)
    return health.fractions()


class UnitHealth:
    """:func:`unit_health` gathered over blocks of rows: each unit's largest output (ReLU family) or
    its summed slope (sigmoid/tanh), so that the fractions come out as from one pass over every row."""

    def __init__(self, net: MLP):
        self.net, self.n = net, 0
        self.peaks: list = [None] * len(net.hidden_activations)  # per layer: each unit's largest output
        self.slopes: list = [None] * len(net.hidden_activations)  # per layer: each unit's summed slope

    def add(self, A: list, scratch: tuple[list, list] | None = None) -> None:
        self.n += A[0].shape[0]
        for l, name in enumerate(self.net.hidden_activations):
            act = get_activation(name)
            out = A[l + 1]
            if act.family == "relu":
                peak = np.fmax.reduce(out, axis=0)  # fmax skips NaN, as any() does
                self.peaks[l] = peak if self.peaks[l] is None else np.fmax(self.peaks[l], peak)
            elif act.family == "squash":
                slope = np.empty_like(out) if scratch is None else scratch[0][l]
                slope.fill(1.0)
                act.backward(out, slope, None if scratch is None else scratch[1][l])
                total = np.add.reduce(slope, axis=0)
                self.slopes[l] = total if self.slopes[l] is None else self.slopes[l] + total

    def fractions(self) -> tuple[list, list]:
        """(dead, saturated) per hidden layer, NaN where the activation has no such failure."""
        dead, saturated = [], []
        for l, name in enumerate(self.net.hidden_activations):
            act = get_activation(name)
            if act.family == "relu":
                width = self.peaks[l].size
                dead.append((width - int(np.count_nonzero(self.peaks[l] > 0.0))) / width)  # alive: once positive
                saturated.append(math.nan)
            elif act.family == "squash":
                mean_slope = self.slopes[l] / self.n
                saturated.append(int(np.count_nonzero(mean_slope < 0.1 * act.peak_slope)) / mean_slope.size)
                dead.append(math.nan)
            else:
                dead.append(math.nan)
                saturated.append(math.nan)
        return dead, saturated


def train(net: MLP, X, y, lr=0.1, epochs=100, batch_size=None, optimizer="sgd", l2=0.0, l1=0.0,
          X_test=None, y_test=None, **options) -> History:
    """Train ``net`` in place and return its :class:`History`.

    Defaults: full batch, mean reduction, plain SGD. ``batch_size`` B gives
    mini-batches of B with a seeded shuffle every epoch (``shuffle_seed``).
    Other options: lr_decay (lr / (1 + decay·epoch)), reduction, momentum,
    diagnostics, max_points, max_diagnostics, snapshots, log_every.
    Unlike :class:`Trainer` (whose snapshots feed the app's replays), it keeps no weight
    snapshots unless asked (``snapshots=40``): a notebook user reads the history.
    """
    options.setdefault("snapshots", 0)
    trainer = Trainer(net, X, y, lr=lr, optimizer=optimizer, batch_size=batch_size, l2=l2, l1=l1,
                      X_test=X_test, y_test=y_test, **options)
    return trainer.run(epochs)
