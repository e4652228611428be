"""Widgets shared by the Backprop and Tutorials pages: they arrange, nn_core computes.

Session state (one permanent key each):
- ``backprop_lesson``: the :class:`nn_core.teaching.backprop_lesson.BackpropLesson` being stepped through, with
  ``backprop_settings``, the settings it was built from;
- ``backprop_stage``: the key of the stage on screen ("Z1", "dW2", ...);
- ``backprop_edit``: the last weight edit, to show how the loss moved.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import controls, matrices
from dashboard import weight_editor as weight_editor_control
from dashboard.keys import RUN as PLAYGROUND_RUN
from dashboard.keys import SERIAL as PLAYGROUND_SERIAL
from dashboard.page import lazy_expander
from nn_core import parameter_edits
from nn_core.activations import get_activation
from nn_core.analysis.gradcheck import BREAKAGES, get_breakage
from nn_core.config import PARAM_BY_NAME
from nn_core.heads import HEADS, HEADS_FOR_KIND
from nn_core.runs import make_dataset
from nn_core.teaching import replays
from nn_core.teaching.backprop_lesson import BackpropLesson
from nn_core.teaching.presets import PRESETS
from nn_core.teaching.stages import Stage

LISTINGS = Path(__file__).parent / "listings"
PLAYGROUND_PAGE = "pages/1_Playground.py"
LESSON, SETTINGS, STAGE, EDIT = "backprop_lesson", "backprop_settings", "backprop_stage", "backprop_edit"
DEFAULT_SOURCE = "Seed 002's XOR network (2-4-1)"
PLAYGROUND_SOURCE = "The Playground's network"
PHASE_LABELS = {"forward": "Forward pass", "loss": "Loss", "backward": "Backward pass", "update": "Update"}
ACTIVATION_CHOICES = ("sigmoid", "tanh", "relu")


def listing(name: str) -> str:
    """The seed tutorial's code for preset ``name``, as shown (and run) on the Tutorials page."""
    return (LISTINGS / f"{name}.txt").read_text(encoding="utf-8")


def playground_link(config, label: str = "Open in Playground") -> None:
    """A link that opens the Playground with ``config`` in its URL (its query parameters)."""
    from urllib.parse import urlencode

    from streamlit.errors import StreamlitPageNotFoundError

    from nn_core.config import to_query

    query = to_query(config)
    try:
        st.page_link(PLAYGROUND_PAGE, label=label, icon=":material/science:", query_params=query)
    except StreamlitPageNotFoundError:  # a page run as its own entry point (AppTest) sees no pages/ folder
        st.markdown(f"[{label}](/Playground?{urlencode(query)})")


# ---------------------------------------------------------------- the lesson
def playground_run():
    """The Playground's current run (an nn_core Run) if this session has one, else None."""
    run = st.session_state.get(PLAYGROUND_RUN)
    return run if run is not None and getattr(run, "net", None) is not None else None


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
    if st.session_state.get("backprop_source") == PLAYGROUND_SOURCE and run is not None:
        st.session_state["backprop_activation"] = run.net.hidden_activations[0] if run.net.hidden_activations \
            else ACTIVATION_CHOICES[0]
        st.session_state["backprop_output"] = run.net.output


def _activation_choices() -> tuple:
    run = playground_run()
    extra = [] if run is None else [a for a in run.net.hidden_activations[:1] if a not in ACTIVATION_CHOICES]
    return (*ACTIVATION_CHOICES, *extra)


def lesson_controls() -> BackpropLesson:
    """Sidebar: which network, its activation, output and learning rate; returns the lesson.

    Changing a setting rebuilds the network from the same seed (same starting weights).
    """
    sb = st.sidebar
    sb.header("The network")
    source = sb.radio("Network", lesson_sources(), key="backprop_source", on_change=_adopt_source)
    activation = sb.selectbox("Hidden activation f", _activation_choices(), key="backprop_activation",
                              format_func=lambda n: get_activation(n).label)
    run = playground_run() if source == PLAYGROUND_SOURCE else None
    outputs = HEADS_FOR_KIND[run.data.kind if run is not None else "binary"]
    if st.session_state.get("backprop_output") not in outputs:
        st.session_state["backprop_output"] = outputs[0]
    output = sb.selectbox("Output / loss", outputs, key="backprop_output", format_func=lambda n: HEADS[n].label)
    lr = controls.draw(PARAM_BY_NAME["lr"], sb, key="backprop_lr", label="Learning rate η", value=1.0)
    # The Playground's run and epoch are part of the settings: train it more, come back, and the lesson follows.
    marker = None if run is None else (st.session_state.get(PLAYGROUND_SERIAL), run.trainer.epoch)
    settings = (source, activation, output, lr, marker)
    if st.session_state.get(SETTINGS) != settings or LESSON not in st.session_state:
        st.session_state[LESSON] = _build_lesson(*settings[:4])
        st.session_state[SETTINGS] = settings
        st.session_state.pop(EDIT, None)
    lesson = st.session_state[LESSON]
    origin = ("the Playground's current weights and its first " if source == PLAYGROUND_SOURCE
              else "seed 42's initial weights and ")
    sb.caption(f"{lesson.net!r}: {origin}{len(lesson.X)} training samples, plain gradient descent on the whole "
               f"batch each step. A new setting restarts from the same weights.")
    return lesson


def training_controls(lesson: BackpropLesson) -> None:
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


def stage_navigator(stages: list[Stage]) -> Stage:
    """Back / Next buttons and a slider over the stage names; returns the stage on screen."""
    keys = [s.key for s in stages]
    if st.session_state.get(STAGE) not in keys:
        st.session_state[STAGE] = keys[0]
    back, slider, nxt = st.columns([1, 8, 1], vertical_alignment="bottom")
    back.button("◀ Back", on_click=_move, args=(keys, -1), key="backprop_back", width="stretch")
    nxt.button("Next ▶", on_click=_move, args=(keys, 1), key="backprop_next", width="stretch")
    slider.select_slider("Stage", keys, key=STAGE, label_visibility="collapsed")
    return stages[keys.index(st.session_state[STAGE])]


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


def _digest(*parts) -> str:
    """A key for arrays and labels: names, shapes and exact bytes."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            digest.update(str((part.dtype, part.shape)).encode())
            digest.update(np.ascontiguousarray(part).tobytes())
        else:
            digest.update(repr(part).encode())
    return digest.hexdigest()


def stage_spec(arrays, roles, per_row: int) -> dict:
    """The stage's matrices as a Vega-Lite spec, cached by their exact values: every visitor opens the page on
    the same first stage, and building and validating its Altair chart costs ~0.5 s of the page's first chart."""
    arrays = [(name, np.atleast_2d(np.asarray(a, dtype=np.float64))) for name, a in arrays]
    key = _digest(per_row, *roles, *[part for name, a in arrays for part in (name, a)])
    return _stage_spec(key, arrays, list(roles), per_row)


@st.cache_data(max_entries=256, show_spinner=False)
def _stage_spec(key: str, _arrays, _roles, per_row: int) -> dict:
    from dashboard import charts

    return charts.to_spec(matrices.stage_chart(_arrays, _roles, per_row))


@st.cache_data(max_entries=64, show_spinner=False)
def _gradcheck_spec(key: str, _check) -> dict:
    from dashboard import charts

    return charts.to_spec(matrices.gradcheck_chart(_check))


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
    weight_editor_control.draw(lesson.net, prefix="edit_", version=lesson.iteration,
                               apply=lambda layer, row, col, value: _apply_edit(lesson, layer, row, col, value))
    edit = st.session_state.get(EDIT)
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
        st.session_state[EDIT] = None
        st.toast(str(error))
        return
    st.session_state[EDIT] = {"name": weight_editor_control.name(layer, row, col), "old": old, "new": new,
                              "before": before, "after": lesson.loss()}


# ------------------------------------------------------------ gradient check
NO_BREAKAGE = "none"
AUTO_CHECK_PARAMETERS = 2_000  # above this, the check (2 forward passes per parameter) waits for a click


def gradient_check(lesson: BackpropLesson) -> None:
    """Analytic vs central-difference gradients for every parameter, optionally with backprop broken."""
    choice = st.selectbox("Break the backward pass", [NO_BREAKAGE, *BREAKAGES], key="backprop_breakage",
                          format_func=lambda n: "No: check the engine's backward pass" if n == NO_BREAKAGE
                          else BREAKAGES[n].label)
    breakage = None if choice == NO_BREAKAGE else choice
    n_params = lesson.net.n_parameters()
    if n_params > AUTO_CHECK_PARAMETERS and not st.button(
            f"Run the check ({n_params:,} parameters, two loss evaluations each)", key="backprop_run_check"):
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
    key = _digest(check.tolerance, *[part for p in check.params for part in (p.name, p.analytic, p.numeric)])
    left.vega_lite_chart(_gradcheck_spec(key, check), width="stretch")
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

    name = st.radio("Scenario", list(SCENARIOS), key="backprop_scenario", horizontal=True,
                    format_func=lambda n: SCENARIOS[n].label, index=None)
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
    right.altair_chart(matrices.curves_chart({"as set up": (broken.history.epochs, broken.history.columns["loss"]),
                                              fixed_label: (fixed.history.epochs, fixed.history.columns["loss"])},
                                             reference=matrices.LN2 if classify else None, log_scale=True,
                                             colours=(matrices.BROKEN, matrices.POSITIVE)),
                       width="stretch")
    with st.expander("The numbers per layer"):
        st.dataframe(pd.DataFrame(numbers.rows()), hide_index=True, width="stretch")
    cfg = broken.config
    st.caption(f"Setup: {cfg.dataset}, hidden layers {list(cfg.hidden)}, {cfg.activation}, init {cfg.init}, "
               f"lr {cfg.lr:g}, bias init {cfg.bias_init:g}, {cfg.epochs} epochs.")
    playground_link(cfg, "Try it in the Playground")


# ---------------------------------------------------------------- tutorials
def tables_frame(replay: replays.Replay) -> pd.DataFrame:
    """The engine's printed table beside the tutorial's, one row per printed line."""
    return pd.DataFrame({"nnplay prints": replay.engine_lines, "the tutorial shows": replay.claimed_lines,
                         "same": ["✓" if ok else "✗" for ok in replay.agree]})


def show_tables(replay: replays.Replay) -> None:
    """Both tables, rows that differ highlighted."""
    frame = tables_frame(replay)
    styled = frame.style.apply(
        lambda row: ["background-color: #fde2e1" if row["same"] == "✗" else "background-color: #e3f4e1"] * len(row),
        axis=1)
    st.dataframe(styled, hide_index=True, width="stretch")


def predictions_frame(replay: replays.Replay) -> pd.DataFrame:
    return pd.DataFrame({
        "input": [str([int(v) if float(v).is_integer() else v for v in p["input"]]) for p in replay.predictions],
        "target": [int(p["target"]) for p in replay.predictions],
        "probability": [p["probability"] for p in replay.predictions],
        "predicted": [p["predicted"] for p in replay.predictions],
    })


def script_source(name: str) -> str:
    """Preset ``name`` as one standalone NumPy file (nn_core's script export) printing its loss table."""
    from nn_core.programs.script import export_script

    preset = PRESETS[name]
    return export_script(preset.config, log_every=preset.log_every, line=preset.line)


def script_download(name: str) -> None:
    st.download_button("Download as a NumPy script", script_source(name),
                       file_name=f"nnplay_{name.replace('-', '_')}.py", mime="text/x-python", key=f"download_{name}",
                       icon=":material/download:", help="One Python file, NumPy its only import: it trains this network from the same "
                                       "seed and prints the same loss table.")


@st.cache_data(show_spinner="Replaying the tutorial with nnplay's engine…", max_entries=32)
def tutorial_replay(name: str, init_scale: float | None = None, seed: int | None = None) -> replays.Replay:
    """The preset replayed (optionally with another init_scale or seed), cached: a pure function of its arguments."""
    config = PRESETS[name].config
    changes = {k: v for k, v in (("init_scale", init_scale), ("seed", seed)) if v is not None}
    return replays.replay(name, config.replace(**changes) if changes else None)


def setup_text(replay: replays.Replay) -> str:
    """The run's setup in one sentence, from its config."""
    c = replay.run.config
    sizes = "-".join(str(s) for s in [2, *c.hidden, 1])
    n = len(replay.predictions)
    samples = "both samples" if n == 2 else f"all {n} samples"
    return (f"A {sizes} network: {get_activation(c.activation).label} hidden units, a sigmoid output with binary "
            f"cross-entropy. Weights `np.random.randn(...) × {c.init_scale:g}` after `np.random.seed({c.seed})`, "
            f"biases 0. Plain gradient descent, learning rate {c.lr:g}, {c.epochs:,} epochs on {samples}, "
            f"gradients {'summed (no 1/n)' if c.reduction == 'sum' else 'averaged (÷ n)'}.")


def tutorial(name: str, chart_module) -> None:
    """One seed tutorial: setup, code, both loss tables, the curve, the predictions, and its own lesson."""
    preset, replay = PRESETS[name], tutorial_replay(name)
    st.subheader(preset.title)
    st.markdown(setup_text(replay))
    left, right = st.columns(2)
    with left:
        playground_link(preset.config)
    with right:
        script_download(name)
    with lazy_expander("The tutorial's code (runs as is: `python file.py`)", f"tutorial_code_{name}") as code:
        if code.open:
            st.code(listing(name), language="python", line_numbers=True)
    TUTORIAL_NOTES[name]["before"](replay)
    tables, curve = st.columns([1, 1])
    with tables:
        st.markdown("**The loss table:** what nnplay prints beside what the tutorial shows")
        show_tables(replay)
    with curve:
        st.markdown("**The loss curve** (nnplay's run)")
        st.vega_lite_chart(tutorial_loss_spec(name), width="stretch")
    st.markdown("**Final predictions** (probability ≥ 0.5 → 1)")
    st.dataframe(predictions_frame(replay), hide_index=True, width="content")
    TUTORIAL_NOTES[name]["after"](replay)


@st.cache_data(show_spinner=False, max_entries=8)
def tutorial_loss_spec(name: str) -> dict:
    """The preset's loss curve as a Vega-Lite spec: built once per server (an Altair chart costs 50-150 ms to
    build and validate), shared by every session."""
    from dashboard import charts

    return charts.to_spec(charts.loss_chart(tutorial_replay(name).curve))


@st.cache_data(show_spinner=False, max_entries=32)
def plateau_specs(init_scale: float, seed: int) -> tuple[dict, dict]:
    """(loss curves, unit spread) specs of seed 002 beside its variant with ``init_scale`` and ``seed``."""
    from dashboard import charts

    replay, variant = tutorial_replay("seed-002"), tutorial_replay("seed-002", init_scale, seed)
    tutorial_label, label = "tutorial: init 0.1, seed 42", f"init {init_scale:g}, seed {seed}"
    curves, marks, spreads = ({tutorial_label: _losses(replay)}, {tutorial_label: replay.plateau},
                              {tutorial_label: replay.symmetry})
    if variant.run.config != replay.run.config:
        curves[label], marks[label], spreads[label] = _losses(variant), variant.plateau, variant.symmetry
    return (charts.to_spec(matrices.curves_chart(curves, marks)),
            charts.to_spec(matrices.symmetry_chart(spreads)))


def _losses(replay: replays.Replay) -> tuple[list, list]:
    """(epochs, losses) of every recorded epoch of the replayed run."""
    return replay.run.history.epochs, replay.run.history.columns["loss"]


def _summed_gradients(replay: replays.Replay) -> None:
    n, lr = len(replay.predictions), replay.run.config.lr
    same = tutorial_replay_mean_equivalent(lr * n).engine_lines == replay.engine_lines
    st.markdown(f"#### Summed gradients\nThe tutorial computes `dW2 = np.dot(A1.T, dZ2)` with no `/ m`: its "
                f"gradients are the **sum** over its {n} samples, while the loss it prints is the **mean** "
                f"(`np.mean`). A sum is n × the mean, so every step is {n} × larger than the mean loss's gradient "
                f"would give:")
    st.latex(r"\frac{\partial}{\partial W}\sum_{i=1}^{n} L_i \;=\; n\,\frac{\partial}{\partial W}"
             r"\Big(\frac{1}{n}\sum_{i=1}^{n} L_i\Big)"
             rf"\qquad\Rightarrow\qquad \eta_{{\text{{effective}}}} = n\,\eta = {n} \times {lr:g} = {n * lr:g}")
    st.markdown("nnplay replays it with *gradient reduction = sum*. "
                + (f"Check: averaged gradients with learning rate {n * lr:g} print the same table ✓."
                   if same else f"Averaged gradients with learning rate {n * lr:g} print a slightly different "
                                "table (rounding)."))


@st.cache_data(max_entries=2)
def tutorial_replay_mean_equivalent(lr: float) -> replays.Replay:
    """Seed 000 with averaged gradients and n × the learning rate: the same descent, written the usual way."""
    config = PRESETS["seed-000"].config.replace(reduction="mean", lr=lr)
    return replays.replay("seed-000", config)


def _code_versus_claim(replay: replays.Replay) -> None:
    st.warning("**The article's “Expected output” is not what its code prints.** As printed, the code does not "
               "even run: `backward` assigns `b1` and `b2` without receiving them, so Python stops with "
               "`UnboundLocalError`. With that one fix (shown in the listing), the code prints the first column "
               "of the table below, and nnplay prints the same, digit for digit. The article's table (second "
               "column) comes from some other run.", icon=":material/warning:")


def _plateau(replay: replays.Replay) -> None:
    st.markdown(
        f"#### Why the loss sits at ln 2 ≈ 0.6931 for {replay.plateau:,} epochs\n"
        "`randn × 0.1` makes every weight tiny, so all four hidden units start near sigmoid(0) = 0.5 and compute "
        "almost the same function. Their gradients are then almost the same too, so they move together. Four "
        "identical units are no better than one, and one unit cannot do XOR: the best it can do is answer 0.5 "
        "everywhere, which costs exactly ln 2. The network sits near this **saddle point** while the tiny "
        "differences between the units slowly grow; once they split apart (*symmetry breaks*), the loss falls "
        "within a few hundred epochs.")
    st.markdown("**Try it:** start from larger weights or another seed, and watch the plateau shorten or vanish.")
    c1, c2, c3 = st.columns([2, 1, 2])
    scale = c1.select_slider("Init scale (randn × …)", INIT_SCALES, value=0.1, key="tutorial_init_scale")
    seed = controls.draw(PARAM_BY_NAME["seed"], c2, key="tutorial_seed", label="Seed", value=42)
    variant = tutorial_replay("seed-002", float(scale), int(seed))
    plateau = variant.plateau
    c3.metric(f"Epochs on the plateau (loss ≥ {replays.PLATEAU_LOSS})",
              f"{plateau:,}" if plateau is not None else f"more than {variant.run.history.epochs[-1]:,}",
              delta=(f"{plateau - replay.plateau:+,} vs the tutorial's {replay.plateau:,}"
                     if plateau is not None and plateau != replay.plateau else None),
              delta_color="inverse")
    loss_spec, spread_spec = plateau_specs(float(scale), int(seed))
    left, right = st.columns(2)
    left.markdown("**Loss**: the dotted line marks where the plateau ends")
    left.vega_lite_chart(loss_spec, width="stretch")
    right.markdown("**Unit spread**: how different the hidden units are")
    right.vega_lite_chart(spread_spec, width="stretch")
    right.caption("The largest root-mean-square gap between two hidden units' outputs over the 4 inputs: near 0 "
                  "while the units are clones, rising when symmetry breaks, just before the loss falls.")


INIT_SCALES = (0.01, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0)
TUTORIAL_NOTES = {  # what each tutorial teaches beyond its tables, shown before and after them
    "seed-000": {"before": lambda replay: None, "after": _summed_gradients},
    "seed-002": {"before": _code_versus_claim, "after": _plateau},
}
