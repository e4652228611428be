"""The loss landscape around a trained network, and the training path on it (Li et al. 2018).

A slice is L(θ + α·d₁ + β·d₂) over a grid of (α, β): the mean data loss on the training points, with
no penalty and no dropout, where θ is the network's weights and d₁, d₂ are two directions in weight
space. Parameters are lists [W1, b1, W2, b2, ...] shaped as ``MLP.parameters()`` gives them (W: n_in ×
n_out, b: 1 × n_out); so are the directions.

- Random directions are *filter-normalised*: each unit's incoming weights in a direction (a column of
  W) take the norm of the same column of the trained W, and the bias directions are zero. Without this
  the slices of networks of different scales could not be compared.
- A training path lies in a low-dimensional subspace that random directions miss, so the path's own
  directions are offered too: the first two principal components of (snapshots − θ).
- A projected path does not lie on the slice: :func:`project` gives each point's distance off the plane.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from ..activations import get_activation
from ..heads import get_head
from ..network import EVAL_BLOCK_BYTES, MLP, REDUCTIONS

KINDS = ("random", "pca")
GRID_SIZE = 41  # the default network's grid: 41 × 41 forward passes over the training points
MIN_GRID_SIZE = 11  # a bigger network gets a coarser grid, never coarser than this
MAX_POINTS = 500  # a bigger network's slice reads a fixed subset of at most this many training points
MIN_POINTS = 100  # ... and never fewer than this (or all of them)
SLICE_BUDGET = 2e10  # what a slice may cost (see grid_plan): 1 to 2 s of one core (benchmarks/bench_landscape.py)
ACTIVATION_COST = 40  # a unit's activation costs about as much as this many multiply-adds (measured, tanh)
LOG_RATIO = 10  # a slice whose finite losses span more than this factor is coloured on a log scale


@dataclass(frozen=True)
class Projection:
    """Snapshots placed on the plane θ + α·d₁ + β·d₂: coordinates (k,) each, and each point's distance off it."""

    alpha: np.ndarray
    beta: np.ndarray
    off_plane: np.ndarray


@dataclass(frozen=True)
class GridPlan:
    """How big a slice one network can afford: an N × N grid over the training rows ``rows`` (None: all)."""

    size: int
    rows: np.ndarray | None = field(repr=False, compare=False)
    n_train: int

    @property
    def n_points(self) -> int:
        return self.n_train if self.rows is None else len(self.rows)

    def note(self) -> str:
        """One sentence saying what the slice was computed on, for the page and the CLI."""
        spoken = str(self.size)  # "an 11 × 11 grid", "an 8 × 8 grid", "a 41 × 41 grid"
        article = "an" if spoken.startswith("8") or spoken in ("11", "18") else "a"
        grid = f"{article} {self.size} × {self.size} grid"
        if self.rows is None:
            return f"Loss over all {self.n_train} training points on {grid}."
        return (f"Loss over a fixed subset of {len(self.rows)} of the {self.n_train} training points on "
                f"{grid}, to keep this network's slice within seconds.")


# ----------------------------------------------------------------------------- directions
def directions(net: MLP, kind: str = "random", snapshots=None, seed: int = 0) -> tuple[list, list]:
    """(d1, d2): two directions around the network's weights, each shaped as ``net.parameters()``.

    ``kind`` "random": Gaussian directions from ``RandomState(seed)``, filter-normalised.
    ``kind`` "pca": the first two principal components of (snapshots − θ), orthonormal; ``snapshots`` is
    a list of parameter lists (see :func:`parameters_of` for the trainer's snapshots), at least two.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown directions {kind!r}; choose one of: {', '.join(KINDS)}.")
    theta = net.parameters()
    if kind == "random":
        rng = np.random.RandomState(seed)
        return _filter_normalised(theta, rng), _filter_normalised(theta, rng)
    return _principal(theta, snapshots)


def _filter_normalised(theta: list, rng: np.random.RandomState) -> list:
    """A Gaussian direction whose every weight column has the norm of the trained W's column; biases zero."""
    direction = []
    for i, p in enumerate(theta):
        if i % 2:  # a bias
            direction.append(np.zeros_like(p))
            continue
        d = rng.standard_normal(p.shape)
        norms = np.linalg.norm(d, axis=0)
        d *= np.divide(np.linalg.norm(p, axis=0), norms, out=np.zeros_like(norms), where=norms > 0)
        direction.append(d)
    return direction


def _principal(theta: list, snapshots) -> tuple[list, list]:
    """The best plane through θ for the path: the top two right singular vectors of (snapshots − θ).

    The rows are not centred on their mean, as a PCA of scattered points would be: the slice passes
    through θ, and of the planes through θ this one leaves the path the least squared distance off it.
    Signs are chosen so that the path starts at α ≤ 0 and β ≤ 0, whatever sign LAPACK returns.
    """
    if snapshots is None or len(snapshots) < 2:
        raise ValueError("PCA directions need at least two snapshots of the training path.")
    center = _flat(theta)
    M = np.stack([_flat(s) for s in snapshots]) - center
    return tuple(_shaped(-v if M[0] @ v > 0 else v, theta) for v in _top_two(M))


def _top_two(M: np.ndarray) -> np.ndarray:
    """(2, P): the top two right singular vectors of the rows M (points minus the plane's centre)."""
    if not np.all(np.isfinite(M)):
        raise ValueError("PCA directions need finite snapshots; this path diverged.")
    _, _, Vt = np.linalg.svd(M, full_matrices=False)
    if Vt.shape[0] < 2:
        raise ValueError("PCA directions need a network with at least two parameters.")
    return Vt[:2]


def step_directions(net: MLP, X, y, lr: float, reduction: str = "mean", seed: int = 0) -> tuple[list, list]:
    """(d1, d2) for the slice one plain gradient step moves in, shaped as ``net.parameters()``.

    d1 = −g/‖g‖ scaled to the step's length lr·‖g‖, that is −(g·lr), written as the SGD optimizer writes
    its update, so that θ + 1·d1 is the trainer's next weights (θ − g·lr) to the last bit: α = 1 is one step.
    g is the gradient of the loss with ``reduction`` over (X, y), with no penalty or dropout (a plain
    full-batch step). d2 is Gaussian from ``RandomState(seed)``, with its part along d1 removed and scaled
    to d1's length, so the picture has the same scale both ways. ValueError where the gradient is zero
    or not finite: then a step goes nowhere and there is no downhill to show.
    """
    _, grads = net.loss_and_gradients(X, y, reduction)
    g = [a for pair in grads for a in pair]
    d1 = [-(a * float(lr)) for a in g]
    u = _flat(d1)
    length = float(np.linalg.norm(u))
    if not (math.isfinite(length) and length > 0):
        raise ValueError("The gradient here is zero or not finite: a step does not move the weights.")
    u = u / length
    r = np.random.RandomState(seed).standard_normal(u.size)
    r -= (r @ u) * u
    if u.size < 2 or not np.linalg.norm(r) > 0:
        raise ValueError("A slice needs a network with at least two parameters.")
    return d1, _shaped(r * (length / np.linalg.norm(r)), d1)


def parameters_of(snapshot: tuple) -> list:
    """A trainer snapshot (epoch, weights, biases) as a parameter list [W1, b1, W2, b2, ...]."""
    _, weights, biases = snapshot
    return [p for pair in zip(weights, biases) for p in pair]


# ----------------------------------------------------------------------------- the slice
def loss_grid(net: MLP, X, y, d1: list, d2: list, alphas, betas, reduction: str = "mean") -> np.ndarray:
    """(len(betas), len(alphas)): the mean data loss at θ + α·d₁ + β·d₂; rows are betas, columns alphas.

    ``reduction`` "sum" adds the sample losses instead, as a network trained with it counts its loss.
    X : (n, 2) points and y their targets, as ``net.loss`` takes them. No
    penalty, no dropout: the loss the trainer records. Grid points are evaluated together, as a stack
    of networks, in blocks that keep their activations under the engine's evaluation budget
    (``EVAL_BLOCK_BYTES``, as ``MLP.row_blocks``). A point far out may overflow: its loss is inf or NaN.
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"Unknown reduction {reduction!r}; choose one of: {', '.join(REDUCTIONS)}.")
    A0 = net.inputs(X)
    Y = net.targets(y)
    if Y.shape[0] != A0.shape[0] or A0.shape[0] == 0:
        raise ValueError(f"X has {A0.shape[0]} rows and y has {Y.shape[0]}; they must match and be > 0.")
    theta = net.parameters()
    for d in (d1, d2):
        if len(d) != len(theta) or any(np.shape(u) != p.shape for u, p in zip(d, theta)):
            raise ValueError(f"A direction must hold {len(theta)} arrays shaped {[p.shape for p in theta]}.")
    alphas = np.asarray(alphas, dtype=np.float64).reshape(-1)
    betas = np.asarray(betas, dtype=np.float64).reshape(-1)
    a, b = np.tile(alphas, betas.size), np.repeat(betas, alphas.size)  # grid points, row by row
    layers = _Layers(net, theta, d1, d2)
    losses = np.empty(a.size)
    with np.errstate(all="ignore"):
        for block in grid_blocks(net, A0.shape[0], a.size):
            losses[block] = layers.losses(A0, Y, a[block], b[block], reduction)
    return losses.reshape(betas.size, alphas.size)


def grid_blocks(net: MLP, n_rows: int, n_grid: int) -> list[slice]:
    """The grid points evaluated together, in blocks whose arrays fit EVAL_BLOCK_BYTES.

    A grid point in a block holds its own weights (the largest W) and one layer's Z and output over the
    ``n_rows`` points, plus the head's targets and losses: the default network's 41 × 41 grid is four
    blocks, an 8 × 256 network's (over 305 points) four points each.
    """
    sizes = net.layer_sizes
    widest = max(sizes[1:])
    per_point = 8 * (max(i * o for i, o in zip(sizes, sizes[1:])) + n_rows * (2 * widest + 4 * sizes[-1]))
    size = max(1, EVAL_BLOCK_BYTES // per_point)
    return [slice(start, min(n_grid, start + size)) for start in range(0, n_grid, size)]


class _Layers:
    """A network's layers with two directions: the forward pass of a stack of moved networks at once."""

    def __init__(self, net: MLP, theta: list, d1: list, d2: list):
        self.theta, self.d1, self.d2 = theta, [np.asarray(u, float) for u in d1], [np.asarray(v, float) for v in d2]
        self.functions = [get_activation(name).forward for name in net.hidden_activations]
        self.head = get_head(net.output)

    def losses(self, A0: np.ndarray, Y: np.ndarray, a: np.ndarray, b: np.ndarray,
               reduction: str = "mean") -> np.ndarray:
        """(g,): the mean (or ``reduction`` "sum": total) loss of each grid point (a[i], b[i]). Each point's weights are θ + a·d₁ + b·d₂,
        computed as a reader would by hand, so that a point moved by hand gives the same numbers."""
        a3, b3 = a[:, None, None], b[:, None, None]
        theta, d1, d2 = self.theta, self.d1, self.d2
        A = A0
        last = len(theta) // 2 - 1
        for l in range(last + 1):
            W, bias = 2 * l, 2 * l + 1
            Z = np.matmul(A, theta[W] + a3 * d1[W] + b3 * d2[W])  # (g, n, n_out): one moved W per point
            Z += theta[bias] + a3 * d1[bias] + b3 * d2[bias]
            if l < last:
                A = np.empty_like(Z)
                self.functions[l](Z, A)
        g, n, k = Z.shape
        per_sample = self.head.sample_losses(Z.reshape(g * n, k), np.broadcast_to(Y, (g, n, k)).reshape(g * n, k))
        per_point = per_sample.reshape(g, n)
        return per_point.sum(axis=1) if reduction == "sum" else per_point.mean(axis=1)


def wide_range(loss: np.ndarray) -> bool:
    """Whether a slice's losses span more than LOG_RATIO (all positive): then a log scale shows its floor,
    where the path runs, as well as its walls. The CLI's text map and the Playground's panel both ask."""
    finite = np.asarray(loss, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    return bool(finite.size) and finite.min() > 0 and finite.max() > LOG_RATIO * finite.min()


# ----------------------------------------------------------------------------- the path
def project(snapshots, center: list, d1: list, d2: list) -> Projection:
    """Each snapshot's (α, β) on the plane center + α·d₁ + β·d₂, by least squares, and its distance off it.

    Random directions are not orthogonal, so the coordinates are the least-squares fit, not dot products.
    """
    c = _flat(center)
    D = np.stack([_flat(d1), _flat(d2)], axis=1)  # (P, 2)
    M = np.stack([_flat(s) for s in snapshots]) - c if len(snapshots) else np.empty((0, c.size))
    coords = np.linalg.lstsq(D, M.T, rcond=None)[0]  # (2, k)
    residual = M.T - D @ coords
    return Projection(coords[0].copy(), coords[1].copy(), np.sqrt(np.einsum("ij,ij->j", residual, residual)))


def path_span(projection: Projection, margin: float = 1.2) -> float:
    """A span S for alphas = betas = linspace(−S, S, N) that holds the whole path, with a margin."""
    reach = max(np.max(np.abs(projection.alpha), initial=0.0), np.max(np.abs(projection.beta), initial=0.0))
    return float(margin * reach) if reach > 0 and math.isfinite(reach) else 1.0


# ----------------------------------------------------------------------------- the grid's size
def grid_plan(net: MLP, n_train: int) -> GridPlan:
    """The grid and the training rows a slice of ``net`` on ``n_train`` points can afford.

    The cost of a slice is counted as (multiply-adds + ACTIVATION_COST per unit) per grid point
    and row. The default network's 41 × 41 grid over every point is far below SLICE_BUDGET. A bigger
    network reads a fixed subset of at most MAX_POINTS rows (evenly spaced, so every part of the data
    is in it; fewer, down to MIN_POINTS, if even the coarsest grid would not fit) and a coarser grid:
    the finest odd one that fits, so that α = β = 0 is on it.
    """
    n_train = int(n_train)
    sizes = net.layer_sizes
    per_row = sum(i * o for i, o in zip(sizes, sizes[1:])) + ACTIVATION_COST * sum(sizes[1:])
    if per_row * n_train * GRID_SIZE ** 2 <= SLICE_BUDGET:
        return GridPlan(GRID_SIZE, None, n_train)
    affordable = int(SLICE_BUDGET // (per_row * MIN_GRID_SIZE ** 2))
    n = min(n_train, MAX_POINTS, max(MIN_POINTS, affordable))
    size = int(math.sqrt(SLICE_BUDGET / (per_row * n)))
    size = max(MIN_GRID_SIZE, min(GRID_SIZE, size - (1 - size % 2)))
    return GridPlan(size, None if n == n_train else np.arange(n) * n_train // n, n_train)


# ----------------------------------------------------------------------------- a trained run's slice
@dataclass(frozen=True)
class Slice:
    """The loss over the plane θ + α·d₁ + β·d₂ through ``center`` θ, on ``plan``'s grid and rows: what
    :class:`RunSlice` and :class:`SharedSlice` have in common."""

    alphas: np.ndarray
    betas: np.ndarray
    loss: np.ndarray  # (len(betas), len(alphas))
    center: list
    d1: list
    d2: list
    plan: GridPlan


@dataclass(frozen=True)
class RunSlice(Slice):
    """A trained run's slice with its path on it: what ``python -m nn_core landscape`` prints.

    The path is the run's snapshots, then the trained weights (at α = β = 0); ``path_loss`` holds each
    point's own training loss over every training row (the trainer's record), not the slice's value
    under it, which differs by the point's distance off the plane and, on a subset, by the rows.
    """

    kind: str
    center_loss: float  # the slice at α = β = 0, on the plan's rows
    epochs: list
    path: Projection
    path_loss: list


def run_slice(run, kind: str = "random", size: int | None = None, span: float | None = None,
              seed: int = 0) -> RunSlice:
    """The slice around a trained run's weights on the grid and rows :func:`grid_plan` picks.

    ``run``: an ``nn_core.runs.Run`` (its net, data, snapshots and history are read). ``size`` overrides
    the plan's N; ``span`` S gives alphas = betas = linspace(−S, S, N), by default 1 for random
    directions and, for PCA, the path's reach × 1.2 (:func:`path_span`). After a divergence the weights
    are the last finite epoch's, so the path stops there.
    """
    net, X, y = run.net.copy(), run.data.X_train, run.data.y_train  # a copy: a live run may train on meanwhile
    diverged = run.history.diverged_at
    final = run.epochs_done if diverged is None else max(0, diverged - 1)
    snapshots = [s for s in run.snapshots if s[0] < final]
    path = [parameters_of(s) for s in snapshots]
    center = net.parameters()
    d1, d2 = directions(net, kind, snapshots=path, seed=seed)
    placed = project(path + [center], center, d1, d2)
    plan = grid_plan(net, len(X))
    if size is not None:
        plan = replace(plan, size=int(size))
    if span is None:
        span = path_span(placed) if kind == "pca" else 1.0
    rows = slice(None) if plan.rows is None else plan.rows
    axis = np.linspace(-span, span, plan.size)
    loss = loss_grid(net, X[rows], y[rows], d1, d2, axis, axis)
    center_loss = float(loss_grid(net, X[rows], y[rows], d1, d2, [0.0], [0.0])[0, 0])
    moved = net.copy()
    path_loss = []
    for params in path + [center]:
        moved.set_parameters(params)
        path_loss.append(training_loss(moved, X, y))
    return RunSlice(alphas=axis, betas=axis.copy(), loss=loss, center=center, d1=d1, d2=d2, plan=plan, kind=kind,
                    center_loss=center_loss, epochs=[int(s[0]) for s in snapshots] + [int(final)], path=placed,
                    path_loss=path_loss)


def training_loss(net: MLP, X, y) -> float:
    """The mean data loss over every row, as the trainer records it: no penalty, no dropout, in the
    network's row blocks (``MLP.row_blocks``), so a big network on many points stays in budget."""
    A0, Y = net.inputs(X), net.targets(y)
    total = 0.0
    with np.errstate(all="ignore"):
        for rows in net.row_blocks(A0.shape[0]):
            total += net.total_loss(net.forward_cache(A0[rows]), Y[rows])
    return total / A0.shape[0]


# ----------------------------------------------------------------------------- several runs, one slice
@dataclass(frozen=True)
class SharedSlice(Slice):
    """Several runs' paths on one slice centred on their shared initial weights θ₀ (every path starts at
    (0, 0)), along the first two principal components of all the paths together.

    ``paths[i]`` places run i's snapshots then its final weights on the plane; ``epochs[i]`` and
    ``path_loss[i]`` are each point's epoch and own training loss over every training row (the trainer's
    record), not the slice's value under it.
    """

    labels: list
    epochs: list
    paths: list  # of Projection
    path_loss: list


def shared_start_problem(runs) -> str | None:
    """None when the runs can share one slice, else one sentence saying why not.

    One slice is one loss surface seen from one point: the runs must have the same layer shapes and
    bit-identical initial weights (their first snapshots), and the same loss surface, that is the same
    data, input features, hidden activations and output. The optimizer, learning rate, batch size,
    penalty and dropout may differ: they change the path, not the surface (the slice has no penalty and
    no dropout).
    """
    if len(runs) < 2:
        return "One slice for several runs needs at least two runs."
    first = runs[0]
    for run in runs[1:]:
        if run.net.layer_sizes != first.net.layer_sizes:
            return (f"“{run.label}” has layers {_arrow(run.net.layer_sizes)} and “{first.label}” "
                    f"{_arrow(first.net.layer_sizes)}: runs share a slice only when their weights have the same shapes.")
        if not (run.snapshots and first.snapshots and _same_arrays(_start(run), _start(first))):
            return (f"“{run.label}” does not start from “{first.label}”'s initial weights (a different init or "
                    "seed): the slice is centred on the weights every run starts from.")
        for what, get in _SURFACE.items():
            if get(run) != get(first):
                return (f"“{run.label}” and “{first.label}” differ in their {what}: each has its own loss surface, "
                        "so no one slice shows both. Compare optimizers, learning rates or batch sizes instead.")
        if not (np.array_equal(run.data.X_train, first.data.X_train)
                and np.array_equal(run.data.y_train, first.data.y_train)):
            return f"“{run.label}” trained on other points than “{first.label}”: each has its own loss surface."
    return None


_SURFACE = {  # what, besides the data, makes a run's loss surface its own
    "hidden activations": lambda run: tuple(run.net.hidden_activations),
    "output and loss": lambda run: run.net.output,
    "input features": lambda run: tuple(run.net.features or ()),
}


def shared_slice(runs, size: int | None = None, span: float | None = None) -> SharedSlice:
    """The slice around the runs' shared initial weights θ₀ with every run's path on it.

    ``runs``: nn_core Runs that :func:`shared_start_problem` accepts (ValueError with its sentence
    otherwise). The directions are the top two principal components of every path point minus θ₀
    together (signs so that the first run ends at α ≥ 0, β ≥ 0); the grid and rows are
    :func:`grid_plan`'s, ``size`` overriding N. ``span`` S gives alphas = betas = linspace(−S, S, N); by
    default the axes cover (0, 0) and every path point with a fifth of the paths' reach to spare on each
    side. A diverged run's path stops at its last finite epoch.
    """
    problem = shared_start_problem(runs)
    if problem:
        raise ValueError(problem)
    center = _start(runs[0])
    net = runs[0].net.copy()
    net.set_parameters(center)
    X, y = runs[0].data.X_train, runs[0].data.y_train
    paths, epochs = [], []
    for run in runs:
        diverged = run.history.diverged_at
        final = run.epochs_done if diverged is None else max(0, diverged - 1)
        snapshots = [s for s in run.snapshots if s[0] < final]
        paths.append([parameters_of(s) for s in snapshots] + [run.net.parameters()])
        epochs.append([int(s[0]) for s in snapshots] + [int(final)])
    c = _flat(center)
    M = np.stack([_flat(p) for path in paths for p in path]) - c
    ends = M[len(paths[0]) - 1]  # the first run's final weights
    d1, d2 = (_shaped(-v if ends @ v < 0 else v, center) for v in _top_two(M))
    placed = [project(path, center, d1, d2) for path in paths]
    plan = grid_plan(net, len(X))
    if size is not None:
        plan = replace(plan, size=int(size))
    if span is None:
        alphas, betas = _covering([p.alpha for p in placed], [p.beta for p in placed], plan.size)
    else:
        alphas = np.linspace(-span, span, plan.size)
        betas = alphas.copy()
    rows = slice(None) if plan.rows is None else plan.rows
    loss = loss_grid(net, X[rows], y[rows], d1, d2, alphas, betas)
    moved = net.copy()
    path_loss = []
    for path in paths:
        own = []
        for params in path:
            moved.set_parameters(params)
            own.append(training_loss(moved, X, y))
        path_loss.append(own)
    return SharedSlice(alphas=alphas, betas=betas, loss=loss, center=center, d1=d1, d2=d2, plan=plan,
                       labels=[run.label for run in runs], epochs=epochs, paths=placed, path_loss=path_loss)


def _covering(alphas: list, betas: list, size: int, margin: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """Axes of ``size`` points each that hold (0, 0) and every path point, with ``margin`` × the paths' reach
    to spare on every side: paths that all go one way do not leave half the slice empty."""
    a, b = np.concatenate(alphas), np.concatenate(betas)
    reach = max(np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0))
    pad = margin * reach if reach > 0 and math.isfinite(reach) else 1.0
    return tuple(np.linspace(min(0.0, v.min()) - pad, max(0.0, v.max()) + pad, size) for v in (a, b))


def _start(run) -> list:
    return parameters_of(run.snapshots[0])


def _same_arrays(a: list, b: list) -> bool:
    return len(a) == len(b) and all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, b))


def _arrow(sizes) -> str:
    return "-".join(map(str, sizes))


# ----------------------------------------------------------------------------- helpers
def _flat(params) -> np.ndarray:
    return np.concatenate([np.ravel(p) for p in params]).astype(np.float64, copy=False)


def _shaped(vector: np.ndarray, like: list) -> list:
    out, offset = [], 0
    for p in like:
        out.append(vector[offset:offset + p.size].reshape(p.shape).copy())
        offset += p.size
    return out
