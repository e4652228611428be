"""What one frame of the Playground shows, as named datasets: NumPy and pyarrow tables, no ``st.``.

The inspected chart's spec is built once (``dashboard.playground.live_charts``) and refers to these datasets by
name; a paused, inspected frame computes only the data, so the browser swaps data in a chart it already
has instead of rebuilding it. Every other frame (playing, or paused without Inspect) is the whole view
as one picture, drawn by ``dashboard.playground.picture``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from nn_core import metrics

from .. import pictures
from .live_sizes import LOG_FLOOR, network_domain
from .picture import WORK_PER_FRAME, NetworkParts, curves_of, sprite_size, view_model, view_picture


@dataclass(frozen=True)
class Frame:
    """Everything the live view shows for one state of a run: the paused chart's datasets, or, while
    playing, the whole view as one picture (``dashboard.playground.picture``)."""

    epoch: int
    datasets: dict[str, pa.Table]  # the live chart's datasets by name (empty for a live picture)
    metrics: dict[str, float]
    text: str = ""  # the line of numbers a learner watches, shown as text above the view
    picture: str | None = None  # a data URL of the whole view: JPEG while playing, PNG paused (unless inspected)
    width: int = 0  # its width in pixels


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


STRINGS = ("name", "pick")  # the edges' text columns


def network_frames(parts: NetworkParts) -> dict[str, pa.Table]:
    """The network chart's datasets: nodes, edges, the inputs that are off, "+N more" notes, and every
    unit's picture in one image."""
    sizes = parts.layout
    x, y, name, bias, pick, bias_pick, hint = (list(column) for column in zip(*parts.nodes))
    (left, right), (low, high) = network_domain(sizes)
    units = pictures.data_url(pictures.sprite(sprite_size(sizes), parts.tiles))
    edges, more = parts.edges, parts.more
    return {"nodes": pa.table({"x": pa.array(x, pa.int64()), "y": pa.array(y, pa.float64()),
                               "name": pa.array(name, pa.string()), "bias": pa.array(bias, pa.float64()),
                               "pick": pa.array(pick, pa.string()), "bias_pick": pa.array(bias_pick, pa.string()),
                               "hint": pa.array(hint, pa.string())}),
            "inputs": pa.table({"x": [0] * len(parts.off), "y": [o[0] for o in parts.off],
                                "name": [o[1] for o in parts.off], "pick": [o[2] for o in parts.off]},
                               schema=INPUTS_SCHEMA),
            "units": pa.table({"buffer_key": ["0"], "x0": [left], "x1": [right], "y0": [low], "y1": [high],
                               "url": [units]}),
            "edges": pa.table({k: pa.array(v, pa.string() if k in STRINGS else pa.float64()) for k, v in edges.items()}),
            "more": pa.table({"x": [m[0] for m in more], "y": [m[1] for m in more], "text": [m[2] for m in more]},
                             schema=MORE_SCHEMA)}


INPUTS_SCHEMA = pa.schema([("x", pa.int64()), ("y", pa.float64()), ("name", pa.string()), ("pick", pa.string())])


MORE_SCHEMA = pa.schema([("x", pa.int64()), ("y", pa.float64()), ("text", pa.string())])


def curve_frame(history, train: str, test: str, floor: float | None = None) -> pa.Table:
    """Long table epoch, split, value for the splits that have a finite value (NaN is a gap, not a point)."""
    epochs = np.asarray(history.epochs, dtype=np.int64)
    parts = []
    for split, name in (("train", train), ("test", test)):
        values = np.asarray(history.columns[name], dtype=np.float64)
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


def marks_frame(history, at: int | None = None) -> pa.Table:
    """Rules on the curves: where a setting changed mid-run, and the replayed epoch (``at``)."""
    rows = [(e, t, "setting changed") for e, t in history.marks]
    if at is not None:
        rows.append((int(at), f"replaying epoch {int(at):,}", "replay"))
    return pa.table({"epoch": [r[0] for r in rows], "text": [r[1] for r in rows], "kind": [r[2] for r in rows]},
                    schema=MARKS_SCHEMA)


MARKS_SCHEMA = pa.schema([("epoch", pa.int64()), ("text", pa.string()), ("kind", pa.string())])


def frame(run, net, view, at: int | None = None, final: bool = False, numbers: dict | None = None) -> Frame:
    """What the live view shows of ``net`` (the run's network, or a replayed snapshot of it at epoch ``at``).

    ``final``: a paused run, drawn at full resolution; with ``view.inspect`` as the chart's datasets (with
    tooltips), otherwise, as while playing, as one picture (:func:`picture_of`). ``numbers``: the line
    of numbers' values if already known (:func:`now_metrics`; see :func:`costly_numbers`).
    """
    if not (final and view.inspect):
        return picture_of(run, net, view, at, final, numbers)
    data = run.data
    model = view_model(net, data, curves_of(run), view, at, final=True, candidates=getattr(view, "inputs", None))
    history = model.curves
    tables = {"picture": picture_frame(pictures.data_url(model.plane), data.domain),
              "points": points_frame(data, view.show_test),
              **network_frames(model.network),
              "loss_curve": curve_frame(history, "loss", "test_loss", LOG_FLOOR if view.log_scale else None),
              "loss_hover": hover_frame(history, "loss", "test_loss"),
              "loss_marks": marks_frame(history, at)}
    tables["edge_hover"], tables["node_hover"] = tables["edges"], tables["nodes"]
    if data.kind != "regression":
        tables["accuracy_curve"] = curve_frame(history, "accuracy", "test_accuracy")
        tables["accuracy_hover"] = hover_frame(history, "accuracy", "test_accuracy")
        tables["accuracy_marks"] = marks_frame(history, at)
    epoch = run.trainer.epoch if at is None else int(at)
    numbers = numbers or now_metrics(run, net, at)
    return Frame(epoch, tables, numbers, metrics_text(epoch, numbers, at is not None))


def picture_of(run, net, view, at: int | None = None, final: bool = False, numbers: dict | None = None) -> Frame:
    """The whole live view as one picture (``dashboard.playground.picture``), at the resolution a frame's
    budget allows while playing, and at full resolution when ``final``."""
    url, width = view_picture(net, run.data, curves_of(run), view, at, final)
    epoch = run.trainer.epoch if at is None else int(at)
    numbers = numbers or now_metrics(run, net, at)
    return Frame(epoch, {}, numbers, metrics_text(epoch, numbers, at is not None), picture=url, width=width)


def metrics_text(epoch: int, m: dict, replaying: bool) -> str:
    """The line of numbers a learner watches (Markdown): text, so it can be read aloud, copied and found."""
    last = (f"Test R² **{_number(m['test_r2'])}**" if "test_r2" in m
            else f"Test accuracy **{_percent(m.get('test_accuracy'))}**")
    return (f"{'Replaying epoch' if replaying else 'Epoch'} **{epoch:,}** · Train loss "
            f"**{_number(m.get('train_loss'))}** · Test loss **{_number(m.get('test_loss'))}** · {last}")


def _number(value) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.4f}"


def _percent(value) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{100 * value:.1f} %"


def costly_numbers(run) -> bool:
    """Whether the line of numbers (a pass over every train and test point) costs more than a frame's
    picture may: at the limits (8 × 256 units, 5,000 points) it is 2.3 billion multiply-adds, 200 ms here."""
    sizes = run.net.layer_sizes
    work = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    return (len(run.data.X_train) + len(run.data.X_test)) * work > WORK_PER_FRAME


def now_metrics(run, net, at: int | None) -> dict[str, float]:
    """Losses and test accuracy (R² for regression) of ``net`` on this run's data."""
    now = run.trainer.evaluate(net)
    values = {"train_loss": now.get("train_loss", math.nan), "test_loss": now.get("test_loss", math.nan)}
    if run.data.kind == "regression":
        values["test_r2"] = metrics.scores(net, run.data)["test_r2"]
    else:
        values["test_accuracy"] = now.get("test_accuracy", now.get("train_accuracy", math.nan))
    return values
