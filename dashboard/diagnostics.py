"""The gradient-flow diagnostics of one run or several: findings, per-layer charts, activation histograms.

The Playground (its "Gradient flow" detail, for its live run) and the Experiments page (for each compared
run) both show them; the numbers come from :mod:`nn_core.analysis.diagnostics`. The chart builders here are
pure (no ``st.`` calls); the panels below them arrange them with Streamlit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from nn_core.analysis import compare, diagnostics

from . import chart_specs
from .charts import CANVAS, FACET_COLUMNS
from .curves import LOG_FLOOR
from .page import lazy_section
from .palette import HISTOGRAM_BAR

SMALL = 200  # width of one small-multiple panel, px
SEVERITY_BOX = {"problem": "error", "warning": "warning", "note": "info"}
SEVERITY_ICON = {"problem": ":material/error:", "warning": ":material/warning:", "note": ":material/lightbulb:",
                 None: ":material/check_circle:"}


# ------------------------------------------------------------------- gradient flow (charts)
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
                       columns=FACET_COLUMNS).properties(title=view.title, usermeta=CANVAS)


# ----------------------------------------------------------- activation histograms (charts)
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
    bars = alt.Chart(frame).mark_bar(color=HISTOGRAM_BAR, stroke="white", strokeWidth=0.5).encode(
        x=alt.X("left:Q", title="unit output", bin="binned"), x2="right:Q",
        y=alt.Y("share:Q", title="share of outputs", axis=alt.Axis(format=".0%")),
        tooltip=[alt.Tooltip("layer:N"), alt.Tooltip("left:Q", title="from", format=".3g"),
                 alt.Tooltip("right:Q", title="to", format=".3g"), alt.Tooltip("count:Q", title="outputs"),
                 alt.Tooltip("share:Q", format=".1%")],
    ).properties(width=SMALL, height=150)
    return bars.facet(facet=alt.Facet("layer:N", title=None), columns=4).resolve_scale(x="independent").properties(
        usermeta=CANVAS)


# ------------------------------------------------------------------- panels
def as_result(run, label: str = "Playground"):
    """A live Run (the Playground's) as a finished copy whose key lets its charts be cached; finished runs
    pass through."""
    return run.finished(label) if run.live else run


def show_findings(result) -> None:
    """The run's automatic findings, one box each with its numbers, or the all-clear with its numbers."""
    findings = diagnostics.diagnose(result)
    if not findings:
        st.success(diagnostics.all_clear(result), icon=SEVERITY_ICON[None])
        return
    for f in findings:
        box = getattr(st, SEVERITY_BOX[f.severity])
        box(f"**{f.message}** {f.advice}  \n:small[{f.numbers_text()}]", icon=SEVERITY_ICON[f.severity])


def flow_tabs(results, key_prefix: str, lazy: bool = False) -> None:
    """Tabs of per-layer charts (one panel per run): gradient norm, update size, dead/saturated units.

    ``lazy``: draw only the selected tab's chart (a tab switch reruns): a hidden tab's chart still costs the
    browser its whole drawing when the page opens.
    """
    tabs = (lazy_section([view.title for view in FLOW_VIEWS.values()], f"{key_prefix}.flow.tab", kind="tabs")
            if lazy else st.tabs([view.title for view in FLOW_VIEWS.values()]))
    for tab, (column, view) in zip(tabs, FLOW_VIEWS.items()):
        if lazy and not tab.open:
            continue
        with tab:
            if not has_flow(results, column):
                st.info("Nothing to show: no ReLU or sigmoid/tanh hidden layer, or no hidden layer at all."
                        if column == "unit_health" else "Nothing recorded: the run has no gradient records.")
                continue
            chart_specs.show(lambda column=column: flow_chart(results, column), f"{key_prefix}.flow.{column}",
                             chart_specs.runs_identity(results), width="content")
            st.caption(view.explains)


def histogram_block(result, key_prefix: str) -> None:
    """Activation histograms per hidden layer at an epoch chosen among the recorded frames."""
    if result.net.n_layers < 2:
        st.info("This network has no hidden layer, so there are no hidden activations to show.")
        return
    epochs = compare.frames(result)
    epoch = st.select_slider("Epoch for the histograms", options=epochs, value=epochs[-1],
                             key=f"{key_prefix}.hist.epoch")
    ident = chart_specs.runs_identity([result])
    chart_specs.show(lambda: activation_histogram_chart(compare.activation_histograms(result, epochs.index(epoch))),
                     f"{key_prefix}.hist.chart", ident and (ident, epoch), width="content")
    st.caption("Each panel pools every unit's output on every training point. A ReLU layer always has a bar at 0 "
               "(each unit is off for part of the plane): it is a problem when almost everything sits there. Piles "
               "at the ends (±1 for tanh, 0 and 1 for sigmoid) mean saturated units. Slide back to epoch 0 to see "
               "where training started.")


def panel(run, key_prefix: str, label: str = "Playground") -> None:
    """Everything about one run's gradient flow: findings, per-layer charts, activation histograms.

    ``run`` is live (e.g. the Playground's) or finished (a compared run).
    """
    result = as_result(run, label)
    if not len(result.history):
        st.info("Train the network first: the diagnostics read the training history.")
        return
    show_findings(result)
    flow_tabs([result], key_prefix)
    with st.expander("Activation histograms"):
        histogram_block(result, key_prefix)
    with st.expander("What the automatic checks look for"):
        st.markdown("\n".join(f"- **{c.label}**: {c.looks_for}" for c in diagnostics.CHECKS.values()))
