"""The Experiments panels: defining runs, cached training, findings, gradient flow, restore.

The charts come from :mod:`dashboard.experiment_charts`; this module arranges
them with Streamlit, for the Experiments page and (``diagnostics_panel``) the
Playground.
"""

from __future__ import annotations

import copy
import math

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from nn_core.analysis import compare, diagnostics
from nn_core.config import DATASET_NAMES, PARAM_BY_NAME, RunConfig, parse
from nn_core.datasets import DATASETS
from nn_core.grids import network_grids
from nn_core.runs import Run, make_dataset
from nn_core.teaching.scenarios import SCENARIOS

from . import charts, controls
from .experiment_charts import FLOW_VIEWS, activation_histogram_chart, boundary_multiples, flow_chart, has_flow
from .keys import RUN as PLAYGROUND_RUN
from .page import lazy_expander

SEVERITY_BOX = {"problem": "error", "warning": "warning", "note": "info"}
SEVERITY_ICON = {"problem": ":material/error:", "warning": ":material/warning:", "note": ":material/lightbulb:",
                 None: ":material/check_circle:"}


@st.cache_data(max_entries=128, ttl=3600, show_spinner=False)
def _chart_spec(name: str, ident: tuple, _build) -> dict:
    return charts.to_spec(_build())


def show_chart(build, name: str, ident=None, container=None, **options) -> None:
    """Draw ``build()`` (an Altair chart). With ``ident`` (what the chart depends on, hashable) the
    Vega-Lite spec is cached: building and validating an Altair chart costs 20-500 ms, a cached spec ~1 ms."""
    container = container or st
    spec = _chart_spec(name, ident, build) if ident is not None else charts.to_spec(build())
    if options.get("width") == "content":  # keep the chart's own size: Streamlit's default "fit" would squeeze
        spec = {**spec, "autosize": {"type": "pad", "contains": "padding"}}  # the plot to make room for legends
    container.vega_lite_chart(spec, key=name, **options)


def ident_of(results) -> tuple | None:
    """What charts of these runs depend on: their cache keys and labels (None if a run has no key)."""
    if any(r.key is None for r in results):
        return None
    return tuple((r.key, r.label) for r in results)


def as_result(run: Run, label: str = "Playground") -> Run:
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
    tabs = (st.tabs([view.title for view in FLOW_VIEWS.values()], key=f"{key_prefix}.flow.tab", on_change="rerun")
            if lazy else st.tabs([view.title for view in FLOW_VIEWS.values()]))
    for tab, (column, view) in zip(tabs, FLOW_VIEWS.items()):
        if lazy and not tab.open:
            continue
        with tab:
            if not has_flow(results, column):
                st.info("Nothing to show: no ReLU or sigmoid/tanh hidden layer, or no hidden layer at all."
                        if column == "unit_health" else "Nothing recorded: the run has no gradient records.")
                continue
            show_chart(lambda column=column: flow_chart(results, column), f"{key_prefix}.flow.{column}",
                       ident_of(results), width="content")
            st.caption(view.explains)


def histogram_block(result, key_prefix: str) -> None:
    """Activation histograms per hidden layer at an epoch chosen among the recorded frames."""
    if result.net.n_layers < 2:
        st.info("This network has no hidden layer, so there are no hidden activations to show.")
        return
    epochs = compare.frames(result)
    epoch = st.select_slider("Epoch for the histograms", options=epochs, value=epochs[-1],
                             key=f"{key_prefix}.hist.epoch")
    ident = ident_of([result])
    show_chart(lambda: activation_histogram_chart(compare.activation_histograms(result, epochs.index(epoch))),
               f"{key_prefix}.hist.chart", ident and (ident, epoch), width="content")
    st.caption("Each panel pools every unit's output on every training point. A ReLU layer always has a bar at 0 "
               "(each unit is off for part of the plane): it is a problem when almost everything sits there. Piles "
               "at the ends (±1 for tanh, 0 and 1 for sigmoid) mean saturated units. Slide back to epoch 0 to see "
               "where training started.")


def diagnostics_panel(run, key_prefix: str = "diagnostics", label: str = "Playground") -> None:
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


# ------------------------------------------------------------------ cached training
class _NotStored(LookupError):
    """Raised inside the cached store on a miss: exceptions are never cached, so the key stays free."""


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)
def _stored_run(key: str, _result=None):
    """Finished runs, shared by every session, keyed by config + data bytes (a run is deterministic)."""
    if _result is None:
        raise _NotStored(key)
    return _result


@st.cache_resource(show_spinner=False)
def _pinned() -> dict:
    """The default sweep's finished runs, kept for the server's lifetime and handed out without a copy (the
    store above unpickles ~0.1 s of runs per page open, and may evict or expire them). Every visitor opens
    the page on this sweep, so it is trained once per server. Read-only: callers copy before relabelling."""
    return {}


@st.cache_resource(show_spinner=False)
def default_keys() -> frozenset:
    """run_key of each run of the page's opening sweep (DEFAULT_SWEEP over RunConfig())."""
    base = RunConfig()
    data = make_dataset(base)
    return frozenset(compare.run_key(c, data) for c in compare.sweep(base, DEFAULT_SWEEP[0],
                                                                       compare.parse_values(*DEFAULT_SWEEP)))


def cached_run(key: str):
    if key in _pinned():
        return copy.copy(_pinned()[key])
    try:
        return _stored_run(key)
    except _NotStored:
        return None


def store_run(key: str, result) -> None:
    if key in default_keys():
        _pinned()[key] = copy.copy(result)
    else:
        _stored_run(key, result)


def train_runs(configs, labels, data, on_result=None) -> list:
    """Train (or fetch from the cache) every run, in chunks, with a progress bar while anything trains.

    ``on_result(results so far)`` is called after each run that had to be trained, so the page can show
    the finished runs while the next one trains.
    """
    results, bar = [], None
    total = len(configs)
    for i, (config, label) in enumerate(zip(configs, labels)):
        key = compare.run_key(config, data)
        result = cached_run(key)
        trained = result is None
        if result is None:
            bar = bar or st.progress(0.0)

            def progress(fraction, i=i, label=label, bar=bar):
                bar.progress((i + fraction) / total, text=f"Training run {i + 1} of {total} ({label}): "
                                                          f"{fraction:.0%}")

            result = compare.train_run(config, data, label=label, progress=progress)
            store_run(key, result)
        result.label = label
        results.append(result)
        if trained and on_result is not None and i < total - 1:
            on_result(list(results))
    if bar is not None:
        bar.empty()
    return results


# --------------------------------------------------------------- defining the runs
TABLE_COLUMNS = ("features", "hidden", "activation", "output", "init", "init_scale", "bias_init", "lr", "optimizer",
                 "batch_size", "epochs", "l2")
DEFAULT_SWEEP = ("activation", "relu, sigmoid, tanh")
KEY = "exp"  # session-state prefix of the Experiments page


def config_row(config) -> dict:
    """The editable settings of one run as a table row (lists as text, e.g. "4,4" and "x1,x2")."""
    row = {name: getattr(config, name) for name in TABLE_COLUMNS}
    for name in ("features", "hidden"):
        row[name] = ",".join(map(str, row[name]))
    return row


def rows_to_configs(rows: list[dict], base) -> tuple[list, list[str]]:
    """RunConfigs from table rows on top of ``base`` (shared settings); one warning sentence per bad cell."""
    configs, warnings = [], []
    for i, row in enumerate(rows, start=1):
        values = {k: v for k, v in row.items() if k in TABLE_COLUMNS and not _blank(v)}
        config, problems = parse(values, base=base)
        configs.append(config)
        warnings += [f"Run {i}: {p}" for p in problems]
    return configs, warnings


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def _state():
    """The page's permanent state: the table rows, the shared settings, the editor version, messages."""
    ss = st.session_state
    if f"{KEY}.rows" not in ss:
        base = RunConfig()
        ss[f"{KEY}.shared"] = base
        ss[f"{KEY}.rows"] = [config_row(c) for c in compare.sweep(base, DEFAULT_SWEEP[0],
                                                                   compare.parse_values(*DEFAULT_SWEEP))]
        ss[f"{KEY}.version"] = 0
        ss[f"{KEY}.data"] = None  # a Dataset when the runs use the Playground's own CSV
        ss[f"{KEY}.message"] = None
    return ss


def _load(configs, data=None, message=None) -> None:
    """Replace the runs (from a sweep, a scenario or the Playground); the editor restarts from them."""
    ss = _state()
    ss[f"{KEY}.shared"] = configs[0]
    ss[f"{KEY}.rows"] = [config_row(c) for c in configs]
    ss[f"{KEY}.version"] += 1
    ss[f"{KEY}.data"] = data
    ss[f"{KEY}.message"] = message
    for name in compare.SHARED:  # the shared-settings widgets show the new values
        ss.pop(f"{KEY}.shared.{name}", None)


def _on_sweep() -> None:
    ss = _state()
    setting, text = ss[f"{KEY}.sweep.setting"], ss[f"{KEY}.sweep.values"]
    try:
        base = rows_to_configs(ss[f"{KEY}.rows"][:1], _shared_config())[0][0]
        values = compare.parse_values(setting, text)
        _load(compare.sweep(base, setting, values), ss[f"{KEY}.data"])
    except ValueError as error:
        ss[f"{KEY}.message"] = ("error", str(error))


def _on_scenario() -> None:
    scenario = SCENARIOS[st.session_state[f"{KEY}.scenario"]]
    broken = scenario.config
    _load([broken, broken.replace(**scenario.fix)],
          message=("info", f"**{scenario.label}** vs **{scenario.fix_label}**. {scenario.explanation}"))


def _on_copy(run) -> None:
    data = run.data if run.config.dataset == "csv" else None
    _load([run.config, run.config], data,
          ("info", "Copied the Playground's run twice: change a setting in the second row (or sweep one) to "
                   "compare."))


def _shared_config():
    """The shared data/seed settings, from their widgets (or the stored ones before the widgets exist)."""
    ss = st.session_state
    stored = ss[f"{KEY}.shared"]
    values = {name: ss.get(f"{KEY}.shared.{name}", getattr(stored, name)) for name in compare.SHARED}
    return stored.replace(**values)


def _shared_widgets(has_csv: bool) -> None:
    ss = st.session_state
    stored = ss[f"{KEY}.shared"]
    for name in compare.SHARED:
        ss.setdefault(f"{KEY}.shared.{name}", getattr(stored, name))
    names = [n for n in DATASET_NAMES if n != "csv" or has_csv]
    if ss[f"{KEY}.shared.dataset"] not in names:
        ss[f"{KEY}.shared.dataset"] = names[0]
    cols = st.columns(6)
    controls.draw(PARAM_BY_NAME["dataset"], cols[0], key=f"{KEY}.shared.dataset", options=names, help="",
                  labels=lambda n: DATASETS[n].label if n in DATASETS else "Playground CSV")
    for col, name in zip(cols[1:], ("n_samples", "noise", "classes", "data_seed", "seed")):
        controls.draw(PARAM_BY_NAME[name], col, key=f"{KEY}.shared.{name}", widget="number")


def define_runs(playground_run=None):
    """Section 1 of the Experiments page. Returns (configs, labels, data) or None when the table is invalid.

    ``playground_run`` is the Playground's nn_core Run, if any (for "Copy from Playground").
    """
    ss = _state()
    sweep_col, scenario_col, copy_col = st.columns([2.2, 2, 1.1], vertical_alignment="bottom")
    with sweep_col:
        left, right = st.columns([1, 1.4], vertical_alignment="bottom")
        left.selectbox("Sweep one setting", compare.SWEEPABLE, key=f"{KEY}.sweep.setting",
                       index=compare.SWEEPABLE.index(DEFAULT_SWEEP[0]),
                       format_func=lambda n: PARAM_BY_NAME[n].label)
        right.text_input("over the values", value=DEFAULT_SWEEP[1], key=f"{KEY}.sweep.values",
                         help="Comma-separated, e.g. 0.01, 0.1, 1 — for hidden layers use ; between networks: "
                              "4; 4,4; 8,8,8")
        st.button("Sweep", on_click=_on_sweep, key=f"{KEY}.sweep.go", width="stretch",
                  help="Replace the table by one run per value; everything else as in run 1.")
    with scenario_col:
        st.selectbox("…or a failure and its fix", list(SCENARIOS), key=f"{KEY}.scenario",
                     format_func=lambda n: SCENARIOS[n].label)
        st.button("Load scenario", on_click=_on_scenario, key=f"{KEY}.scenario.go", width="stretch")
    with copy_col:
        st.button("Copy from Playground", key=f"{KEY}.copy", width="stretch", disabled=playground_run is None,
                  on_click=_on_copy, args=(playground_run,),
                  help="Start from the network you built on the Playground page." if playground_run is not None
                  else "Open the Playground and train a network first.")
    message = ss[f"{KEY}.message"]
    if message:
        getattr(st, message[0])(message[1])
    shared_box = lazy_expander("Shared by every run: the data and the weight seed", f"{KEY}.shared.open")
    if shared_box.open:
        with shared_box:
            _shared_widgets(ss[f"{KEY}.data"] is not None)
    st.caption("One row per run (2 to 6). Edit any cell, add or delete rows; blank cells take the shared value.")
    rows = ss[f"{KEY}.rows"]
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS), index=pd.RangeIndex(1, len(rows) + 1, name="run"))
    table["hidden"] = table["hidden"].astype("string")
    edited = st.data_editor(table,
                            key=f"{KEY}.editor.{ss[f'{KEY}.version']}", num_rows="dynamic", hide_index=False,
                            column_config=_column_config(), width="stretch")
    rows = edited.to_dict("records")
    shared = ss[f"{KEY}.shared"] = _shared_config()  # kept while the widgets are closed (and not drawn)
    data = ss[f"{KEY}.data"] if shared.dataset == "csv" else None
    try:
        compare.check_count(rows)
    except ValueError as error:
        st.warning(f"{error} Add or delete rows in the table.")
        return None
    configs, warnings = rows_to_configs(rows, shared)
    configs, notes = compare.align(configs)
    for text in warnings + notes:
        st.warning(text)
    return configs, compare.labels(configs), data if data is not None else make_dataset(configs[0])


def _column_config() -> dict:
    cc = st.column_config
    out = {}
    for name in TABLE_COLUMNS:
        p = PARAM_BY_NAME[name]
        if p.kind == "choice":
            out[name] = cc.SelectboxColumn(p.label, options=list(p.choices), help=p.help or None)
        elif p.kind in ("widths", "names"):
            out[name] = cc.TextColumn(p.label, help=p.help)
        else:
            out[name] = cc.NumberColumn(p.label, min_value=p.low, max_value=p.high, help=p.help or None,
                                        step=1 if p.kind == "int" else None, format="%g" if p.kind == "float" else None)
    return out


# ------------------------------------------------------------------------ results
BOUNDARY_RESOLUTION = 80  # per small multiple (each one PNG picture, so cheap in the browser)
DEFAULT_TARGET = 0.2
SUMMARY_COLUMNS = {
    "same start as run 1": st.column_config.CheckboxColumn(
        help="Ticked when the run began from exactly the same weights as run 1 (same seed, same layer shapes "
             "and init)."),
    "final train loss": st.column_config.NumberColumn(format="%.4f"),
    "final test loss": st.column_config.NumberColumn(format="%.4f"),
    "train accuracy": st.column_config.NumberColumn(format="percent"),
    "test accuracy": st.column_config.NumberColumn(format="percent"),
    "wall time (s)": st.column_config.NumberColumn(format="%.2f"),
}


BOUNDARY_CAPTIONS = {
    "binary": "blue = predicts class 1, orange = class 0, pale = unsure (P ≈ 0.5)",
    "multiclass": "each colour = the predicted class, stronger = more confident",
    "regression": "blue = high predicted value, orange = low",
}


def boundary_caption(data) -> str:
    return (f"What each trained network predicts over the input plane: {BOUNDARY_CAPTIONS[data.kind]}. "
            f"Dots are training points, outlined diamonds test points.")


def boundary_panels(results) -> alt.ConcatChart:
    """The runs' decision boundaries as small multiples (grids from nn_core.grids)."""
    return boundary_multiples([(r.label, network_grids(r.net, r.data.domain, BOUNDARY_RESOLUTION), r.data)
                               for r in results])


def findings_list(results) -> None:
    """One expander per run with its findings; runs with a problem start open."""
    for r in results:
        findings = diagnostics.diagnose(r)
        worst = findings[0].severity if findings else None
        count = f"{len(findings)} finding{'s' * (len(findings) > 1)}" if findings else "no problems found"
        with st.expander(f"{r.label}: {count}", icon=SEVERITY_ICON[worst], expanded=worst == "problem"):
            show_findings(r)


# ------------------------------------------------------------- Playground & restore
def playground_run():
    """The Playground's trained nn_core Run from session state, or None."""
    run = st.session_state.get(PLAYGROUND_RUN)
    return run if isinstance(run, Run) and len(run.history) else None


def reproduction_gap(restored, retrained) -> float:
    """Largest |difference| between the restored weights and those of a fresh run of the same settings."""
    return max(float(np.max(np.abs(a - b))) for a, b in zip(restored.net.parameters(), retrained.net.parameters()))


def restored_section(run) -> None:
    """What a restored upload holds, and the proof that its settings reproduce its weights."""
    metrics = run.trainer.evaluate()
    sizes = "-".join(map(str, run.net.layer_sizes))
    score = (f", train accuracy {metrics['train_accuracy']:.1%}"
             if math.isfinite(metrics.get("train_accuracy", math.nan)) else "")
    st.markdown(f"Restored a **{sizes} {run.net.activation}** network trained on "
                f"**{DATASETS[run.config.dataset].label if run.config.dataset in DATASETS else 'a CSV'}** "
                f"with its saved weights: train loss **{metrics['train_loss']:.6g}**{score}.")
    retrained = train_runs([run.config], ["retrained"], run.data)[0]
    gap = reproduction_gap(run, retrained)
    if gap == 0:
        st.success(f"Retraining these settings from scratch ({run.config.epochs} epochs, seed {run.config.seed}) "
                   f"gives bit-identical weights: the run reproduces.", icon=":material/check_circle:")
    else:
        st.warning(f"Retraining these settings from scratch gives weights up to {gap:.3g} away from the saved ones: "
                   f"the saved run was probably stopped early or trained for extra steps.")
    grids = network_grids(run.net, run.data.domain, BOUNDARY_RESOLUTION * 2)
    st.altair_chart(charts.boundary_image_chart(grids, run.data), width="content", key=f"{KEY}.restored.boundary")
