"""The Backprop page's "A step goes downhill": the loss on a small slice around the lesson's weights.

The slice is L(θ + α·d₁ + β·d₂) with d₁ one plain gradient step (−g·η, so α = 1 is exactly the step
"+1 step" takes) and d₂ a random direction at right angles to it, as long
(:func:`nn_core.analysis.landscape.step_directions`). The dot starts at (0, 0); after "+1 step" the slice
stays where the step started and the dot moves to (1, 0), downhill. The next step starts a new slice at
the weights it starts from.

Session state (:data:`keys.BACKPROP_PLANES`): the slice on screen and the one at the current weights,
ready for the next step. Both belong to one lesson object: a new lesson (a changed setting) starts again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from nn_core.analysis import landscape
from nn_core.teaching.backprop_lesson import BackpropLesson

from .. import chart_specs, keys
from ..landscape_chart import landscape_chart

ALPHAS = np.linspace(-1.0, 2.0, 37)  # one step is α = 1: the slice shows a step back and two ahead
BETAS = np.linspace(-1.5, 1.5, 37)  # as far to either side, on the same spacing (d₂ is as long as d₁)
PATH = "the weights"
SEED = 0  # d₂'s random direction: the same lesson, the same picture


@dataclass(frozen=True)
class Plane:
    """A slice through the weights ``center`` of a lesson at ``iteration``: the directions, nothing drawn yet."""

    lesson: BackpropLesson
    iteration: int
    center: list
    d1: list
    d2: list

    def holds(self, lesson: BackpropLesson, weights: list) -> bool:
        """Whether the lesson is still at this slice's centre (a rerun that changed nothing)."""
        return self.lesson is lesson and self.iteration == lesson.iteration and _same(weights, self.center)

    def stepped_once(self, lesson: BackpropLesson, weights: list) -> bool:
        """Whether the lesson has taken exactly one plain step from this slice's centre: it is at α = 1."""
        moved = [c + d for c, d in zip(self.center, self.d1)]
        return self.lesson is lesson and lesson.iteration == self.iteration + 1 and _same(weights, moved)


@dataclass(frozen=True)
class Planes:
    shown: Plane
    here: Plane  # at the current weights: the slice the next "+1 step" is drawn on


def panel(lesson: BackpropLesson) -> None:
    """The slice around where the last step started (or around the weights now), with the step on it."""
    weights = lesson.net.parameters()
    try:
        planes = _planes(lesson, weights)
    except ValueError as error:  # a zero gradient: nowhere downhill to go
        st.info(str(error))
        return
    plane = planes.shown
    placed = landscape.project([plane.center, weights], plane.center, plane.d1, plane.d2)
    net = _at(lesson, plane.center)
    losses = [float(landscape.loss_grid(net, lesson.X, lesson.y, plane.d1, plane.d2, [a], [b],
                                        reduction=lesson.reduction)[0, 0]) for a, b in zip(placed.alpha, placed.beta)]
    path = pd.DataFrame({"path": PATH, "order": [0, 1], "alpha": placed.alpha, "beta": placed.beta, "loss": losses,
                         "iteration": [plane.iteration, lesson.iteration]})
    if lesson.iteration == plane.iteration:
        path = path.iloc[:1]
    identity = chart_specs.digest(repr(lesson.net), lesson.reduction, lesson.X, lesson.y, *plane.center, *plane.d1,
                                  *plane.d2, path.drop(columns="path").to_numpy(dtype=float))
    spec = chart_specs.spec("backprop.downhill", identity, lambda: _chart(lesson, plane, path))
    st.vega_lite_chart(spec, width="stretch")
    now = path.iloc[-1]
    if len(path) == 2:
        st.markdown(f"**+1 step** moved the weights from (0, 0) to (α, β) = ({now.alpha:.3f}, {abs(now.beta):.3f}): "
                    f"the loss went from {losses[0]:.6f} to **{now.loss:.6f}** "
                    f"({'downhill' if now.loss < losses[0] else 'uphill: the step overshot the valley'}).")
    else:
        st.markdown(f"The dot is the weights now, loss **{now.loss:.6f}**. Press **+1 step** above: the step "
                    "moves it to α = 1, along d₁.")
    st.caption("d₁ is minus the gradient, scaled so that α = 1 is one step of size η·‖g‖; d₂ is a random "
               "direction at right angles to it, as long. This is a flat slice along two directions of the network's "
               f"{lesson.net.n_parameters()}-dimensional weight space, not the whole surface. After one step the slice stays "
               "where the step started; after more steps, or an edited weight, it is drawn around the weights now.")


def _planes(lesson: BackpropLesson, weights: list) -> Planes:
    """The slice to show and the one at the current weights, kept in the session between reruns."""
    stored = st.session_state.get(keys.BACKPROP_PLANES)
    if stored is not None and stored.here.holds(lesson, weights):
        return stored  # nothing moved: the same picture
    if stored is not None and stored.here.stepped_once(lesson, weights):
        planes = Planes(stored.here, _plane(lesson, weights))
    else:
        here = _plane(lesson, weights)
        planes = Planes(here, here)
    st.session_state[keys.BACKPROP_PLANES] = planes
    return planes


def _plane(lesson: BackpropLesson, weights: list) -> Plane:
    d1, d2 = landscape.step_directions(lesson.net, lesson.X, lesson.y, lesson.lr, lesson.reduction, seed=SEED)
    return Plane(lesson, lesson.iteration, [w.copy() for w in weights], d1, d2)


def _at(lesson: BackpropLesson, weights: list):
    net = lesson.net.copy()
    net.set_parameters(weights)
    return net


def _chart(lesson: BackpropLesson, plane: Plane, path: pd.DataFrame):
    loss = landscape.loss_grid(_at(lesson, plane.center), lesson.X, lesson.y, plane.d1, plane.d2, ALPHAS, BETAS,
                               reduction=lesson.reduction)
    return landscape_chart(ALPHAS, BETAS, loss, path, x_title="α (one step = 1, along −gradient)",
                           y_title="β (a random direction)", height=340)


def _same(a: list, b: list) -> bool:
    """Equal up to the rounding of θ + d₁ (the optimizer's update is written in place, in its own order)."""
    return len(a) == len(b) and all(x.shape == y.shape and np.allclose(x, y, rtol=1e-12, atol=1e-14)
                                    for x, y in zip(a, b))
