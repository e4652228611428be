"""Pure Altair builders for runs side by side: loss curves, gradient flow, histograms, boundaries.

Each builder takes compared runs (``nn_core.runs.Run``: label, history,
...) or nn_core records and returns one chart holding one long-form pandas
DataFrame, so a test can read the plotted numbers back from ``chart.data``.
No ``st.`` calls here: the panels that show these live in
:mod:`dashboard.experiments`. The decision-boundary small multiples reuse
:func:`dashboard.charts.boundary_image_chart`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from nn_core.analysis import compare, diagnostics

from . import charts

RUN_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf")
SMALL = 200  # width of one small-multiple panel, px (three per row fit the wide layout)
BOUNDARY_SIDE = 180  # side of one boundary small multiple
FACET_COLUMNS = 3
LOG_FLOOR = charts.LOG_FLOOR


def _run_colour(labels: list[str]) -> alt.Scale:
    return alt.Scale(domain=labels, range=list(RUN_COLOURS[:len(labels)]))


# --------------------------------------------------------------------- loss curves
def loss_frame(results, show_test: bool = True, floor: float | None = None) -> pd.DataFrame:
    """Long form: run, epoch, split (train/test), loss; finite values only (floored for a log axis)."""
    parts = []
    for r in results:
        for split, column in (("train", "loss"), ("test", "test_loss")):
            if split == "test" and not show_test:
                continue
            values = np.asarray(r.history.columns[column], dtype=np.float64)
            keep = np.isfinite(values)
            if floor is not None:
                values = np.maximum(values, floor)
            parts.append(pd.DataFrame({"run": r.label, "epoch": np.asarray(r.history.epochs, dtype=np.int64)[keep],
                                       "split": split, "loss": values[keep]}))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["run", "epoch", "split", "loss"])
    return frame


def loss_cap(results) -> float | None:
    """On a linear axis, the height above which losses are cut off: 3 × the largest starting loss, when some
    run (a diverging one) goes higher and would flatten every other curve; else None."""
    starts = [r.history.columns["loss"][0] for r in results if len(r.history)]
    peaks = [max(v for v in r.history.columns["loss"] if math.isfinite(v)) for r in results if len(r.history)]
    if not starts:
        return None
    cap = 3 * max(starts)
    return cap if max(peaks) > cap else None


def overlaid_loss_chart(results, log_scale: bool = False, show_test: bool = True) -> alt.LayerChart:
    """Every run's loss curve on one chart: colour = run (click the legend to highlight one),
    dashes = train/test, hover = exact values at the nearest epoch. On a linear axis, curves above
    :func:`loss_cap` are cut off so a diverging run does not flatten the others."""
    labels = [r.label for r in results]
    frame = loss_frame(results, show_test, LOG_FLOOR if log_scale else None)
    cap = None if log_scale else loss_cap(results)
    scale = (alt.Scale(type="log") if log_scale else
             alt.Scale(zero=True) if cap is None else alt.Scale(domain=[0, cap], clamp=False))
    pick = alt.selection_point(name="pick_run", fields=["run"], bind="legend")
    hover = alt.selection_point(name="hover_epoch", nearest=True, on="pointerover", fields=["epoch"], empty=False)
    base = alt.Chart(frame).encode(
        x=alt.X("epoch:Q", title="epoch"),
        y=alt.Y("loss:Q", title="loss" + (" (log scale)" if log_scale else ""), scale=scale),
        color=alt.Color("run:N", title="run", scale=_run_colour(labels),
                        legend=alt.Legend(orient="right", labelLimit=260)),
    )
    splits = ["train", "test"] if show_test else ["train"]
    lines = base.mark_line(strokeWidth=2, clip=True).encode(
        strokeDash=alt.StrokeDash("split:N", title="data", scale=alt.Scale(domain=splits, range=[[1, 0], [5, 3]][:len(splits)])),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.15)),
    ).add_params(pick)
    # Hover: one rule per epoch whose tooltip lists every run's losses there. A hover point per row
    # (1,800 for three runs) made the browser build a Voronoi cell for each: ~2.5 s of the page's first chart.
    wide, columns = hover_frame(frame)
    rule = alt.Chart(wide).mark_rule(color="#888", strokeWidth=8).encode(
        x="epoch:Q", opacity=alt.condition(hover, alt.value(0.25), alt.value(0.0)),
        tooltip=[alt.Tooltip("epoch:Q")] + [alt.Tooltip(f"{c}:Q", title=title, format=".6g")
                                            for c, title in columns.items()],
    ).add_params(hover)
    return alt.layer(lines, rule).properties(height=300, usermeta=charts.CANVAS)


def hover_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Long loss frame → (one row per epoch with a column per run and split, {column: "run · split"}).

    Columns are named c0, c1, …: a run label such as "lr 0.1" would read as a nested field in Vega."""
    keys = list(dict.fromkeys(zip(frame["run"], frame["split"])))
    columns = {f"c{i}": f"{run} · {split}" for i, (run, split) in enumerate(keys)}
    wide = frame.pivot_table(index="epoch", columns=["run", "split"], values="loss", aggfunc="first")
    out = pd.DataFrame({"epoch": wide.index.to_numpy()})
    for name, key in zip(columns, keys):
        out[name] = wide[key].to_numpy() if key in wide.columns else np.nan
    return out, columns


# ------------------------------------------------------------------- gradient flow
@dataclass(frozen=True)
class FlowView:
    """How one per-layer history column is drawn."""

    title: str
    y_title: str
    log: bool
    explains: str  # caption under the chart: how to read it


FLOW_VIEWS: dict[str, FlowView] = {
    "grad_norm": FlowView(
        "Gradient norm per layer", "‖dL/dW‖ (log scale)", True,
        "How much error signal reaches each layer. Lines far apart (layer 1 orders of magnitude below the last) "
        "mean vanishing gradients; lines shooting up mean exploding ones."),
    "update_ratio": FlowView(
        "Update size per layer", "|ΔW| / |W| per epoch (log scale)", True,
        "How much each layer's weights change per epoch, relative to their size. Around 1e-3 is healthy; "
        "below 1e-5 the layer is frozen, above 1e-1 the steps are wild."),
    "unit_health": FlowView(
        "Dead and saturated units", "fraction of the layer's units", False,
        "Dead: ReLU units that output 0 for every training point (no gradient passes). Saturated: sigmoid/tanh "
        "units stuck on their flat tails (almost no gradient passes)."),
}


def flow_frame(results, column: str) -> pd.DataFrame:
    """Long form: run, layer, epoch, value (and kind, for unit health); finite values only."""
    parts = []
    columns = {"unit_health": {"dead": "dead_fraction", "saturated": "saturated_fraction"}}.get(column, {"": column})
    for r in results:
        for kind, name in columns.items():
            rows = diagnostics.layer_series(r, name)
            if rows:
                frame = pd.DataFrame(rows)
                frame.insert(0, "run", r.label)
                frame["kind"] = kind or name
                parts.append(frame)
    if not parts:
        return pd.DataFrame(columns=["run", "epoch", "layer", "value", "kind"])
    frame = pd.concat(parts, ignore_index=True)
    if FLOW_VIEWS[column].log:
        frame["value"] = frame["value"].clip(lower=LOG_FLOOR)
    return frame


def has_flow(results, column: str) -> bool:
    """Whether any run recorded ``column`` (cheap: looks at the first record's per-layer values)."""
    names = {"unit_health": ("dead_fraction", "saturated_fraction")}.get(column, (column,))
    return any(v is not None and math.isfinite(v) for r in results for name in names
               for row in r.history.columns[name][:1] if row is not None for v in row)


def flow_chart(results, column: str) -> alt.FacetChart:
    """One small panel per run: the per-layer ``column`` over epochs, colour = layer.

    ``column`` is a key of FLOW_VIEWS: grad_norm, update_ratio or unit_health.
    """
    view = FLOW_VIEWS[column]
    frame = flow_frame(results, column)
    y = alt.Y("value:Q", title=view.y_title,
              scale=alt.Scale(type="log") if view.log else alt.Scale(domain=[0, 1]))
    encoding = {"x": alt.X("epoch:Q", title="epoch"), "y": y,
                "color": alt.Color("layer:N", title="layer", scale=alt.Scale(scheme="viridis")),
                "tooltip": [alt.Tooltip("run:N"), alt.Tooltip("layer:N"), alt.Tooltip("kind:N", title="what"),
                            alt.Tooltip("epoch:Q"), alt.Tooltip("value:Q", format=".3g")]}
    if column == "unit_health":
        encoding["strokeDash"] = alt.StrokeDash("kind:N", title="units", legend=alt.Legend(symbolType="stroke"),
                                                scale=alt.Scale(domain=["dead", "saturated"], range=[[1, 0], [4, 2]]))
    panel = alt.Chart(frame).mark_line(strokeWidth=2, point=alt.OverlayMarkDef(size=10, filled=True)).encode(
        **encoding).properties(width=SMALL, height=160)
    return panel.facet(facet=alt.Facet("run:N", title=None, sort=[r.label for r in results],
                                       header=alt.Header(labelFontSize=12, labelLimit=320)),
                       columns=FACET_COLUMNS).properties(title=view.title, usermeta=charts.CANVAS)


# ----------------------------------------------------------- activation histograms
def histogram_frame(histograms) -> pd.DataFrame:
    """Long form of nn_core.analysis.compare.LayerHistogram records: layer, left, right, count, share."""
    parts = []
    for h in histograms:
        total = max(int(h.counts.sum()), 1)
        parts.append(pd.DataFrame({"layer": f"layer {h.layer} ({h.activation})", "left": h.edges[:-1],
                                   "right": h.edges[1:], "count": h.counts.astype(np.int64),
                                   "share": h.counts / total}))
    if not parts:
        return pd.DataFrame(columns=["layer", "left", "right", "count", "share"])
    return pd.concat(parts, ignore_index=True)


def activation_histogram_chart(histograms) -> alt.FacetChart:
    """The outputs of every unit of a hidden layer on every training point, one panel per layer."""
    frame = histogram_frame(histograms)
    bars = alt.Chart(frame).mark_bar(color="#4c78a8", stroke="white", strokeWidth=0.5).encode(
        x=alt.X("left:Q", title="unit output", bin="binned"), x2="right:Q",
        y=alt.Y("share:Q", title="share of outputs", axis=alt.Axis(format=".0%")),
        tooltip=[alt.Tooltip("layer:N"), alt.Tooltip("left:Q", title="from", format=".3g"),
                 alt.Tooltip("right:Q", title="to", format=".3g"), alt.Tooltip("count:Q", title="outputs"),
                 alt.Tooltip("share:Q", format=".1%")],
    ).properties(width=SMALL, height=150)
    return bars.facet(facet=alt.Facet("layer:N", title=None), columns=4).resolve_scale(x="independent").properties(
        usermeta=charts.CANVAS)


# ---------------------------------------------------------- decision boundaries
def boundary_multiples(panels) -> alt.ConcatChart:
    """Small multiples of :func:`dashboard.charts.boundary_image_chart` (each background one PNG), three per row; only the last panel keeps
    its legends (they are the same for every panel), so a row fits the page.

    ``panels`` : [(title, grids, data)], grids from nn_core.grids.network_grids.
    """
    charts_ = [_as_subchart(charts.boundary_image_chart(grids, data).properties(
        width=BOUNDARY_SIDE, height=BOUNDARY_SIDE, title=title), legends=i == len(panels) - 1)
        for i, (title, grids, data) in enumerate(panels)]
    return alt.concat(*charts_, columns=FACET_COLUMNS, usermeta=charts.CANVAS)


LEGEND_CHANNELS = ("color", "fill", "stroke", "shape", "opacity", "fillOpacity", "strokeDash", "size")


def _as_subchart(chart, legends: bool = True):
    """A top-level chart made fit for a concat (Vega-Lite allows ``autosize`` and ``usermeta`` only on the
    outermost chart), optionally without its legends."""
    chart.autosize = alt.Undefined
    chart.usermeta = alt.Undefined
    if not legends:
        for layer in getattr(chart, "layer", None) or [chart]:
            for name in LEGEND_CHANNELS:
                channel = getattr(layer.encoding, name, alt.Undefined)
                if hasattr(channel, "legend"):
                    channel.legend = None
    return chart


# ------------------------------------------------------------------- summary table
def summary_frame(results, target_loss: float | None = None) -> pd.DataFrame:
    """The comparison table, one row per run; "epochs to target" reads "never" when the loss never got there."""
    rows = [r.summary(target_loss) for r in results]
    for row in rows:
        row["epochs to target"] = "never" if row["epochs to target"] is None else str(row["epochs to target"])
    frame = pd.DataFrame(rows)
    frame.insert(1, "same start as run 1", [compare.same_start(results[0], r) for r in results])
    return frame


# =====================================================================================
# Panels: Streamlit sections built from the pure builders above (the only st. calls here).
# =====================================================================================
