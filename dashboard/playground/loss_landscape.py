"""The details' "Loss landscape" tab: a slice of the loss around the network's weights, with the training path
on it (nn_core.analysis.landscape), following the network while it plays.

The slice is computed in a page run only: on opening the tab, on a change of directions, and once paused at a
new moment (an epoch, or an edited weight). While the run plays the slice and its directions stay those of
the last pause, and the live loop's follow (at most once a second) projects the new snapshots and the
current weights onto that plane: a projection is microseconds, a grid is up to seconds.
"""

from __future__ import annotations

import functools
import hashlib
import weakref
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import streamlit as st

from nn_core.analysis import landscape

from .. import chart_specs, keys
from ..landscape_chart import landscape_chart
from . import runtime, state
from .follow import FOLLOW_SECONDS, every

DIRECTIONS = {"pca": "The path's directions (PCA)", "random": "Random directions"}  # a name of landscape.KINDS each
DEFAULT_DIRECTIONS = "pca"  # a newcomer should see the path; random directions barely show it
SIDE = 330  # px: the chart is a square, so that α and β keep the same scale
PATH = "the training path"
SHORT_PATH = "The path's directions need a path of at least two snapshots: press **Play** or **Step**."


@dataclass(frozen=True)
class Still:
    """A run's state copied under the session's lock, for ``landscape.run_slice`` to read while the run may
    go on training: what it reads of a run (net, data, snapshots, history, epochs_done)."""

    net: object
    data: object
    snapshots: list
    history: object
    epochs_done: int

    @classmethod
    def of(cls, run) -> Still:
        with runtime.session_lock():
            return cls(run.net.copy(), run.data, list(run.snapshots), run.history, run.trainer.epoch)


@dataclass
class Held:
    """The last slice computed for this session: of which run, at which moment, along which directions,
    and its chart's spec (built once; a redraw swaps in only the path's dataset ``path_name``).

    ``placed``: epoch -> (α, β, distance off the plane) of every path point projected so far.
    """

    run: weakref.ref  # the run it belongs to, not kept alive by it (a new run replaces the old one)
    requested: str  # the directions asked for; ``found.kind`` differs when the path could not give them
    epoch: int
    digest: str
    found: landscape.RunSlice
    spec: dict
    path_name: str
    fallback: str | None = None  # why the path's directions could not be used, when they could not
    placed: dict = field(default_factory=dict)


def digest(params: list) -> str:
    """Names the exact weights, so an edited weight at the same epoch is a new moment."""
    h = hashlib.blake2b(digest_size=16)
    for p in params:
        h.update(np.ascontiguousarray(p).tobytes())
    return h.hexdigest()


def path_frame(alpha, beta, epochs, off_plane) -> pd.DataFrame:
    """The path's points in order of epoch (the last one is now), as the chart's one path."""
    epochs = np.asarray(epochs, dtype=np.int64)
    return pd.DataFrame({"path": PATH, "order": epochs, "epoch": epochs, "alpha": np.asarray(alpha, dtype=np.float64),
                         "beta": np.asarray(beta, dtype=np.float64),
                         "off_plane": np.asarray(off_plane, dtype=np.float64)})


def chosen() -> str:
    if st.session_state.get(keys.LANDSCAPE_DIRECTIONS) not in DIRECTIONS:
        st.session_state[keys.LANDSCAPE_DIRECTIONS] = DEFAULT_DIRECTIONS
    return st.session_state[keys.LANDSCAPE_DIRECTIONS]


def panel(run):
    """The tab; returns what the live loop calls each frame to keep the path following the network."""
    st.markdown("**Where the network is on its loss surface, and how it got there.** The colour is the "
                "training loss on a slice through the weight space, centred on the network's weights; the line "
                "is the path training took, and the blue dot is the network now.")
    kind = chosen()
    st.radio("Directions", list(DIRECTIONS), format_func=DIRECTIONS.get, key=keys.LANDSCAPE_DIRECTIONS,
             horizontal=True,
             help="Random: two random directions, each unit's incoming weights scaled to that unit's own (filter-"
                  "normalised, Li et al. 2018), so slices of different networks compare. The path's: the two "
                  "directions along which the training path moved most (its principal components).")
    held = current(run, kind)
    left, right = st.columns([1.6, 1], gap="medium")
    slot, words = left.empty(), right.empty()
    draw = functools.partial(_draw, run, held, slot, words)
    draw()
    return every(FOLLOW_SECONDS, draw)


def current(run, kind: str) -> Held:
    """The slice to show: the one held, if it is this run's with these directions and (paused) of this moment;
    otherwise a new one, computed now (a page run, never a frame)."""
    held = st.session_state.get(keys.LANDSCAPE_SLICE)
    if held is not None and held.run() is run and held.requested == kind:
        if state.playing():
            return held
        with runtime.session_lock():
            epoch, now = run.trainer.epoch, digest(run.net.parameters())
        if held.epoch == epoch and held.digest == now:
            return held
    still = Still.of(run)
    found, fallback = None, None
    with st.spinner("Computing the slice…"):
        if kind == "pca":
            try:
                found = landscape.run_slice(still, kind)
            except ValueError as why:  # too short a path (untrained), or one that diverged
                fallback = (SHORT_PATH if sum(s[0] < still.epochs_done for s in still.snapshots) < 2
                            else str(why))
        if found is None:
            found = landscape.run_slice(still, "random")
    path = path_frame(found.path.alpha, found.path.beta, found.epochs, found.path.off_plane)
    title = f"loss around the weights at epoch {found.epochs[-1]:,}"
    spec = chart_specs.to_spec(landscape_chart(found.alphas, found.betas, found.loss, path, title=title, side=SIDE,
                                               renderer="canvas"))  # redrawn while playing
    path_name = next(name for name, frame in spec["datasets"].items() if frame is path)
    # the snapshots' points, not the last one: those are the weights of the pause, which may fall within an
    # epoch, while the snapshot that training takes at that epoch's start may come before them
    placed = {e: (a, b, o) for e, a, b, o in zip(found.epochs[:-1], found.path.alpha, found.path.beta,
                                                  found.path.off_plane)}
    held = Held(weakref.ref(run), kind, still.epochs_done, digest(still.net.parameters()), found, spec, path_name,
                fallback, placed)
    st.session_state[keys.LANDSCAPE_SLICE] = held
    return held


def path_now(run, held: Held):
    """(epochs, α, β, off-plane) of the path up to now on the held slice's plane: the snapshots before now,
    then the current weights. A snapshot never changes, so each is projected once; the weights now, each time."""
    with runtime.session_lock():
        epoch = run.trainer.epoch
        if epoch == held.epoch:  # the moment of the slice: its own path, to the last digit
            found = held.found
            return found.epochs, found.path.alpha, found.path.beta, found.path.off_plane
        kept = [s for s in run.snapshots if s[0] < epoch]
        params = [p.copy() for p in run.net.parameters()]
    new = [s for s in kept if s[0] not in held.placed]
    found = held.found
    projected = landscape.project([landscape.parameters_of(s) for s in new] + [params], found.center, found.d1,
                                  found.d2)
    for k, s in enumerate(new):
        held.placed[int(s[0])] = (projected.alpha[k], projected.beta[k], projected.off_plane[k])
    points = np.array([held.placed[int(s[0])] for s in kept] + [(projected.alpha[-1], projected.beta[-1],
                                                                  projected.off_plane[-1])])
    return [int(s[0]) for s in kept] + [epoch], points[:, 0], points[:, 1], points[:, 2]


def _draw(run, held: Held, slot, words) -> None:
    epochs, alpha, beta, off = path_now(run, held)
    path = path_frame(alpha, beta, epochs, off)
    slot.vega_lite_chart(spec={**held.spec, "datasets": {**held.spec["datasets"], held.path_name: path}},
                         width="content")
    words.markdown(sentence(held, epochs[-1], alpha[-1], beta[-1], off, state.playing()))


def sentence(held: Held, epoch: int, alpha: float, beta: float, off: np.ndarray, playing: bool) -> str:
    """What the picture shows and what it does not."""
    found = held.found
    n_weights = sum(p.size for p in found.center)
    length = float(np.sqrt(sum(float(np.sum(p * p)) for p in found.center)))
    along = ("two random directions, each unit's incoming weights scaled to that unit's (filter-normalised)"
             if found.kind == "random" else "the two directions in which the training path moved most (its "
             "principal components)")
    parts = [f"**A slice, not the whole surface.** The loss surface has {n_weights:,} dimensions, one per weight "
             f"and bias; this is the loss on one flat 2-D slice of it, centred on the weights at epoch "
             f"{found.epochs[-1]:,} (α = β = 0), along {along}. Other directions would show another slice.",
             f"**The path is projected onto the slice, and is not on it.** Its points are up to "
             f"{float(np.max(off)):.3g} away from the slice's plane (the weights' own length is {length:.3g}), "
             "so the colour under a point is not that point's loss; "
             + ("the blue dot, now, is the centre itself." if off[-1] == 0 else
                f"the blue dot, now, is {float(off[-1]):.3g} away.")]
    if found.kind == "random":
        parts.append("A training path moves in a few directions of its own, which random directions nearly "
                     "miss: choose **the path's directions** to see it.")
    if held.fallback:
        parts.append(f"{held.fallback} The slice uses random directions instead.")
    if playing:
        parts.append(f"While the run plays, the slice stays the one of the last pause (epoch {found.epochs[-1]:,}) and "
                     "the new points of the path are projected onto it, about once a second; **Pause** "
                     "recomputes the slice around the weights of that moment.")
        edges = (found.alphas[0], found.alphas[-1], found.betas[0], found.betas[-1])
        if not (edges[0] <= alpha <= edges[1] and edges[2] <= beta <= edges[3]):
            parts.append(f"At epoch {epoch:,} the network has left this slice's window.")
    parts.append(found.plan.note())
    return "\n\n".join(parts)
