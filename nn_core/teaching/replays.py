"""A seed tutorial replayed by the engine, with everything the Tutorials page reads beside the tutorial's own
claims: both printed tables, the predictions, how long the run sat on the plateau and how alike its hidden
units stayed.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..analysis.symmetry import epochs_on_plateau, hidden_unit_spread
from ..history import History
from ..reference import predicted_class
from ..runs import Run
from .presets import get_preset, run_preset


@dataclass(frozen=True)
class Replay:
    """A preset replayed by the engine (``run``, finished), read beside what its tutorial claims."""

    run: Run  # the preset's run, every epoch recorded, labelled with the preset's name
    engine_lines: list  # the table the engine prints
    claimed_lines: list  # the table the tutorial prints
    predictions: list  # dicts: input, target, probability, predicted
    plateau: int | None  # first epoch with loss < PLATEAU_LOSS (None: never)
    symmetry: list  # (epoch, spread of the hidden units' outputs) at the snapshots
    curve: History  # the loss per epoch, thinned to at most CURVE_POINTS records for charts

    @property
    def agree(self) -> list[bool]:
        """Line by line: does the engine's printed line equal the tutorial's?"""
        return [a == b for a, b in zip(self.engine_lines, self.claimed_lines)]


PLATEAU_LOSS = 0.6
CURVE_POINTS = 600


def replay(name: str, config=None) -> Replay:
    """Train a preset (or a variant of it, e.g. another init_scale or seed) and collect what its page shows."""
    preset = get_preset(name)
    result = run_preset(name, config, diagnostics=False, max_points=(config or preset.config).epochs + 1,
                        snapshots=64).finished(name)
    h, net, data = result.history, result.net, result.data
    probs = net.forward(data.X_train)
    predictions = [{"input": [float(v) for v in x], "target": float(t[0]), "probability": float(p[0]),
                    "predicted": int(c)}
                   for x, t, p, c in zip(data.X_train, data.y_train, probs, predicted_class(probs))]
    symmetry = []
    probe = net.copy()
    for epoch, weights, biases in result.snapshots:
        probe.set_parameters([p for pair in zip(weights, biases) for p in pair])
        symmetry.append((epoch, hidden_unit_spread(probe, data.X_train)[0]))
    curve = History(net.n_layers, CURVE_POINTS)
    for epoch, loss, acc in zip(h.epochs, h.columns["loss"], h.columns["accuracy"]):
        if curve.wants(epoch):
            curve.append(epoch, loss=loss, accuracy=acc)
    curve.status = h.status
    return Replay(result, preset.table(h.log), preset.claimed_table(), predictions,
                  epochs_on_plateau(h.epochs, h.columns["loss"], PLATEAU_LOSS), symmetry, curve)
