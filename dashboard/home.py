"""The home page's live example: a tiny network learning XOR, trained once per server and cached."""

from __future__ import annotations

import time

import streamlit as st

from nn_core import runs
from nn_core.config import RunConfig, to_query

from .page import PLAYGROUND
from .playground import frames
from .playground.panels import View

EXAMPLE = RunConfig(dataset="xor_cloud", hidden=(4,), epochs=300, lr=0.5)


@st.cache_data(show_spinner=False)
def trained_picture(config: RunConfig) -> tuple[str, int, float, dict]:
    """(the Playground's picture of the trained run as a PNG data URL, its width, training seconds, final
    scores): pure, so every session shares it, and one image, which a browser shows at once."""
    start = time.perf_counter()
    run = runs.run(config)
    seconds = time.perf_counter() - start
    frame = frames.frame(run, run.net, View(log_scale=False, discretize=False, show_test=True), final=True)
    return frame.picture, frame.width, seconds, run.trainer.evaluate()


def xor_example() -> None:
    picture, width, seconds, scores = trained_picture(EXAMPLE)
    st.image(picture, width=width)
    st.markdown(
        f"A 2-4-1 network with tanh units learned to separate the quadrants in **{EXAMPLE.epochs} epochs "
        f"({1000 * seconds:.0f} ms)**: test accuracy **{100 * scores['test_accuracy']:.1f} %**. No straight line "
        "can split XOR; the hidden layer bends the boundary. This is the Playground's view of the trained run: "
        "the network with each unit's output inside its node, the loss and accuracy, and the boundary.")
    st.page_link(PLAYGROUND.path, label="Open it in the Playground and press Play",
                 icon=":material/science:", query_params=to_query(EXAMPLE))
