"""The live view's picture: the network, the curves and the plane drawn as one image with NumPy and Pillow.

Everything here is plain NumPy and Pillow on a network, its data set and its curves (no Streamlit, pandas
or Arrow), so the drawing worker (``dashboard.playground.worker``) makes the very same picture in a process
of its own. ``dashboard.playground.frames`` builds the inspected chart's datasets from the same parts
(:func:`network_parts`, :func:`plane_image`).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

import numpy as np

from nn_core.features import FEATURES, input_label
from nn_core.grids import LIMIT, input_grids, network_grids
from nn_core.parameter_edits import parameter_name

from .. import pictures
from ..palette import CLASS_COLOURS, INK, rgb
from . import drawing, live_picture
from .drawing import INK_RGB
from .live_sizes import (
    LOG_FLOOR,
    NETWORK_WIDTH,
    NODE_SIZE,
    NODE_UNITS,
    PLANE_SIZE,
    TRAIN_STROKE,
    network_domain,
    network_height,
    node_positions,
)

# Pixels in a live picture: forward passes of grid × network must fit a frame, so big networks get fewer.
BOUNDARY_PIXELS = (100, 60, 40, 24)


NODE_PIXELS = 24


WORK_PER_FRAME = 3e7  # multiply-adds one picture may take (about 10 ms here)


def resolution(net, final: bool = False) -> int:
    """The finest boundary resolution whose forward pass fits a frame's budget (100 once training stops)."""
    work = sum(a * b for a, b in zip(net.layer_sizes[:-1], net.layer_sizes[1:]))
    for r in BOUNDARY_PIXELS:
        if final or r * r * work <= WORK_PER_FRAME:
            return r
    return BOUNDARY_PIXELS[-1]


def boundary_image(grids, data, discretize: bool) -> np.ndarray:
    """(r, r, 3) the background of the decision-boundary chart."""
    out, kind = grids.output, data.kind
    if kind == "binary":
        return pictures.probability(out[..., 0] if out.shape[-1] == 1 else out[..., 1], discretize)
    if kind == "multiclass":
        return pictures.classes(grids.predicted, grids.score, data.n_classes, discretize)
    return pictures.regression(grids.score, target_limit(data), discretize)


def plane_image(net, grids, data, view) -> np.ndarray:
    """The decision-boundary panel's background: the boundary, or the hidden unit the learner looks inside."""
    if view.unit is None:
        return boundary_image(grids, data, view.discretize)
    return unit_image(net, data.domain, view.unit, grids.resolution)


def target_limit(data) -> float:
    m = float(np.max(np.abs(data.y))) if len(data.y) else 1.0
    return m if math.isfinite(m) and m > 0 else 1.0


class Dots:
    """The points' picture at screen size, per data set and test-point choice: fixed for a run, drawn once.

    Shared by every session's thread (and by the drawing worker's loop), so it is one object with a lock.
    It keeps a reference to each data set it drew, so a data set's id names it while it is kept.
    """

    KEPT = 16

    def __init__(self):
        self._lock = threading.Lock()
        self._held: dict = {}  # (id(data), show_test) -> (data, picture)

    def __call__(self, data, show_test: bool) -> np.ndarray:
        """(PLANE_SIZE, PLANE_SIZE, 4) RGBA picture of every point, as the live picture pastes it."""
        key = (id(data), show_test)
        with self._lock:
            held = self._held.get(key)
        if held is not None and held[0] is data:
            return held[1]
        picture = _dots_picture(data, show_test)  # drawn outside the lock: two threads may both draw it once
        with self._lock:
            if len(self._held) >= self.KEPT:
                self._held.clear()
            self._held[key] = (data, picture)
        return picture


dots_image = Dots()


def _dots_picture(data, show_test: bool) -> np.ndarray:
    splits = [(data.X_train, data.y_train, False)] + ([(data.X_test, data.y_test, True)] if show_test else [])
    X = np.concatenate([X for X, _, _ in splits])
    y = np.concatenate([y.reshape(-1) for _, y, _ in splits]).astype(np.float64)
    test = np.concatenate([np.full(len(X), flag) for X, _, flag in splits])
    x0, x1, y0, y1 = map(float, data.domain)
    px = np.column_stack([(X[:, 0] - x0) / (x1 - x0) * PLANE_SIZE, (y1 - X[:, 1]) / (y1 - y0) * PLANE_SIZE])
    if data.kind == "regression":
        fills = pictures.regression(y[None, :], target_limit(data))[0].astype(np.float64)
    else:
        table = np.array([rgb(c) for c in CLASS_COLOURS], dtype=np.float64)
        fills = table[np.clip(y.astype(np.intp), 0, len(table) - 1)]
    return drawing.dots(PLANE_SIZE, px, fills, test, TRAIN_STROKE[data.kind], INK)


@dataclass(frozen=True)
class Curves:
    """What the live picture's curves and axes show of a run: its history's columns and marks, its epoch,
    and its epoch budget (the x axis runs to it)."""

    epochs: np.ndarray  # (n,) the epoch of each history row
    columns: dict  # column name (CURVES) -> (n,) float64 values
    marks: list = field(default_factory=list)  # (epoch, text) where a setting changed
    epoch: int = 0
    budget: int = 1


def curves_of(run) -> Curves:
    """A run's curves, copied (taken under the run's lock, so a drawing worker can use them later)."""
    history = run.history
    return Curves(np.asarray(history.epochs, dtype=np.float64),
                  {name: np.asarray(history.columns[name], dtype=np.float64) for pair in CURVES.values()
                   for name in pair},
                  list(history.marks), int(run.trainer.epoch), int(run.config.epochs))


@dataclass(frozen=True)
class NetworkParts:
    """What the network graph shows, in chart coordinates (layer, y) and in the network picture's pixels."""

    nodes: list  # (layer, y, name, bias, pick, bias pick, hint): a pick names what a click on it does
    tiles: list  # (cx, cy, (NODE_SIZE, NODE_SIZE, 3) picture[, alpha]) in pixels
    edges: dict  # columns x, y, x2, y2, weight, signed, width, name, pick
    more: list  # (layer, y, "+N more")
    off: list = ()  # (y, name, pick) of each candidate input feature that is off (the inspected graph only)
    layout: tuple = ()  # the graph's layer sizes as drawn (:func:`layout_sizes`)


OFF_ALPHA = 70  # a switched-off feature's picture shows faintly, as in TF Playground


HINTS = {"input": "switch this feature off", "unit": "show it in the boundary panel (again: back)",
         "output": "show the decision boundary"}  # what a click on a node does (dashboard.playground.graph)


def graph_inputs(net, candidates) -> tuple[str, ...] | None:
    """The candidate features the graph draws as inputs, or None when it draws the network's own inputs only
    (no candidates asked for, or a network whose inputs are not named features)."""
    features = net.features
    if not candidates or features is None or not set(features) <= set(candidates):
        return None
    return tuple(candidates)


def layout_sizes(sizes, candidates) -> tuple[int, ...]:
    """The graph's layout: every candidate feature gets an input node when they are drawn, on or off."""
    return (len(candidates), *sizes[1:]) if candidates else tuple(sizes)


def network_parts(net, grids, data, candidates: tuple[str, ...] | None = None) -> NetworkParts:
    """Nodes (with each unit's picture), edges (width and colour from the weight) and "+N more" notes.

    Inputs show their feature (x1, x1², sin x2, ...) over the plane, hidden units their output, the output
    unit the boundary itself, as in TF Playground. At most NODE_UNITS units per
    layer are drawn; the weights between them keep their real values. With ``candidates`` (every feature
    a learner may choose, in the table's order) each has its own input slot, the ones that are off faded
    and without edges, so a click can switch one on where it will appear.
    """
    sizes = net.layer_sizes
    features = tuple(net.features) if net.features is not None else None
    candidates = graph_inputs(net, candidates)
    layout = layout_sizes(sizes, candidates)
    shown, ys = node_positions(layout)
    slot = [candidates.index(f) for f in features] if candidates else list(range(shown[0]))
    shown[0] = min(sizes[0], NODE_UNITS)
    ys[0] = ys[0][slot[:shown[0]]]
    xs, ys_plane = grids.xs[_thumb_index(len(grids.xs))], grids.ys[_thumb_index(len(grids.ys))]
    inputs = input_grids(net.features, xs, ys_plane)
    nodes, tiles = [], []
    last = len(sizes) - 1
    place = node_pixel(layout)
    for l, n in enumerate(shown):
        for k in range(n):
            if l == 0:
                name, bias = f"input {input_label(net.features, k)}", math.nan
                tile = pictures.signed(inputs[k])
                kind, pick = "input", f"input:{features[k] if features else ''}"
            else:
                bias = float(np.clip(net.biases[l - 1][0, k], -LIMIT, LIMIT))
                if l == last:
                    name, kind, pick = f"output {k + 1}", "output", f"output:{k + 1}"
                    tile = _output_tile(grids, data, k)
                else:
                    name, kind, pick = f"layer {l}, unit {k + 1}", "unit", f"unit:{l}:{k + 1}"
                    tile = pictures.signed(_thumb(grids.hidden[l - 1][..., k]))
            nodes.append((l, float(ys[l][k]), name, bias if math.isfinite(bias) else math.nan, pick,
                          f"bias:{l}:{k}" if l else "", HINTS[kind]))
            tiles.append((*place(l, float(ys[l][k])), _enlarge(tile)))
    off = []
    if candidates:
        y_all = node_positions(layout)[1][0]
        unused = [(i, name) for i, name in enumerate(candidates) if name not in features]
        for (i, name), picture in zip(unused, input_grids([n for _, n in unused], xs, ys_plane)):
            off.append((float(y_all[i]), f"{FEATURES[name].label} (off)", f"input:{name}"))
            tiles.append((*place(0, float(y_all[i])), _enlarge(pictures.signed(picture)), OFF_ALPHA))
    weights = [np.nan_to_num(np.clip(W[:shown[l], :shown[l + 1]], -LIMIT, LIMIT)) for l, W in enumerate(net.weights)]
    top = max((float(np.abs(W).max()) for W in weights if W.size), default=1.0) or 1.0
    columns = {name: [] for name in ("x", "y", "x2", "y2", "weight")}
    names, picks = [], []
    for l, W in enumerate(weights):
        i, j = np.meshgrid(np.arange(shown[l]), np.arange(shown[l + 1]), indexing="ij")
        for name, values in (("x", np.full(i.size, l)), ("y", ys[l][i.ravel()]), ("x2", np.full(i.size, l + 1)),
                             ("y2", ys[l + 1][j.ravel()]), ("weight", W.ravel())):
            columns[name].append(values)
        names += [parameter_name(l + 1, a, b) for a, b in zip(i.ravel(), j.ravel())]
        picks += [f"weight:{l + 1}:{a}:{b}" for a, b in zip(i.ravel(), j.ravel())]
    edges = {name: np.concatenate(parts) if parts else np.zeros(0) for name, parts in columns.items()}
    edges["signed"] = edges["weight"] / top
    edges["width"] = 0.4 + 6.0 * np.abs(edges["signed"])
    edges["name"] = np.array(names, dtype=object)
    edges["pick"] = np.array(picks, dtype=object)
    more = [(l, float(ys[l][-1]) - 0.75, f"+{size - n} more") for l, (size, n) in enumerate(zip(sizes, shown))
            if size > n]
    return NetworkParts(nodes, tiles, edges, more, off, layout)


def network_picture(parts: NetworkParts, sizes) -> tuple[np.ndarray, list[tuple[int, int, str]]]:
    """(the network's plot as one RGB picture: edges, units' pictures, frames; its "+N more" notes in pixels)."""
    place = node_pixel(sizes)  # works on whole columns at once
    e = parts.edges
    (xa, ya), (xb, yb) = place(e["x"], e["y"]), place(e["x2"], e["y2"])
    wires = list(zip(xa.tolist(), ya.tolist(), xb.tolist(), yb.tolist(), e["width"].tolist(), e["signed"].tolist()))
    frames_ = [(cx, cy, NODE_SIZE + 3, INK_RGB if not math.isfinite(node[3]) else drawing.signed_colour(node[3]))
               for (cx, cy, _), node in zip(parts.tiles, parts.nodes)]
    notes = [(*map(round, place(l, y)), text) for l, y, text in parts.more]
    return drawing.network_layer(sprite_size(sizes), wires, frames_, parts.tiles), notes


def _thumb_index(r: int) -> np.ndarray:
    return np.arange(r) if r <= NODE_PIXELS else np.linspace(0, r - 1, NODE_PIXELS).round().astype(np.intp)


def _thumb(image: np.ndarray) -> np.ndarray:
    idx = _thumb_index(image.shape[0])
    return image[np.ix_(idx, idx)]


def _output_tile(grids, data, k: int) -> np.ndarray:
    out = grids.output
    if data.kind == "regression":
        return pictures.regression(_thumb(out[..., k]), target_limit(data))
    if out.shape[-1] == 1:
        return pictures.probability(_thumb(out[..., 0]))
    return pictures.signed(_thumb(2 * out[..., k] - 1))  # P(class k), blue where likely


def sprite_size(sizes) -> tuple[int, int]:
    """(h, w) of the units' picture: the network's plot area, pixel for pixel."""
    return network_height(sizes), NETWORK_WIDTH


def _enlarge(tile: np.ndarray) -> np.ndarray:
    """A unit's NODE_PIXELS picture at the node's NODE_SIZE on screen (nearest pixel)."""
    idx = np.arange(NODE_SIZE) * tile.shape[0] // NODE_SIZE
    return tile[idx][:, idx]


def node_pixel(sizes):
    """(layer, y) of a unit → (x, y) pixel of its centre in the units' picture."""
    (left, right), (low, high) = network_domain(sizes)
    h, w = sprite_size(sizes)
    return lambda layer, y: ((layer - left) / (right - left) * w, (high - y) / (high - low) * h)


def curve_picture(history: Curves, train: str, test: str, size: tuple[int, int],
                  log_scale: bool = False, smooth: bool = True) -> tuple[np.ndarray, tuple]:
    """(RGBA picture of the train and test curves, its axes (x1, y0, y1, log)): what a live picture shows.

    The x axis runs to the epoch budget, then to the next round number past
    the epoch; the y axis to a round number past the largest value. Both change
    only now and then, so the axes behind the curves are drawn once for many frames.
    """
    epochs = np.asarray(history.epochs, dtype=np.float64)
    series = [(split, epochs, np.asarray(history.columns[name], dtype=np.float64))
              for split, name in (("train", train), ("test", test))]
    series = [(s_, e, v) for s_, e, v in series if len(v) and np.isfinite(v).any()]
    epoch = history.epoch
    x1 = history.budget if epoch <= history.budget else drawing.nice_ceiling(epoch + 1)
    if train == "accuracy":
        y0, y1 = 0.0, 1.0
    else:
        finite = np.concatenate([v[np.isfinite(v)] for _, _, v in series]) if series else np.array([1.0])
        if log_scale:
            finite = np.maximum(finite, LOG_FLOOR)
            y0 = 10.0 ** math.floor(math.log10(finite.min()))
            y1 = 10.0 ** math.ceil(math.log10(finite.max()))
            y1 = y1 if y1 > y0 else y0 * 10
        else:
            y0, y1 = 0.0, drawing.nice_ceiling(float(finite.max()))
    picture = drawing.curves(size, series, (0.0, float(x1)), (y0, y1), log_y=log_scale, smooth=smooth)
    return picture, (float(x1), y0, y1, bool(log_scale and train != "accuracy"))


CURVES = {"loss": ("loss", "test_loss"), "accuracy": ("accuracy", "test_accuracy")}


def unit_image(net, domain, unit: tuple[int, int], resolution: int) -> np.ndarray:
    """(r, r, 3) hidden unit ``unit`` (layer, unit; 1-based) of ``net`` over ``domain``, as its node draws it."""
    layer, k = unit
    grids = network_grids(net, domain, resolution, max_units=k)
    return pictures.signed(grids.hidden[layer - 1][..., k - 1])


@dataclass(frozen=True)
class ViewModel:
    """What the live view shows of one state of a run, computed once: the playing picture (:func:`render`)
    and the inspected chart's datasets (``dashboard.playground.frames``) both draw from it."""

    sizes: tuple[int, ...]  # the network's layer sizes
    data: object  # the run's Dataset: its points and the plane's domain
    plane: np.ndarray  # (r, r, 3) the boundary panel's background: the boundary, or the unit looked inside
    network: NetworkParts  # nodes, edges, tiles: each part with the name (and pick) a click on it reports
    curves: Curves  # the loss and accuracy curves, the epoch and its budget
    marked: tuple[int, ...]  # epochs marked on the curves: settings changed, and the replayed epoch


def view_model(net, data, curves: Curves, view, at: int | None = None, final: bool = False,
               candidates: tuple[str, ...] | None = None) -> ViewModel:
    """The view of ``net`` at the resolution a frame's budget allows while playing, or full when ``final``.
    ``candidates``: every feature the inspected graph draws as an input, on or off (:func:`network_parts`)."""
    r = resolution(net, final)
    grids = network_grids(net, data.domain, r, hidden_resolution=min(r, NODE_PIXELS), max_units=NODE_UNITS)
    marked = tuple(e for e, _ in curves.marks) + ((int(at),) if at is not None else ())
    return ViewModel(tuple(net.layer_sizes), data, plane_image(net, grids, data, view),
                     network_parts(net, grids, data, candidates), curves, marked)


def render(model: ViewModel, view, final: bool = False) -> tuple[str, int]:
    """(the whole view as one picture's data URL, its width): JPEG while playing, PNG when ``final``."""
    sizes, data = model.sizes, model.data
    the = live_picture.layout(sizes, data.kind)
    pictures_, axes = [], []
    for title, box in the.curves:
        picture, axis = curve_picture(model.curves, *CURVES[title], (box.h, box.w), view.log_scale, smooth=final)
        pictures_.append(picture)
        axes.append(axis)
    names = ("input", *(f"hidden {l}" for l in range(1, len(sizes) - 1)), "output")
    backdrop = live_picture.backdrop(the, names, tuple(axes), tuple(map(float, data.domain)),
                                     live_picture.legend_of(data.kind, data.n_classes))
    network, notes = network_picture(model.network, sizes)
    marks = [[e / axis[0] for e in model.marked if e <= axis[0]] for axis in axes]
    image = live_picture.compose(the, backdrop, model.plane, dots_image(data, view.show_test), network, notes,
                                 pictures_, marks)
    return live_picture.data_url(image, exact=final), the.width


def view_picture(net, data, curves: Curves, view, at: int | None = None, final: bool = False) -> tuple[str, int]:
    """(the whole live view as one picture's data URL, its width): at the resolution a frame's budget
    allows while playing (JPEG), at full resolution when ``final`` (PNG).

    ``view`` needs only ``log_scale``, ``discretize``, ``show_test`` and ``unit`` (a :class:`ViewSettings`
    or the page's View).
    """
    return render(view_model(net, data, curves, view, at, final), view, final)


@dataclass(frozen=True)
class ViewSettings:
    """The display settings a live picture depends on (the page's View holds more)."""

    log_scale: bool = False
    discretize: bool = False
    show_test: bool = True
    unit: tuple[int, int] | None = None

    @classmethod
    def of(cls, view) -> ViewSettings:
        return cls(bool(view.log_scale), bool(view.discretize), bool(view.show_test),
                   None if view.unit is None else tuple(view.unit))
