"""Mini-batches: each epoch's seeded shuffle, cut into batches that a trainer can stop between.

An epoch stays open across calls, so a live view can train a few hundred steps, draw, and go on
where it stopped; the batches, and so the weights, are the same as in one uninterrupted epoch.
"""

from __future__ import annotations

import numpy as np


class MiniBatches:
    """The shuffled batches of (X, Y), one epoch at a time, copied into buffers allocated once."""

    def __init__(self, X: np.ndarray, Y: np.ndarray, batch_size: int, seed: int):
        self.X, self.Y = X, Y
        self.rng = np.random.RandomState(seed)
        self.resize(batch_size)
        self.order: np.ndarray | None = None  # the open epoch's shuffled rows; None between epochs
        self.start = self.count = 0
        self.lr = 0.0
        self.norms: np.ndarray | None = None  # summed per-layer |dW| when the open epoch's record is diagnosed

    def resize(self, batch_size: int) -> None:
        self.size = batch_size
        self._X = np.empty((batch_size, self.X.shape[1]))
        self._Y = np.empty((batch_size, self.Y.shape[1]))

    @property
    def is_open(self) -> bool:
        return self.order is not None

    @property
    def finished(self) -> bool:
        return self.start >= self.X.shape[0]

    def open(self, lr: float, layers: int | None) -> None:
        """Shuffle a new epoch, trained at ``lr``; ``layers`` sums |dW| per layer for a diagnosed record."""
        self.order = self.rng.permutation(self.X.shape[0])
        self.start = self.count = 0
        self.lr = lr
        self.norms = np.zeros(layers) if layers is not None else None

    def take(self) -> tuple[np.ndarray, np.ndarray]:
        """The open epoch's next batch (views of the buffers, valid until the next call)."""
        idx = self.order[self.start:self.start + self.size]
        Xb, Yb = self._X[:len(idx)], self._Y[:len(idx)]
        self.X.take(idx, axis=0, out=Xb)
        self.Y.take(idx, axis=0, out=Yb)
        self.start += len(idx)
        self.count += 1
        return Xb, Yb

    def close(self) -> list | None:
        """End the epoch; the mean per-layer |dW| over its batches, if they were summed."""
        mean = list(self.norms / self.count) if self.norms is not None else None
        self.order, self.norms = None, None
        return mean
