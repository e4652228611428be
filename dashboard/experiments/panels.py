"""The Experiments page's panels: defining runs, training them (or taking them from the run store),
findings per run, restore.

The charts come from :mod:`dashboard.experiments.builders`, :mod:`dashboard.curves` and
:mod:`dashboard.diagnostics` (which the Playground shares); this module arranges them with Streamlit.
"""

from __future__ import annotations

import copy
import math
import threading
import time
from collections import OrderedDict

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from nn_core.analysis import compare
from nn_core.analysis.diagnostics import diagnose
from nn_core.config import DATASET_NAMES, PARAM_BY_NAME, RunConfig, parse
from nn_core.datasets import DATASETS
from nn_core.grids import network_grids
from nn_core.runs import make_dataset, run_key
from nn_core.teaching.scenarios import SCENARIOS

from .. import charts, controls, keys
from ..diagnostics import SEVERITY_ICON, show_findings
from ..page import lazy_section
from .builders import boundary_multiples


# ------------------------------------------------------------------ cached training
class RunStore:
    """Finished runs, shared by every session, keyed by settings + data bytes (a run is deterministic).

    The page's opening sweep (``pinned``: every visitor opens the page on it) is trained once and kept for
    the server's lifetime; other runs are kept up to ``limit`` of them, each for at most ``seconds``, the
    least recently used dropped first. Handed-out runs are shallow copies, so a caller may relabel its own.
    One lock guards the store: sessions read and write it from their own threads.
    """

    def __init__(self, pinned: frozenset, limit: int = 32, seconds: float = 3600.0):
        self._pinned_keys, self._limit, self._seconds = pinned, limit, seconds
        self._pinned: dict = {}
        self._recent: OrderedDict = OrderedDict()  # key -> (stored at, run), least recently used first
        self._lock = threading.Lock()

    def pinned_keys(self) -> frozenset:
        """The keys of the opening sweep's runs trained so far."""
        with self._lock:
            return frozenset(self._pinned)

    def get(self, key: str):
        with self._lock:
            if key in self._pinned:
                return copy.copy(self._pinned[key])
            held = self._recent.get(key)
            if held is None or time.monotonic() - held[0] > self._seconds:
                self._recent.pop(key, None)
                return None
            self._recent.move_to_end(key)
            return copy.copy(held[1])

    def put(self, key: str, run) -> None:
        with self._lock:
            if key in self._pinned_keys:
                self._pinned[key] = copy.copy(run)
                return
            self._recent[key] = (time.monotonic(), copy.copy(run))
            self._recent.move_to_end(key)
            while len(self._recent) > self._limit:
                self._recent.popitem(last=False)


@st.cache_resource(show_spinner=False)
def default_keys() -> frozenset:
    """run_key of each run of the page's opening sweep (DEFAULT_SWEEP over RunConfig())."""
    base = RunConfig()
    data = make_dataset(base)
    return frozenset(run_key(c, data) for c in compare.sweep(base, DEFAULT_SWEEP[0],
                                                                       compare.parse_values(*DEFAULT_SWEEP)))


@st.cache_resource(show_spinner=False)
def run_store() -> RunStore:
    """The server's one store of finished runs (st.cache_resource: one object for every session)."""
    return RunStore(default_keys())


def train_runs(configs, labels, data, on_result=None) -> list:
    """Train (or fetch from the cache) every run, in chunks, with a progress bar while anything trains.

    ``on_result(results so far)`` is called after each run that had to be trained, so the page can show
    the finished runs while the next one trains.
    """
    results, bar = [], None
    total = len(configs)
    for i, (config, label) in enumerate(zip(configs, labels)):
        key = run_key(config, data)
        result = run_store().get(key)
        trained = result is None
        if result is None:
            bar = bar or st.progress(0.0)

            def progress(fraction, i=i, label=label, bar=bar):
                bar.progress((i + fraction) / total, text=f"Training run {i + 1} of {total} ({label}): "
                                                          f"{fraction:.0%}")

            result = compare.train_run(config, data, label=label, progress=progress)
            run_store().put(key, result)
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
    if f"{keys.EXP}.rows" not in ss:
        base = RunConfig()
        ss[f"{keys.EXP}.shared"] = base
        ss[f"{keys.EXP}.rows"] = [config_row(c) for c in compare.sweep(base, DEFAULT_SWEEP[0],
                                                                   compare.parse_values(*DEFAULT_SWEEP))]
        ss[f"{keys.EXP}.version"] = 0
        ss[f"{keys.EXP}.data"] = None  # a Dataset when the runs use the Playground's own CSV
        ss[f"{keys.EXP}.message"] = None
    return ss


def _load(configs, data=None, message=None) -> None:
    """Replace the runs (from a sweep, a scenario or the Playground); the editor restarts from them."""
    ss = _state()
    ss[f"{keys.EXP}.shared"] = configs[0]
    ss[f"{keys.EXP}.rows"] = [config_row(c) for c in configs]
    ss[f"{keys.EXP}.version"] += 1
    ss.pop(keys.EXP_EDITED, None)
    ss[f"{keys.EXP}.data"] = data
    ss[f"{keys.EXP}.message"] = message
    for name in compare.SHARED:  # the shared-settings widgets show the new values
        ss.pop(f"{keys.EXP}.shared.{name}", None)


def _on_sweep() -> None:
    ss = _state()
    setting, text = ss[f"{keys.EXP}.sweep.setting"], ss[f"{keys.EXP}.sweep.values"]
    try:
        base = rows_to_configs(_rows()[:1], _shared_config())[0][0]
        values = compare.parse_values(setting, text)
        _load(compare.sweep(base, setting, values), ss[f"{keys.EXP}.data"])
    except ValueError as error:
        ss[f"{keys.EXP}.message"] = ("error", str(error))


RESULT_TABS = ("Summary", "Decision boundaries", "Gradient flow", "Inside one run")  # under the loss chart
FLOW_TAB = RESULT_TABS[2]


def _on_scenario() -> None:
    scenario = SCENARIOS[st.session_state[f"{keys.EXP}.scenario"]]
    broken = scenario.config
    _load([broken, broken.replace(**scenario.fix)],
          message=("info", f"**{scenario.label}** vs **{scenario.fix_label}**. {scenario.explanation}"))
    st.session_state[keys.EXP_RESULTS] = FLOW_TAB  # what a scenario is there to show


def _on_copy(run) -> None:
    data = run.data if run.config.dataset == "csv" else None
    _load([run.config, run.config], data,
          ("info", "Copied the Playground's run twice: change a setting in the second row (or sweep one) to "
                   "compare."))


def _shared_config():
    """The shared data/seed settings, from their widgets (or the stored ones before the widgets exist)."""
    ss = st.session_state
    stored = ss[f"{keys.EXP}.shared"]
    values = {name: ss.get(f"{keys.EXP}.shared.{name}", getattr(stored, name)) for name in compare.SHARED}
    return stored.replace(**values)


def _shared_widgets(has_csv: bool) -> None:
    ss = st.session_state
    stored = ss[f"{keys.EXP}.shared"]
    for name in compare.SHARED:
        ss.setdefault(f"{keys.EXP}.shared.{name}", getattr(stored, name))
    names = [n for n in DATASET_NAMES if n != "csv" or has_csv]
    if ss[f"{keys.EXP}.shared.dataset"] not in names:
        ss[f"{keys.EXP}.shared.dataset"] = names[0]
    cols = st.columns(6)
    controls.draw(PARAM_BY_NAME["dataset"], cols[0], key=f"{keys.EXP}.shared.dataset", options=names, help="",
                  labels=lambda n: DATASETS[n].label if n in DATASETS else "Playground CSV", persist_state="session")
    for col, name in zip(cols[1:], ("n_samples", "noise", "classes", "data_seed", "seed")):
        controls.draw(PARAM_BY_NAME[name], col, key=f"{keys.EXP}.shared.{name}", widget="number",
                      persist_state="session")


def run_choices(playground_run=None) -> None:
    """The quick ways to fill the table: sweep one setting, load a failure and its fix, or copy the Playground.

    They act through their callbacks (the next run reads the table from session state), so the page draws
    them after its first chart, in a place kept for them above. ``playground_run`` is the Playground's
    nn_core Run, if any (for "Copy from Playground").
    """
    sweep_col, scenario_col, copy_col = st.columns([2.2, 2, 1.1], vertical_alignment="bottom")
    with sweep_col:
        left, right = st.columns([1, 1.4], vertical_alignment="bottom")
        left.selectbox("Sweep one setting", compare.SWEEPABLE, key=f"{keys.EXP}.sweep.setting",
                       index=compare.SWEEPABLE.index(DEFAULT_SWEEP[0]),
                       format_func=lambda n: PARAM_BY_NAME[n].label)
        right.text_input("over the values", value=DEFAULT_SWEEP[1], key=f"{keys.EXP}.sweep.values",
                         help="Comma-separated, e.g. 0.01, 0.1, 1 — for hidden layers use ; between networks: "
                              "4; 4,4; 8,8,8")
        st.button("Sweep", on_click=_on_sweep, key=f"{keys.EXP}.sweep.go", width="stretch",
                  help="Replace the table by one run per value; everything else as in run 1.")
    with scenario_col:
        st.selectbox("…or a failure and its fix", list(SCENARIOS), key=f"{keys.EXP}.scenario",
                     format_func=lambda n: SCENARIOS[n].label)
        st.button("Load scenario", on_click=_on_scenario, key=f"{keys.EXP}.scenario.go", width="stretch")
    with copy_col:
        st.button("Copy from Playground", key=f"{keys.EXP}.copy", width="stretch", disabled=playground_run is None,
                  on_click=_on_copy, args=(playground_run,),
                  help="Start from the network you built on the Playground page." if playground_run is not None
                  else "Open the Playground and train a network first.")


def define_runs():
    """Section 1 of the Experiments page, but for :func:`run_choices`: the last choice's message, the shared
    settings and the table, each behind a section drawn only while open. Returns (configs, labels, data) or
    None when the table is invalid."""
    ss = _state()
    message = ss[f"{keys.EXP}.message"]
    if message:
        getattr(st, message[0])(message[1])
    shared_box = lazy_section("Shared by every run: the data and the weight seed", f"{keys.EXP}.shared.open")
    if shared_box.open:
        with shared_box:
            _shared_widgets(ss[f"{keys.EXP}.data"] is not None)
    rows = _table()
    shared = ss[f"{keys.EXP}.shared"] = _shared_config()  # kept while the widgets are closed (and not drawn)
    data = ss[f"{keys.EXP}.data"] if shared.dataset == "csv" else None
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


def _rows() -> list[dict]:
    """The runs' rows as the table shows them: with the editor's edits, kept while the table is closed."""
    ss = _state()
    return ss[keys.EXP_EDITED] if keys.EXP_EDITED in ss else ss[f"{keys.EXP}.rows"]


def _table() -> list[dict]:
    """The run table, an editor drawn only while its section is open (a data grid costs the browser more than
    any control); returns the rows.

    st.data_editor keeps no value while it is not drawn: the page keeps its rows after the edits itself
    (``EXP_EDITED``). A closed table takes them as its rows, under a new editor key, so that the editor
    reopens on them with no edits of its own to apply twice.
    """
    ss = _state()
    box = lazy_section("The runs, one row per run: edit any setting", keys.EXP_TABLE)
    if not box.open:
        if keys.EXP_EDITED in ss:
            ss[f"{keys.EXP}.rows"] = ss.pop(keys.EXP_EDITED)
            ss[f"{keys.EXP}.version"] += 1
        return ss[f"{keys.EXP}.rows"]
    with box:
        st.caption("One row per run (2 to 6). Edit any cell, add or delete rows; blank cells take the shared "
                   "value.")
        rows = ss[f"{keys.EXP}.rows"]
        table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS), index=pd.RangeIndex(1, len(rows) + 1, name="run"))
        table["hidden"] = table["hidden"].astype("string")
        edited = st.data_editor(table, key=f"{keys.EXP}.editor.{ss[f'{keys.EXP}.version']}", num_rows="dynamic",
                                hide_index=False, column_config=_column_config(), width="stretch")
    ss[keys.EXP_EDITED] = edited.to_dict("records")
    return ss[keys.EXP_EDITED]


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
        findings = diagnose(r)
        worst = findings[0].severity if findings else None
        count = f"{len(findings)} finding{'s' * (len(findings) > 1)}" if findings else "no problems found"
        with st.expander(f"{r.label}: {count}", icon=SEVERITY_ICON[worst], expanded=worst == "problem"):
            show_findings(r)


# ------------------------------------------------------------------------ restore
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
    st.altair_chart(charts.boundary_image_chart(grids, run.data), width="content", key=f"{keys.EXP}.restored.boundary")
