"""Widgets shared by the Backprop and Tutorials pages: they arrange, nn_core computes.

Session state (one permanent key each):
- ``backprop_lesson``: the :class:`nn_core.explain.Lesson` being stepped through, with
  ``backprop_settings``, the settings it was built from;
- ``backprop_stage``: the key of the stage on screen ("Z1", "dW2", ...);
- ``backprop_edit``: the last weight edit, to show how the loss moved.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import matrices
from nn_core import explain
from nn_core.activations import get_activation
from nn_core.gradcheck import BREAKAGES, get_breakage
from nn_core.heads import HEADS
from nn_core.presets import PRESETS
from nn_core.runs import make_dataset

LISTINGS = Path(__file__).parent / "listings"
PLAYGROUND_PAGE = "pages/1_Playground.py"
ROOT = Path(__file__).resolve().parents[1]
LESSON, SETTINGS, STAGE, EDIT = "backprop_lesson", "backprop_settings", "backprop_stage", "backprop_edit"
DEFAULT_SOURCE = "Seed 002's XOR network (2-4-1)"
PLAYGROUND_SOURCE = "The Playground's network"
PHASE_LABELS = {"forward": "Forward pass", "loss": "Loss", "backward": "Backward pass", "update": "Update"}
ACTIVATION_CHOICES = ("sigmoid", "tanh", "relu")


def listing(name: str) -> str:
    """The seed tutorial's code for preset ``name``, as shown (and run) on the Tutorials page."""
    return (LISTINGS / f"{name}.txt").read_text(encoding="utf-8")


def playground_link(config, label: str = "Open in Playground") -> None:
    """A link that opens the Playground with ``config`` in its URL, once that page exists."""
    from nn_core.config import to_query

    if (ROOT / PLAYGROUND_PAGE).exists():
        st.page_link(PLAYGROUND_PAGE, label=label, icon="🎛️", query_params=to_query(config))
    else:
        st.caption("The Playground page is not available yet.")


# ---------------------------------------------------------------- the lesson
def playground_run():
    """The Playground's current run (an nn_core Run) if this session has one, else None."""
    return None


def lesson_sources() -> list[str]:
    return [DEFAULT_SOURCE] + ([PLAYGROUND_SOURCE] if playground_run() is not None else [])


def _build_lesson(source: str, activation: str, output: str, lr: float) -> explain.Lesson:
    if source == PLAYGROUND_SOURCE and playground_run() is not None:
        run = playground_run()
        sizes = list(run.net.layer_sizes)
        if output == "softmax" and run.net.output != "softmax":
            sizes[-1] = 2
        return explain.Lesson.build(sizes, activation, output, run.data.X_train, run.data.y_train, lr=lr,
                                    init=run.config.init, init_scale=run.config.init_scale, seed=run.config.seed,
                                    weights=run.net.weights, biases=run.net.biases)
    config = PRESETS["seed-002"].config
    data = make_dataset(config)
    sizes = [2, *config.hidden, 2 if output == "softmax" else 1]
    return explain.Lesson.build(sizes, activation, output, data.X_train, data.y_train, lr=lr, init=config.init,
                                init_scale=config.init_scale, seed=config.seed)


def lesson_controls() -> explain.Lesson:
    """Sidebar: which network, its activation, output and learning rate; returns the lesson.

    Changing a setting rebuilds the network from the same seed (same starting weights).
    """
    sb = st.sidebar
    sb.header("The network")
    source = sb.radio("Network", lesson_sources(), key="backprop_source")
    activation = sb.selectbox("Hidden activation f", ACTIVATION_CHOICES, key="backprop_activation",
                              format_func=lambda n: get_activation(n).label)
    kind = "binary"
    if source == PLAYGROUND_SOURCE and playground_run() is not None:
        kind = playground_run().data.kind
    output = sb.selectbox("Output / loss", explain.OUTPUTS_FOR_KIND[kind], key="backprop_output",
                          format_func=lambda n: HEADS[n].label)
    lr = sb.select_slider("Learning rate η", (0.01, 0.03, 0.1, 0.3, 1.0, 3.0), value=1.0, key="backprop_lr")
    settings = (source, activation, output, lr)
    if st.session_state.get(SETTINGS) != settings or LESSON not in st.session_state:
        st.session_state[LESSON] = _build_lesson(*settings)
        st.session_state[SETTINGS] = settings
        st.session_state.pop(EDIT, None)
    lesson = st.session_state[LESSON]
    sb.caption(f"{lesson.net!r}, trained with plain gradient descent on {len(lesson.X)} samples "
               f"(the whole batch each step). A new setting restarts from the same initial weights.")
    return lesson


def training_controls(lesson: explain.Lesson) -> None:
    """+1 / +100 training steps, with the iteration count and the loss."""
    c1, c2, c3, c4 = st.columns([1, 1, 1, 1.2])
    c1.button("+1 step", on_click=lesson.step, args=(1,), key="backprop_step1", width="stretch")
    c2.button("+100 steps", on_click=lesson.step, args=(100,), key="backprop_step100", width="stretch")
    c3.metric("Iteration", lesson.iteration)
    loss = lesson.loss()
    c4.metric("Loss", f"{loss:.6f}" if math.isfinite(loss) else "not finite")
    if lesson.iteration and abs(loss - math.log(2)) < 1e-3:
        st.caption("The loss sits at ln 2 ≈ 0.6931, a coin toss: with small random weights the hidden units start "
                   "almost identical. This is seed 002's plateau; the Tutorials page explains it.")
    if lesson.trainer.done:
        st.warning(f"Training stopped: {lesson.status}. Lower the learning rate or change a setting to restart.")


def _move(keys: list[str], delta: int) -> None:
    i = keys.index(st.session_state[STAGE]) if st.session_state.get(STAGE) in keys else 0
    st.session_state[STAGE] = keys[min(max(i + delta, 0), len(keys) - 1)]


def stage_navigator(stages: list[explain.Stage]) -> explain.Stage:
    """Back / Next buttons and a slider over the stage names; returns the stage on screen."""
    keys = [s.key for s in stages]
    if st.session_state.get(STAGE) not in keys:
        st.session_state[STAGE] = keys[0]
    back, slider, nxt = st.columns([1, 8, 1], vertical_alignment="bottom")
    back.button("◀ Back", on_click=_move, args=(keys, -1), key="backprop_back", width="stretch")
    nxt.button("Next ▶", on_click=_move, args=(keys, 1), key="backprop_next", width="stretch")
    slider.select_slider("Stage", keys, key=STAGE, label_visibility="collapsed")
    return stages[keys.index(st.session_state[STAGE])]


def show_stage(stage: explain.Stage, index: int, total: int) -> None:
    """The stage's equation, its plain explanation, what it reuses, and its matrices with their shapes."""
    st.markdown(f"**{PHASE_LABELS[stage.phase]}** · stage {index + 1} of {total}")
    st.subheader(stage.title)
    st.latex(stage.latex)
    st.markdown(stage.explanation)
    st.caption("Shapes: " + ", ".join(f"{name} {'×'.join(map(str, np.shape(a)))}" for name, a in stage.arrays)
               + ". Hover a cell for its exact value.")
    if stage.reuses:
        names = ", ".join(f"`{n}`" for n in stage.reuses)
        st.info(f"Reuses {names} from the forward pass's cache: stored then, not recomputed now.", icon="♻️")
    roles = [_role(stage, name, i == 0) for i, (name, _) in enumerate(stage.arrays)]
    per_row = 3 if stage.phase == "update" else 4  # the update: rows of new W ← W, dW
    st.altair_chart(matrices.stage_chart(stage.arrays, roles, per_row), width="content")


def _role(stage: explain.Stage, name: str, first: bool) -> str:
    if first or name.startswith("new "):
        return "result of this stage"
    if name in stage.reuses:
        return "cached in the forward pass"
    if stage.phase == "update":
        return "gradient" if name.startswith("d") else "before the step"
    return "used here"


def weight_editor(lesson: explain.Lesson) -> None:
    """Pick one weight, type a value, and see the loss move."""
    net = lesson.net
    c1, c2, c3, c4 = st.columns(4)
    layer = c1.selectbox("Layer", range(1, net.n_layers + 1), format_func=lambda l: f"W{l}", key="edit_layer")
    W = net.weights[layer - 1]
    row = c2.selectbox("Row (input unit)", range(W.shape[0]), key=f"edit_row_{layer}")
    col = c3.selectbox("Column (unit)", range(W.shape[1]), key=f"edit_col_{layer}")
    c4.number_input(f"W{layer}[{row},{col}]", min_value=-50.0, max_value=50.0, step=0.5, format="%.4f",
                    value=float(np.clip(W[row, col], -50, 50)), key=f"edit_value_{layer}_{row}_{col}_{lesson.iteration}",
                    on_change=_apply_edit, args=(lesson, layer, row, col))
    edit = st.session_state.get(EDIT)
    if edit:
        st.markdown(f"You set **{edit['name']}** from {edit['old']:.4f} to {edit['new']:.4f}: the loss moved from "
                    f"**{edit['before']:.6f}** to **{edit['after']:.6f}** ({edit['after'] - edit['before']:+.6f}).")


def _apply_edit(lesson: explain.Lesson, layer: int, row: int, col: int) -> None:
    value = st.session_state[f"edit_value_{layer}_{row}_{col}_{lesson.iteration}"]
    before = lesson.loss()
    try:
        old, new = explain.set_weight(lesson.net, layer, row, col, float(value))
    except ValueError as error:
        st.session_state[EDIT] = None
        st.toast(str(error))
        return
    st.session_state[EDIT] = {"name": f"W{layer}[{row},{col}]", "old": old, "new": new, "before": before,
                              "after": lesson.loss()}


# ------------------------------------------------------------ gradient check
NO_BREAKAGE = "none"


def gradient_check(lesson: explain.Lesson) -> None:
    """Analytic vs central-difference gradients for every parameter, optionally with backprop broken."""
    choice = st.selectbox("Break the backward pass", [NO_BREAKAGE, *BREAKAGES], key="backprop_breakage",
                          format_func=lambda n: "No: check the engine's backward pass" if n == NO_BREAKAGE
                          else BREAKAGES[n].label)
    breakage = None if choice == NO_BREAKAGE else choice
    check = lesson.gradient_check(breakage)
    verdict = (f"largest error {check.max_error:.1e} against a tolerance of {check.tolerance:.0e}, over "
               f"{sum(p.analytic.size for p in check.params)} parameters")
    if check.passed:
        st.success(f"**Passed**: backprop agrees with central differences ({verdict}).", icon="✅")
    else:
        st.error(f"**Failed**: backprop disagrees with central differences ({verdict}).", icon="❌")
    if breakage:
        st.markdown(f"**What was broken:** {get_breakage(breakage).explanation}")
    elif not check.passed and lesson.kinks():
        st.markdown(f"**Why, with nothing broken:** {lesson.kinks()} ReLU input(s) sit exactly on the corner at "
                    "z = 0 (XOR's (0, 0) sample with zero biases), where the slope is undefined: backprop uses 0, "
                    "the ±ε nudge sees ½. Take one training step and check again.")
    else:
        st.markdown("Each parameter is nudged by ±ε = 1e-5 and the loss recomputed: (L(θ+ε) − L(θ−ε)) / 2ε "
                    "estimates its gradient without any calculus. Agreement to about 8 digits means the chain rule "
                    "was applied correctly everywhere.")
    left, right = st.columns([3, 2])
    left.altair_chart(matrices.gradcheck_chart(check), width="stretch")
    right.dataframe(matrices.gradcheck_summary(check), hide_index=True, width="stretch")
    with st.expander("Every entry: backprop, central difference, relative error"):
        st.dataframe(matrices.gradcheck_frame(check), hide_index=True, width="stretch")


# ---------------------------------------------------------------- scenarios
@st.cache_data(show_spinner="Training the scenario and its fix…", max_entries=8)
def _scenario(name: str):
    from nn_core.scenarios import run_scenario

    return run_scenario(name)


def what_goes_wrong(chart_module) -> None:
    """The three failure scenarios, one click each: explanation, numbers, gradient bars, loss curve."""
    from nn_core.scenarios import SCENARIOS

    name = st.radio("Scenario", list(SCENARIOS), key="backprop_scenario", horizontal=True,
                    format_func=lambda n: SCENARIOS[n].label, index=None)
    if name is None:
        st.caption("Pick a scenario: each trains a small network that goes wrong, and the same network with "
                   "one fix.")
        return
    result = _scenario(name)
    scenario, broken = result.scenario, result.broken
    st.markdown(f"**Why it happens.** {scenario.explanation}")
    st.markdown("\n".join(f"- {line}" for line in result.findings))
    left, right = st.columns(2)
    left.markdown("**Gradient size per layer, first epoch**")
    left.altair_chart(matrices.layer_gradient_chart({"as set up": broken, f"with {scenario.fix_label}": result.fixed}),
                      width="stretch")
    right.markdown(f"**Loss (log scale)**: {broken.status}")
    right.altair_chart(chart_module.loss_chart(broken.history, log_scale=True), width="stretch")
    with st.expander("The numbers per layer"):
        st.dataframe(pd.DataFrame(broken.layer_rows()), hide_index=True, width="stretch")
    cfg = broken.config
    st.caption(f"Setup: {cfg.dataset}, hidden layers {list(cfg.hidden)}, {cfg.activation}, init {cfg.init}, "
               f"lr {cfg.lr:g}, bias init {cfg.bias_init:g}, {cfg.epochs} epochs.")
    playground_link(cfg, "Try it in the Playground")


# ---------------------------------------------------------------- tutorials
def tables_frame(replay: explain.Replay) -> pd.DataFrame:
    """The engine's printed table beside the tutorial's, one row per printed line."""
    return pd.DataFrame({"nnplay prints": replay.engine_lines, "the tutorial shows": replay.claimed_lines,
                         "same": ["✓" if ok else "✗" for ok in replay.agree]})


def show_tables(replay: explain.Replay) -> None:
    """Both tables, rows that differ highlighted."""
    frame = tables_frame(replay)
    styled = frame.style.apply(
        lambda row: ["background-color: #fde2e1" if row["same"] == "✗" else "background-color: #e3f4e1"] * len(row),
        axis=1)
    st.dataframe(styled, hide_index=True, width="stretch")


def predictions_frame(replay: explain.Replay) -> pd.DataFrame:
    return pd.DataFrame({
        "input": [str([int(v) if float(v).is_integer() else v for v in p["input"]]) for p in replay.predictions],
        "target": [int(p["target"]) for p in replay.predictions],
        "probability": [p["probability"] for p in replay.predictions],
        "predicted": [p["predicted"] for p in replay.predictions],
    })


def script_download(name: str) -> None:
    """Download the preset as a standalone NumPy script (nn_core's script export)."""
    from nn_core.script import export_script

    preset = PRESETS[name]
    source = export_script(preset.config, log_every=preset.log_every, line=preset.line)
    st.download_button("Download as a NumPy script", source, file_name=f"nnplay_{name.replace('-', '_')}.py",
                       mime="text/x-python", key=f"download_{name}", icon="⬇️")
