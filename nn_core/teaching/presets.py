"""Presets that replay the seed tutorials exactly.

``seed-000`` (a 2-2-1 ReLU/sigmoid net on two samples, summed gradients) prints
its tutorial's table to the last digit. ``seed-002`` (XOR, 2-4-1 sigmoid,
randn × 0.1) prints what the tutorial's *code* prints: its "Expected output"
table was not produced by that code. (As printed, the code does not even run:
``backward`` assigns ``b1`` and ``b2`` without receiving them, an
UnboundLocalError; with them passed in, it prints this preset's table.) With
randn × 0.1 the four hidden units start almost identical, so the network sits
on the symmetric saddle at ln 2 ≈ 0.6931 until about epoch 8,000, and only
then learns.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import RunConfig
from ..runs import Run, prepare


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    config: RunConfig
    log_every: int
    line: str  # format of one printed table line, with {epoch} and {loss}
    claimed: tuple  # the tutorial's printed (epoch, loss) rows
    summary: str

    def table(self, log) -> list[str]:
        """The printed lines for log rows (dicts with epoch and loss)."""
        return [self.line.format(epoch=row["epoch"], loss=row["loss"]) for row in log]

    def claimed_table(self) -> list[str]:
        return [self.line.format(epoch=e, loss=loss) for e, loss in self.claimed]


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in [
        Preset(
            "seed-000", "Forward & backward pass with ReLU and sigmoid (2-2-1, two samples)",
            RunConfig(dataset="toy", test_ratio=0.0, hidden=(2,), activation="relu", output="sigmoid",
                      init="normal", init_scale=1.0, seed=42, lr=0.1, epochs=1000, reduction="sum"),
            100, "Epoch {epoch} - Loss: {loss:.4f}",
            ((0, 0.6107), (100, 0.1022), (200, 0.0440), (300, 0.0272), (400, 0.0193), (500, 0.0149),
             (600, 0.0121), (700, 0.0102), (800, 0.0088), (900, 0.0077)),
            "The tutorial sums its gradients over the two samples (no 1/n) but prints the mean loss.",
        ),
        Preset(
            "seed-002", "XOR with a 2-4-1 sigmoid network (randn × 0.1, lr 1.0)",
            RunConfig(dataset="xor", test_ratio=0.0, hidden=(4,), activation="sigmoid", output="sigmoid",
                      init="normal", init_scale=0.1, seed=42, lr=1.0, epochs=10_000, reduction="mean"),
            1000, "Epoch {epoch:5d} | Loss: {loss:.4f}",
            ((0, 0.6928), (1000, 0.6823), (2000, 0.5471), (3000, 0.1702), (4000, 0.0669), (5000, 0.0390),
             (6000, 0.0271), (7000, 0.0204), (8000, 0.0162), (9000, 0.0132)),
            "The article's 'Expected output' is not what its code prints: the code (once backward() is given "
            "b1 and b2, which as printed raise UnboundLocalError) plateaus at ln 2 ≈ 0.6931 until about epoch "
            "8,000, because randn × 0.1 starts the four hidden units almost identical (a symmetric saddle), "
            "and only then breaks symmetry and learns.",
        ),
    ]
}


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown preset {name!r}; choose one of: {', '.join(PRESETS)}.") from None


def run_preset(name: str, config: RunConfig | None = None, **trainer_options) -> Run:
    """Train a preset (optionally with changed settings) and return the run; its
    ``history.log`` holds the table rows."""
    preset = get_preset(name)
    result = prepare(config or preset.config, log_every=preset.log_every, **trainer_options)
    result.train()
    return result
