"""Experiments' "All runs on one loss slice": every run's training path on one slice of the loss surface.

The slice is centred on the weights every run starts from (so each path starts at (0, 0)) and lies along
the two directions in which the paths spread most (:func:`nn_core.analysis.landscape.shared_slice`). It
is the picture of momentum rolling through a ravine while plain SGD zig-zags. Runs that do not share one
surface and one start get the engine's sentence why instead.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from nn_core.analysis import landscape

from .. import chart_specs
from ..landscape_chart import landscape_chart
from ..palette import RUN_COLOURS

CHART = "experiments.slice"


def paths_frame(shared: landscape.SharedSlice) -> pd.DataFrame:
    """One row per path point: run label, order along its path, (α, β) on the slice, its own training loss,
    its epoch and its distance off the plane."""
    frames = [pd.DataFrame({"path": label, "order": range(len(placed.alpha)), "alpha": placed.alpha,
                            "beta": placed.beta, "loss": own, "epoch": epochs, "off_plane": placed.off_plane})
              for label, placed, own, epochs in zip(shared.labels, shared.paths, shared.path_loss, shared.epochs)]
    return pd.concat(frames, ignore_index=True)


def caption(shared: landscape.SharedSlice, n_parameters: int) -> str:
    off = max(float(p.off_plane.max()) for p in shared.paths)
    return (f"The loss around the weights all {len(shared.labels)} runs start from, at (0, 0), along the two "
            f"directions in which their paths spread most (the principal components of every path point). "
            f"{shared.plan.note()} Each line is a run's snapshots projected onto the slice, its dot the final "
            f"weights. This is a flat slice of the network's {n_parameters}-dimensional weight space, not the "
            f"whole surface: the paths lie up to {off:.3g} off it, so the loss in a point's tooltip is its own, "
            f"not the slice's under it.")


def build(runs) -> dict:
    """The chart's spec, with its caption (in Vega-Lite's ``usermeta``), for runs that can share a slice."""
    shared = landscape.shared_slice(runs)
    colours = {label: RUN_COLOURS[i % len(RUN_COLOURS)] for i, label in enumerate(shared.labels)}
    chart = landscape_chart(shared.alphas, shared.betas, shared.loss, paths_frame(shared), colours,
                            x_title="α (first principal direction of the paths)",
                            y_title="β (second principal direction)")
    spec = chart_specs.to_spec(chart)
    spec["usermeta"]["caption"] = caption(shared, runs[0].net.n_parameters())
    return spec


def panel(runs) -> None:
    """The slice with every run's path, or one sentence saying why these runs cannot share one."""
    problem = landscape.shared_start_problem(runs)
    if problem:
        st.info(problem)
        return
    identity = chart_specs.runs_identity(runs)
    spec = build(runs) if identity is None else chart_specs.spec_of(CHART, identity, lambda: build(runs))
    st.vega_lite_chart(spec, width="stretch")
    st.caption(spec["usermeta"]["caption"])
