"""The inspected live view's Vega-Lite chart: its spec, built once per structure, fed named datasets.

A paused run shows the whole view as one picture (``dashboard.playground.picture``); with Inspect on, it
shows this chart instead, with exact values on hover and clicks on the network graph. Each builder returns
an Altair chart whose data are *named* (``alt.NamedData``) rather than inline, and depends only on what
stays fixed for a structure (the data's domain and kind, the network's layer sizes, display options). The
data arrive separately (``dashboard.playground.frames``), so the spec a browser receives stays the same and
it only swaps the data. Pictures are PNG ``image`` marks: one mark per picture, not one per pixel.

Pictures have two datasets each, ``<name>_a`` and ``<name>_b``, and a one-row dataset ``<name>_front`` says
which one to show (``ImageBuffers``): a changed picture goes into the other buffer, and the buffer it does
not write keeps its bytes, so the browser keeps the picture it has loaded.
"""

from __future__ import annotations

import altair as alt

from ..palette import (
    BIAS_ZERO,
    CLASS_COLOURS,
    EDGE_ZERO,
    GUIDE,
    INK,
    LEGEND_SYMBOL,
    MARK,
    MUTED,
    NEGATIVE,
    NEUTRAL,
    NODE_OUTLINE,
    POSITIVE,
    SPLIT_COLOURS,
)
from .live_sizes import (
    CURVE_HEIGHT,
    CURVE_WIDTH,
    NETWORK_WIDTH,
    NODE_SIZE,
    PLANE_SIZE,
    TRAIN_STROKE,
    network_domain,
    network_height,
)

FIXED_SIZE = alt.AutoSizeParams(type="pad")
SPLIT_SHAPES = {"train": "circle", "test": "diamond"}
LEGEND = {"orient": "bottom", "direction": "horizontal", "symbolSize": 70, "title": None}
CANVAS = {"embedOptions": {"renderer": "canvas"}}  # one canvas redraw beats updating hundreds of SVG nodes
BUFFERS = ("a", "b")


def named(name: str) -> alt.NamedData:
    return alt.NamedData(name=name)


def buffered(name: str, layer) -> list:
    """Two copies of an image layer, over ``<name>_a`` and ``<name>_b``; only the front one is opaque.

    ``layer(chart)`` adds the mark and encodings to a chart of one buffer's data.
    """
    front = alt.LookupData(data=named(f"{name}_front"), key="buffer_key", fields=["front"])
    return [layer(alt.Chart(named(f"{name}_{b}")).transform_lookup(lookup="buffer_key", from_=front),
                  alt.condition(f"datum.front == '{b}'", alt.value(1), alt.value(0))) for b in BUFFERS]


# ------------------------------------------------------------------ the plane
def boundary_spec_chart(domain, kind: str, n_classes: int, target_limit: float, show_test: bool,
                        has_test: bool, plane: tuple[int, float] | None = None) -> alt.LayerChart:
    """Datasets: buffered ``picture`` (one row: the corners and a PNG data URL), and ``points`` (x1, x2,
    target, split), as marks with tooltips.

    ``plane``: (cells per side, limit) of the drawing plane (playground.draw), to draw on: a layer of
    transparent cells over the points whose ``PLANE`` point selection is the clicked cell (i, j)."""
    x0, x1, y0, y1 = map(float, domain)
    x_scale = alt.Scale(domain=[x0, x1], nice=False, zero=False)
    y_scale = alt.Scale(domain=[y0, y1], nice=False, zero=False)
    x, y = alt.X("x0:Q", title="x1", scale=x_scale), alt.Y("y0:Q", title="x2", scale=y_scale)
    pictures = buffered("picture", lambda chart, opacity: chart.mark_image(aspect=False, clip=True).encode(
        x=x, x2="x1:Q", y=y, y2="y1:Q", url="url:N", opacity=opacity))
    splits = ["train", "test"] if show_test and has_test else ["train"]
    shape = alt.Shape("split:N", scale=alt.Scale(domain=splits, range=[SPLIT_SHAPES[s] for s in splits]),
                      legend=alt.Legend(symbolFillColor=LEGEND_SYMBOL, symbolStrokeColor=INK, **LEGEND))
    if kind == "regression":
        fill = alt.Fill("target:Q", legend=None, scale=alt.Scale(
            domain=[-target_limit, 0, target_limit], range=[NEGATIVE, NEUTRAL, POSITIVE], clamp=True))
        target = alt.Tooltip("target:Q", format=".3f")
    else:
        names = [f"class {k}" for k in range(max(2, n_classes))]
        fill = alt.Fill("target:N", legend=alt.Legend(**LEGEND),
                        scale=alt.Scale(domain=names, range=list(CLASS_COLOURS[:len(names)])))
        target = alt.Tooltip("target:N")
    dots = alt.Chart(named("points")).encode(
        x=alt.X("x1:Q", scale=x_scale), y=alt.Y("x2:Q", scale=y_scale), fill=fill, shape=shape,
        tooltip=[alt.Tooltip("x1:Q", format=".3f"), alt.Tooltip("x2:Q", format=".3f"), target,
                 alt.Tooltip("split:N")])
    layers = [*pictures, dots.transform_filter(alt.datum.split == "train").mark_point(
        size=40, strokeWidth=1, stroke=TRAIN_STROKE[kind], fillOpacity=1)]
    if "test" in splits:
        layers.append(dots.transform_filter(alt.datum.split == "test").mark_point(
            size=50, strokeWidth=1.4, stroke=INK, fillOpacity=1))
    if plane is not None:
        layers.append(plane_cells(*plane, x_scale, y_scale))
    return alt.layer(*layers).properties(
        width=PLANE_SIZE, height=PLANE_SIZE,
        description="decision boundary: the network's output over the input plane, with the data points")


PLANE = "plane_cells"  # the inspected boundary panel's clicks while drawing on it: the clicked cell


def plane_cells(cells: int, limit: float, x_scale, y_scale) -> alt.Chart:
    """cells × cells transparent squares over [-limit, limit]², generated in the browser (no data sent),
    each carrying its (i, j); those outside the panel's domain are clipped away."""
    step = 2 * limit / cells
    selection = alt.selection_point(name=PLANE, fields=["i", "j"], on="click", clear=False, toggle=False)
    return alt.Chart(alt.sequence(0, cells * cells, as_="n"), name=PLANE).transform_calculate(
        i=f"floor(datum.n / {cells})", j=f"datum.n % {cells}").transform_calculate(
        x0=f"{-limit} + datum.i * {step}", x1=f"{-limit} + (datum.i + 1) * {step}",
        y0=f"{-limit} + datum.j * {step}", y1=f"{-limit} + (datum.j + 1) * {step}",
        cx=f"{-limit} + (datum.i + 0.5) * {step}", cy=f"{-limit} + (datum.j + 0.5) * {step}").mark_rect(
        opacity=CLICKABLE, clip=True, cursor="crosshair").encode(
        x=alt.X("x0:Q", scale=x_scale), x2="x1:Q", y=alt.Y("y0:Q", scale=y_scale), y2="y1:Q",
        tooltip=[alt.Tooltip("cx:Q", title="x1", format=".2f"), alt.Tooltip("cy:Q", title="x2", format=".2f")]
    ).add_params(selection)


# ------------------------------------------------------------------ the network
# The network graph's clicks: one point selection over the ``pick`` of the clicked mark in each layer a click can
# land on (a selection belongs to one view of a layer chart: Vega names its signals by the selection). Each of
# those views is named after its selection, so Altair gives each selection its own view and no other.
GRAPH = ("graph_weights", "graph_units", "graph_inputs", "graph_biases")
CLICKS = (*GRAPH, "plane_cells")  # every selection of the inspected live chart (PLANE: drawing on its plane)
CLICKABLE = 0.001  # a mark's opacity that draws nothing but still takes the pointer (0 takes nothing)
BIAS_HANDLE = 9  # pixels: the small square at a unit's lower-left corner that holds its bias (TF Playground's)


def network_spec_chart(sizes, width: int = NETWORK_WIDTH) -> alt.LayerChart:
    """Datasets: ``edges`` (x, y, x2, y2, weight, signed, width, name, pick), ``nodes`` (x, y, name, bias, pick,
    bias_pick, hint), ``inputs`` (x, y, name, pick: the candidate features that are off), ``more`` (x, y, text),
    the buffered ``units`` (one row: the plot's corners and one RGBA picture of every unit in its node), and
    ``edge_hover`` and ``node_hover``: the same rows as edges and nodes.

    Edge width and colour are the weight (blue +, orange −, scaled to the
    largest drawn weight); each unit shows its own picture, framed in its bias's colour.
    A click on a unit, an input (on or off), a weight or a bias is one of the ``GRAPH`` selections: its ``pick``.
    ``sizes`` is the graph's layout: its first entry counts every input drawn, on or off.
    """
    L = len(sizes) - 1
    names = ["input"] + [f"hidden {l}" for l in range(1, L)] + ["output"]
    height = network_height(sizes)
    (left, right), (low, high) = network_domain(sizes)
    axis = alt.Axis(values=list(range(L + 1)), labelExpr=f"{names!r}[datum.value]", grid=False, ticks=False,
                    domain=False, orient="top", labelFontSize=11)
    x = alt.X("x:Q", title=None, scale=alt.Scale(domain=[left, right], nice=False), axis=axis)
    y = alt.Y("y:Q", axis=None, scale=alt.Scale(domain=[low, high], nice=False))
    sign = alt.Scale(domain=[-1, 0, 1], range=[NEGATIVE, EDGE_ZERO, POSITIVE], clamp=True)
    weights, units, off, biases = (alt.selection_point(name=name, fields=["pick"], on="click", clear=False,
                                                       toggle=False) for name in GRAPH)
    click = alt.Tooltip("hint:N", title="click")
    wires = alt.Chart(named("edges")).mark_rule(opacity=0.8).encode(
        x=x, y=y, x2="x2:Q", y2="y2:Q", color=alt.Color("signed:Q", scale=sign, legend=None),
        strokeWidth=alt.StrokeWidth("width:Q", scale=None, legend=None))
    # Hover and click targets with the exact values: their own datasets, drawn over the pictures.
    wire_hover = alt.Chart(named("edge_hover"), name=GRAPH[0]).mark_rule(
        opacity=CLICKABLE, strokeWidth=6, cursor="pointer").transform_calculate(hint="'edit this weight'").encode(
        x=x, y=y, x2="x2:Q", y2="y2:Q",
        tooltip=[alt.Tooltip("name:N", title="weight"), alt.Tooltip("weight:Q", title="value", format=".4f"), click]
    ).add_params(weights)
    # every unit's picture in one transparent image over the whole plot: one image to load per frame
    pictures = buffered("units", lambda chart, opacity: chart.mark_image(aspect=False).encode(
        x=alt.X("x0:Q", title=None, scale=alt.Scale(domain=[left, right], nice=False), axis=axis),
        x2="x1:Q", y=alt.Y("y0:Q", scale=alt.Scale(domain=[low, high], nice=False), axis=None), y2="y1:Q",
        url="url:N", opacity=opacity))
    bias = alt.Scale(domain=[-1, 0, 1], range=[NEGATIVE, BIAS_ZERO, POSITIVE], clamp=True)
    frames = alt.Chart(named("nodes")).mark_square(size=(NODE_SIZE + 3) ** 2, filled=False, strokeWidth=2.5).encode(
        x=x, y=y, stroke=alt.condition("isValid(datum.bias)", alt.Stroke("bias:Q", scale=bias, legend=None),
                                       alt.value(INK)))
    node_hover = alt.Chart(named("node_hover"), name=GRAPH[1]).mark_square(
        size=(NODE_SIZE + 3) ** 2, opacity=CLICKABLE, cursor="pointer").encode(
        x=x, y=y, tooltip=[alt.Tooltip("name:N", title="unit"), alt.Tooltip("bias:Q", format=".4f"), click]
    ).add_params(units)
    # the candidate features that are off: a dashed frame over their faded picture, to click on
    inputs = alt.Chart(named("inputs"), name=GRAPH[2]).mark_square(
        size=(NODE_SIZE + 3) ** 2, fill=NEUTRAL, fillOpacity=CLICKABLE, stroke=NODE_OUTLINE, strokeWidth=1.5,
        strokeDash=[3, 2], cursor="pointer").transform_calculate(hint="'use this feature'").encode(
        x=x, y=y, tooltip=[alt.Tooltip("name:N", title="input (off)"), click]).add_params(off)
    biases = alt.Chart(named("node_hover"), name=GRAPH[3]).transform_filter(
        "isValid(datum.bias)").transform_calculate(pick="datum.bias_pick", hint="'edit this bias'").mark_square(
        size=BIAS_HANDLE ** 2, xOffset=-(NODE_SIZE // 2), yOffset=NODE_SIZE // 2, stroke=INK, strokeWidth=1,
        cursor="pointer").encode(
        x=x, y=y, fill=alt.Fill("bias:Q", scale=bias, legend=None),
        tooltip=[alt.Tooltip("name:N", title="bias of"), alt.Tooltip("bias:Q", format=".4f"), click]
    ).add_params(biases)
    more = alt.Chart(named("more")).mark_text(fontSize=11, color=MUTED).encode(x=x, y=y, text="text:N")
    return alt.layer(wires, *pictures, frames, inputs, more, wire_hover, node_hover, biases).properties(
        width=width, height=height,
        description="network: weights as edges, each unit's output over the plane inside its node")


def own_views(spec: dict) -> dict:
    """The spec with each ``CLICKS`` selection bound to its own view only: Altair binds every selection of a
    layer chart to all of its views, and Vega then finds the same signal defined twice."""
    names = []

    def collect(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("name"), str):
                names.append(node["name"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect({k: v for k, v in spec.items() if k not in ("params", "datasets")})
    for param in spec.get("params", []):
        if param.get("name") in CLICKS:
            param["views"] = [n for n in names if n.rsplit("_", 1)[0] == param["name"]]
    return spec


# ------------------------------------------------------------------ curves
def curve_spec_chart(title: str, log_scale: bool = False, percent: bool = False, width: int | None = None,
                     prefix: str = "") -> alt.LayerChart:
    """Datasets: ``<prefix>curve`` (epoch, split, value), ``<prefix>hover`` (epoch, train, test) and
    ``<prefix>marks`` (epoch, text, kind).

    The one curve builder: train and test lines, a hover rule with the exact
    values, and a labelled rule where a setting changed or a snapshot is replayed.
    """
    fmt = ".2%" if percent else ".6g"
    if percent:
        y_scale = alt.Scale(domain=[0, 1])
    elif log_scale:
        y_scale = alt.Scale(type="log")
    else:
        y_scale = alt.Scale(zero=True)
    colour = alt.Color("split:N", title=None, legend=alt.Legend(orient="top", direction="horizontal", offset=2),
                       scale=alt.Scale(domain=["train", "test"], range=[SPLIT_COLOURS["train"], SPLIT_COLOURS["test"]]))
    x = alt.X("epoch:Q", title="epoch", axis=alt.Axis(format="~s", tickCount=5))
    lines = alt.Chart(named(f"{prefix}curve")).mark_line(strokeWidth=2).encode(
        x=x, y=alt.Y("value:Q", title=title, scale=y_scale, axis=alt.Axis(format="%" if percent else "~g",
                                                                         tickCount=4)),
        color=colour, strokeDash=alt.StrokeDash("split:N", legend=None, scale=alt.Scale(
            domain=["train", "test"], range=[[1, 0], [5, 3]])))
    hover = alt.selection_point(name=f"{prefix}hover", nearest=True, on="pointerover", fields=["epoch"], empty=False)
    rule = alt.Chart(named(f"{prefix}hover")).mark_rule(
        color=GUIDE, strokeWidth=8).encode(
        x=x, opacity=alt.condition(hover, alt.value(0.25), alt.value(0)),
        tooltip=[alt.Tooltip("epoch:Q"), alt.Tooltip("train:Q", title=f"train {title}", format=fmt),
                 alt.Tooltip("test:Q", title=f"test {title}", format=fmt)]).add_params(hover)
    marks = alt.Chart(named(f"{prefix}marks")).mark_rule(color=MARK, strokeWidth=1.5, strokeDash=[3, 2]).encode(
        x=x, tooltip=[alt.Tooltip("epoch:Q"), alt.Tooltip("text:N", title="what")])
    chart = alt.layer(lines, rule, marks).properties(height=CURVE_HEIGHT, description=f"{title} per epoch")
    return chart if width is None else chart.properties(width=width)


def live_chart(domain, kind: str, n_classes: int, target_limit: float, show_test: bool, has_test: bool,
               sizes, log_scale: bool, plane: tuple[int, float] | None = None) -> alt.HConcatChart:
    """The Playground's live view as one chart: the network with the curves under it, and the boundary.

    One chart, not four: each frame is then one message to the browser and one
    redraw of one canvas, which is what keeps 20 frames a second affordable.
    Datasets: those of the network and boundary charts, ``loss_curve``,
    ``loss_marks`` and, for classification, ``accuracy_curve`` and ``accuracy_marks``.
    """
    width = NETWORK_WIDTH
    curves = [curve_spec_chart("loss", log_scale, width=CURVE_WIDTH if kind != "regression" else width,
                               prefix="loss_")]
    if kind != "regression":
        curves.append(curve_spec_chart("accuracy", percent=True, width=CURVE_WIDTH, prefix="accuracy_"))
    left = alt.vconcat(network_spec_chart(sizes, width), alt.hconcat(*curves, spacing=28), spacing=10)
    boundary = boundary_spec_chart(domain, kind, n_classes, target_limit, show_test, has_test, plane)
    return alt.hconcat(left, boundary, spacing=36).configure_view(stroke=None).properties(
        autosize=FIXED_SIZE, usermeta=CANVAS,
        description="live view: the network, the loss and accuracy curves, and the decision boundary")


class ImageBuffers:
    """The two buffers of each picture dataset of one chart, and which one the browser shows.

    ``datasets(tables)`` turns a frame's tables into what the spec reads: a changed picture goes into
    the buffer the browser does not show, which becomes the front one. The other buffer keeps the very
    same table, so Streamlit sends the same bytes and the browser keeps it.
    """

    def __init__(self, names: tuple[str, ...]):
        self.names = names
        self.tables: dict[str, dict[str, object]] = {name: {} for name in names}
        self.front = dict.fromkeys(names, "a")

    def datasets(self, tables: dict) -> dict:
        out = {k: v for k, v in tables.items() if k not in self.names}
        for name in self.names:
            held, table = self.tables[name], tables[name]
            front = self.front[name]
            if front not in held or not held[front].equals(table):
                back = "b" if front == "a" else "a"
                held[back] = table
                self.front[name] = back
            for b in BUFFERS:
                out[f"{name}_{b}"] = held.get(b, table)
            out[f"{name}_front"] = _front_table(self.front[name])
        return out


def _front_table(buffer: str):
    import pyarrow as pa

    return pa.table({"buffer_key": ["0"], "front": [buffer]})
