"""The Playground's panels: controls, the live view on one screen, and the details below it.

The page calls these in order. The live view is a fragment (numbers, one picture, the replay slider)
whose placeholders the live loop refills every frame. Play, Step and the display settings rerun only
that fragment, so a click shows its frame without the browser redrawing the page; the details
(confusion matrix, gradient flow, export) are drawn once per page run, below the fold.
"""

from __future__ import annotations

import contextvars
import math
from dataclasses import dataclass

import streamlit as st
from streamlit.errors import StreamlitAPIException

from nn_core import metrics
from nn_core.datasets import make as make_dataset
from nn_core.datasets import to_csv
from nn_core.features import FEATURES

from .. import chart_specs, charts, diagnostics, exports, keys
from ..page import KEEP, lazy_section
from . import (
    draw,
    drawer,
    editor,
    frames,
    graph,
    inside,
    lessons,
    live_charts,
    loss_landscape,
    picture,
    plane,
    runtime,
    state,
    warp,
)

CAPTIONS = {
    "binary": "Background: the network's answer at every point, **blue** for class 1, **orange** for class 0, "
              "white where unsure. Circles are training points; dark-outlined diamonds are test points.",
    "multiclass": "Background: the class the network predicts at every point, pale where unsure. Circles are "
                  "training points; dark-outlined diamonds are test points.",
    "regression": "Background: the network's prediction at every point (blue high, orange low); points are "
                  "coloured by their true target. Dark-outlined diamonds are test points.",
}
GRAPH_CAPTION = ("**Click the network:** an input switches its feature on or off (faded: off), a hidden unit "
                 "fills the boundary panel (click it again to go back), the output unit shows the boundary, and a "
                 "line (a weight) or the small square at a unit's corner (its bias) opens a box to type its value.")
NETWORK_CAPTION = ("Each square is a unit's output over the plane (blue positive, orange negative), its frame "
                   "coloured by its bias. Lines are weights: **thicker** = larger, **blue** +, **orange** −.")


@dataclass(frozen=True)
class View:
    """Display-only choices: changing them redraws and never retrains."""

    log_scale: bool
    discretize: bool
    show_test: bool
    inspect: bool = False  # paused: the interactive chart (exact values on hover) instead of the picture
    unit: tuple[int, int] | None = None  # the hidden unit shown in place of the boundary (playground.inside)
    inputs: tuple[str, ...] | None = None  # every feature the inspected graph draws as an input, on or off
    draw: bool = False  # inspected: a click on the boundary panel draws a point (playground.plane)


@dataclass(frozen=True)
class Slots:
    numbers: object  # the line of numbers
    chart: object  # the live view: a picture, or the chart when inspected


# ------------------------------------------------------------------ messages
def messages(url_warnings: list[str], run) -> None:
    """Every one-sentence message about the link, the last change and adjusted settings."""
    if url_warnings:
        st.warning("Some settings in the link could not be used as given. " + " ".join(url_warnings))
    notes = st.session_state.pop(keys.NOTES, []) + list(run.notes if run is not None else [])
    notice = state.notice()
    if notice:
        st.info(notice, icon=":material/refresh:")
    for note in dict.fromkeys(notes):
        st.info(note, icon=":material/info:")
    if run is not None and run.trainer.done:
        st.error(f"Diverged at epoch {run.history.diverged_at} — try a lower learning rate, then press Reset.")


def no_data(problem: str | None) -> None:
    """The CSV choice without a usable file: say why, show the format, offer an example."""
    if problem:
        st.error(problem)
    st.info("Upload a CSV in the sidebar with columns **x1, x2** and **label** (whole-number classes) or "
            "**target** (numbers, for regression). An optional **split** column (train/test) fixes the split.")
    example = make_dataset("xor_cloud", n=40, noise=0.1, seed=0)
    st.download_button("Download an example CSV", to_csv(example), file_name="xor_cloud.csv", mime="text/csv")


# ------------------------------------------------------------------ controls
FOLLOWING = {"Warped plane", "Loss landscape"}  # details below the live view that follow the network while it plays
_PAGE_RUN = contextvars.ContextVar("nnplay_page_run", default=False)  # the live view runs as part of the page


def rerun_live() -> None:
    """In a callback: rerun only the live view, not the page.

    A whole page's rerun costs the browser most of a second on this page, for the ~75 elements it redraws;
    the live view alone is a tenth of that, so a click on Play shows its first frame at once. A detail
    that follows the network (the warped plane) is outside the live view, so then the page reruns.
    """
    if st.session_state.get(keys.MORE) in FOLLOWING:
        return
    try:
        st.rerun(keys.LIVE_VIEW)
    except StreamlitAPIException:  # the last page run ended before registering the live view
        return


def _on_play() -> None:
    state.start_playing()
    rerun_live()


def _on_step() -> None:
    state.step()
    rerun_live()


def _on_view() -> None:
    state.said()
    rerun_live()


SPEED_WIDTH = 240  # pixels: the speed slider beside the buttons on a laptop, under them on a phone


def controls(run) -> None:
    """Play, Pause, Step, Reset, New seed and the speed, in one row as in TF Playground.

    Play and Pause are two buttons, not one that changes its label: a click on Play reruns only the
    live view, so a button outside it could not change, and a button inside it could not interrupt
    the training (Streamlit lets a click outside a fragment interrupt a run, not one inside it).
    """
    # A row that wraps: on a phone the five buttons take two short rows (columns would stack them one a row).
    with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
        st.button("Play", icon=":material/play_arrow:", on_click=_on_play, type="primary", key=keys.PLAY_BUTTON,
                  help="Train until paused; a new run pauses by itself at its epoch budget "
                       f"({run.config.epochs:,}, the Epochs setting).")
        st.button("Pause", icon=":material/pause:", on_click=state.stop_playing, key=keys.PAUSE_BUTTON,
                  help="Stop training here; Play continues from this moment.")
        st.button("Step", icon=":material/skip_next:", on_click=_on_step,
                  help="One epoch: one pass over the training data.")
        st.button("Reset", icon=":material/restart_alt:", on_click=state.reset,
                  help="Back to the same initial weights (same seed), untrained.")
        st.button("New seed", icon=":material/casino:", on_click=state.new_seed,
                  help="Start from different random initial weights.")
        st.session_state.setdefault(keys.SPEED, runtime.DEFAULT_SPEED)
        st.select_slider("Speed", options=list(runtime.SPEEDS), key=keys.SPEED, on_change=rerun_live, width=SPEED_WIDTH,
                         help="Epochs trained between two frames (about 20 frames a second). The fastest "
                              "setting trains as much as fits a frame.")


def view_of(run) -> View:
    """The view's display settings, from their widgets' state (the live view is drawn before them)."""
    get = st.session_state.get
    inputs = tuple(FEATURES) if "features" not in state.link().hidden else None  # a lesson may fix them
    inspect = bool(get(keys.VIEW_INSPECT, False))
    return View(bool(get(keys.VIEW_LOG, False)), bool(get(keys.VIEW_DISCRETIZE, False)),
                bool(get(keys.VIEW_TEST, True)), inspect, inside.chosen(run), inputs,
                inspect and not state.playing() and plane.drawing(run))


def live_view(run) -> tuple[Slots, View]:
    """The live view, as part of the page's run: (its slots, its view), for :func:`play_on`."""
    token = _PAGE_RUN.set(True)
    try:
        return _live_view(run)
    finally:
        _PAGE_RUN.reset(token)


@st.fragment(key=keys.LIVE_VIEW)
def _live_view(page_run) -> tuple[Slots, View]:
    """The numbers, then one picture (or chart) of the network, curves and boundary; paused, the replay
    slider under it.

    Rerun alone (after Play or Step, see :func:`rerun_live`) it also trains: the live loop runs here.
    """
    run = st.session_state.get(keys.RUN, page_run)  # a rerun alone keeps the page run's arguments
    numbers = st.empty()
    with st.container(key=keys.LIVE_PICTURE):  # dashboard.page keeps it within the window's height
        slots, view = Slots(numbers, st.empty()), view_of(run)
    if not state.playing():
        replay_slider(run)
    draw_now(run, slots, view)
    if view.inspect and not state.playing():
        plane.control(run)
        graph.edit_box(run)
        if state.explains():
            st.caption(GRAPH_CAPTION)
    if not _PAGE_RUN.get() and state.playing():
        play_on(run, slots, view)
    return slots, view


def view_controls(run) -> None:
    """Display-only settings under the live view, in a popover built only when opened: they redraw the
    view, never retrain, and work while it plays (they sit outside the live view's fragment, so a click
    interrupts the live loop, which then goes on with the new view)."""
    box = lazy_section("Inspect and display", keys.VIEW_OPEN, kind="popover", icon=":material/visibility:",
                       help="Inspect the paused view (exact values, clicks on the network), a log scale for "
                            "the loss, the decision alone, the test points, or one hidden unit in place of "
                            "the boundary.")
    if box.open:
        with box:
            st.toggle("Inspect", key=keys.VIEW_INSPECT, on_change=_on_view, **KEEP,
                      help="While paused, hover over a weight, a unit, a point or a curve for its exact value, "
                           "and click the network: an input switches its feature on or off, a hidden unit fills "
                           "the boundary panel, a weight or a bias opens a box to type its value. The view "
                           "becomes an interactive chart, which a browser takes a second or two longer to draw; "
                           "playing always shows the picture.")
            st.toggle("Log scale", key=keys.VIEW_LOG, on_change=_on_view, **KEEP,
                      help="Shows small losses late in training clearly.")
            st.toggle("Discretize", key=keys.VIEW_DISCRETIZE, on_change=_on_view, **KEEP,
                      help="Show only the decision (which side of the boundary), not the confidence.")
            st.toggle("Test points", value=True, key=keys.VIEW_TEST, on_change=_on_view, **KEEP)
            inside.control(run, on_change=_on_view)
    if state.explains():
        left, right = st.columns([1.45, 1])
        left.caption(NETWORK_CAPTION)
        right.caption(CAPTIONS[run.data.kind])


def replay_slider(run) -> None:
    """Scrub back through the run's snapshots while paused (boundary, units, metrics and a marker on the curves)."""
    epochs = [int(s[0]) for s in run.trainer.snapshots]
    if len(epochs) < 2:
        return
    options = epochs + ["now"] if epochs[-1] != run.trainer.epoch else epochs[:-1] + ["now"]
    if st.session_state.get(keys.REPLAY) not in options:
        st.session_state[keys.REPLAY] = "now"
    st.select_slider("Replay", options=options, key=keys.REPLAY,
                     format_func=lambda e: "now" if e == "now" else f"epoch {e:,}",
                     help="Go back to an earlier moment of this run; Play continues from now.")


def replayed() -> int | None:
    """The epoch the replay slider shows, or None for now (always None while playing)."""
    value = st.session_state.get(keys.REPLAY)
    return None if state.playing() or value in (None, "now") else int(value)


# ------------------------------------------------------------------ specs (built once) and frames
def _live_spec(shape: tuple) -> dict:
    """The live chart's spec, built once per server for each structure (Altair takes about a second)."""
    return chart_specs.spec_of("playground.live", shape, lambda: live_charts.own_views(
        chart_specs.to_spec(live_charts.live_chart(*shape))))


def _confusion_spec(counts: tuple) -> dict:
    """The confusion matrix's spec, its data inline (records), built once per server for each matrix."""
    def make() -> dict:
        spec = chart_specs.to_spec(charts.confusion_chart(counts))
        spec["datasets"] = {name: frame.to_dict("records") for name, frame in spec["datasets"].items()}
        return spec
    return chart_specs.spec_of("playground.confusion", counts, make)


def live_spec(run, view: View) -> dict:
    """The live chart's spec for this run's structure and display options: one object per session and
    structure, so every frame sends the very same spec (and the image buffers know when it changed)."""
    data = run.data
    layout = picture.layout_sizes(run.net.layer_sizes, picture.graph_inputs(run.net, view.inputs))
    shape = (data.domain, data.kind, data.n_classes, picture.target_limit(data), view.show_test, bool(data.n_test),
             layout, view.log_scale, (draw.CELLS, draw.LIMIT) if view.draw else None)
    memo = st.session_state.setdefault(keys.SPECS, {})
    if shape not in memo:
        if len(memo) > 16:
            memo.clear()
        memo[shape] = _live_spec(shape)
    return memo[shape]


BUFFERED = ("picture", "units")  # the inspected chart's datasets of pictures (live_charts.ImageBuffers)


def send(run, frame: frames.Frame, slots: Slots, view: View, clickable: bool = False) -> None:
    """Fill the live view: the frame's picture, or (paused and inspected) the same spec as last time with
    this frame's data.

    ``clickable``: the chart takes clicks on its network graph (playground.graph), and on its boundary panel
    while drawing on it (playground.plane); only the script run's first draw may, since a widget's key can
    be drawn once per run.
    """
    slots.numbers.markdown(frame.text)
    if frame.picture is not None:  # the whole view as one picture (dashboard.playground.picture)
        st.session_state.pop(keys.BUFFERS, None)  # the chart that comes back on Pause is a new view
        slots.chart.image(frame.picture, width=frame.width)
        return
    spec = live_spec(run, view)
    held = st.session_state.get(keys.BUFFERS)
    if held is None or held[0] is not spec:  # a new spec is a new view in the browser, with nothing loaded
        held = st.session_state[keys.BUFFERS] = (spec, live_charts.ImageBuffers(BUFFERED))
    spec = {**spec, "datasets": held[1].datasets(frame.datasets)}
    if not clickable:
        slots.chart.vega_lite_chart(spec=spec, width="content")
        return
    key = graph.chart_key()
    slots.chart.vega_lite_chart(spec=spec, width="content", key=key, on_select=lambda: graph.clicked(key),
                                selection_mode=live_charts.CLICKS if view.draw else live_charts.GRAPH)


def _number(value) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.4f}"


def _percent(value) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{100 * value:.1f} %"


def draw_now(run, slots: Slots, view: View) -> None:
    """The live view's first picture of this script run, before the details below it are built.

    Playing, it is already a frame of training: the first picture after a click on Play shows learning.
    """
    if state.playing():
        send(run, runtime.first_frame(run, view), slots, view)
        return
    drawer.warm_up()  # the drawing worker starts while the paused page is shown
    send(run, runtime.frame_now(run, view, at=replayed(), final=True), slots, view, clickable=True)


def play_on(run, slots: Slots, view: View, follow=None) -> None:
    """While playing, show each frame the runtime yields (the page's last call); then ``follow``, if given
    (a detail that follows the network, see :func:`details`), updates itself."""
    fresh = state.fresh()  # the session's first run: its widgets work only once it ends
    if not state.playing():
        return
    for frame in runtime.Player(run, view, hand_over=fresh).frames():
        send(run, frame, slots, view)
        if follow is not None:
            follow()


# ------------------------------------------------------------------ details, below the live view
def scores(run) -> None:
    """Confusion matrix (classification) or R² and RMSE (regression), as of this script run."""
    data = run.data
    s = metrics.scores(run.net, data)
    if data.kind == "regression":
        st.subheader("Scores")
        a, b = st.columns(2)
        a.metric("R² (test)", _number(s["test_r2"]), help="1 is a perfect fit; 0 is no better than the mean.")
        b.metric("RMSE (test)", _number(s["test_rmse"]), help="Typical size of an error, in target units.")
        st.caption(f"On the training points: R² {_number(s['train_r2'])}, RMSE {_number(s['train_rmse'])}.")
        return
    st.subheader("Confusion matrix")
    st.vega_lite_chart(spec=_confusion_spec(tuple(map(tuple, s["confusion"].tolist()))))
    st.caption(f"Counts on the {s['confusion_split']} points at epoch {run.trainer.epoch:,}: rows are the true "
               "class, columns what the network predicted. The diagonal holds the correct answers.")


EXTRAS = {
    "Gradient flow": lambda run: diagnostics.panel(run, keys.DIAGNOSTICS),
    "Export": lambda run: exports.export_panel(run, keys.EXPORT, name="playground"),
    "Edit a weight": editor.panel,
    "Warped plane": warp.panel,
    "Loss landscape": loss_landscape.panel,
    "Lessons": lessons.lessons_panel,
}


def details(run):
    """Below the live view: scores, and gradient-flow diagnostics and downloads on request.

    Returns what the live loop calls each frame to keep the open tab following the network (the warped
    plane's), or None.
    """
    st.divider()
    left, right = st.columns([1, 1.4], gap="large")
    with left:
        scores(run)
    with right:
        st.subheader("More about this run")
        choice = st.segmented_control(
            "More about this run", list(EXTRAS), key=keys.MORE, label_visibility="collapsed",
            help="Gradient flow: per-layer gradient norms, update sizes, dead or saturated units, and findings. "
                 "Export: the weights (JSON, .npz), the history and data (CSV), a NumPy script, the charts. "
                 "Edit a weight: set one weight or bias; training continues from it. Warped plane: the data "
                 "as two units of a hidden layer see it. Loss landscape: the loss on a slice through the "
                 "weights, with the training path on it. Lessons: exercises with a check, and a link builder.")
        if choice is None:
            st.caption("Choose **Gradient flow** to see how the error signal reaches each layer, or **Export** "
                       "to download this run. To restore a saved run, use the Experiments page.")
            return None
    return EXTRAS[choice](run)
