"""The Tutorials page: the two seed tutorials replayed by nnplay's engine, beside what they print.

Each tutorial shows its setup, its code (``listings/``, run as is), both loss tables, the loss curve, the
predictions, and what it teaches beyond them (summed gradients, the ln 2 plateau).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from nn_core.activations import get_activation
from nn_core.config import PARAM_BY_NAME
from nn_core.teaching import replays
from nn_core.teaching.presets import PRESETS

from . import chart_specs, controls, curves, keys
from .page import lazy_section
from .palette import ROW_AGREES, ROW_DIFFERS
from .playground_link import playground_link

LISTINGS = Path(__file__).parent / "listings"


def listing(name: str) -> str:
    """The seed tutorial's code for preset ``name``, as shown (and run) on the Tutorials page."""
    return (LISTINGS / f"{name}.txt").read_text(encoding="utf-8")


def tables_frame(replay: replays.Replay) -> pd.DataFrame:
    """The engine's printed table beside the tutorial's, one row per printed line."""
    return pd.DataFrame({"nnplay prints": replay.engine_lines, "the tutorial shows": replay.claimed_lines,
                         "same": ["✓" if ok else "✗" for ok in replay.agree]})


def show_tables(replay: replays.Replay) -> None:
    """Both tables, rows that differ highlighted."""
    frame = tables_frame(replay)
    styled = frame.style.apply(
        lambda row: [f"background-color: {ROW_DIFFERS if row['same'] == '✗' else ROW_AGREES}"] * len(row),
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
                       file_name=f"nnplay_{name.replace('-', '_')}.py", mime="text/x-python",
                       key=keys.tutorial_download(name), icon=":material/download:",
                       help="One Python file, NumPy its only import: it trains this network from the same seed and "
                            "prints the same loss table.")


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


def tutorial(name: str) -> None:
    """One seed tutorial: setup, both loss tables and the curve, the links and code, the predictions, and its
    own lesson.

    The curve (right) is drawn before the tables (left), and the links and code come after them: the browser
    draws the page's first chart before it builds a table grid or a control."""
    preset, replay = PRESETS[name], tutorial_replay(name)
    st.subheader(preset.title)
    st.markdown(setup_text(replay))
    TUTORIAL_NOTES[name]["before"](replay)
    tables, curve = st.columns([1, 1])
    with curve:
        st.markdown("**The loss curve** (nnplay's run)")
        st.vega_lite_chart(tutorial_loss_spec(name), width="stretch")
    with tables:
        st.markdown("**The loss table:** what nnplay prints beside what the tutorial shows")
        show_tables(replay)
    left, right = st.columns(2)
    with left:
        playground_link(preset.config)
    with right:
        script_download(name)
    with lazy_section("The tutorial's code (runs as is: `python file.py`)", keys.tutorial_code(name)) as code:
        if code.open:
            st.code(listing(name), language="python", line_numbers=True)
    st.markdown("**Final predictions** (probability ≥ 0.5 → 1)")
    st.dataframe(predictions_frame(replay), hide_index=True, width="content")
    TUTORIAL_NOTES[name]["after"](replay)


def tutorial_loss_spec(name: str) -> dict:
    """The preset's loss curve as a Vega-Lite spec: built once per server (an Altair chart costs 50-150 ms to
    build and validate), shared by every session."""
    return chart_specs.spec("tutorials.loss", name, lambda: curves.loss_chart(tutorial_replay(name).curve))


def plateau_specs(init_scale: float, seed: int) -> tuple[dict, dict]:
    """(loss curves, unit spread) specs of seed 002 beside its variant with ``init_scale`` and ``seed``."""
    identity = (init_scale, seed)
    return (chart_specs.spec("tutorials.plateau", identity, lambda: curves.curves_chart(*_plateau_curves(*identity)[:2])),
            chart_specs.spec("tutorials.spread", identity, lambda: curves.symmetry_chart(_plateau_curves(*identity)[2])))


def _plateau_curves(init_scale: float, seed: int) -> tuple[dict, dict, dict]:
    """({label: (epochs, losses)}, {label: plateau's last epoch}, {label: unit spreads}) of seed 002 and, if
    it differs, of its variant."""
    replay, variant = tutorial_replay("seed-002"), tutorial_replay("seed-002", init_scale, seed)
    tutorial_label, label = "tutorial: init 0.1, seed 42", f"init {init_scale:g}, seed {seed}"
    losses, marks, spreads = ({tutorial_label: _losses(replay)}, {tutorial_label: replay.plateau},
                              {tutorial_label: replay.symmetry})
    if variant.run.config != replay.run.config:
        losses[label], marks[label], spreads[label] = _losses(variant), variant.plateau, variant.symmetry
    return losses, marks, spreads


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
    # persist_state: the tab holding them is drawn only while open (pages/3_Tutorials.py)
    scale = c1.select_slider("Init scale (randn × …)", INIT_SCALES, value=0.1, key=keys.TUTORIALS_INIT_SCALE,
                             persist_state="session")
    seed = controls.draw(PARAM_BY_NAME["seed"], c2, key=keys.TUTORIALS_SEED, label="Seed", value=42,
                         persist_state="session")
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
