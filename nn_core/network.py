"""The multi-layer perceptron: forward pass, loss, and backward pass.

Forward fills a cache of every layer's pre-activation Z and output A; backward
walks the layers in reverse and consumes it. Buffers are allocated once per
batch size and reused, because tiny networks are dominated by call overhead.
For the same reason all parameters are views into one flat array, and so are
all gradients: an elementwise update or copy is then one NumPy call, not one
per array, with the same bits. Products use np.dot rather than the matmul
gufunc: the same BLAS gemm (hence the same bits) with less dispatch overhead,
which is most of the cost at tutorial sizes. The operations happen in the
tutorials' own order, so their runs reproduce bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import get_activation
from .heads import as_targets, get_head
from .initializers import get_initializer, initial_weights

MAX_HIDDEN_LAYERS = 8
MAX_WIDTH = 256
REDUCTIONS = ("mean", "sum")


@dataclass
class Cache:
    """What one forward pass leaves for the backward pass.

    A[0] is the input X; Z[l] and A[l + 1] belong to layer l + 1.
    D holds the backward deltas dL/dZ, one per layer. work[l] is scratch
    space shaped like hidden layer l + 1's output, for its activation's slope;
    all of them share one array, as the layers use it one at a time.
    """

    Z: list
    A: list
    D: list
    dW: list
    db: list
    grads: list  # [dW1, db1, dW2, ...]: the same arrays, in parameters() order
    flat_grad: np.ndarray | None = None  # the one array every gradient above is a view of
    work: list | None = None
    outputs: list | None = None  # A[1:], the buffers each layer writes
    count: np.ndarray | None = None  # n as a 0-d float64 array, the divisor of a mean (ufuncs take it faster than an int)
    inputs_T: list | None = None  # A[l].T for l >= 1 (A[0].T is taken per call: X changes)


class MLP:
    """A fully connected network, e.g. ``MLP([2, 4, 1], "sigmoid", "sigmoid")``.

    ``weights[l]`` has shape (n_in, n_out) and ``biases[l]`` shape (1, n_out);
    both may be edited in place.
    """

    def __init__(self, layer_sizes, activation="relu", output="sigmoid", init="he",
                 init_scale=None, seed=0, bias_init=0.0):
        self.layer_sizes = _check_sizes(layer_sizes)
        n_hidden = len(self.layer_sizes) - 2
        names = [activation] * n_hidden if isinstance(activation, str) else list(activation)
        if len(names) != n_hidden:
            raise ValueError(f"Give one activation per hidden layer: {n_hidden} needed, {len(names)} given.")
        self._head = get_head(output)
        self._hidden = tuple(get_activation(name) for name in names)
        self.hidden_activations = tuple(a.name for a in self._hidden)
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
        self.weights, self.biases = views[0::2], views[1::2]
        self._caches: dict[int, Cache] = {}

    # ------------------------------------------------------------------ info
    @property
    def _hidden(self) -> tuple:
        return self._hidden_activations

    @_hidden.setter
    def _hidden(self, activations) -> None:
        # The per-layer calls the passes make, looked up once here rather than every epoch;
        # replacing _hidden (e.g. gradcheck's deliberately broken copy) rebuilds them.
        self._hidden_activations = tuple(activations)
        self._forwards = [a.forward for a in self._hidden_activations] + [self._head.activate]
        self._backwards = [a.backward if getattr(a.backward, "takes_work", False) else _ignore_work(a.backward)
                           for a in self._hidden_activations]

    @property
    def n_layers(self) -> int:
        return len(self.weights)

    @property
    def activation(self):
        """The hidden activation's name, or the per-layer list when they differ."""
        names = self.hidden_activations
        return names[0] if len(set(names)) == 1 else list(names)

    def parameters(self) -> list[np.ndarray]:
        """[W1, b1, W2, b2, ...]: the arrays an optimizer updates in place."""
        return [p for pair in zip(self.weights, self.biases) for p in pair]

    def flat_parameters(self) -> np.ndarray | None:
        """The one array every parameter is a view of, in parameters() order, or
        None if a parameter array was replaced rather than edited in place."""
        flat, offset = self._flat, 0
        for p in self.parameters():
            if (p.base is not flat or not p.flags.c_contiguous
                    or p.ctypes.data != flat.ctypes.data + offset * flat.itemsize):
                return None
            offset += p.size
        return flat if offset == flat.size else None

    def n_parameters(self) -> int:
        return sum(p.size for p in self.parameters())

    def config(self) -> dict:
        return {"layer_sizes": list(self.layer_sizes), "activation": self.activation,
                "output": self.output, "init": self.init, "init_scale": self.init_scale,
                "seed": self.seed, "bias_init": self.bias_init}

    def copy(self) -> MLP:
        clone = MLP(**self.config())
        for mine, theirs in zip(self.parameters(), clone.parameters()):
            theirs[...] = mine
        return clone

    def __repr__(self) -> str:
        acts = "/".join(self.hidden_activations) or "none"
        return (f"MLP({'-'.join(map(str, self.layer_sizes))}, hidden={acts}, output={self.output}, "
                f"params={self.n_parameters()})")

    # --------------------------------------------------------------- forward
    def _cache(self, n: int) -> Cache:
        cache = self._caches.get(n)
        if cache is None:
            if len(self._caches) > 4:
                self._caches.clear()
            widths = self.layer_sizes[1:]
            flat_grad, grads = _packed(self.parameters(), fill=False)
            scratch = np.empty(n * max(widths))
            outputs = [np.empty((n, w)) for w in widths]
            cache = Cache(Z=[np.empty((n, w)) for w in widths], A=[None, *outputs],
                          D=[np.empty((n, w)) for w in widths],
                          dW=grads[0::2], db=grads[1::2], grads=grads, flat_grad=flat_grad,
                          work=[scratch[:n * w].reshape(n, w) for w in widths[:-1]],
                          outputs=outputs, inputs_T=[None] + [a.T for a in outputs[:-1]],
                          count=np.array(float(n)))
            self._caches[n] = cache
        return cache

    def forward_cache(self, X: np.ndarray) -> Cache:
        """Run the forward pass into reusable buffers. X : (n, n_in) float64.

        Hot path: the caller silences floating-point warnings (np.errstate) once.
        """
        cache = self._caches.get(X.shape[0]) or self._cache(X.shape[0])
        cache.A[0] = a = X
        for W, b, z, out, forward in zip(self.weights, self.biases, cache.Z, cache.outputs, self._forwards):
            _dot(a, W, out=z)
            z += b
            forward(z, out)
            a = out
        return cache

    def forward(self, X) -> np.ndarray:
        """Outputs for X : (n, n_in): probabilities for sigmoid/softmax heads. Cache-free."""
        return self.layer_outputs(X)[-1]

    predict = forward

    def layer_outputs(self, X) -> list[np.ndarray]:
        """Fresh arrays [A1, ..., AL]: every layer's output, for the neuron heatmaps."""
        A = self._as_input(X)
        outputs = []
        with np.errstate(all="ignore"):
            for W, b, fn in zip(self.weights, self.biases, self._forwards):
                Z = A @ W
                Z += b
                A = np.empty_like(Z)
                fn(Z, A)
                outputs.append(A)
        return outputs

    def _as_input(self, X) -> np.ndarray:
        X = np.ascontiguousarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.layer_sizes[0]:
            raise ValueError(f"Inputs must have shape (n, {self.layer_sizes[0]}); got {X.shape}.")
        return X

    def targets(self, y) -> np.ndarray:
        """y in any accepted form, as the (n, n_out) float matrix the loss compares with."""
        return as_targets(y, self.output, self.layer_sizes[-1])

    # ------------------------------------------------------- loss & backward
    def sample_losses(self, cache: Cache, Y: np.ndarray) -> np.ndarray:
        """Per-sample loss of the last forward pass, computed from its logits."""
        return self._head.sample_losses(cache.Z[-1], Y)

    def total_loss(self, cache: Cache, Y: np.ndarray) -> float:
        """The sum of :meth:`sample_losses`, bit for bit, computed with fewer NumPy calls."""
        return self._head.total_loss(cache.Z[-1], Y)

    def penalty(self, l2: float = 0.0, l1: float = 0.0) -> float:
        """Regularisation term added to the loss: l2/2·ΣW² + l1·Σ|W| over the weights (not biases)."""
        total = 0.0
        for W in self.weights:
            flat = W.ravel()
            if l2:
                total += 0.5 * l2 * float(np.dot(flat, flat))
            if l1:
                total += l1 * float(np.abs(flat).sum())
        return total

    def backward(self, cache: Cache, Y: np.ndarray, reduction: str = "mean",
                 l2: float = 0.0, l1: float = 0.0) -> Cache:
        """Fill cache.dW / cache.db with the gradient of the reduced loss (+ penalty).

        Hot path: the caller silences floating-point warnings (np.errstate) once.
        """
        A, D, W, dW, db, A_T = cache.A, cache.D, self.weights, cache.dW, cache.db, cache.inputs_T
        np.subtract(A[-1], Y, out=D[-1])  # dL/dZ_L = A_L - Y for every canonical head
        for l in range(len(W) - 1, 0, -1):
            delta = D[l]
            _dot(A_T[l], delta, out=dW[l])
            _sum_rows(delta, axis=0, keepdims=True, out=db[l])
            _dot(delta, W[l].T, out=D[l - 1])
            self._backwards[l - 1](A[l], D[l - 1], cache.work[l - 1])
        _dot(A[0].T, D[0], out=dW[0])
        _sum_rows(D[0], axis=0, keepdims=True, out=db[0])
        if reduction == "mean":
            # Every dW and db at once: the same division as one by one.
            np.divide(cache.flat_grad, cache.count, out=cache.flat_grad)
        if l2 or l1:
            for grad, weights in zip(dW, W):
                if l2:
                    grad += l2 * weights
                if l1:
                    grad += l1 * np.sign(weights)
        return cache

    def loss_and_gradients(self, X, y, reduction: str = "mean", l2: float = 0.0, l1: float = 0.0):
        """(loss, [(dW1, db1), ...]): the gradient is exactly that of the loss returned.

        reduction "mean" averages the sample losses, "sum" adds them; l2/l1 add
        the penalty of :meth:`penalty` to both.
        """
        if reduction not in REDUCTIONS:
            raise ValueError(f"Unknown reduction {reduction!r}; choose one of: {', '.join(REDUCTIONS)}.")
        X = self._as_input(X)
        Y = self.targets(y)
        if Y.shape[0] != X.shape[0]:
            raise ValueError(f"X has {X.shape[0]} rows but y has {Y.shape[0]}.")
        with np.errstate(all="ignore"):
            cache = self.forward_cache(X)
            losses = self.sample_losses(cache, Y)
            loss = float(losses.mean() if reduction == "mean" else losses.sum()) + self.penalty(l2, l1)
            self.backward(cache, Y, reduction, l2, l1)
        return loss, [(dW.copy(), db.copy()) for dW, db in zip(cache.dW, cache.db)]

    def loss(self, X, y, reduction: str = "mean", l2: float = 0.0, l1: float = 0.0) -> float:
        X = self._as_input(X)
        Y = self.targets(y)
        with np.errstate(all="ignore"):
            losses = self.sample_losses(self.forward_cache(X), Y)
        return float(losses.mean() if reduction == "mean" else losses.sum()) + self.penalty(l2, l1)


_dot = np.dot
_sum_rows = np.add.reduce


def _ignore_work(backward):
    """A plain (A, dA) backward, e.g. a deliberately broken one, called like the others."""
    return lambda A, dA, work: backward(A, dA)


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
