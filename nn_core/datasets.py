"""Seeded 2-D datasets and a strict CSV loader for the playground.

NumPy + stdlib only. Every dataset is reproducible from its arguments, and every
problem with a user's CSV becomes a one-sentence :class:`DataError` for the UI.
"""

from __future__ import annotations

import csv
import io
import math
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

MAX_CSV_BYTES = 5_000_000
MAX_CSV_ROWS = 50_000
MAX_CSV_VALUE = 1e6  # larger inputs or targets overflow a network's first step
MAX_CLASSES = 8
FAR = 1e307  # the domain of points beyond ±FAR is clipped there, so its padding cannot overflow
N_RANGE = (4, 5000)
NOISE_RANGE = (0.0, 1.0)
TEST_RATIO_RANGE = (0.0, 0.9)
KINDS = ("binary", "multiclass", "regression")
DEPENDS_ON_CLASSES = "depends on classes"

Source = str | os.PathLike | bytes | bytearray | IO[bytes] | IO[str]
Rng = np.random.Generator
XY = tuple[np.ndarray, np.ndarray]
GeneratorFn = Callable[[int, float, Rng, int], XY]


class DataError(ValueError):
    """Bad user data; ``str(e)`` is one clear sentence to show the user."""


@dataclass(frozen=True, eq=False)
class Dataset:
    """A train/test split of 2-D points.

    Arrays are copied, coerced to the documented dtypes/shapes and made read-only,
    so a cached dataset cannot be corrupted by in-place edits elsewhere.
    """

    name: str
    kind: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}.")
        fixed_k = {"binary": 2, "regression": 0}.get(self.kind)
        if self.n_classes < 2 if fixed_k is None else self.n_classes != fixed_k:
            raise ValueError(f"n_classes={self.n_classes} does not fit kind {self.kind!r}.")
        for part in ("train", "test"):
            X = np.array(getattr(self, f"X_{part}"), dtype=np.float64)
            y = np.array(getattr(self, f"y_{part}"))
            if self.kind == "multiclass":
                y = y.reshape(-1).astype(np.int64)
            else:
                y = y.reshape(-1, 1).astype(np.float64)
            if X.ndim != 2 or X.shape[1] != 2 or len(y) != len(X):
                raise ValueError(f"X_{part} {X.shape} / y_{part} {y.shape} are inconsistent.")
            if self.kind == "multiclass" and y.size and not 0 <= y.min() <= y.max() < self.n_classes:
                raise ValueError(f"y_{part} labels must lie in 0..{self.n_classes - 1}.")
            for attr, arr in ((f"X_{part}", X), (f"y_{part}", y)):
                arr.setflags(write=False)
                object.__setattr__(self, attr, arr)

    @property
    def n_train(self) -> int:
        return len(self.X_train)

    @property
    def n_test(self) -> int:
        return len(self.X_test)

    @property
    def X(self) -> np.ndarray:
        """All points, train first then test."""
        return np.concatenate([self.X_train, self.X_test])

    @property
    def y(self) -> np.ndarray:
        """All targets, in the same order as :attr:`X`."""
        return np.concatenate([self.y_train, self.y_test])

    @property
    def domain(self) -> tuple[float, float, float, float]:
        """(xmin, xmax, ymin, ymax) of all points padded by 10%, for decision-boundary grids; always finite."""
        X = self.X
        lo, hi = np.maximum(X.min(axis=0), -FAR), np.minimum(X.max(axis=0), FAR)
        pad = np.where(hi > lo, 0.1 * (hi - lo), 0.5)  # a flat axis still gets a visible band
        (x0, y0), (x1, y1) = lo - pad, hi + pad
        return float(x0), float(x1), float(y0), float(y1)


@dataclass(frozen=True)
class DatasetSpec:
    """Registry record: how to generate a dataset and how the UI should present it."""

    generator: GeneratorFn
    kind: str  # one of KINDS or DEPENDS_ON_CLASSES
    label: str
    description: str
    uses_classes: bool = False
    fixed: bool = False  # ignores n, noise and test_ratio


# --- generators: (n, noise, rng, classes) -> (X (n,2), y (n,) labels or targets) ---------------

def _jitter(X: np.ndarray, noise: float, rng: Rng) -> np.ndarray:
    """Add Gaussian input noise; always drawn so the same seed gives the same points at any noise."""
    return X + noise * rng.standard_normal(X.shape)


def _balanced(n: int, k: int) -> np.ndarray:
    """Round-robin labels, so classes differ in size by at most one."""
    return np.arange(n) % k


def _polar(r: np.ndarray | float, theta: np.ndarray) -> np.ndarray:
    return np.column_stack([r * np.cos(theta), r * np.sin(theta)])


def _xor(n: int, noise: float, rng: Rng, classes: int) -> XY:
    return np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64), np.array([0, 1, 1, 0])


def _toy(n: int, noise: float, rng: Rng, classes: int) -> XY:
    return np.array([[0.5, 0.1], [0.9, 0.8]]), np.array([1, 0])


def _xor_cloud(n: int, noise: float, rng: Rng, classes: int) -> XY:
    y = _balanced(n, 2)
    magnitude = rng.uniform(0.05, 1.0, (n, 2))  # keep a small gap around the axes
    sx = rng.choice([-1.0, 1.0], n)
    sy = np.where(y == 1, -sx, sx)  # label 1 <=> signs differ, like XOR
    return _jitter(magnitude * np.column_stack([sx, sy]), noise, rng), y


def _circle(n: int, noise: float, rng: Rng, classes: int) -> XY:
    y = _balanced(n, 2)  # 1 = inner disc (r <= 0.5), 0 = outer ring (0.7 <= r <= 1)
    u = rng.uniform(0.0, 1.0, n)
    r = np.where(y == 1, 0.5 * np.sqrt(u), 0.7 + 0.3 * u)
    return _jitter(_polar(r, rng.uniform(0.0, 2 * np.pi, n)), noise, rng), y


def _blobs(n: int, noise: float, rng: Rng, classes: int) -> XY:
    y = _balanced(n, classes)
    centres = _polar(0.6, 2 * np.pi * y / classes + np.pi / 4)
    return _jitter(centres + 0.15 * rng.standard_normal((n, 2)), noise, rng), y


def _multi_spiral(n: int, noise: float, rng: Rng, classes: int) -> XY:
    y = _balanced(n, classes)
    turns = max(0.5, 2.5 / classes)  # keeps the radial gap between arms ~0.4 for K <= 5
    t = rng.uniform(0.0, 1.0, n)
    theta = 2 * np.pi * (turns * t + y / classes)
    return _jitter(_polar(0.1 + 0.9 * t, theta), noise, rng), y


def _spiral(n: int, noise: float, rng: Rng, classes: int) -> XY:
    return _multi_spiral(n, noise, rng, 2)


def _moons(n: int, noise: float, rng: Rng, classes: int) -> XY:
    y = _balanced(n, 2)
    t = rng.uniform(0.0, np.pi, n)
    x1 = np.where(y == 0, np.cos(t), 1 - np.cos(t))
    x2 = np.where(y == 0, np.sin(t), 0.5 - np.sin(t))
    X = np.column_stack([x1 - 0.5, x2 - 0.25]) / 1.5  # [-1,2]x[-.5,1] -> [-1,1]x[-.5,.5]
    return _jitter(X, noise, rng), y


def _checkerboard(n: int, noise: float, rng: Rng, classes: int) -> XY:
    y = _balanced(n, 2)  # 4x4 board of 0.5-wide cells; label = (col + row) % 2
    col = rng.integers(0, 4, n)
    row = 2 * rng.integers(0, 2, n) + (y + col) % 2
    X = -1.0 + 0.5 * (np.column_stack([col, row]) + rng.uniform(0.0, 1.0, (n, 2)))
    return _jitter(X, noise, rng), y


def _plane(n: int, noise: float, rng: Rng, classes: int) -> XY:
    X = rng.uniform(-1.0, 1.0, (n, 2))
    return _jitter(X, noise, rng), X.sum(axis=1) / 2  # target in [-1, 1] from the clean inputs


_BUMPS = np.array([[-2 / 3, 0.42, 1], [0, 0.42, -1], [2 / 3, 0.42, 1],
                   [-2 / 3, -0.42, -1], [0, -0.42, 1], [2 / 3, -0.42, -1]])


def _multi_gaussian(n: int, noise: float, rng: Rng, classes: int) -> XY:
    X = rng.uniform(-1.0, 1.0, (n, 2))
    d2 = ((X[:, None, :] - _BUMPS[None, :, :2]) ** 2).sum(axis=2)
    return _jitter(X, noise, rng), (_BUMPS[:, 2] * np.exp(-d2 / (2 * 0.2**2))).sum(axis=1)


DATASETS: dict[str, DatasetSpec] = {  # in the order the app lists them
    "xor": DatasetSpec(_xor, "binary", "XOR (4 points)",
                       "The four corners of the unit square labelled by XOR.", fixed=True),
    "xor_cloud": DatasetSpec(_xor_cloud, "binary", "XOR cloud",
                             "Points in the four quadrants, labelled by whether the signs differ."),
    "circle": DatasetSpec(_circle, "binary", "Circle", "An inner disc surrounded by a ring of the other class."),
    "blobs": DatasetSpec(_blobs, DEPENDS_ON_CLASSES, "Gaussian blobs",
                         "Round clusters, one per class, around a circle.", uses_classes=True),
    "spiral": DatasetSpec(_spiral, "binary", "Spiral", "Two interleaved spiral arms; needs a curved boundary."),
    "multi_spiral": DatasetSpec(_multi_spiral, DEPENDS_ON_CLASSES, "Multi-arm spiral",
                                "One spiral arm per class (2 to 8 classes).", uses_classes=True),
    "moons": DatasetSpec(_moons, "binary", "Two moons", "Two interleaving half-circles."),
    "checkerboard": DatasetSpec(_checkerboard, "binary", "Checkerboard", "A 4x4 board of alternating squares."),
    "plane": DatasetSpec(_plane, "regression", "Plane (regression)", "The target is a linear function of x1 and x2."),
    "multi_gaussian": DatasetSpec(_multi_gaussian, "regression", "Gaussian bumps (regression)",
                                  "The target is a sum of six positive and negative Gaussian bumps."),
    "toy": DatasetSpec(_toy, "binary", "Toy (2 points)",
                       "Two hand-picked points, small enough to follow every number by hand.", fixed=True),
}


def _clamp(value: float, lo: float, hi: float, what: str) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value!r}.")
    return min(max(value, lo), hi)


def _split(n: int, rng: Rng, test_ratio: float) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle, then the last round(n * ratio) points are test; at least one train point stays."""
    ratio = _clamp(test_ratio, *TEST_RATIO_RANGE, "test_ratio")
    order = rng.permutation(n)
    n_test = min(round(n * ratio), n - 1)
    return order[: n - n_test], order[n - n_test:]


def make(name: str, n: int = 200, noise: float = 0.1, seed: int = 0,
         test_ratio: float = 0.2, classes: int = 3) -> Dataset:
    """Generate a registered dataset; the same arguments always give bit-identical arrays."""
    spec = DATASETS.get(name)
    if spec is None:
        raise ValueError(f"Unknown dataset {name!r}; valid names are: {', '.join(DATASETS)}.")
    k = int(_clamp(classes, 2, MAX_CLASSES, "classes")) if spec.uses_classes else 2
    rng = np.random.default_rng(seed)
    if spec.fixed:
        X, y = spec.generator(0, 0.0, rng, k)
        train, test = np.arange(len(X)), np.arange(0)
    else:
        n = int(_clamp(n, *N_RANGE, "n"))
        X, y = spec.generator(n, _clamp(noise, *NOISE_RANGE, "noise"), rng, k)
        train, test = _split(n, rng, test_ratio)
    kind = spec.kind if spec.kind in KINDS else ("binary" if k == 2 else "multiclass")
    n_classes = {"binary": 2, "multiclass": k, "regression": 0}[kind]
    return Dataset(name, kind, X[train], y[train], X[test], y[test], n_classes)


# --- CSV ----------------------------------------------------------------------------------------

_TOO_BIG = f"The file is larger than the {MAX_CSV_BYTES // 1_000_000} MB limit."


def _quote(cell: str, limit: int = 20) -> str:
    """Show a user's value on one short line inside a message (control characters as �)."""
    text = "".join(c if c.isprintable() else "�" for c in " ".join(cell.split()))
    return "'" + text[:limit] + "'"


def _read_bytes(source: Source) -> bytes:
    """Read at most MAX_CSV_BYTES + 1 bytes, checking the size first when it is known."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            info = path.stat()
            if not stat.S_ISREG(info.st_mode):  # a folder, or a device such as /dev/zero that never ends
                raise OSError
            if info.st_size > MAX_CSV_BYTES:
                raise DataError(_TOO_BIG)
            with path.open("rb") as f:
                data = f.read(MAX_CSV_BYTES + 1)
        except OSError:
            raise DataError(f"Cannot read the file {_quote(path.name or str(path), 60)}.") from None
    else:
        size = getattr(source, "size", None)  # Streamlit's UploadedFile knows its size
        if isinstance(size, int) and size > MAX_CSV_BYTES:
            raise DataError(_TOO_BIG)
        try:
            source.seek(0)  # Streamlit reruns may hand back an already-read upload
        except (AttributeError, OSError, ValueError):
            pass
        data = source.read(MAX_CSV_BYTES + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
    if len(data) > MAX_CSV_BYTES:
        raise DataError(_TOO_BIG)
    return data


def _read_rows(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Return the normalised header and the non-blank data rows with their line numbers."""
    try:
        if b"\x00" in data:
            raise UnicodeError
        text = data.decode("utf-8-sig")
    except UnicodeError:
        raise DataError("The file is not UTF-8 text; please upload a comma-separated CSV.") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    end = 0
    try:
        for fields in reader:
            start, end = end + 1, reader.line_num  # a quoted cell may span several lines
            if not any(f.strip() for f in fields):
                continue
            if header is None:
                header = [f.strip().lower() for f in fields]
            elif len(rows) >= MAX_CSV_ROWS:
                raise DataError(f"The file has more than {MAX_CSV_ROWS:,} data rows.")
            else:
                rows.append((start, fields))
    except csv.Error:
        raise DataError(f"The file is not valid CSV near line {reader.line_num}.") from None
    if header is None:
        raise DataError("The file is empty.")
    return header, rows


def _column_index(header: list[str]) -> dict[str, int]:
    """Map x1, x2, label/target (and optional split) to their first position in the header."""
    index: dict[str, int] = {}
    for i, col in enumerate(header):
        index.setdefault(col, i)
    missing = [c for c in ("x1", "x2") if c not in index]
    if "label" not in index and "target" not in index:
        missing.append("label (or target)")
    if missing:
        found = ", ".join(_quote(h)[1:-1] for h in header[:8]) + (", ..." if len(header) > 8 else "")
        raise DataError(f"The CSV is missing column {' and '.join(missing)} "
                        f"(its header row is: {found}).")
    return index


def _cells(rows: list[tuple[int, list[str]]], j: int) -> list[str]:
    return [fields[j].strip() if j < len(fields) else "" for _, fields in rows]


def _floats(rows: list[tuple[int, list[str]]], j: int, col: str) -> np.ndarray:
    """Parse one column, naming the column and line of the first bad value."""
    out = np.empty(len(rows))
    for i, cell in enumerate(_cells(rows, j)):
        where = f"on line {rows[i][0]}"
        try:
            out[i] = value = float(cell)
        except ValueError:
            what = "an empty value" if not cell else f"the non-numeric value {_quote(cell)}"
            raise DataError(f"Column '{col}' has {what} {where}.") from None
        if not math.isfinite(value):
            raise DataError(f"Column '{col}' has the non-finite value {_quote(cell)} {where}.")
        if abs(value) > MAX_CSV_VALUE:
            raise DataError(f"Column '{col}' has the value {_quote(cell)} {where}, beyond ±{MAX_CSV_VALUE:,.0f}: "
                            "rescale the data so a network can train on it.")
    return out


def _labels(values: np.ndarray, rows: list[tuple[int, list[str]]]) -> tuple[np.ndarray, int]:
    """Map sorted distinct integer labels to 0..K-1."""
    bad = np.flatnonzero(values != np.round(values))
    if bad.size:
        raise DataError(f"Column 'label' must hold whole-number classes, "
                        f"but line {rows[bad[0]][0]} has {values[bad[0]]:g}.")
    classes, y = np.unique(values, return_inverse=True)
    if len(classes) < 2:
        raise DataError(f"Column 'label' has only one class ({classes[0]:g}); "
                        "a classifier needs at least two.")
    if len(classes) > MAX_CLASSES:
        raise DataError(f"Column 'label' has {len(classes)} distinct classes; "
                        f"at most {MAX_CLASSES} are supported.")
    return y, len(classes)


def _csv_split(rows: list[tuple[int, list[str]]], j: int) -> tuple[np.ndarray, np.ndarray]:
    """Honour a 'split' column of train/test values, keeping file order within each part."""
    cells = [c.lower() for c in _cells(rows, j)]
    for (line, _), cell in zip(rows, cells, strict=True):
        if cell not in ("train", "test"):
            raise DataError(f"Column 'split' must be 'train' or 'test', but line {line} has {_quote(cell)}.")
    is_test = np.array(cells) == "test"
    if is_test.all():
        raise DataError("Column 'split' marks every row as 'test'; at least one 'train' row is needed.")
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)


def load_csv(source: Source, test_ratio: float = 0.2, seed: int = 0, name: str = "csv") -> Dataset:
    """Load x1, x2 and label (classification) or target (regression) columns from a CSV.

    ``source`` is a path, bytes, or a binary/text file-like. A 'split' column, if present,
    decides train/test; otherwise rows are shuffled with ``seed`` and split by ``test_ratio``.
    Any problem raises :class:`DataError` with a one-sentence message.
    """
    header, rows = _read_rows(_read_bytes(source))
    index = _column_index(header)
    if not rows:
        raise DataError("The file has a header row but no data rows.")
    if len(rows) < N_RANGE[0]:
        raise DataError(f"The file has only {len(rows)} data rows; at least {N_RANGE[0]} are needed.")
    X = np.column_stack([_floats(rows, index[c], c) for c in ("x1", "x2")])
    if "label" in index:
        y, k = _labels(_floats(rows, index["label"], "label"), rows)
        kind, n_classes = ("binary", 2) if k == 2 else ("multiclass", k)
    else:
        y, kind, n_classes = _floats(rows, index["target"], "target"), "regression", 0
    if "split" in index:
        train, test = _csv_split(rows, index["split"])
    else:
        train, test = _split(len(rows), np.random.default_rng(seed), test_ratio)
    return Dataset(name, kind, X[train], y[train], X[test], y[test], n_classes)


def points_csv(X, y, regression: bool = False) -> bytes:
    """Points drawn by hand as a CSV without a split column, so load_csv splits them by the test ratio
    like any file; floats use repr, so they load back exactly."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["x1", "x2", "target" if regression else "label"])
    for (a, b), t in zip(np.asarray(X, dtype=np.float64).tolist(), np.asarray(y).reshape(-1).tolist(), strict=True):
        writer.writerow([repr(float(a)), repr(float(b)), repr(float(t)) if regression else str(int(t))])
    return buf.getvalue().encode("utf-8")


def to_csv(dataset: Dataset) -> bytes:
    """Write x1,x2,label|target,split as UTF-8; floats use repr so load_csv round-trips exactly."""
    regression = dataset.kind == "regression"
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["x1", "x2", "target" if regression else "label", "split"])
    for part, X, y in (("train", dataset.X_train, dataset.y_train),
                       ("test", dataset.X_test, dataset.y_test)):
        for (a, b), t in zip(X.tolist(), y.reshape(-1).tolist(), strict=True):
            writer.writerow([repr(a), repr(b), repr(t) if regression else str(int(t)), part])
    return buf.getvalue().encode("utf-8")
