"""The Backprop page's panels: one training step stage by stage, the gradient check, what goes wrong.

They arrange; nn_core computes (:mod:`nn_core.teaching.backprop_lesson` builds the lesson, :mod:`nn_core.teaching.stages` its stages). The
matrices' charts are :mod:`dashboard.backprop.matrices`'. Session state (named in :mod:`dashboard.keys`):
the lesson being stepped through and the settings it was built from, the stage on screen, the last weight
edit, and the widgets' values.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import streamlit as st

from nn_core import parameter_edits
from nn_core.activations import get_activation
from nn_core.analysis.gradcheck import BREAKAGES, get_breakage
from nn_core.config import PARAM_BY_NAME
from nn_core.heads import HEADS, HEADS_FOR_KIND
from nn_core.runs import make_dataset
from nn_core.teaching.backprop_lesson import BackpropLesson
from nn_core.teaching.presets import PRESETS
from nn_core.teaching.stages import Stage

from .. import chart_specs, controls, curves, keys
from .. import weight_editor as weight_editor_control
from ..palette import BROKEN, DEEP_POSITIVE
from ..playground_link import playground_link, playground_run
from . import matrices

DEFAULT_SOURCE = "Seed 002's XOR network (2-4-1)"
PLAYGROUND_SOURCE = "The Playground's network"
PHASE_LABELS = {"forward": "Forward pass", "loss": "Loss", "backward": "Backward pass", "update": "Update"}
ACTIVATION_CHOICES = ("sigmoid", "tanh", "relu")
DEFAULT_LR = 1.0


# ---------------------------------------------------------------- the lesson
def lesson_sources() -> list[str]:
    return [DEFAULT_SOURCE] + ([PLAYGROUND_SOURCE] if playground_run() is not None else [])


def _n_outputs(output: str, n_classes: int) -> int:
    """One output per class for softmax, else one."""
    return max(2, n_classes) if output == "softmax" else 1


def _build_lesson(source: str, activation: str, output: str, lr: float) -> BackpropLesson:
    run = playground_run() if source == PLAYGROUND_SOURCE else None
    if run is not None:
        sizes = [*run.net.layer_sizes[:-1], _n_outputs(output, run.data.n_classes)]
        return BackpropLesson.build(sizes, activation, output, run.data.X_train, run.data.y_train, lr=lr,
                                    init=run.config.init, init_scale=run.config.init_scale, seed=run.config.seed,
                                    weights=run.net.weights, biases=run.net.biases,
                                    reduction=run.config.reduction, features=run.net.features)
    config = PRESETS["seed-002"].config
    data = make_dataset(config)
    sizes = [2, *config.hidden, _n_outputs(output, 2)]
    return BackpropLesson.build(sizes, activation, output, data.X_train, data.y_train, lr=lr, init=config.init,
                                init_scale=config.init_scale, seed=config.seed)


def _adopt_source() -> None:
    """Switching to the Playground's network takes its activation and output too."""
    run = playground_run()
    if st.session_state.get(keys.BACKPROP_SOURCE) == PLAYGROUND_SOURCE and run is not None:
        st.session_state[keys.BACKPROP_ACTIVATION] = run.net.hidden_activations[0] if run.net.hidden_activations \
            else ACTIVATION_CHOICES[0]
        st.session_state[keys.BACKPROP_OUTPUT] = run.net.output


def _activation_choices() -> tuple:
    run = playground_run()
    extra = [] if run is None else [a for a in run.net.hidden_activations[:1] if a not in ACTIVATION_CHOICES]
    return (*ACTIVATION_CHOICES, *extra)


def lesson() -> BackpropLesson:
    """The lesson the sidebar's settings describe, read from their session state (defaults before they are
    drawn), so the page can draw its first stage before those controls (:func:`lesson_controls`).

    Changing a setting rebuilds the network from the same seed (same starting weights).
    """
    ss = st.session_state
    source = ss.get(keys.BACKPROP_SOURCE, DEFAULT_SOURCE)
    run = playground_run() if source == PLAYGROUND_SOURCE else None
    outputs = _outputs(run)
    if ss.get(keys.BACKPROP_OUTPUT) not in outputs:
        ss[keys.BACKPROP_OUTPUT] = outputs[0]
    # The Playground's run and epoch are part of the settings: train it more, come back, and the lesson follows.
    marker = None if run is None else (ss.get(keys.SERIAL), run.trainer.epoch)
    settings = (source, ss.get(keys.BACKPROP_ACTIVATION, _activation_choices()[0]), ss[keys.BACKPROP_OUTPUT],
                ss.get(keys.BACKPROP_LR, DEFAULT_LR), marker)
    if ss.get(keys.BACKPROP_SETTINGS) != settings or keys.BACKPROP_LESSON not in ss:
        ss[keys.BACKPROP_LESSON] = _build_lesson(*settings[:4])
        ss[keys.BACKPROP_SETTINGS] = settings
        ss.pop(keys.BACKPROP_LAST_EDIT, None)
    return ss[keys.BACKPROP_LESSON]


def _outputs(run) -> tuple:
    """The output layers (and losses) that fit the lesson's data: the Playground's kind, else binary XOR."""
    return HEADS_FOR_KIND[run.data.kind if run is not None else "binary"]


def lesson_controls(lesson: BackpropLesson) -> None:
    """Sidebar: which network, its activation, output and learning rate, and what the lesson is built from.

    Drawn after the first stage's chart (the sidebar keeps its place on screen): a setting changed here
    reruns the page, whose :func:`lesson` reads the new value first.
    """
    sb = st.sidebar
    sb.header("The network")
    source = sb.radio("Network", lesson_sources(), key=keys.BACKPROP_SOURCE, on_change=_adopt_source)
    sb.selectbox("Hidden activation f", _activation_choices(), key=keys.BACKPROP_ACTIVATION,
                 format_func=lambda n: get_activation(n).label)
    run = playground_run() if source == PLAYGROUND_SOURCE else None
    sb.selectbox("Output / loss", _outputs(run), key=keys.BACKPROP_OUTPUT, format_func=lambda n: HEADS[n].label)
    controls.draw(PARAM_BY_NAME["lr"], sb, key=keys.BACKPROP_LR, label="Learning rate η", value=DEFAULT_LR)
    origin = ("the Playground's current weights and its first " if source == PLAYGROUND_SOURCE
              else "seed 42's initial weights and ")
    sb.caption(f"{lesson.net!r}: {origin}{len(lesson.X)} training samples, plain gradient descent on the whole "
               f"batch each step. A new setting restarts from the same weights.")


def training_controls(lesson: BackpropLesson) -> None:
    """+1 / +100 training steps, with the iteration count and the loss."""
    c1, c2, c3, c4 = st.columns([1, 1, 1, 1.2])
    c1.button("+1 step", on_click=lesson.step, args=(1,), key=keys.BACKPROP_STEP1, width="stretch")
    c2.button("+100 steps", on_click=lesson.step, args=(100,), key=keys.BACKPROP_STEP100, width="stretch")
    c3.metric("Iteration", lesson.iteration)
    loss = lesson.loss()
    c4.metric("Loss", f"{loss:.6f}" if math.isfinite(loss) else "not finite")
    if lesson.iteration and abs(loss - math.log(2)) < 1e-3:
        st.caption("The loss sits at ln 2 ≈ 0.6931, a coin toss: with small random weights the hidden units start "
                   "almost identical. This is seed 002's plateau; the Tutorials page explains it.")
    if lesson.trainer.done:
        st.warning(f"Training stopped: {lesson.status}. Lower the learning rate or change a setting to restart.")


def _move(names: list[str], delta: int) -> None:
    i = names.index(st.session_state[keys.BACKPROP_STAGE]) if st.session_state.get(keys.BACKPROP_STAGE) in names else 0
    st.session_state[keys.BACKPROP_STAGE] = names[min(max(i + delta, 0), len(names) - 1)]


def stage_navigator(stages: list[Stage]) -> Stage:
    """Back / Next buttons and a slider over the stage names; returns the stage on screen."""
    names = [s.key for s in stages]
    if st.session_state.get(keys.BACKPROP_STAGE) not in names:
        st.session_state[keys.BACKPROP_STAGE] = names[0]
    back, slider, nxt = st.columns([1, 8, 1], vertical_alignment="bottom")
    back.button("◀ Back", on_click=_move, args=(names, -1), key=keys.BACKPROP_BACK, width="stretch")
    nxt.button("Next ▶", on_click=_move, args=(names, 1), key=keys.BACKPROP_NEXT, width="stretch")
    slider.select_slider("Stage", names, key=keys.BACKPROP_STAGE, label_visibility="collapsed",
                         persist_state="session")  # in a tab the page draws only while it is open
    return stages[names.index(st.session_state[keys.BACKPROP_STAGE])]


def show_stage(stage: Stage, index: int, total: int) -> None:
    """The stage's equation, its plain explanation, what it reuses, and its matrices with their shapes."""
    st.markdown(f"**{PHASE_LABELS[stage.phase]}** · stage {index + 1} of {total}")
    st.subheader(stage.title)
    st.latex(stage.latex)
    st.markdown(stage.explanation)
    st.caption("Shapes: " + ", ".join(f"{name} {'×'.join(map(str, np.shape(a)))}" for name, a in stage.arrays)
               + ". Hover a cell for its exact value.")
    if stage.reuses:
        names = ", ".join(f"`{n}`" for n in stage.reuses)
        st.info(f"Reuses {names} from the forward pass's cache: stored then, not recomputed now.", icon=":material/recycling:")
    roles = [_role(stage, name, i == 0) for i, (name, _) in enumerate(stage.arrays)]
    per_row = 3 if stage.phase == "update" else 4  # the update: rows of new W ← W, dW
    st.vega_lite_chart(stage_spec(stage.arrays, roles, per_row), width="content")


def stage_spec(arrays, roles, per_row: int) -> dict:
    """The stage's matrices as a Vega-Lite spec, cached by their exact values: every visitor opens the page on
    the same first stage, and building and validating its Altair chart costs ~0.5 s of the page's first chart."""
    arrays = [(name, np.atleast_2d(np.asarray(a, dtype=np.float64))) for name, a in arrays]
    identity = chart_specs.digest(per_row, *roles, *[part for name, a in arrays for part in (name, a)])
    return chart_specs.spec("backprop.stage", identity, lambda: matrices.stage_chart(arrays, list(roles), per_row))


def _role(stage: Stage, name: str, first: bool) -> str:
    if first or name.startswith("new "):
        return "result of this stage"
    if name in stage.reuses:
        return "cached in the forward pass"
    if stage.phase == "update":
        return "gradient" if name.startswith("d") else "before the step"
    return "used here"


def weight_editor(lesson: BackpropLesson) -> None:
    """Pick one weight or bias, type a value, and see the loss move (the Playground's editor is the same control)."""
    weight_editor_control.draw(lesson.net, prefix=keys.BACKPROP_EDITOR, version=lesson.iteration,
                               persist_state="session",
                               apply=lambda layer, row, col, value: _apply_edit(lesson, layer, row, col, value))
    edit = st.session_state.get(keys.BACKPROP_LAST_EDIT)
    if edit:
        st.markdown(f"You set **{edit['name']}** from {edit['old']:.4f} to {edit['new']:.4f}: the loss moved from "
                    f"**{edit['before']:.6f}** to **{edit['after']:.6f}** ({edit['after'] - edit['before']:+.6f}).")


def _apply_edit(lesson: BackpropLesson, layer: int, row, col: int, value: float) -> None:
    before = lesson.loss()
    try:
        if row == weight_editor_control.BIAS:
            old, new = parameter_edits.set_bias(lesson.net, layer, col, value)
        else:
            old, new = parameter_edits.set_weight(lesson.net, layer, row, col, value)
    except ValueError as error:
        st.session_state[keys.BACKPROP_LAST_EDIT] = None
        st.toast(str(error))
        return
    st.session_state[keys.BACKPROP_LAST_EDIT] = {"name": weight_editor_control.name(layer, row, col), "old": old, "new": new,
                              "before": before, "after": lesson.loss()}


# ------------------------------------------------------------ gradient check
NO_BREAKAGE = "none"
AUTO_CHECK_PARAMETERS = 2_000  # above this, the check (2 forward passes per parameter) waits for a click


def gradient_check(lesson: BackpropLesson) -> None:
    """Analytic vs central-difference gradients for every parameter, optionally with backprop broken."""
    choice = st.selectbox("Break the backward pass", [NO_BREAKAGE, *BREAKAGES], key=keys.BACKPROP_BREAKAGE,
                          persist_state="session",
                          format_func=lambda n: "No: check the engine's backward pass" if n == NO_BREAKAGE
                          else BREAKAGES[n].label)
    breakage = None if choice == NO_BREAKAGE else choice
    n_params = lesson.net.n_parameters()
    if n_params > AUTO_CHECK_PARAMETERS and not st.button(
            f"Run the check ({n_params:,} parameters, two loss evaluations each)", key=keys.BACKPROP_RUN_CHECK):
        st.caption("This network is large, so the check runs only when you ask for it.")
        return
    check = lesson.gradient_check(breakage)
    verdict = (f"largest error {check.max_error:.1e} against a tolerance of {check.tolerance:.0e}, over "
               f"{sum(p.analytic.size for p in check.params)} parameters")
    if check.passed:
        st.success(f"**Passed**: backprop agrees with central differences ({verdict}).", icon=":material/check_circle:")
    else:
        st.error(f"**Failed**: backprop disagrees with central differences ({verdict}).", icon=":material/cancel:")
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
    identity = chart_specs.digest(check.tolerance, *[part for p in check.params
                                                     for part in (p.name, p.analytic, p.numeric)])
    left.vega_lite_chart(chart_specs.spec("backprop.gradcheck", identity, lambda: matrices.gradcheck_chart(check)),
                         width="stretch")
    right.dataframe(matrices.gradcheck_summary(check), hide_index=True, width="stretch",
                    column_config={"error": st.column_config.NumberColumn(format="%.1e")})
    with st.expander("Every entry: backprop, central difference, relative error"):
        st.dataframe(matrices.gradcheck_frame(check), hide_index=True, width="stretch",
                     column_config={"relative error": st.column_config.NumberColumn(format="%.1e"),
                                    "backprop": st.column_config.NumberColumn(format="%.10f"),
                                    "central difference": st.column_config.NumberColumn(format="%.10f")})


# ---------------------------------------------------------------- scenarios
@st.cache_data(show_spinner="Training the scenario and its fix…", max_entries=8)
def _scenario(name: str):
    from nn_core.teaching.scenarios import run_scenario

    return run_scenario(name)


def what_goes_wrong() -> None:
    """The three failure scenarios, one click each: explanation, numbers, gradient bars, loss curve."""
    from nn_core.teaching.scenarios import SCENARIOS, layer_numbers

    name = st.radio("Scenario", list(SCENARIOS), key=keys.BACKPROP_SCENARIO, horizontal=True,
                    format_func=lambda n: SCENARIOS[n].label, index=None, persist_state="session")
    if name is None:
        st.caption("Pick a scenario: each trains a small network that goes wrong, and the same network with "
                   "one fix.")
        return
    result = _scenario(name)
    scenario, broken, fixed = result.scenario, result.broken, result.fixed
    st.markdown(f"**Why it happens.** {scenario.explanation}")
    st.markdown("\n".join(f"- {line}" for line in result.findings))
    left, right = st.columns(2)
    fixed_label = f"with {scenario.fix_label}"
    numbers = layer_numbers(broken.history)
    left.markdown(f"**Gradient size per layer**: {matrices.GRADIENT_VIEWS[scenario.gradients]}")
    left.altair_chart(matrices.layer_gradient_chart({"as set up": numbers, fixed_label: layer_numbers(fixed.history)},
                                                    scenario.gradients), width="stretch")
    right.markdown(f"**Training loss, log scale** (as set up: {broken.history.status})")
    classify = broken.config.output != "linear"
    right.altair_chart(curves.curves_chart({"as set up": (broken.history.epochs, broken.history.columns["loss"]),
                                              fixed_label: (fixed.history.epochs, fixed.history.columns["loss"])},
                                             reference=curves.LN2 if classify else None, log_scale=True,
                                             colours=(BROKEN, DEEP_POSITIVE), floor=matrices.ERROR_FLOOR),
                       width="stretch")
    with st.expander("The numbers per layer"):
        st.dataframe(pd.DataFrame(numbers.rows()), hide_index=True, width="stretch")
    cfg = broken.config
    st.caption(f"Setup: {cfg.dataset}, hidden layers {list(cfg.hidden)}, {cfg.activation}, init {cfg.init}, "
               f"lr {cfg.lr:g}, bias init {cfg.bias_init:g}, {cfg.epochs} epochs.")
    playground_link(cfg, "Try it in the Playground")
