"""Experiments: runs side by side, their gradient flow, replay and export."""

import streamlit as st

from dashboard import chart_specs, curves, diagnostics, exports, keys
from dashboard.experiments import builders as xc
from dashboard.experiments import one_slice, replay
from dashboard.experiments import panels as ex
from dashboard.page import KEEP, lazy_section, setup_page
from dashboard.playground_link import playground_run

setup_page(
    "Experiments", ":material/experiment:",
    "Train 2 to 6 networks that differ in one setting, and see which one learns, and why.",
    "Every run uses the **same data** and the **same initial weights**, so the one setting is the only "
    "difference. The table starts with **ReLU vs sigmoid vs tanh**; sweep another setting, load a failure and "
    "its fix, or copy your Playground network.")


@st.fragment
def results(configs, labels, data):
    """Everything below the table. A fragment: its controls rerun only this part; runs come from the cache.
    While runs train, the loss chart shows each finished one as it arrives."""
    st.subheader("2 · Loss curves")
    left, right, _ = st.columns([1, 1, 4])
    log_scale = left.toggle("Log scale", key=f"{keys.EXP}.log")
    show_test = right.toggle("Test loss (dashed)", value=True, key=f"{keys.EXP}.test")
    chart = st.empty()
    runs = ex.train_runs(configs, labels, data, on_result=lambda done: chart_specs.show(
        lambda: curves.overlaid_loss_chart(done, log_scale, show_test), f"{keys.EXP}.loss.{len(done)}",
        container=chart, width="stretch"))
    ident = chart_specs.runs_identity(runs)
    chart_specs.show(lambda: curves.overlaid_loss_chart(runs, log_scale, show_test), f"{keys.EXP}.loss",
                     ident and (ident, log_scale, show_test), container=chart, width="stretch")
    cap = None if log_scale else curves.loss_cap(runs)
    st.caption("Click a run in the legend to highlight it; hover a curve for exact values."
               + (f" Losses above {cap:.3g} are cut off: turn on the log scale to see all of them." if cap else ""))
    with lazy_section("All runs on one loss slice: where each path went", f"{keys.EXP}.slice") as slice_:
        if slice_.open:  # a slice costs a grid of forward passes: only when opened
            one_slice.panel(runs)

    st.subheader("3 · Compare the runs")
    # Only the open tab is drawn: each tab holds charts a browser takes 0.1-0.3 s to build, which would all
    # come before the loss chart above is on screen.
    summary, boundaries, flow, inside = lazy_section(list(ex.RESULT_TABS), keys.EXP_RESULTS, kind="tabs")
    if summary.open:
        with summary:
            target = st.number_input("Target loss", min_value=1e-6, max_value=100.0, value=ex.DEFAULT_TARGET,
                                     step=0.05, format="%g", key=f"{keys.EXP}.target", **KEEP,
                                     help="“epochs to target” counts the updates a run needed to bring its "
                                          "train loss this low (empty: never).")
            st.dataframe(xc.summary_frame(runs, target), hide_index=True, width="stretch",
                         column_config=ex.SUMMARY_COLUMNS)
    if boundaries.open:
        with boundaries:
            chart_specs.show(lambda: ex.boundary_panels(runs), f"{keys.EXP}.boundaries", ident, width="content")
            st.caption(ex.boundary_caption(data))
    if flow.open:
        with flow:
            ex.findings_list(runs)
            diagnostics.flow_tabs(runs, keys.EXP, lazy=True)
    if inside.open:
        with inside:
            inside_one_run(runs, labels)


def inside_one_run(runs, labels) -> None:
    """One chosen run: its training replayed, its activations, its export; only the selected tab is drawn."""
    chosen = st.selectbox("Run", labels, key=f"{keys.EXP}.inside", **KEEP)
    run = runs[labels.index(chosen)]
    replay_tab, hist_tab, export_tab = lazy_section(["Replay training", "Activation histograms", "Export"],
                                                    f"{keys.EXP}.run.tab", kind="tabs")
    if replay_tab.open:
        with replay_tab:
            replay.replay_panel(run, f"{keys.EXP}.run")
    if hist_tab.open:
        with hist_tab:
            diagnostics.histogram_block(run, f"{keys.EXP}.run")
    if export_tab.open:
        with export_tab:
            exports.export_panel(run, f"{keys.EXP}.run", name=chosen)


st.subheader("1 · Define the runs")
choices = st.container()  # the sweep, scenario and copy controls: filled after the results' first chart
defined = ex.define_runs()
if defined is not None:
    results(*defined)
with choices:
    ex.run_choices(playground_run(trained=True))

st.divider()
st.subheader("Restore a saved run")
st.caption("Upload the .json or .npz from an Export tab: nnplay rebuilds the network with its saved weights, then "
           "retrains the same settings from scratch to show that the run reproduces.")
restored = exports.restore_panel(keys.EXP)
if restored is not None:
    ex.restored_section(restored)
