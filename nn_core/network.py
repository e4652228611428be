"""The multi-layer perceptron: forward pass, loss, and backward pass.

It computes exactly what ``nn_core.reference`` writes plainly (tests/test_reference.py proves it, bit
for bit): forward fills a :class:`Cache` with every layer's pre-activation Z and output A; backward
walks the layers in reverse, consumes it, and leaves the gradients in it.

Why it is fast
--------------
Tiny networks (the tutorials' 2-4-1 on four points) are dominated by per-call overhead, mid-size ones
(2-32-32-1 on 2,000 points) by elementwise work. Three measured choices serve both, each with the same
bits as the plain form:

- **Buffers allocated once** per batch size (Z, A, the deltas, the slopes' scratch) and every step
  written into them with ``out=``: a (2000, 32) temporary costs more than its arithmetic.
- **One flat parameter array**: every W and b is a view of it, and every gradient a view of one flat
  gradient array, so the mean's division, an optimizer step and the trainer's backup are one NumPy call
  each instead of one per array (mid-size epoch 3.96 -> 2.96 ms).
- **tanh as 2 / (1 + e^(-2z)) - 1** (within 4e-16 of ``np.tanh``): float64 ``np.tanh`` has no SIMD loop
  on AVX2 CPUs and was 60 % of a mid-size epoch (3.07 -> 1.98 ms). The exported script and
  ``reference.tanh`` use the same formula.

Two smaller ones pay at tutorial sizes: products use ``np.dot`` rather than ``@`` (the same BLAS gemm,
less dispatch: seed-002 epoch 47.2 -> 43.7 µs), and the activations' scalar operands are 0-d float64
arrays (``activations.ONE``, ...), which a ufunc converts faster than a Python float (about 5 % of a
seed-002 epoch, by instruction count). Every other shortcut measured under 3 % and was taken out.
The operations happen in the tutorials' own order, so their runs reproduce bit for bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import features as feature_registry
from . import reference
from .activations import get_activation
from .heads import as_targets, get_head
from .initializers import get_initializer, initial_weights

MAX_HIDDEN_LAYERS = 8
MAX_WIDTH = 256
MAX_DROPOUT = 0.9
REDUCTIONS = ("mean", "sum")
DROPOUT_STREAM = 1  # the masks come from RandomState([seed, DROPOUT_STREAM]), a stream of their own
EVAL_BLOCK_BYTES = 8 * 2**20  # an evaluation pass bigger than this (a loss record, test metrics) goes in blocks of rows


@dataclass
class Cache:
    """What one forward pass leaves for the backward pass, and what the backward pass leaves.

    A[0] is the input X; Z[l] and A[l + 1] belong to layer l + 1. D holds the deltas dL/dZ, one per
    layer; work[l] is scratch shaped like hidden layer l + 1's output, for its activation's slope.
    dW and db are the gradients, views of the one array flat_grad (in parameters() order).
    masks holds the dropout scales of a training pass (one per hidden layer, None where a layer drops
    nothing), or is None; dropped[l] is then hidden layer l + 1's output times its mask, what the next
    layer read. A stays the output before dropout, which the slopes read.
    """

    Z: list
    A: list
    D: list
    work: list
    flat_grad: np.ndarray
    dW: list
    db: list
    masks: list | None = None
    dropped: list = field(default_factory=list)

    @property
    def grads(self) -> list[np.ndarray]:
        """[dW1, db1, dW2, ...]: the gradients in parameters() order."""
        return [g for pair in zip(self.dW, self.db) for g in pair]


class MLP:
    """A fully connected network, e.g. ``MLP([2, 4, 1], "sigmoid", "sigmoid")``.

    ``weights[l]`` has shape (n_in, n_out) and ``biases[l]`` shape (1, n_out). Both are tuples of
    read-only views of one flat array, so no reader changes the network by accident: load new values
    with :meth:`set_parameters`; only the trainer writes the flat array (:meth:`flat_parameters`).
    ``activation`` is one name for every hidden layer, or one per layer (names or Activation records).
    ``dropout`` is one rate for every hidden layer or one per layer, 0 to 0.9: inverted dropout, in
    training passes only (``forward_cache(X, train=True)``), from its own generator seeded by ``seed``.
    ``features`` (names from ``nn_core.features``, e.g. ("x1_sq", "x2_sq")) makes the network read points
    (n, 2) and feed it one input per feature; ``layer_sizes[0]`` is then their number. Without it the
    inputs are used as given. The public methods take points; ``forward_cache`` takes what
    :meth:`inputs` made of them (the trainer maps its data once).
    """

    def __init__(self, layer_sizes, activation="relu", output="sigmoid", init="he",
                 init_scale=None, seed=0, bias_init=0.0, dropout=0.0, features=None):
        self.layer_sizes = _check_sizes(layer_sizes)
        self.features = None if features is None else feature_registry.check(features)
        if self.features is not None and len(self.features) != self.layer_sizes[0]:
            raise ValueError(f"{len(self.features)} input features need {len(self.features)} inputs; "
                             f"layer_sizes starts with {self.layer_sizes[0]}.")
        n_hidden = len(self.layer_sizes) - 2
        self.dropout = _check_dropout(dropout, n_hidden)
        names = [activation] * n_hidden if isinstance(activation, str) else list(activation)
        if len(names) != n_hidden:
            raise ValueError(f"Give one activation per hidden layer: {n_hidden} needed, {len(names)} given.")
        self._head = get_head(output)
        self._activations = tuple(get_activation(name) for name in names)
        self.hidden_activations = tuple(a.name for a in self._activations)
        self._functions = [a.forward for a in self._activations] + [self._head.activate]  # f(Z, out) per layer
        self.output = self._head.name
        if output == "softmax" and self.layer_sizes[-1] < 2:
            raise ValueError("A softmax output needs at least 2 units (one per class).")
        self.init = get_initializer(init).name
        self.init_scale = None if init_scale is None else float(init_scale)
        self.seed = int(seed)
        self.bias_init = float(bias_init)
        weights, biases = initial_weights(
            self.layer_sizes, self.init, self.init_scale, self.seed, self.bias_init)
        self._flat, views = _packed([p for pair in zip(weights, biases) for p in pair])
        for view in views:  # read-only: values change through set_parameters or the trainer's flat array
            view.flags.writeable = False
        self._weights, self._biases = tuple(views[0::2]), tuple(views[1::2])
        self._caches: dict[int, Cache] = {}
        self.dropout_rng = np.random.RandomState([self.seed, DROPOUT_STREAM])

    # ------------------------------------------------------------------ info
    @property
    def weights(self) -> tuple[np.ndarray, ...]:
        return self._weights

    @property
    def biases(self) -> tuple[np.ndarray, ...]:
        return self._biases

    @property
    def n_layers(self) -> int:
        return len(self._weights)

    @property
    def activation(self):
        """The hidden activation's name, or the per-layer list when they differ."""
        names = self.hidden_activations
        return names[0] if len(set(names)) == 1 else list(names)

    def parameters(self) -> list[np.ndarray]:
        """[W1, b1, W2, b2, ...]: read-only views, so no reader can change the network by accident."""
        return [p for pair in zip(self._weights, self._biases) for p in pair]

    def flat_parameters(self) -> np.ndarray:
        """The one writable array every parameter is a view of, in parameters() order: the trainer's to update."""
        return self._flat

    def set_parameters(self, params) -> None:
        """Load values [W1, b1, W2, b2, ...] (shapes as parameters()) into the network's own arrays."""
        params = list(params)
        mine = self.parameters()
        if len(params) != len(mine) or any(np.shape(p) != m.shape for p, m in zip(params, mine)):
            raise ValueError(f"Expected {len(mine)} arrays shaped {[m.shape for m in mine]}; got "
                             f"{[np.shape(p) for p in params]}.")
        self._flat[...] = np.concatenate([np.ravel(p) for p in params])

    def n_parameters(self) -> int:
        return int(self._flat.size)

    @property
    def dropping(self) -> bool:
        """True when some hidden layer has dropout: training passes then draw masks."""
        return any(self.dropout)

    def config(self) -> dict:
        rates = self.dropout
        dropout = list(rates) if len(set(rates)) > 1 else rates[0] if rates else 0.0
        return {"layer_sizes": list(self.layer_sizes), "activation": self.activation,
                "output": self.output, "init": self.init, "init_scale": self.init_scale,
                "seed": self.seed, "bias_init": self.bias_init, "dropout": dropout,
                "features": None if self.features is None else list(self.features)}

    def copy(self) -> MLP:
        clone = MLP(**self.config())
        clone.set_parameters(self.parameters())
        return clone

    def __repr__(self) -> str:
        acts = "/".join(self.hidden_activations) or "none"
        drop = f", dropout={'/'.join(f'{p:g}' for p in self.dropout)}" if self.dropping else ""
        return (f"MLP({'-'.join(map(str, self.layer_sizes))}, hidden={acts}, output={self.output}{drop}, "
                f"params={self.n_parameters()})")

    # --------------------------------------------------------------- forward
    def _cache(self, n: int) -> Cache:
        cache = self._caches.get(n)
        if cache is None:
            if len(self._caches) > 4:
                self._caches.clear()
            widths = self.layer_sizes[1:]
            flat_grad, grads = _packed(self.parameters(), fill=False)
            cache = Cache(Z=[np.empty((n, w)) for w in widths], A=[None] + [np.empty((n, w)) for w in widths],
                          D=[np.empty((n, w)) for w in widths], work=[np.empty((n, w)) for w in widths[:-1]],
                          flat_grad=flat_grad, dW=grads[0::2], db=grads[1::2])
            self._caches[n] = cache
        return cache

    def row_blocks(self, n: int) -> list[slice]:
        """The rows of an evaluation pass over n points, in blocks whose cache fits EVAL_BLOCK_BYTES.

        A small network's data is one block (the pass is the plain one). At the limits (8 × 256 units,
        4,000 training points) a cache of every row would hold 260 MB per session, and a server holds
        many sessions; in blocks it holds 8 MB.
        """
        per_row = 8 * 4 * sum(self.layer_sizes[1:])  # Z, A, D and work: one float64 each per unit
        rows = max(1, EVAL_BLOCK_BYTES // per_row)
        return [slice(start, min(n, start + rows)) for start in range(0, n, rows)]

    def draw_masks(self, n: int) -> list:
        """Fresh dropout scales for a batch of n, from the network's own generator (reference.dropout_masks)."""
        return reference.dropout_masks(self.dropout_rng, n, self.layer_sizes[1:-1], self.dropout)

    def forward_cache(self, X: np.ndarray, train: bool = False, masks: list | None = None) -> Cache:
        """Run the forward pass into reusable buffers. X : (n, n_in) float64.

        A training pass (``train``) of a network with dropout draws fresh masks; ``masks`` gives fixed
        ones instead (one (n, width) scale or None per hidden layer), e.g. for a gradient check.
        Every other pass (loss records, evaluation, pictures) drops nothing.
        Hot path: the caller silences floating-point warnings (np.errstate) once.
        """
        cache = self._cache(X.shape[0])
        if masks is None and train and self.dropping:
            masks = self.draw_masks(X.shape[0])
        cache.masks = masks
        cache.A[0] = a = X
        if masks is None:
            for W, b, z, out, f in zip(self._weights, self._biases, cache.Z, cache.A[1:], self._functions):
                np.dot(a, W, out=z)
                z += b
                f(z, out)
                a = out
            return cache
        if not cache.dropped:
            cache.dropped = [np.empty_like(out) for out in cache.A[1:-1]]
        layers = zip(self._weights, self._biases, cache.Z, cache.A[1:], self._functions)
        for l, (W, b, z, out, f) in enumerate(layers):
            np.dot(a, W, out=z)
            z += b
            f(z, out)
            a = out
            if l < len(masks) and masks[l] is not None:
                a = np.multiply(out, masks[l], out=cache.dropped[l])  # what the next layer reads
        return cache

    def forward(self, X) -> np.ndarray:
        """Outputs for X : (n, n_in): probabilities for sigmoid/softmax heads. Cache-free."""
        return self.layer_outputs(X)[-1]

    predict = forward

    def layer_outputs(self, X) -> list[np.ndarray]:
        """Fresh arrays [A1, ..., AL]: every layer's output, for the neuron heatmaps."""
        A = self.inputs(X)
        outputs = []
        with np.errstate(all="ignore"):
            for W, b, f in zip(self._weights, self._biases, self._functions):
                Z = A @ W
                Z += b
                A = np.empty_like(Z)
                f(Z, A)
                outputs.append(A)
        return outputs

    def inputs(self, X) -> np.ndarray:
        """What the first layer reads for the points X: X itself, or one column per input feature."""
        X = np.ascontiguousarray(X, dtype=np.float64)
        width = self.layer_sizes[0] if self.features is None else 2
        if X.ndim != 2 or X.shape[1] != width:
            raise ValueError(f"Inputs must have shape (n, {width}); got {X.shape}.")
        if self.features is None:
            return X
        with np.errstate(all="ignore"):  # a huge x squared is inf, caught as divergence like any other
            return feature_registry.feature_matrix(X, self.features)


    def targets(self, y) -> np.ndarray:
        """y in any accepted form, as the (n, n_out) float matrix the loss compares with."""
        return as_targets(y, self.output, self.layer_sizes[-1])

    # ------------------------------------------------------- loss & backward
    def sample_losses(self, cache: Cache, Y: np.ndarray) -> np.ndarray:
        """Per-sample loss of the last forward pass, computed from its logits."""
        return self._head.sample_losses(cache.Z[-1], Y)

    def total_loss(self, cache: Cache, Y: np.ndarray) -> float:
        """The sum of :meth:`sample_losses`, as a float."""
        return self._head.total_loss(cache.Z[-1], Y)

    def penalty(self, l2: float = 0.0, l1: float = 0.0) -> float:
        """Regularisation term added to the loss: l2/2·ΣW² + l1·Σ|W| over the weights (not biases)."""
        total = 0.0
        for W in self._weights:
            if l2:
                total += 0.5 * l2 * float(np.sum(W * W))
            if l1:
                total += l1 * float(np.abs(W).sum())
        return total

    def backward(self, cache: Cache, Y: np.ndarray, reduction: str = "mean",
                 l2: float = 0.0, l1: float = 0.0) -> Cache:
        """Fill cache.dW / cache.db with the gradient of the reduced loss (+ penalty).

        Hot path: the caller silences floating-point warnings (np.errstate) once.
        """
        A, D, W, dW, db, masks = cache.A, cache.D, self._weights, cache.dW, cache.db, cache.masks
        np.subtract(A[-1], Y, out=D[-1])  # dL/dZ_L = A_L - Y for every head
        for l in range(len(W) - 1, -1, -1):
            dropped = masks is not None and l > 0 and masks[l - 1] is not None
            np.dot((cache.dropped[l - 1] if dropped else A[l]).T, D[l], out=dW[l])
            np.add.reduce(D[l], axis=0, keepdims=True, out=db[l])
            if l > 0:
                np.dot(D[l], W[l].T, out=D[l - 1])  # dA: the error sent back through the weights
                if dropped:
                    D[l - 1] *= masks[l - 1]  # a dropped unit sends no error back
                slope = cache.work[l - 1]
                self._activations[l - 1].slope(cache.Z[l - 1], A[l], slope)
                D[l - 1] *= slope  # dZ = dA ⊙ f'(Z), the chain rule through the activation
        if reduction == "mean":
            cache.flat_grad /= Y.shape[0]  # every dW and db at once: the same division as one by one
        if l2 or l1:
            for grad, weights in zip(dW, W):
                if l2:
                    grad += l2 * weights
                if l1:
                    grad += l1 * np.sign(weights)
        return cache

    def loss_and_gradients(self, X, y, reduction: str = "mean", l2: float = 0.0, l1: float = 0.0,
                           masks: list | None = None):
        """(loss, [(dW1, db1), ...]): the gradient is exactly that of the loss returned.

        reduction "mean" averages the sample losses, "sum" adds them; l2/l1 add
        the penalty of :meth:`penalty` to both. ``masks``: fixed dropout scales (see
        :meth:`forward_cache`), so that a gradient check can hold them still.
        """
        if reduction not in REDUCTIONS:
            raise ValueError(f"Unknown reduction {reduction!r}; choose one of: {', '.join(REDUCTIONS)}.")
        X = self.inputs(X)
        Y = self.targets(y)
        if Y.shape[0] != X.shape[0]:
            raise ValueError(f"X has {X.shape[0]} rows but y has {Y.shape[0]}.")
        with np.errstate(all="ignore"):
            cache = self.forward_cache(X, masks=masks)
            losses = self.sample_losses(cache, Y)
            loss = float(losses.mean() if reduction == "mean" else losses.sum()) + self.penalty(l2, l1)
            self.backward(cache, Y, reduction, l2, l1)
        return loss, [(dW.copy(), db.copy()) for dW, db in zip(cache.dW, cache.db)]

    def loss(self, X, y, reduction: str = "mean", l2: float = 0.0, l1: float = 0.0,
             masks: list | None = None) -> float:
        X = self.inputs(X)
        Y = self.targets(y)
        with np.errstate(all="ignore"):
            losses = self.sample_losses(self.forward_cache(X, masks=masks), Y)
        return float(losses.mean() if reduction == "mean" else losses.sum()) + self.penalty(l2, l1)


def _packed(arrays, fill=True) -> tuple[np.ndarray, list[np.ndarray]]:
    """One flat float64 array and C-contiguous views of it shaped like ``arrays`` (holding their values if fill)."""
    flat = np.empty(sum(a.size for a in arrays))
    views, offset = [], 0
    for a in arrays:
        view = flat[offset:offset + a.size].reshape(a.shape)
        if fill:
            view[...] = a
        views.append(view)
        offset += a.size
    return flat, views


def _check_sizes(layer_sizes) -> list[int]:
    try:
        sizes = [int(s) for s in layer_sizes]
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"layer_sizes must be a list of whole numbers, e.g. [2, 4, 1]; got {layer_sizes!r}.") from None
    if len(sizes) < 2:
        raise ValueError("layer_sizes needs at least an input and an output size, e.g. [2, 1].")
    if len(sizes) - 2 > MAX_HIDDEN_LAYERS:
        raise ValueError(f"At most {MAX_HIDDEN_LAYERS} hidden layers are supported; got {len(sizes) - 2}.")
    if any(s < 1 or s > MAX_WIDTH for s in sizes):
        raise ValueError(f"Every layer needs 1 to {MAX_WIDTH} units; got {sizes}.")
    return sizes


def _check_dropout(dropout, n_hidden: int) -> tuple[float, ...]:
    """One rate per hidden layer, each from 0 to MAX_DROPOUT."""
    rates = [dropout] * n_hidden if isinstance(dropout, (int, float)) else list(dropout)
    if len(rates) != n_hidden:
        raise ValueError(f"Give one dropout rate, or one per hidden layer: {n_hidden} needed, {len(rates)} given.")
    for p in rates:
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not (math.isfinite(p) and 0 <= p <= MAX_DROPOUT):
            raise ValueError(f"A dropout rate must be a number from 0 to {MAX_DROPOUT}; got {p!r}.")
    return tuple(float(p) for p in rates)
