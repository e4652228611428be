"""The details' "Warped plane" tab: the data and the input plane's grid in the coordinates of two units of
one hidden layer (nn_core.analysis.warp), following the network as it trains (about once a second while playing)."""

from __future__ import annotations

import functools

import numpy as np
import streamlit as st

from nn_core.analysis.warp import warped_plane

from .. import keys
from . import runtime, warp_chart
from .follow import FOLLOW_SECONDS, every


def _choice(label: str, options: list, key: str, box, start: int = 0, **more):
    """A select box whose value is kept while the network has it; otherwise (a new network) ``start``'s."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = options[min(start, len(options) - 1)]
    return box.selectbox(label, options, key=key, **more)


def panel(run):
    """The tab; returns what the live loop calls each frame to keep the picture following the network."""
    widths = run.net.layer_sizes[1:-1]
    st.markdown("**How a layer bends the plane.** The input plane's grid lines and the data, seen by two "
                "units of one hidden layer. Straight lines come out bent; once a layer has pulled the classes "
                "apart, the output needs only a straight line there (drawn in red when it is exact: the last "
                "layer has two units).")
    if not widths:
        st.info("This network has no hidden layer, so nothing bends the plane: add one in the sidebar.")
        return None
    c1, c2, c3 = st.columns(3)
    layer = _choice("Layer", list(range(1, len(widths) + 1)), keys.WARP + "layer", c1, start=len(widths) - 1,
                    format_func=lambda l: f"hidden layer {l}")
    width = widths[layer - 1]
    if width < 2:
        st.info(f"Hidden layer {layer} has one unit: the warped plane needs two. Widen it, or pick another layer.")
        return None
    units = list(range(width))
    a = _choice("Horizontal axis", units, keys.WARP + f"a_{layer}", c2, format_func=lambda k: f"unit {k + 1}")
    b = _choice("Vertical axis", units, keys.WARP + f"b_{layer}", c3, start=1, format_func=lambda k: f"unit {k + 1}")
    slot = st.empty()
    st.caption("Each point is a training or test point; the grey lines are lines x₁ = constant (solid) and "
               "x₂ = constant (dashed) of the input plane, mapped through the network up to this layer. While "
               "the run plays, the picture follows the network about once a second.")
    draw = functools.partial(_draw, run, slot, layer, (a, b))
    draw()
    return every(FOLLOW_SECONDS, draw)


def _draw(run, slot, layer: int, units: tuple[int, int]) -> None:
    data = run.data
    X = np.concatenate([data.X_train, data.X_test]) if data.n_test else data.X_train
    y = np.concatenate([data.y_train.reshape(-1), data.y_test.reshape(-1)]) if data.n_test else data.y_train
    with runtime.session_lock():
        plane = warped_plane(run.net, X, data.domain, layer, units)
        epoch = run.trainer.epoch
    a, b = units
    chart = warp_chart.warped_chart(plane, y, data.kind, data.n_classes, f"layer {layer}, unit {a + 1}",
                                    f"layer {layer}, unit {b + 1}", title=f"epoch {epoch:,}")
    slot.altair_chart(chart, width="content")

