"""The training loop: it only coordinates forward, backward and update; others batch and record.

A :class:`Trainer` can be resumed: ``run(k)`` continues from where it stopped,
so a UI can train in chunks, draw between them, and stop on request. A live view
trains in slices of optimizer steps instead (``run_steps``), because at the
limits one epoch is thousands of steps and no frame can wait for it; either way
the weights are bit-identical. Settings that keep the network's shape and data
(learning rate, optimizer, L1/L2, batch size, decay) can change mid-run
(``retune``), as in TF Playground. A non-finite loss stops training with the
weights of the last finite epoch. The mini-batches are :mod:`nn_core.batching`'s, the history,
log, snapshots and evaluation :mod:`nn_core.recording`'s.
"""

from __future__ import annotations

import math

import numpy as np

from .batching import MiniBatches
from .history import History
from .network import MLP, REDUCTIONS, _packed
from .optimizers import OPTIMIZERS, make_optimizer
from .recording import Recorder, norm

RETUNABLE = {"lr": "lr", "l2": "l2", "l1": "l1", "lr_decay": "lr_decay", "batch_size": "batch_size",
             "optimizer": "optimizer_name", "momentum": "momentum"}  # setting -> Trainer attribute


class Trainer:
    """Trains ``net`` in place on (X, y); see :func:`train` for the arguments."""

    def __init__(self, net: MLP, X, y, *, lr=0.1, optimizer="sgd", batch_size=None, l2=0.0, l1=0.0,
                 lr_decay=0.0, reduction="mean", momentum=0.9, shuffle_seed=0, X_test=None, y_test=None,
                 **recording):
        """``recording``: what the :class:`~nn_core.recording.Recorder` keeps (diagnostics, snapshots, ...)."""
        _check_settings(reduction, lr=lr, l2=l2, l1=l1, lr_decay=lr_decay)
        self.net, self.X, self.Y = net, net.inputs(X), net.targets(y)
        if self.Y.shape[0] != self.X.shape[0] or self.X.shape[0] == 0:
            raise ValueError(f"X has {self.X.shape[0]} rows and y has {self.Y.shape[0]}; they must match and be > 0.")
        self.batch_size = _clamp_batch(batch_size, self.X.shape[0])
        self.lr, self.l2, self.l1, self.lr_decay = float(lr), float(l2), float(l1), float(lr_decay)
        self.reduction, self.momentum = reduction, float(momentum)
        # The net's parameters are read-only views of one flat array: the update and the backup
        # are one NumPy call each on it, with the same bits as layer by layer.
        self._flat = net.flat_parameters()
        self._step_params = [self._flat]
        self.optimizer_name, self.optimizer = optimizer, make_optimizer(optimizer, self._step_params,
                                                                        momentum=self.momentum)
        self.recorder = Recorder(net, self.X, self.Y, X_test, y_test, **recording)
        self.batches = MiniBatches(self.X, self.Y, self.batch_size, shuffle_seed)
        self._backup_flat, self._backup = _packed(net.parameters())  # parameters before the last update
        self._stop, self.epoch = False, 0  # epochs completed
        self._end = 0  # the epoch the current run() call trains up to

    @property
    def history(self) -> History:
        return self.recorder.history

    @property
    def snapshots(self) -> list:
        return self.recorder.snapshots

    def evaluate(self, net: MLP | None = None) -> dict:
        """Loss and accuracy of the current weights (or of ``net``, e.g. a snapshot) on train and test data."""
        return self.recorder.evaluate(net)

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
        return self.batches.is_open

    def retune(self, **settings) -> list[str]:
        """Change settings that keep the network's shape and data, for the running network.

        settings : any of lr, l2, l1, lr_decay, batch_size, optimizer, momentum.
        The weights stay; a new optimizer starts with fresh state (its moments
        belong to the old rule). Each change is marked in the history at this
        epoch, so a loss curve can show where it happened. Returns the marks made.
        """
        changed = []
        for name, value in settings.items():
            value = _checked(name, value, self.X.shape[0])
            old = getattr(self, RETUNABLE[name])
            if value != old:
                setattr(self, RETUNABLE[name], value)
                changed.append((name, f"{name.replace('_', ' ')} {_show(old)} → {_show(value)}"))
        names = {name for name, _ in changed}
        if names & {"optimizer", "momentum"}:
            self.optimizer = make_optimizer(self.optimizer_name, self._step_params, momentum=self.momentum)
        if "batch_size" in names:
            self.batches.resize(self.batch_size)
        for _, mark in changed:
            self.history.mark(self.epoch, mark)
        return [mark for _, mark in changed]

    def chunks(self, epochs: int, chunk: int = 25):
        """Generator: train ``epochs`` epochs, yielding the history after every ``chunk``."""
        left = int(epochs)
        while left > 0 and not self.done and not self._stop:
            step = min(chunk, left)
            self.run(step)
            left -= step
            yield self.history

    def _lr(self) -> float:
        return self.lr / (1.0 + self.lr_decay * self.epoch) if self.lr_decay else self.lr

    def _advance(self, budget: float) -> int | None:
        """Up to ``budget`` more steps of the current epoch; None when the loss diverged.

        A new epoch is recorded first, from the loss before its updates: for full batch from the very pass
        its backward pass needs, for mini-batches from a pass over all the rows before they are shuffled.
        """
        if self.batches.is_open:
            return self._train_batches(budget)
        recorder, full_batch = self.recorder, self.batch_size >= self.X.shape[0]
        recording = recorder.recording(self.epoch)
        test = recorder.test_metrics() if recording else None
        hits = recorder.train_hits if recording else None
        if full_batch:
            cache = self.net.forward_cache(self.X)  # the whole batch: the backward pass below needs every row
            found = recorder.found(cache, self.Y, slice(None), hits)
        else:
            found = recorder.evaluate_on(self.X, self.Y, hits, health=recording and recorder.diagnostics)
        if not math.isfinite(found.loss):
            return self._diverged()
        diagnosed = recording and recorder.record(self.epoch, found, test, self._lr(), self._end)
        np.copyto(self._backup_flat, self._flat)
        if not full_batch:
            self.batches.open(self._lr(), self.net.n_layers if diagnosed else None)
            return self._train_batches(budget)
        if self.net.dropping:  # the loss above is without dropout; the gradient comes from a pass with fresh masks
            cache = self.net.forward_cache(self.X, train=True)
        self.net.backward(cache, self.Y, self.reduction, self.l2, self.l1)
        self.optimizer.step(self._step_params, [cache.flat_grad], self._lr())
        if diagnosed:
            norms = [norm(dW) for dW in cache.dW]
            self.recorder.record_gradients(norms, self._flat, self._backup_flat, self._backup)
        self.epoch += 1
        return 1

    def _train_batches(self, budget: float) -> int:
        """Train the open epoch's next mini-batches, at most ``budget``; close the epoch at its end."""
        net, batches, taken = self.net, self.batches, 0
        while not batches.finished and taken < budget:
            Xb, Yb = batches.take()
            cache = net.forward_cache(Xb, train=True)
            net.backward(cache, Yb, self.reduction, self.l2, self.l1)
            if batches.norms is not None:
                batches.norms += [norm(dW) for dW in cache.dW]
            self.optimizer.step(self._step_params, [cache.flat_grad], batches.lr)
            taken += 1
        if batches.finished:
            grad_norms = batches.close()
            if grad_norms is not None:
                self.recorder.record_gradients(grad_norms, self._flat, self._backup_flat, self._backup)
            self.epoch += 1
        return taken

    def _diverged(self) -> None:
        """The current weights gave a non-finite loss: go back to the last epoch's, which did not."""
        if self.epoch > 0:
            np.copyto(self._flat, self._backup_flat)
        self.history.diverged_at = self.epoch
        self.history.status = f"diverged at epoch {self.epoch}"


def _check_settings(reduction: str, **numbers) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"Unknown reduction {reduction!r}; choose one of: {', '.join(REDUCTIONS)}.")
    for name, value in numbers.items():
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be a finite number ≥ 0; got {value!r}.")


def _checked(name: str, value, n: int):
    """A retuned setting's value, checked (batch sizes clamped to 1..n); ValueError in one sentence."""
    if name not in RETUNABLE:
        raise ValueError(f"{name!r} cannot change during a run; these can: {', '.join(RETUNABLE)}.")
    if name == "optimizer":
        if value not in OPTIMIZERS:
            raise ValueError(f"Unknown optimizer {value!r}; choose one of: {', '.join(OPTIMIZERS)}.")
        return value
    if name == "batch_size":
        return _clamp_batch(value, n)
    value = float(value)
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number ≥ 0; got {value!r}.")
    return value


def _clamp_batch(batch_size, n: int) -> int:
    return n if not batch_size else max(1, min(int(batch_size), n))


def _show(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


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
