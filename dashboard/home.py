"""The home page's live example: a tiny network learning XOR, trained once per server and cached."""

from __future__ import annotations

import time

import streamlit as st

from nn_core import runs
from nn_core.config import RunConfig, to_query
from nn_core.grids import network_grids

from . import charts

EXAMPLE = RunConfig(dataset="xor_cloud", hidden=(4,), epochs=300, lr=0.5)


@st.cache_data(show_spinner=False)
def _trained(config: RunConfig) -> tuple[dict, dict, float, dict]:
    """(boundary spec, loss spec, training seconds, final scores): pure, so every session shares it."""
    start = time.perf_counter()
    run = runs.run(config)
    seconds = time.perf_counter() - start
    grids = network_grids(run.net, run.data.domain, hidden_resolution=2)
    boundary = charts.to_spec(charts.boundary_image_chart(grids, run.data))  # one picture, not 10,000 cells
    loss = charts.to_spec(charts.loss_chart(run.history))
    return boundary, loss, seconds, run.trainer.evaluate()


def xor_example() -> None:
    boundary, loss, seconds, scores = _trained(EXAMPLE)
    left, right = st.columns([1.1, 1], gap="large")
    left.vega_lite_chart(spec=boundary, width="content")
    with right:
        st.vega_lite_chart(spec=loss, width="stretch")
        st.markdown(
            f"A 2-4-1 network with tanh units learned to separate the quadrants in **{EXAMPLE.epochs} epochs "
            f"({1000 * seconds:.0f} ms)**: test accuracy **{100 * scores['test_accuracy']:.1f} %**. "
            "No straight line can split XOR; the hidden layer bends the boundary.")
        st.page_link("pages/1_Playground.py", label="Open it in the Playground", icon=":material/science:",
                     query_params=to_query(EXAMPLE))
