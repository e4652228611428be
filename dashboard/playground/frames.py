"""What one frame of the Playground shows, as named datasets: pure NumPy and pandas, no ``st.``.

The chart specs are built once (``dashboard.live_charts``) and refer to these
datasets by name; a frame of live training computes only the new data, so the
browser swaps data in charts it already has instead of rebuilding them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from nn_core import metrics
from nn_core.grids import LIMIT, network_grids

from .. import pictures
from ..live_charts import LOG_FLOOR, NODE_UNITS, node_positions

# Pixels in a live picture: forward passes of grid × network must fit a frame, so big networks get fewer.
BOUNDARY_PIXELS = (100, 60, 40, 24)
NODE_PIXELS = 24
WORK_PER_FRAME = 3e7  # multiply-adds one picture may take (about 10 ms here)


@dataclass(frozen=True)
class Frame:
    """Everything the live charts and metrics show for one state of a run."""

    epoch: int
    datasets: dict[str, pa.Table]  # the live chart's datasets by name
    metrics: dict[str, float]


def resolution(net, final: bool = False) -> int:
    """The finest boundary resolution whose forward pass fits a frame's budget (100 once training stops)."""
    work = sum(a * b for a, b in zip(net.layer_sizes[:-1], net.layer_sizes[1:]))
    for r in BOUNDARY_PIXELS:
        if final or r * r * work <= WORK_PER_FRAME:
            return r
    return BOUNDARY_PIXELS[-1]


def boundary_url(grids, data, discretize: bool) -> str:
    """The background of the decision-boundary chart as a PNG data URL."""
    out, kind = grids.output, data.kind
    if kind == "binary":
        image = pictures.probability(out[..., 0] if out.shape[-1] == 1 else out[..., 1], discretize)
    elif kind == "multiclass":
        image = pictures.classes(grids.predicted, grids.score, data.n_classes, discretize)
    else:
        image = pictures.regression(grids.score, target_limit(data), discretize)
    return pictures.data_url(image)


def target_limit(data) -> float:
    m = float(np.max(np.abs(data.y))) if len(data.y) else 1.0
    return m if math.isfinite(m) and m > 0 else 1.0


def picture_frame(url: str, domain) -> pa.Table:
    x0, x1, y0, y1 = map(float, domain)
    return pa.table({"buffer_key": ["0"], "x0": [x0], "x1": [x1], "y0": [y0], "y1": [y1], "url": [url]})


def points_frame(data, show_test: bool = True) -> pa.Table:
    """Every train (and test) point: x1, x2, target (class name or value), split."""
    splits = (("train", data.X_train, data.y_train), ("test", data.X_test, data.y_test))
    chosen = splits if show_test else splits[:1]
    X = np.concatenate([X for _, X, _ in chosen])
    y = np.concatenate([y.reshape(-1) for _, _, y in chosen])
    split = np.repeat([name for name, _, _ in chosen], [len(X) for _, X, _ in chosen])
    if data.kind == "regression":
        target = pa.array(y.astype(np.float64))
    else:
        names = np.array([f"class {k}" for k in range(max(2, data.n_classes))])
        target = pa.array(names[np.clip(y.astype(np.intp), 0, len(names) - 1)])
    return pa.table({"x1": X[:, 0], "x2": X[:, 1], "split": pa.array(split), "target": target})


def network_frames(net, grids, data) -> dict[str, pa.Table]:
    """Nodes (with each unit's picture), edges (width and colour from the weight) and "+N more" notes.

    Inputs show x1 and x2 over the plane, hidden units their output, the output
    unit the boundary itself, as in TF Playground. At most NODE_UNITS units per
    layer are drawn; the weights between them keep their real values.
    """
    sizes = net.layer_sizes
    shown, ys = node_positions(sizes)
    x0, x1, y0, y1 = data.domain
    xs, ys_plane = grids.xs[_thumb_index(len(grids.xs))], grids.ys[_thumb_index(len(grids.ys))]
    inputs = (np.broadcast_to(xs / max(abs(x0), abs(x1)), (len(ys_plane), len(xs))),
              np.broadcast_to(ys_plane[:, None] / max(abs(y0), abs(y1)), (len(ys_plane), len(xs))))
    nodes = []
    last = len(sizes) - 1
    for l, n in enumerate(shown):
        for k in range(n):
            if l == 0:
                name, bias = f"input x{k + 1}", math.nan
                url = pictures.data_url(pictures.signed(inputs[k]))
            else:
                bias = float(np.clip(net.biases[l - 1][0, k], -LIMIT, LIMIT))
                if l == last:
                    name = f"output {k + 1}"
                    url = _output_url(grids, data, k)
                else:
                    name = f"layer {l}, unit {k + 1}"
                    url = pictures.data_url(pictures.signed(_thumb(grids.hidden[l - 1][..., k])))
            nodes.append((l, float(ys[l][k]), name, bias if math.isfinite(bias) else math.nan, url))
    weights = [np.nan_to_num(np.clip(W[:shown[l], :shown[l + 1]], -LIMIT, LIMIT)) for l, W in enumerate(net.weights)]
    top = max((float(np.abs(W).max()) for W in weights if W.size), default=1.0) or 1.0
    columns = {name: [] for name in ("x", "y", "x2", "y2", "weight")}
    names = []
    for l, W in enumerate(weights):
        i, j = np.meshgrid(np.arange(shown[l]), np.arange(shown[l + 1]), indexing="ij")
        for name, values in (("x", np.full(i.size, l)), ("y", ys[l][i.ravel()]), ("x2", np.full(i.size, l + 1)),
                             ("y2", ys[l + 1][j.ravel()]), ("weight", W.ravel())):
            columns[name].append(values)
        names += [f"W{l + 1}[{a + 1},{b + 1}]" for a, b in zip(i.ravel(), j.ravel())]
    edges = {name: np.concatenate(parts) if parts else np.zeros(0) for name, parts in columns.items()}
    edges["signed"] = edges["weight"] / top
    edges["width"] = 0.4 + 6.0 * np.abs(edges["signed"])
    edges["name"] = pa.array(names, type=pa.string())
    more = [(l, float(ys[l][-1]) - 0.75, f"+{size - n} more") for l, (size, n) in enumerate(zip(sizes, shown))
            if size > n]
    x, y, name, bias, url = (list(column) for column in zip(*nodes))
    return {"nodes": pa.table({"x": x, "y": y, "name": name, "bias": bias}),
            "units": pa.table({"buffer_key": ["0"] * len(x), "x": x, "y": y, "url": url}),
            "edges": pa.table(edges),
            "more": pa.table({"x": [m[0] for m in more], "y": [m[1] for m in more], "text": [m[2] for m in more]},
                             schema=MORE_SCHEMA)}


MORE_SCHEMA = pa.schema([("x", pa.int64()), ("y", pa.float64()), ("text", pa.string())])


def _thumb_index(r: int) -> np.ndarray:
    return np.arange(r) if r <= NODE_PIXELS else np.linspace(0, r - 1, NODE_PIXELS).round().astype(np.intp)


def _thumb(image: np.ndarray) -> np.ndarray:
    idx = _thumb_index(image.shape[0])
    return image[np.ix_(idx, idx)]


def _output_url(grids, data, k: int) -> str:
    out = grids.output
    if data.kind == "regression":
        return pictures.data_url(pictures.regression(_thumb(out[..., k]), target_limit(data)))
    if out.shape[-1] == 1:
        return pictures.data_url(pictures.probability(_thumb(out[..., 0])))
    return pictures.data_url(pictures.signed(_thumb(2 * out[..., k] - 1)))  # P(class k), blue where likely


LIVE_CURVE_POINTS = 80  # points per curve in a live frame: a 190-pixel chart shows little more; each costs the browser


def curve_frame(history, train: str, test: str, floor: float | None = None, points: int | None = None) -> pa.Table:
    """Long table epoch, split, value for the splits that have a finite value (NaN is a gap, not a point).

    ``points``: keep about that many records, evenly spread, always with the latest.
    """
    keep = slice(None)
    if points and len(history.epochs) > points:
        stride = -(-len(history.epochs) // points)
        keep = np.unique(np.r_[np.arange(0, len(history.epochs), stride), len(history.epochs) - 1])
    epochs = np.asarray(history.epochs, dtype=np.int64)[keep]
    parts = []
    for split, name in (("train", train), ("test", test)):
        values = np.asarray(history.columns[name], dtype=np.float64)[keep]
        values = np.where(np.isfinite(values), values, np.nan)
        if floor is not None:
            values = np.where(np.isnan(values), np.nan, np.maximum(values, floor))
        if len(values) and not np.isnan(values).all():
            parts.append((split, values))
    return pa.table({"epoch": np.tile(epochs, len(parts)),
                     "split": pa.array(np.repeat([p[0] for p in parts], len(epochs)).astype(str)),
                     "value": np.concatenate([p[1] for p in parts]) if parts else np.zeros(0)})


def hover_frame(history, train: str, test: str) -> pa.Table:
    """Wide table epoch, train, test for the curves' hover tooltips."""
    return pa.table({"epoch": np.asarray(history.epochs, dtype=np.int64),
                     "train": np.asarray(history.columns[train], dtype=np.float64),
                     "test": np.asarray(history.columns[test], dtype=np.float64)})


NO_HOVER = pa.table({"epoch": pa.array([], pa.int64()), "train": pa.array([], pa.float64()),
                     "test": pa.array([], pa.float64())})


def marks_frame(history, at: int | None = None) -> pa.Table:
    """Rules on the curves: where a setting changed mid-run, and the replayed epoch (``at``)."""
    rows = [(e, t, "setting changed") for e, t in history.marks]
    if at is not None:
        rows.append((int(at), f"replaying epoch {int(at):,}", "replay"))
    return pa.table({"epoch": [r[0] for r in rows], "text": [r[1] for r in rows], "kind": [r[2] for r in rows]},
                    schema=MARKS_SCHEMA)


MARKS_SCHEMA = pa.schema([("epoch", pa.int64()), ("text", pa.string()), ("kind", pa.string())])


def frame(run, net, view, at: int | None = None, final: bool = False) -> Frame:
    """Every dataset of the live chart for ``net`` (the run's network, or a replayed snapshot of it).

    ``final``: the picture of a paused run (full resolution, and the curves' hover tooltips).
    """
    data, history = run.data, run.history
    r = resolution(net, final)
    grids = network_grids(net, data.domain, r, hidden_resolution=min(r, NODE_PIXELS), max_units=NODE_UNITS)
    tables = {"picture": picture_frame(boundary_url(grids, data, view.discretize), data.domain),
              "points": points_frame(data, view.show_test), **network_frames(net, grids, data),
              "loss_curve": curve_frame(history, "loss", "test_loss", LOG_FLOOR if view.log_scale else None,
                                        None if final else LIVE_CURVE_POINTS),
              "loss_hover": hover_frame(history, "loss", "test_loss") if final else NO_HOVER,
              "loss_marks": marks_frame(history, at)}
    for name, rows in (("edge_hover", "edges"), ("node_hover", "nodes")):
        tables[name] = tables[rows] if final else tables[rows].slice(0, 0)
    if data.kind != "regression":
        tables["accuracy_curve"] = curve_frame(history, "accuracy", "test_accuracy",
                                               points=None if final else LIVE_CURVE_POINTS)
        tables["accuracy_hover"] = hover_frame(history, "accuracy", "test_accuracy") if final else NO_HOVER
        tables["accuracy_marks"] = marks_frame(history, at)
    return Frame(run.trainer.epoch if at is None else int(at), tables, now_metrics(run, net, at))


def now_metrics(run, net, at: int | None) -> dict[str, float]:
    """Losses and test accuracy (R² for regression) of ``net`` on this run's data."""
    now = run.trainer.evaluate(net)
    values = {"train_loss": now.get("train_loss", math.nan), "test_loss": now.get("test_loss", math.nan)}
    if run.data.kind == "regression":
        values["test_r2"] = metrics.scores(net, run.data)["test_r2"]
    else:
        values["test_accuracy"] = now.get("test_accuracy", now.get("train_accuracy", math.nan))
    return values
