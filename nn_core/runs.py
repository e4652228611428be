"""From a RunConfig to data, network and trainer: the one place that wires them."""

from __future__ import annotations

from dataclasses import dataclass

from . import datasets
from .config import RunConfig, layer_sizes, reconcile
from .network import MLP
from .training import Trainer


@dataclass
class Run:
    config: RunConfig
    data: datasets.Dataset
    net: MLP
    trainer: Trainer
    notes: list  # sentences about settings that were adjusted to fit the data

    @property
    def history(self):
        return self.trainer.history

    def train(self, epochs: int | None = None):
        """Train ``epochs`` more (default: the configured number), resuming where it stopped."""
        return self.trainer.run(self.config.epochs if epochs is None else epochs)


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
