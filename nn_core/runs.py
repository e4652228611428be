"""One trained run, the record every part of nnplay passes around, and the one place that wires it up.

A :class:`Run` is the Playground's live run, a compared run of the Experiments,
a failure scenario, a replayed tutorial and a restored upload alike. While it
trains it holds its :class:`~nn_core.training.Trainer`; :meth:`Run.finished`
gives a copy that holds only what training left behind (:class:`Finished`), so
nothing trained later changes it and it is slim enough to cache.
"""

from __future__ import annotations

import copy
import hashlib
import math
from dataclasses import dataclass, field

import numpy as np

from . import datasets
from .config import RunConfig, layer_sizes, reconcile
from .history import History, epochs_to_target
from .network import MLP
from .training import Trainer


@dataclass(frozen=True)
class Finished:
    """What a run keeps of its trainer once training is over: enough to replay, score and draw it.

    It answers the trainer's questions a finished run still gets (``history``,
    ``snapshots``, ``epoch``, ``evaluate()``) without the optimizer state and
    working buffers, which are several times the network's size.
    """

    history: History
    snapshots: list  # [(epoch, weights, biases)]
    epoch: int  # updates applied to the run's network
    metrics: dict  # train/test loss and accuracy of the final weights

    def evaluate(self) -> dict:
        return dict(self.metrics)


@dataclass
class Run:
    config: RunConfig
    data: datasets.Dataset
    net: MLP
    trainer: Trainer | Finished
    notes: list = field(default_factory=list)  # sentences about settings that were adjusted to fit the data
    label: str = "run"
    wall_time: float = math.nan  # seconds spent training, where measured
    key: str | None = None  # names this exact state (state_key) on a finished run, so charts of it can be cached

    @property
    def history(self) -> History:
        return self.trainer.history

    @property
    def snapshots(self) -> list:
        return self.trainer.snapshots

    @property
    def epochs_done(self) -> int:
        return self.trainer.epoch

    @property
    def metrics(self) -> dict:
        return self.trainer.evaluate()

    @property
    def live(self) -> bool:
        return isinstance(self.trainer, Trainer)

    def train(self, epochs: int | None = None) -> History:
        """Train ``epochs`` more (default: the configured number), resuming where it stopped."""
        if not self.live:
            raise ValueError("This run is finished (a stored copy); train the live run it was copied from.")
        return self.trainer.run(self.config.epochs if epochs is None else epochs)

    def finished(self, label: str | None = None, wall_time: float | None = None) -> Run:
        """A copy no further training changes, slim enough to cache, with a key naming its exact state."""
        t = self.trainer
        kept = Finished(copy.deepcopy(t.history), list(t.snapshots), t.epoch, t.evaluate())
        return Run(self.config, self.data, self.net.copy(), kept, list(self.notes),
                   self.label if label is None else label, self.wall_time if wall_time is None else wall_time,
                   key=state_key(self))

    def summary(self, target_loss: float | None = None) -> dict:
        """One row of a comparison table (NaN where a value does not apply)."""
        m = self.metrics
        return {
            "run": self.label,
            "final train loss": m.get("train_loss", math.nan),
            "final test loss": m.get("test_loss", math.nan),
            "train accuracy": m.get("train_accuracy", math.nan),
            "test accuracy": m.get("test_accuracy", math.nan),
            "epochs to target": None if target_loss is None else epochs_to_target(self.history, target_loss),
            "wall time (s)": self.wall_time,
            "status": self.history.status,
        }


def snapshot_net(net: MLP, snapshot: tuple) -> MLP:
    """A copy of ``net`` holding the weights of ``snapshot`` (epoch, weights, biases), e.g. for a replay."""
    _, weights, biases = snapshot
    clone = net.copy()
    clone.set_parameters([p for pair in zip(weights, biases) for p in pair])
    return clone


def make_dataset(config: RunConfig) -> datasets.Dataset:
    return datasets.make(config.dataset, n=config.n_samples, noise=config.noise, seed=config.data_seed,
                         test_ratio=config.test_ratio, classes=config.classes)


def prepare(config: RunConfig, data: datasets.Dataset | None = None, **trainer_options) -> Run:
    """Build the dataset (unless given, e.g. from a CSV), the network and its trainer."""
    if data is None:
        data = make_dataset(config)
    config, notes = reconcile(config, data.kind)
    net = MLP(layer_sizes(config, data.n_classes), activation=config.activation, output=config.output,
              init=config.init, init_scale=config.init_scale, seed=config.seed, bias_init=config.bias_init,
              dropout=config.dropout, features=config.features)
    trainer = Trainer(net, data.X_train, data.y_train, X_test=data.X_test, y_test=data.y_test,
                      lr=config.lr, optimizer=config.optimizer, batch_size=config.batch_size or None,
                      l2=config.l2, l1=config.l1, lr_decay=config.lr_decay, reduction=config.reduction,
                      momentum=config.momentum, shuffle_seed=config.seed, **trainer_options)
    return Run(config, data, net, trainer, notes)


def run(config: RunConfig, data: datasets.Dataset | None = None, **trainer_options) -> Run:
    """Prepare and train for the configured number of epochs."""
    result = prepare(config, data, **trainer_options)
    result.train()
    return result


# ------------------------------------------------------------------------- keys
def run_key(config: RunConfig, data: datasets.Dataset) -> str:
    """A cache key for a trained run: the full config and the exact bytes of its data."""
    digest = hashlib.sha256(repr(sorted(config.to_dict().items())).encode())
    for array in (data.X_train, data.y_train, data.X_test, data.y_test):
        digest.update(np.ascontiguousarray(array).tobytes())
        digest.update(str(array.shape).encode())
    return digest.hexdigest()


def state_key(run: Run) -> str:
    """run_key plus the epochs done and the current weights: training is deterministic, so equal keys
    mean equal histories too."""
    digest = hashlib.sha256(run_key(run.config, run.data).encode())
    digest.update(str(run.epochs_done).encode())
    for p in run.net.parameters():
        digest.update(np.ascontiguousarray(p).tobytes())
    return digest.hexdigest()
