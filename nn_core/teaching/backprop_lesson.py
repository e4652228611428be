"""The Backprop page's lesson: a small network and its batch, stepped through one plain SGD step at a time."""

from __future__ import annotations

import itertools

import numpy as np

from ..activations import get_activation
from ..analysis.gradcheck import check_gradients
from ..network import MLP
from ..training import Trainer
from .stages import Stage, training_step

MAX_LESSON_ROWS = 8  # a lesson shows every sample's row; more would not fit on a screen


class BackpropLesson:
    """The Backprop page's network and its (small) batch, trained one plain SGD step at a time.

    Full batch, no regularisation, so each step is exactly the stages of :func:`training_step`.
    """

    def __init__(self, net: MLP, X, y, lr: float, reduction: str = "mean"):
        self.net, self.lr, self.reduction = net, float(lr), reduction
        net.inputs(X)  # checked here; the points themselves are kept (every method maps them)
        self.X = np.ascontiguousarray(X, dtype=np.float64)
        self.y = np.asarray(y)
        self.trainer = Trainer(net, self.X, self.y, lr=self.lr, reduction=reduction, diagnostics=False,
                               snapshots=0)

    @classmethod
    def build(cls, layer_sizes, activation: str, output: str, X, y, *, lr: float, reduction: str = "mean",
              init: str = "normal", init_scale: float | None = None, seed: int = 0, weights=None,
              biases=None, features=None) -> BackpropLesson:
        """A fresh lesson; ``weights``/``biases`` (e.g. the Playground's) are copied in layer by layer
        where the shapes fit (a changed output width keeps its fresh last layer).

        Only the first MAX_LESSON_ROWS samples are kept, so every row can be shown.
        """
        net = MLP(layer_sizes, activation=activation, output=output, init=init, init_scale=init_scale, seed=seed,
                  features=features)
        given = [p for pair in zip(weights or [], biases or []) for p in pair]
        net.set_parameters([theirs if np.shape(theirs) == mine.shape else mine
                            for mine, theirs in itertools.zip_longest(net.parameters(), given[:2 * net.n_layers])])
        return cls(net, np.asarray(X)[:MAX_LESSON_ROWS], np.asarray(y)[:MAX_LESSON_ROWS], lr, reduction)

    @property
    def iteration(self) -> int:
        return self.trainer.epoch

    @property
    def status(self) -> str:
        return self.trainer.status

    def loss(self) -> float:
        return self.net.loss(self.X, self.y, self.reduction)

    def step(self, k: int = 1) -> None:
        self.trainer.run(k)

    def stages(self) -> list[Stage]:
        return training_step(self.net, self.X, self.y, self.lr, self.reduction)

    def gradient_check(self, breakage: str | None = None):
        return check_gradients(self.net, self.X, self.y, self.reduction, breakage=breakage)

    def kinks(self, eps: float = 1e-5) -> int:
        """How many ReLU-family pre-activations sit within eps of their corner at z = 0.

        There the derivative is undefined, so central differences disagree with
        backprop's choice (slope 0) without anything being wrong.
        """
        count = 0
        with np.errstate(all="ignore"):
            cache = self.net.forward_cache(self.net.inputs(self.X))
            for Z, name in zip(cache.Z, self.net.hidden_activations):
                if get_activation(name).family == "relu":
                    count += int(np.count_nonzero(np.abs(Z) < eps))
        return count
