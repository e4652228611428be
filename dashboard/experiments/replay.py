"""Replay a trained run: a slider over its recorded snapshots redraws the decision boundary and hidden units.

Snapshots are taken at a bounded number of epochs (the stride doubles when they
pile up), so a 100,000-epoch run replays from a few dozen frames.
"""

from __future__ import annotations

import math

import altair as alt
import streamlit as st

from nn_core.analysis import compare
from nn_core.grids import network_grids

from .. import chart_specs, charts, curves

RESOLUTION = 80  # boundary grid per frame (one PNG picture): fast to redraw while dragging
UNIT_CELL = 48  # px per hidden-unit picture: eight in a row fit beside the boundary


def boundary_at(result, index: int) -> alt.LayerChart:
    """The decision boundary of frame ``index`` of ``compare.frames(result)``."""
    grids = network_grids(compare.net_at(result, index), result.data.domain, RESOLUTION)
    return charts.boundary_image_chart(grids, result.data).properties(width=240, height=240)


def units_at(result, index: int) -> alt.VConcatChart:
    """Every hidden unit's output over the input plane at frame ``index`` (networks with hidden layers)."""
    net = compare.net_at(result, index)
    size = charts.thumb_size(sum(min(w, charts.MAX_UNITS) for w in net.layer_sizes[1:-1]))
    grids = network_grids(net, result.data.domain, RESOLUTION, hidden_resolution=size, max_units=charts.MAX_UNITS)
    return charts.neurons_image_chart(grids.hidden, net.hidden_activations, cell=UNIT_CELL)


def replay_panel(result, key_prefix: str) -> None:
    """Slider over the run's frames; boundary, hidden units and the loss curve with a marker at that epoch."""
    epochs = compare.frames(result)
    if len(epochs) < 2:
        st.info("This run recorded a single snapshot, so there is nothing to replay yet.")
        return
    epoch = st.select_slider("Show the network after epoch", options=epochs, value=epochs[-1], key=f"{key_prefix}.replay.epoch",
                             help=f"{len(epochs)} recorded frames; the last one holds the final weights.")
    index = epochs.index(epoch)
    loss, accuracy = compare.frame_loss(result, index)
    score = f" · train accuracy {accuracy:.1%}" if math.isfinite(accuracy) else ""
    st.caption(f"Weights after {epoch} epoch{'s' if epoch != 1 else ''}: train loss {loss:.4g}{score}. "
               f"Background = what the network predicts over the input plane; each small square = one hidden "
               f"unit's output over the same plane (blue positive, orange negative).")
    ident = None if result.key is None else (result.key, index)
    left, right = st.columns([1, 1.25])
    chart_specs.show(lambda: boundary_at(result, index), f"{key_prefix}.replay.boundary", ident, left, width="content")
    if result.net.n_layers > 1:
        chart_specs.show(lambda: units_at(result, index), f"{key_prefix}.replay.units", ident, right, width="content")
    chart_specs.show(lambda: curves.marked_loss_chart(result, epoch), f"{key_prefix}.replay.loss", ident, width="stretch")
