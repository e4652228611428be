"""Time the nn_core engine against hand-written NumPy loops, in the same process.

    python benchmarks/bench_engine.py [--repeats 5] [--quick] [--only seed-002] [--clock cpu|wall]

Prints a markdown table: microseconds per epoch, epochs per second and, where a
reference exists, how many times faster the engine is (reference time / engine
time). Every figure is the median of ``--repeats`` runs; the rows are run in
turn within each repeat, so a busy neighbour slows them all alike. Time is this
process's CPU time (``--clock wall`` for wall-clock time): on a shared machine
it does not count the time other processes hold the CPU. BLAS runs on
one thread unless OPENBLAS_NUM_THREADS says otherwise: on a small shared machine
a second thread only spins. PyTorch CPU and scikit-learn rows appear only when
those packages happen to be installed; neither is a dependency.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads its BLAS

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nn_core  # noqa: E402
from nn_core import MLP, Trainer, datasets  # noqa: E402
from nn_core.runs import prepare  # noqa: E402
from nn_core.teaching.presets import PRESETS  # noqa: E402

Workload = Callable[[], Callable[[], None]]  # setup() -> timed()


@dataclass
class Row:
    name: str
    variant: str
    epochs: int
    setup: Workload
    references: tuple[str, ...] = ()  # names of the rows this one is compared with


# ---------------------------------------------------------------- references
def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _sigmoid_deriv(z):
    s = _sigmoid(z)
    return s * (1 - s)


def seed_002_tutorial(epochs: int) -> Workload:
    """The seed-002 tutorial's own code (forward, loss, backward), copied as written except that
    ``backward`` takes b1 and b2 as arguments: as printed, its ``b2 -= ...`` raises UnboundLocalError."""

    def setup():
        X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
        y = np.array([[0], [1], [1], [0]])

        def forward(X, W1, b1, W2, b2):
            Z1 = X @ W1 + b1
            A1 = _sigmoid(Z1)
            Z2 = A1 @ W2 + b2
            A2 = _sigmoid(Z2)
            return A2, (Z1, A1, Z2, A2)

        def compute_loss(y_true, y_pred):
            y_pred = np.clip(y_pred, 1e-9, 1 - 1e-9)
            return -np.mean(y_true * np.log(y_pred) + (1 - y_true) * np.log(1 - y_pred))

        def backward(X, y, W1, b1, W2, b2, cache, lr=0.1):
            Z1, A1, Z2, A2 = cache
            m = X.shape[0]
            dZ2 = A2 - y
            dW2 = A1.T @ dZ2 / m
            db2 = np.sum(dZ2, axis=0, keepdims=True) / m
            dA1 = dZ2 @ W2.T
            dZ1 = dA1 * _sigmoid_deriv(Z1)
            dW1 = X.T @ dZ1 / m
            db1 = np.sum(dZ1, axis=0, keepdims=True) / m
            W2 -= lr * dW2
            b2 -= lr * db2
            W1 -= lr * dW1
            b1 -= lr * db1
            return W1, b1, W2, b2

        np.random.seed(42)
        W1 = np.random.randn(2, 4) * 0.1
        b1 = np.zeros((1, 4))
        W2 = np.random.randn(4, 1) * 0.1
        b2 = np.zeros((1, 1))

        def timed():
            nonlocal W1, b1, W2, b2
            for epoch in range(epochs):
                A2, cache = forward(X, W1, b1, W2, b2)
                loss = compute_loss(y, A2)
                W1, b1, W2, b2 = backward(X, y, W1, b1, W2, b2, cache, lr=1.0)
                if epoch % 1000 == 0:
                    f"Epoch {epoch:5d} | Loss: {loss:.4f}"  # formatted, as the tutorial prints it

        return timed

    return setup


def _initial_weights(hidden: list[int]) -> tuple[list, list]:
    """The engine rows' starting weights, so every contender follows the same trajectory
    (np.tanh's speed depends on its inputs)."""
    net = MLP([2, *hidden, 1], activation="tanh", output="sigmoid", init="xavier", seed=0)
    return [W.copy() for W in net.weights], [b.copy() for b in net.biases]


def numpy_loop(data: datasets.Dataset, hidden: list[int], lr: float, epochs: int) -> Workload:
    """A straightforward hand-written tanh/sigmoid-BCE full-batch loop, the way one writes it by hand."""

    def setup():
        X, y = data.X_train, data.y_train.reshape(-1, 1).astype(float)
        Ws, bs = _initial_weights(hidden)
        m = X.shape[0]

        def timed():
            for _ in range(epochs):
                As = [X]
                for W, b in zip(Ws[:-1], bs[:-1]):
                    As.append(np.tanh(As[-1] @ W + b))
                Z = As[-1] @ Ws[-1] + bs[-1]
                P = 1 / (1 + np.exp(-Z))
                float(np.mean(np.maximum(Z, 0) - Z * y + np.log1p(np.exp(-np.abs(Z)))))
                D = (P - y) / m
                for l in range(len(Ws) - 1, -1, -1):
                    dW, db = As[l].T @ D, D.sum(axis=0, keepdims=True)
                    if l:
                        D = (D @ Ws[l].T) * (1 - As[l] ** 2)
                    Ws[l] -= lr * dW
                    bs[l] -= lr * db

        return timed

    return setup


def blas_threads() -> int:
    return int(os.environ.get("OPENBLAS_NUM_THREADS") or os.cpu_count() or 1)


def torch_loop(data: datasets.Dataset, hidden: list[int], lr: float, epochs: int) -> Workload | None:
    """PyTorch CPU eager, float64 like the engine, the same weights, full batch, plain SGD,
    on as many threads as NumPy's BLAS."""
    try:
        import torch
    except ImportError:
        return None

    def setup():
        torch.set_num_threads(blas_threads())
        torch.manual_seed(0)
        X = torch.tensor(data.X_train, dtype=torch.float64)
        y = torch.tensor(data.y_train.reshape(-1, 1), dtype=torch.float64)
        layers, width = [], 2
        for h in hidden:
            layers += [torch.nn.Linear(width, h), torch.nn.Tanh()]
            width = h
        model = torch.nn.Sequential(*layers, torch.nn.Linear(width, 1)).double()
        with torch.no_grad():
            linears = [m for m in model if isinstance(m, torch.nn.Linear)]
            for layer, W, b in zip(linears, *_initial_weights(hidden)):
                layer.weight.copy_(torch.from_numpy(W.T))
                layer.bias.copy_(torch.from_numpy(b.ravel()))
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        loss_fn = torch.nn.BCEWithLogitsLoss()

        def timed():
            for _ in range(epochs):
                opt.zero_grad()
                loss = loss_fn(model(X), y)
                loss.backward()
                opt.step()
                loss.item()

        return timed

    return setup


def sklearn_loop(data: datasets.Dataset, hidden: list[int], lr: float, epochs: int) -> Workload | None:
    """scikit-learn's MLPClassifier as the same plain full-batch SGD (no momentum, no L2, no early stop);
    its own initial weights (it does not take given ones), float64, NumPy's BLAS."""
    try:
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        return None

    def setup():
        model = MLPClassifier(hidden_layer_sizes=tuple(hidden), activation="tanh", solver="sgd", momentum=0.0,
                              alpha=0.0, learning_rate="constant", learning_rate_init=lr,
                              batch_size=data.X_train.shape[0], max_iter=epochs, tol=0.0,
                              n_iter_no_change=10**9, early_stopping=False, shuffle=False, random_state=0)

        def timed():
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(data.X_train, data.y_train)

        return timed

    return setup


# -------------------------------------------------------------------- engine
def engine(data: datasets.Dataset, sizes: list[int], activation: str, lr: float, epochs: int,
           diagnostics: bool, **options) -> Workload:
    def setup():
        net = MLP(sizes, activation=activation, output="sigmoid", init="xavier", seed=0)
        extra = {} if diagnostics else {"snapshots": 0}
        trainer = Trainer(net, data.X_train, data.y_train, lr=lr, diagnostics=diagnostics,
                          X_test=data.X_test, y_test=data.y_test, **extra, **options)
        return lambda: trainer.run(epochs)

    return setup


def engine_preset(name: str, diagnostics: bool) -> Workload:
    preset = PRESETS[name]

    def setup():
        extra = {} if diagnostics else {"diagnostics": False, "snapshots": 0}
        run = prepare(preset.config, log_every=preset.log_every, **extra)

        def timed():
            run.train()
            preset.table(run.history.log)

        return timed

    return setup


def notebook_train(epochs: int) -> Workload:
    """Exactly what a notebook user calls on seed-002's network and data, every default left alone:
    ``nn_core.train(net, X, y, lr=1.0, epochs=10000)``."""

    def setup():
        data = datasets.make("xor", test_ratio=0.0)
        net = MLP([2, 4, 1], activation="sigmoid", output="sigmoid", init="normal", init_scale=0.1, seed=42)
        return lambda: nn_core.train(net, data.X_train, data.y_train, lr=1.0, epochs=epochs)

    return setup


def rows(quick: bool) -> list[Row]:
    scale = 5 if quick else 1
    seed_epochs = 10_000 // scale
    small = datasets.make("spiral", n=250, noise=0.1, seed=0, test_ratio=0.2)  # 200 train points
    mid = datasets.make("spiral", n=2000, noise=0.1, seed=0, test_ratio=0.0)
    mini = datasets.make("spiral", n=1000, noise=0.1, seed=0, test_ratio=0.0)
    mid_epochs = 500 // scale
    out = [Row("seed-002 tutorial code", "reference", seed_epochs, seed_002_tutorial(seed_epochs))]
    for diag in (True, False):
        variant = "diagnostics" if diag else "no diagnostics"
        out.append(Row("seed-002 preset (2-4-1 sigmoid, 4 pts)", variant, 10_000,
                       engine_preset("seed-002", diag), ("seed-002 tutorial code",)))
    out.append(Row("seed-002: nn_core.train(net, X, y, lr=1.0, epochs=10000)", "defaults", 10_000,
                   notebook_train(10_000), ("seed-002 tutorial code",)))
    for diag in (True, False):
        variant = "diagnostics" if diag else "no diagnostics"
        out.append(Row("2-8-8-1 tanh, 200 pts, full batch", variant, 2000 // scale,
                       engine(small, [2, 8, 8, 1], "tanh", 0.3, 2000 // scale, diag)))
    out.append(Row("2-32-32-1 tanh, 2000 pts: NumPy loop", "reference", mid_epochs,
                   numpy_loop(mid, [32, 32], 0.3, mid_epochs)))
    references = ["2-32-32-1 tanh, 2000 pts: NumPy loop"]
    for label, maker in (("PyTorch CPU eager (float64)", torch_loop), ("scikit-learn MLPClassifier", sklearn_loop)):
        setup = maker(mid, [32, 32], 0.3, mid_epochs)
        if setup is not None:
            references.append(f"2-32-32-1 tanh, 2000 pts: {label}")
            out.append(Row(references[-1], "reference", mid_epochs, setup))
    for diag in (True, False):
        variant = "diagnostics" if diag else "no diagnostics"
        out.append(Row("2-32-32-1 tanh, 2000 pts, full batch", variant, mid_epochs,
                       engine(mid, [2, 32, 32, 1], "tanh", 0.3, mid_epochs, diag), tuple(references)))
    for diag in (True, False):
        variant = "diagnostics" if diag else "no diagnostics"
        out.append(Row("2-16-16-1 relu, 1000 pts, batch 32 (adam)", variant, 100 // scale,
                       engine(mini, [2, 16, 16, 1], "relu", 0.01, 100 // scale, diag,
                              batch_size=32, optimizer="adam")))
    # seed-002's preset always runs 10,000 epochs; quick mode shortens only the others.
    return out


CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


def seconds_per_epoch(row: Row, clock=time.process_time) -> float:
    """One fresh run (setup not timed)."""
    timed = row.setup()
    start = clock()
    timed()
    return (clock() - start) / row.epochs


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="fewer epochs per run (noisier figures)")
    parser.add_argument("--only", default="", help="run only the rows whose workload name contains this text")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu")
    args = parser.parse_args(argv)
    table = [row for row in rows(args.quick) if args.only in row.name]
    times = [[] for _ in table]
    for _ in range(args.repeats):
        for row, runs in zip(table, times):
            runs.append(seconds_per_epoch(row, CLOCKS[args.clock]))
    seconds = {}
    print(f"{versions()}, OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, "
          f"{args.clock} time, median of {args.repeats} runs\n")
    print("| workload | variant | epochs | µs/epoch | epochs/s | speed-up (reference time / this row's) |")
    print("|---|---|---:|---:|---:|---|")
    for row, runs in zip(table, times):
        s = statistics.median(runs)
        seconds.setdefault(row.name, s)
        ratio = "; ".join(f"{seconds[ref] / s:.2f}× vs {ref.split(': ')[-1]}" for ref in row.references
                          if ref in seconds)
        print(f"| {row.name} | {row.variant} | {row.epochs} | {s * 1e6:,.1f} | {1 / s:,.0f} | {ratio} |")


def versions() -> str:
    """The libraries the figures depend on (PyTorch and scikit-learn only when installed)."""
    parts = [f"python {sys.version.split()[0]}", f"numpy {np.__version__}"]
    for module in ("torch", "sklearn"):
        try:
            parts.append(f"{module} {__import__(module).__version__}")
        except ImportError:
            pass
    return ", ".join(parts)


if __name__ == "__main__":
    main()
