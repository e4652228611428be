"""The Playground's panels: buttons, display toggles, status, charts, and live training.

The page calls these in order. Charts are drawn into placeholders so live training
can refresh them in place; each chart's Vega-Lite spec is memoised per run state
and display option, so a display-only toggle rebuilds one chart and trains nothing.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import cache

import streamlit as st
from streamlit import dataframe_util

from nn_core import metrics
from nn_core.datasets import make as make_dataset
from nn_core.datasets import to_csv

from . import charts, experiments, exports, state

SPECS = "playground_specs"  # chart name -> (token, Vega-Lite spec)
REFRESH_SECONDS = 0.8  # live charts redraw at most this often (and never take over half the time)
LIVE_RESOLUTION = 50  # boundary cells per side while training live; 100 once it stops
CHUNK_SECONDS = 0.1  # training between two checks of the Stop button
QUIET_SECONDS = 0.3  # shorter runs show no progress bar: they are done before it would be seen

CAPTIONS = {
    "binary": "The background is the network's answer at every point: **blue** where it says class 1, "
              "**orange** where it says class 0, white where it is unsure (P ≈ 0.5). Circles are the training "
              "points; **dark-outlined diamonds** are test points, which the network never trains on.",
    "multiclass": "The background is the class the network predicts at every point, pale where it is unsure. "
                  "Circles are the training points; **dark-outlined diamonds** are test points, which the network "
                  "never trains on.",
    "regression": "The background is the network's prediction at every point (blue high, orange low); the points "
                  "are coloured by their true target. Dark-outlined diamonds are test points.",
}


@dataclass(frozen=True)
class View:
    """Display-only choices: changing them redraws a chart and never retrains."""

    log_scale: bool
    discretize: bool
    show_test: bool


@dataclass(frozen=True)
class Slots:
    status: object
    progress: object
    boundary: object
    boundary_note: object
    loss: object
    accuracy: object
    network: object
    scores: object
    neurons: object


# ------------------------------------------------------------------ messages
def messages(url_warnings: list[str], notice: str | None, run) -> None:
    """Every one-sentence message of this run, each shown once."""
    if url_warnings:
        st.warning("Some settings in the link could not be used as given. " + " ".join(url_warnings))
    notes = st.session_state.pop("playground_notes", []) + list(run.notes if run is not None else [])
    if notice:
        st.info(notice, icon=":material/refresh:")
    for note in dict.fromkeys(notes):
        st.info(note, icon=":material/info:")


def no_data(problem: str | None) -> None:
    """The CSV choice without a usable file: say why, show the format, offer an example."""
    if problem:
        st.error(problem)
    st.info("Upload a CSV in the sidebar with columns **x1, x2** and **label** (whole-number classes) or "
            "**target** (numbers, for regression). An optional **split** column (train/test) fixes the split.")
    example = make_dataset("xor_cloud", n=40, noise=0.1, seed=0)
    st.download_button("Download an example CSV", to_csv(example), file_name="xor_cloud.csv", mime="text/csv")


# ------------------------------------------------------------------ controls
def buttons(run) -> None:
    cols = st.columns([1.3, 1, 1, 1, 1.2, 1])
    cols[0].button("Train", icon=":material/play_arrow:", on_click=state.train_more, type="primary", width="stretch",
                   help=f"Train {run.config.epochs:,} more epochs (the Epochs setting), drawing as it goes.")
    cols[1].button("Step 1", on_click=state.step, args=(1,), width="stretch",
                   help="One epoch: one pass over the training data.")
    cols[2].button("Step 10", on_click=state.step, args=(10,), width="stretch")
    cols[3].button("Reset", icon=":material/restart_alt:", on_click=state.reset, width="stretch",
                   help="Back to the same initial weights (same seed), untrained.")
    cols[4].button("New seed", icon=":material/casino:", on_click=state.new_seed, width="stretch",
                   help="Start from different random initial weights.")
    cols[5].button("Stop", icon=":material/stop:", on_click=state.stop, width="stretch",
                   help="Stop training where it is.")


def layout(run) -> tuple[Slots, View]:
    """Placeholders for every chart, with the display toggles next to the chart they change."""
    status, progress = st.empty(), st.empty()
    left, right = st.columns([1.1, 1], gap="large")
    with left:
        st.subheader("Prediction over the plane" if run.data.kind == "regression" else "Decision boundary")
        a, b = st.columns(2)
        discretize = a.toggle("Discretize", key="view_discretize",
                              help="Show only the decision (which side of the boundary), not the confidence.")
        show_test = b.toggle("Show test points", value=True, key="view_test")
        boundary, boundary_note = st.empty(), st.empty()
    with right:
        st.subheader("Loss")
        log_scale = st.toggle("Log scale", key="view_log", help="Shows small losses late in training clearly.")
        loss = st.empty()
        st.caption("Loss is how wrong the network is on average: lower is better. The test curve uses held-out "
                   "points; if it rises while the train curve falls, the network is overfitting. "
                   "Hover for exact values.")
        accuracy = st.empty()
    left, right = st.columns(2, gap="large")
    with left:
        st.subheader("The network")
        network = st.empty()
        st.caption("Each line is a weight: **thicker** = larger, **blue** = positive, **orange** = negative. "
                   "Circles are units, coloured by their bias. Hover over a line or circle for its value.")
    with right:
        st.subheader("Scores" if run.data.kind == "regression" else "Confusion matrix")
        scores = st.empty()
    st.subheader("Hidden units")
    st.caption("Each square is one hidden unit's output over the same plane as the decision boundary: **blue** "
               "where it is positive, **orange** where negative. The first layer can only draw straight edges; "
               "later layers combine those pictures into curved shapes.")
    neurons = st.empty()
    slots = Slots(status, progress, boundary, boundary_note, loss, accuracy, network, scores, neurons)
    return slots, View(log_scale, discretize, show_test)


# ------------------------------------------------------------------ drawing
def _spec(name: str, token: tuple, build, options: tuple = ()) -> dict:
    """The chart's spec for this run state, built once; its datasets already as Arrow bytes.

    One entry per chart and display option, so toggling back and forth rebuilds nothing;
    an entry is replaced as soon as the run moves on (token = run serial and epoch).
    """
    memo = st.session_state.setdefault(SPECS, {})
    hit = memo.get((name, options))
    if hit is None or hit[0] != token:
        spec = charts.to_spec(build())
        spec["datasets"] = {k: dataframe_util.convert_anything_to_arrow_bytes(v) for k, v in spec["datasets"].items()}
        hit = memo[(name, options)] = (token, spec)
    return hit[1]


def draw(run, slots: Slots, view: View, live: bool = False) -> None:
    """Fill every placeholder from the run's current state (cheap when nothing changed).

    ``live`` frames, drawn while training, use a coarser boundary so the browser keeps up.
    """
    token = (st.session_state.get(state.SERIAL), run.trainer.epoch, live)
    data, net, history = run.data, run.net, run.history
    units = sum(min(w, charts.MAX_UNITS) for w in net.layer_sizes[1:-1])
    size = charts.thumb_size(units)
    resolution = LIVE_RESOLUTION if live else 100
    pictures = cache(lambda: state.grids(net, data.domain, size, charts.MAX_UNITS, resolution))
    _status(run, slots.status)

    slots.boundary.vega_lite_chart(spec=_spec("boundary", token, lambda: (
        charts.boundary_chart(pictures(), data, view.discretize, view.show_test)),
        (view.discretize, view.show_test)), width="content")
    slots.boundary_note.caption(CAPTIONS[data.kind])
    if len(history):
        slots.loss.vega_lite_chart(spec=_spec("loss", token, lambda: (
            charts.loss_chart(history, view.log_scale)), (view.log_scale,)), width="stretch")
    else:
        slots.loss.info("Not trained yet: press **Train** or **Step**.")
    if data.kind != "regression" and len(history):
        with slots.accuracy.container():
            st.vega_lite_chart(spec=_spec("accuracy", token, lambda: charts.accuracy_chart(history)), width="stretch")
            st.caption("Accuracy is the share of points on the right side of the boundary.")
    else:
        slots.accuracy.empty()
    slots.network.vega_lite_chart(spec=_spec("network", token, lambda: charts.network_chart(net)), width="stretch")
    _scores(run, slots.scores, token)
    if units:
        slots.neurons.vega_lite_chart(spec=_spec("neurons", token, lambda: charts.neurons_chart(
            pictures().hidden, net.hidden_activations, net.layer_sizes[1:-1])), width="content")
    else:
        slots.neurons.info("This network has no hidden layer, so it can only draw a straight boundary. "
                           "Add a layer in the sidebar to bend it.")


def _status(run, slot) -> None:
    trainer = run.trainer
    now = trainer.evaluate()
    with slot.container():
        if trainer.done:
            st.error(f"Diverged at epoch {run.history.diverged_at} — try a lower learning rate, then press Reset.")
        cols = st.columns(4)
        cols[0].metric("Epoch", f"{trainer.epoch:,}")
        cols[1].metric("Train loss", _number(now.get("train_loss")))
        cols[2].metric("Test loss", _number(now.get("test_loss")))
        if trainer.classify:
            cols[3].metric("Test accuracy", _percent(now.get("test_accuracy", now.get("train_accuracy"))))
        else:
            cols[3].metric("Test R²", _number(metrics.scores(run.net, run.data)["test_r2"]))
        if state.stopped():
            st.caption(f"Stopped at epoch {trainer.epoch:,}. Press Train to continue.")


def _scores(run, slot, token) -> None:
    data = run.data
    s = metrics.scores(run.net, data)
    with slot.container():
        if data.kind == "regression":
            a, b = st.columns(2)
            a.metric("R² (test)", _number(s["test_r2"]), help="1 is a perfect fit; 0 is no better than the mean.")
            b.metric("RMSE (test)", _number(s["test_rmse"]), help="Typical size of an error, in target units.")
            st.caption(f"On the training points: R² {_number(s['train_r2'])}, RMSE {_number(s['train_rmse'])}.")
            return
        st.vega_lite_chart(spec=_spec("confusion", token, lambda: charts.confusion_chart(s["confusion"])),
                           width="content")
        st.caption(f"Counts on the {s['confusion_split']} points: rows are the true class, columns what the "
                   "network predicted. The diagonal holds the correct answers.")


def _number(value) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.4f}"


def _percent(value) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{100 * value:.1f} %"


# ------------------------------------------------------------------ live training
def train_and_draw(run, slots: Slots, view: View) -> None:
    """Train until the session's target epoch, redrawing now and then, and draw the result.

    Each chunk lasts about CHUNK_SECONDS; the progress update after it is where
    Streamlit notices a click on Stop (or any control) and ends this run. A long
    first run hands over to a second one early, since the browser keeps a
    session's controls greyed out until its first run ends. Live
    redraws come every REFRESH_SECONDS, or less often if drawing is slow, so
    training keeps most of the time and the browser is not flooded.
    """
    lock, me = state.claim()
    fresh = state.fresh()
    trainer, goal = run.trainer, state.target()
    first = trainer.epoch
    begun, next_draw, chunk = time.perf_counter(), 0.0, 8
    while True:
        with lock:
            if not state.owns(me):
                return  # a newer script run (a click) has taken over this session's run
            if trainer.epoch >= goal or trainer.done:
                break
            with state.cpu_turn():
                tick = time.perf_counter()
                trainer.run(min(chunk, goal - trainer.epoch))
                took = time.perf_counter() - tick
        chunk = max(1, min(10_000, round(chunk * CHUNK_SECONDS / max(took, 1e-4))))
        now = time.perf_counter()
        if now - begun > QUIET_SECONDS:
            slots.progress.progress(min(1.0, (trainer.epoch - first) / max(1, goal - first)),
                                    text=f"Training… epoch {trainer.epoch:,} of {goal:,}")
            if now >= next_draw:
                with lock, state.cpu_turn():
                    draw(run, slots, view, live=True)
                spent = time.perf_counter() - now
                next_draw = time.perf_counter() + max(REFRESH_SECONDS, 2 * spent)
            if fresh:  # end the first run so the buttons (Stop!) become usable; the next run trains on
                st.rerun()
    slots.progress.empty()
    with lock, state.cpu_turn():
        state.finished(run)
        draw(run, slots, view)


# ------------------------------------------------------------------ more about the run
EXTRAS = {
    "Gradient flow": lambda run: experiments.diagnostics_panel(run, "playground.diagnostics"),
    "Export": lambda run: exports.export_panel(run, "playground.export", name="playground"),
}


def extras(run) -> None:
    """Gradient-flow diagnostics and downloads, drawn only when asked for: the first load stays fast."""
    st.subheader("More about this run")
    choice = st.segmented_control(
        "More about this run", list(EXTRAS), key="playground.more", label_visibility="collapsed",
        help="Gradient flow: per-layer gradient norms, update sizes, dead or saturated units, and plain-word findings. "
             "Export: the weights (JSON, .npz), the history and data (CSV), a standalone NumPy script, the charts.")
    if choice is None:
        st.caption("Choose **Gradient flow** to see how the error signal reaches each layer, or **Export** to "
                   "download this run. To restore a saved run, use the Experiments page.")
        return
    EXTRAS[choice](run)
