"""Pure Altair builders of the input plane and the network's insides: data in, chart out, no ``st.`` calls.

The decision boundary (as cells, or as one PNG), the hidden units' pictures and the confusion matrix, shown
by the Playground (its confusion matrix, its exported charts) and the Experiments page. Every builder takes nn_core
objects (a grid, a network) or plain arrays and returns an ``alt.Chart``; curves over epochs are
:mod:`dashboard.curves`'. Each chart holds pandas DataFrames, so tests can compare ``chart.data`` with
nn_core's numbers without a server.
"""

from __future__ import annotations

import math
import types

import altair as alt
import numpy as np
import pandas as pd

from nn_core.grids import LIMIT

from .palette import CLASS_COLOURS, INK, LEGEND_SYMBOL, NEGATIVE, NEUTRAL, POSITIVE, TRAIN_OUTLINE, tint

# Boundary grids hold 10,000 cells; Streamlit ships data as Arrow, so Altair's
# 5,000-row guard (meant for inline JSON) only gets in the way of to_dict().
alt.data_transformers.disable_max_rows()

# ------------------------------------------------------------------ the input plane
PLANE_SIZE = 320
LEGEND = {"orient": "right", "symbolSize": 90}
FIXED_SIZE = alt.AutoSizeParams(type="pad")  # drawn at its own size; Streamlit's default "fit" squashes it
CANVAS = {"embedOptions": {"renderer": "canvas"}}  # thousands of cells: one canvas beats thousands of SVG nodes
FACET_COLUMNS = 3  # small multiples per row (runs, layers): three fit the wide layout
SPLIT_SHAPES = {"train": "circle", "test": "diamond"}


def class_names(n_classes: int) -> list[str]:
    return [f"class {k}" for k in range(max(2, n_classes))]


def _cells_frame(values: np.ndarray) -> pd.DataFrame:
    """(r, r) image → one row per cell: i (row, y), j (column, x), value (float32, for a lean Arrow payload).

    Values are clipped to ±LIMIT first: a diverged regression can predict 1e200, which float32 cannot hold.
    """
    r = values.shape[0]
    return pd.DataFrame({"i": np.repeat(np.arange(r, dtype=np.uint8 if r < 256 else np.int32), r),
                         "j": np.tile(np.arange(r, dtype=np.uint8 if r < 256 else np.int32), r),
                         "value": np.clip(values, -LIMIT, LIMIT).astype(np.float32).ravel()})


SEAM = 1.35  # cells drawn 35 % wider than their pitch: no anti-aliasing hairlines between opaque neighbours


def _cell_extent(xs: np.ndarray, ys: np.ndarray) -> dict[str, str]:
    """Vega expressions for each cell's corners from its indices, so the payload carries no coordinates."""
    dx, dy = float(xs[1] - xs[0]), float(ys[1] - ys[0])
    x0, y0 = float(xs[0]) - dx / 2, float(ys[0]) - dy / 2
    return {"x0": f"{x0!r} + datum.j * {dx!r}", "x1": f"{x0!r} + (datum.j + {SEAM}) * {dx!r}",
            "y0": f"{y0!r} + datum.i * {dy!r}", "y1": f"{y0!r} + (datum.i + {SEAM}) * {dy!r}"}


def boundary_values(grids, kind: str) -> np.ndarray:
    """(r, r) what the background shows: P(class 1) (binary), confidence (multiclass), prediction (regression)."""
    out = grids.output
    if kind == "binary":
        return out[..., 0] if out.shape[-1] == 1 else out[..., 1]
    return grids.score


def points_frame(data, show_test: bool = True) -> pd.DataFrame:
    """Every train (and test) point: x1, x2, target (class name or value), split."""
    parts = []
    splits = (("train", data.X_train, data.y_train), ("test", data.X_test, data.y_test))
    for split, X, y in splits if show_test else splits[:1]:
        target = y.reshape(-1)
        frame = pd.DataFrame({"x1": X[:, 0], "x2": X[:, 1], "split": split})
        if data.kind == "regression":
            frame["target"] = target.astype(np.float64)
        else:
            frame["target"] = [f"class {int(k)}" for k in target]
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def boundary_chart(grids, data, discretize: bool = False, show_test: bool = True) -> alt.LayerChart:
    """The network's output over the input plane, with the data on top.

    Background: P(class 1) for binary problems (orange 0 … white 0.5 … blue 1),
    the predicted class shaded by confidence for several classes, the prediction
    for regression. ``discretize`` shows hard decisions instead. Train points are
    filled circles, test points hollow diamonds.
    """
    kind = data.kind
    values = boundary_values(grids, kind)
    cells = _cells_frame(values)
    if kind == "multiclass":
        cells["label"] = grids.predicted.ravel().astype(np.uint8)
    xs, ys = grids.xs, grids.ys
    x_scale = alt.Scale(domain=[float(xs[0] - (xs[1] - xs[0]) / 2), float(xs[-1] + (xs[1] - xs[0]) / 2)], nice=False)
    y_scale = alt.Scale(domain=[float(ys[0] - (ys[1] - ys[0]) / 2), float(ys[-1] + (ys[1] - ys[0]) / 2)], nice=False)
    encoding, calc = BACKGROUND[kind](data, discretize)
    background = alt.Chart(cells).transform_calculate(**_cell_extent(xs, ys), **calc).mark_rect(clip=True).encode(
        x=alt.X("x0:Q", title="x1", scale=x_scale), x2="x1:Q",
        y=alt.Y("y0:Q", title="x2", scale=y_scale), y2="y1:Q", **encoding)
    points = points_frame(data, show_test)
    splits = ["train", "test"] if show_test and data.n_test else ["train"]
    shape = alt.Shape("split:N", title="points",
                      scale=alt.Scale(domain=splits, range=[SPLIT_SHAPES[s] for s in splits]),
                      legend=alt.Legend(symbolFillColor=LEGEND_SYMBOL, symbolStrokeColor=INK, **LEGEND))
    dots = alt.Chart(points).encode(
        x=alt.X("x1:Q", scale=x_scale), y=alt.Y("x2:Q", scale=y_scale), fill=_point_fill(data), shape=shape,
        tooltip=[alt.Tooltip("x1:Q", format=".3f"), alt.Tooltip("x2:Q", format=".3f"),
                 alt.Tooltip("target:Q" if kind == "regression" else "target:N"), alt.Tooltip("split:N")])
    layers = [background, dots.transform_filter(alt.datum.split == "train").mark_point(
        size=50, strokeWidth=1.2, stroke=TRAIN_OUTLINE[kind], fillOpacity=1)]
    if "test" in splits:  # drawn last, with a dark outline, so held-out points stand out
        layers.append(dots.transform_filter(alt.datum.split == "test").mark_point(
            size=60, strokeWidth=1.6, stroke=INK, fillOpacity=1))
    return alt.layer(*layers).resolve_scale(color="independent").properties(
        width=PLANE_SIZE, height=PLANE_SIZE, autosize=FIXED_SIZE, usermeta=CANVAS,
        description="decision boundary: the network's output over the input plane, with the data points")


def _binary_background(data, discretize):
    low, high = tint(NEGATIVE), tint(POSITIVE)
    scale = (alt.Scale(type="threshold", domain=[0.5], range=[low, high]) if discretize
             else alt.Scale(domain=[0, 0.5, 1], range=[low, NEUTRAL, high]))
    legend = alt.Legend(title="P(class 1)", format=".1f", type="symbol" if discretize else "gradient",
                        gradientLength=120, **LEGEND)
    return {"color": alt.Color("value:Q", scale=scale, legend=legend),
            "tooltip": [alt.Tooltip("value:Q", title="P(class 1)", format=".3f")]}, {}


def _multiclass_background(data, discretize):
    """Each cell in its predicted class's colour, from pale (a toss-up) to strong (certain).

    One piecewise colour scale over shade = class + confidence keeps every cell
    opaque (no opacity channel, whose overlaps would show as a grid).
    """
    k = max(2, data.n_classes)
    domain, colours = [], []
    for c, colour in enumerate(CLASS_COLOURS[:k]):
        domain += [c, c + 0.999]
        colours += [tint(colour, 0.92), tint(colour, 0.4)]
    certainty = "0.5" if discretize else f"clamp((datum.value - {1 / k!r}) / {1 - 1 / k!r}, 0, 1)"
    calc = {"shade": f"datum.label + 0.999 * {certainty}", "predicted": "'class ' + datum.label"}
    colour = alt.Color("shade:Q", legend=None, scale=alt.Scale(domain=domain, range=colours, clamp=True))
    return {"color": colour, "tooltip": [alt.Tooltip("predicted:N"), alt.Tooltip("value:Q", title="P", format=".3f")]
            }, calc


def _regression_scale(data, discretize: bool, background: bool = False) -> alt.Scale:
    m = float(np.max(np.abs(data.y))) if len(data.y) else 1.0
    m = m if math.isfinite(m) and m > 0 else 1.0
    if discretize:
        steps = [tint(NEGATIVE, a) for a in (0.2, 0.5, 0.8)] + [tint(POSITIVE, a) for a in (0.8, 0.5, 0.2)]
        return alt.Scale(type="quantize", domain=[-m, m], nice=False, range=steps)
    amount = 0.4 if background else 0.0
    return alt.Scale(domain=[-m, 0, m], range=[tint(NEGATIVE, amount), NEUTRAL, tint(POSITIVE, amount)], clamp=True)


def _regression_background(data, discretize):
    return {"color": alt.Color("value:Q", scale=_regression_scale(data, discretize, background=True),
                               legend=alt.Legend(title="prediction", type="symbol" if discretize else "gradient",
                                                 gradientLength=120, **LEGEND)),
            "tooltip": [alt.Tooltip("value:Q", title="prediction", format=".3f")]}, {}


BACKGROUND = {"binary": _binary_background, "multiclass": _multiclass_background, "regression": _regression_background}


def _point_fill(data):
    if data.kind == "regression":
        return alt.Fill("target:Q", scale=_regression_scale(data, False), legend=None)
    names = class_names(data.n_classes)
    return alt.Fill("target:N", title="class", legend=alt.Legend(**LEGEND),
                    scale=alt.Scale(domain=names, range=list(CLASS_COLOURS[:len(names)])))



# ------------------------------------------------------------------ inside the network
MAX_UNITS = 16  # units drawn per layer; wider layers show their first MAX_UNITS
MAX_CELLS = 20_000  # total thumbnail cells, so deep or wide networks stay light


def thumb_size(n_units: int, largest: int = 30) -> int:
    """Thumbnail resolution so that n_units pictures hold at most MAX_CELLS cells."""
    return int(min(largest, max(10, math.isqrt(MAX_CELLS // max(1, n_units)))))


def neurons_frame(layers: list) -> pd.DataFrame:
    """Thumbnails [(s, s, width) per hidden layer] → rows layer, unit, i, j, value (first MAX_UNITS units)."""
    parts = []
    for l, pictures in enumerate(layers, start=1):
        for unit in range(min(pictures.shape[-1], MAX_UNITS)):
            frame = _cells_frame(pictures[..., unit])
            frame.insert(0, "unit", np.int16(unit + 1))
            frame.insert(0, "layer", np.int8(l))
            parts.append(frame)
    if not parts:
        return pd.DataFrame({"layer": [], "unit": [], "i": [], "j": [], "value": []})
    return pd.concat(parts, ignore_index=True)


def neurons_chart(layers: list, activations, widths=None, cell: int = 62) -> alt.VConcatChart:
    """One small heatmap per hidden unit over the input plane, one row per hidden layer.

    ``layers`` : [(s, s, units) per hidden layer], e.g. NetworkGrids.hidden; ``widths``
    the layers' real widths when only their first units were computed.
    Blue = the unit outputs a positive value there, orange = negative, white ≈ 0;
    colours saturate at ±1 (like TF Playground).
    """
    frame = neurons_frame(layers)
    colour = alt.Color("value:Q", title="unit output",
                       scale=alt.Scale(domain=[-1, 0, 1], range=[NEGATIVE, NEUTRAL, POSITIVE], clamp=True),
                       legend=alt.Legend(orient="right", type="gradient", gradientLength=120))
    rows = []
    for l, pictures in enumerate(layers, start=1):
        width = widths[l - 1] if widths is not None else pictures.shape[-1]
        shown = "" if width <= MAX_UNITS else f", first {MAX_UNITS} of {width} units"
        side = alt.Scale(domain=[0, pictures.shape[0]], nice=False)
        picture = alt.Chart().transform_calculate(j1=f"datum.j + {SEAM}", i1=f"datum.i + {SEAM}").mark_rect(
            clip=True).encode(
            x=alt.X("j:Q", axis=None, scale=side), x2="j1:Q", y=alt.Y("i:Q", axis=None, scale=side), y2="i1:Q",
            color=colour,
            tooltip=[alt.Tooltip("unit:O", title=f"layer {l}, unit")],
        ).properties(width=cell, height=cell)
        rows.append(picture.facet(
            facet=alt.Facet("unit:O", title=None, header=alt.Header(labelExpr="'unit ' + datum.value",
                                                                     labelFontSize=10, labelPadding=2)),
            data=frame, columns=min(width, MAX_UNITS, 8), spacing=6,
            title=alt.TitleParams(f"hidden layer {l} ({activations[l - 1]}{shown})", fontSize=12, anchor="start"),
        ).transform_filter(alt.datum.layer == l))
    # every row holds the same frame: one dataset in the spec
    return alt.vconcat(*rows, spacing=12).properties(
        autosize=FIXED_SIZE, usermeta=CANVAS, description="hidden units: each unit's output over the input plane")


# ------------------------------------------------------------------ scores
def confusion_chart(matrix, names=None) -> alt.LayerChart:
    """A (K, K) confusion matrix: rows the true class, columns the predicted one, counts written in."""
    matrix = np.asarray(matrix)
    k = matrix.shape[0]
    names = names or class_names(k)
    frame = pd.DataFrame({"true": np.repeat(names, k), "predicted": np.tile(names, k),
                          "count": matrix.ravel().astype(np.int64)})
    base = alt.Chart(frame).encode(x=alt.X("predicted:N", sort=names, title="predicted class",
                                           axis=alt.Axis(labelAngle=0, orient="top")),
                                   y=alt.Y("true:N", sort=names, title="true class"))
    high = max(1, int(matrix.max()))
    cells = base.mark_rect().encode(
        color=alt.Color("count:Q", scale=alt.Scale(scheme="blues", domain=[0, high]), legend=None),
        tooltip=["true:N", "predicted:N", "count:Q"])
    text = base.mark_text(fontSize=14).encode(
        text="count:Q", color=alt.condition(alt.datum.count > high / 2, alt.value("white"), alt.value("black")))
    side = min(360, 70 * k + 60)
    return alt.layer(cells, text).properties(width=side, height=side, autosize=FIXED_SIZE,
                                            description="confusion matrix: true class by predicted class")


# ------------------------------------------------------------------ pictures as images
# A heatmap of r × r rect marks costs the browser a Vega expression per cell (10,000 for a 100 × 100 grid:
# about 1 s of a page open); the same picture as one PNG image mark costs a millisecond to encode.
def background_picture(grids, data, discretize: bool = False) -> np.ndarray:
    """(r, r, 3) RGB of what :func:`boundary_chart` draws as cells, top row = highest x2 (dashboard.pictures)."""
    from . import pictures

    values = boundary_values(grids, data.kind)
    if data.kind == "binary":
        return pictures.probability(values, discretize)
    if data.kind == "multiclass":
        return pictures.classes(grids.predicted, values, data.n_classes, discretize)
    m = float(np.max(np.abs(data.y))) if len(data.y) else 1.0
    return pictures.regression(np.clip(values, -LIMIT, LIMIT), m if math.isfinite(m) and m > 0 else 1.0, discretize)


def picture_frame(url: str, xs: np.ndarray, ys: np.ndarray) -> pd.DataFrame:
    """One row: the corners of the grid's cells (centres xs, ys) and the picture's data URL."""
    dx, dy = float(xs[1] - xs[0]), float(ys[1] - ys[0])
    return pd.DataFrame({"x0": [float(xs[0]) - dx / 2], "x1": [float(xs[-1]) + dx / 2],
                         "y0": [float(ys[0]) - dy / 2], "y1": [float(ys[-1]) + dy / 2], "url": [url]})


def boundary_image_chart(grids, data, discretize: bool = False, show_test: bool = True) -> alt.LayerChart:
    """:func:`boundary_chart` with its background as one PNG image mark instead of one rect per cell.

    Same points, legends and size. The background's colour legend comes from a transparent layer of two
    points at the colour scale's ends. ``chart.layer[0].data`` is the picture's one row (corners, url).
    """
    from . import pictures

    picture = picture_frame(pictures.data_url(background_picture(grids, data, discretize)), grids.xs, grids.ys)
    x_scale = alt.Scale(domain=[float(picture.x0[0]), float(picture.x1[0])], nice=False)
    y_scale = alt.Scale(domain=[float(picture.y0[0]), float(picture.y1[0])], nice=False)
    x, y = alt.X("x0:Q", title="x1", scale=x_scale), alt.Y("y0:Q", title="x2", scale=y_scale)
    layers = [alt.Chart(picture).mark_image(aspect=False, clip=True).encode(x=x, x2="x1:Q", y=y, y2="y1:Q",
                                                                           url="url:N")]
    if data.kind != "multiclass":  # its background has no legend
        encoding, _ = BACKGROUND[data.kind](data, discretize)
        ends = pd.DataFrame({"x0": [picture.x0[0]] * 2, "y0": [picture.y0[0]] * 2, "value": [0.0, 1.0]})
        layers.append(alt.Chart(ends).mark_point(opacity=0).encode(x=x, y=y, color=encoding["color"]))
    stand_in = types.SimpleNamespace(xs=grids.xs[:2], ys=grids.ys[:2], output=grids.output[:2, :2],
                                     score=grids.score[:2, :2], predicted=grids.predicted[:2, :2])
    for layer in boundary_chart(stand_in, data, discretize, show_test).layer[1:]:  # its train and test points
        layer.encoding.x.scale, layer.encoding.y.scale = x_scale, y_scale
        layers.append(layer)
    return alt.layer(*layers).resolve_scale(color="independent").properties(
        width=PLANE_SIZE, height=PLANE_SIZE, autosize=FIXED_SIZE, usermeta=CANVAS,
        description="decision boundary: the network's output over the input plane, with the data points")


def neurons_image_chart(layers: list, activations, widths=None, cell: int = 62) -> alt.VConcatChart:
    """:func:`neurons_chart` with each unit's picture as one PNG image mark (one row per unit, not per cell).

    ``layers`` : [(s, s, units) per hidden layer]; first MAX_UNITS units per layer, up to 8 per row.
    Blue = positive output, orange = negative, white ≈ 0, saturating at ±1. Each row's data: layer, unit,
    col, row (its place in the grid of pictures) and url.
    """
    from . import pictures

    rows = []
    for l, images in enumerate(layers, start=1):
        width = widths[l - 1] if widths is not None else images.shape[-1]
        shown = "" if width <= MAX_UNITS else f", first {MAX_UNITS} of {width} units"
        n = min(images.shape[-1], MAX_UNITS)
        per_row = max(1, min(width, MAX_UNITS, 8))
        frame = pd.DataFrame({"layer": l, "unit": np.arange(1, n + 1), "col": np.arange(n) % per_row,
                              "row": np.arange(n) // per_row,
                              "url": [pictures.data_url(pictures.signed(images[..., k])) for k in range(n)]})
        frame["label"] = "unit " + frame["unit"].astype(str)
        lines = int(frame["row"].max()) + 1 if n else 1
        pitch = cell + 18  # a picture and its label
        x_scale = alt.Scale(domain=[0, per_row], nice=False)
        y_scale = alt.Scale(domain=[0, lines], nice=False, reverse=True)
        base = alt.Chart(frame).transform_calculate(centre_x="datum.col + 0.5")
        pictures_ = base.transform_calculate(centre_y=f"datum.row + 0.5 + {9 / pitch!r}").mark_image(
            aspect=False, width=cell, height=cell).encode(
            x=alt.X("centre_x:Q", axis=None, scale=x_scale), y=alt.Y("centre_y:Q", axis=None, scale=y_scale),
            url="url:N", tooltip=[alt.Tooltip("unit:O", title=f"layer {l}, unit")])
        labels = base.mark_text(fontSize=10, baseline="top", dy=1).encode(
            x=alt.X("centre_x:Q", axis=None, scale=x_scale), y=alt.Y("row:Q", axis=None, scale=y_scale),
            text="label:N")
        rows.append(alt.layer(pictures_, labels).properties(
            width=per_row * (cell + 6), height=lines * pitch,
            title=alt.TitleParams(f"hidden layer {l} ({activations[l - 1]}{shown})", fontSize=12, anchor="start")))
    return alt.vconcat(*rows, spacing=12).configure_view(stroke=None).properties(
        autosize=FIXED_SIZE, usermeta=CANVAS, description="hidden units: each unit's output over the input plane")
