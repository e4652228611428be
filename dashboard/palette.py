"""Every colour nnplay draws with, declared once (TF Playground's orange and blue).

Charts (Altair), images (NumPy PNGs), the Backprop page's matrices and the tables all take their colours
from here, so a sign, a class or a split looks the same on every page. A test checks that no other module
of the app writes a colour of its own.
"""

from __future__ import annotations

NEGATIVE, POSITIVE = "#f59322", "#0877bd"  # below zero / class 0, above zero / class 1; also a weight's sign
NEUTRAL = "#ffffff"  # zero, or a toss-up between two classes
CLASS_COLOURS = (NEGATIVE, POSITIVE, "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")
DEEP_NEGATIVE, DEEP_POSITIVE = "#e8741a", "#1f5fa8"  # a deeper orange and blue: the Backprop matrices' signs
SPLIT_COLOURS = {"train": DEEP_POSITIVE, "test": DEEP_NEGATIVE}
RUN_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf")
BROKEN = "#c0392b"  # a run set up to fail, beside its fix in DEEP_POSITIVE
MARK = "#d62728"  # a marked epoch on a curve: a setting changed, or the replayed snapshot
INK = "#222222"  # outlines of test points and nodes
EDGE_ZERO = "#dddddd"  # a weight near zero
MATRIX_ZERO = "#f7f7f7"  # a matrix cell at zero, between DEEP_NEGATIVE and DEEP_POSITIVE
TRAIN_OUTLINE = {"binary": "#ffffff", "multiclass": "#ffffff", "regression": "#666666"}  # test points: INK
LEGEND_SYMBOL = "#b8c2cc"  # the grey of a legend's shapes (train circle, test diamond)
GUIDE = "#888"  # reference lines (ln 2) and the hover rule on curves
GUIDE_TEXT = "#666"  # the label of a reference line
MUTED = "#555"  # a third curve, a tolerance line, a split with no colour of its own
HISTOGRAM_BAR = "#4c78a8"
ROW_DIFFERS, ROW_AGREES = "#fde2e1", "#e3f4e1"  # a table row that differs from / agrees with its source


def rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def tint(colour: str, amount: float = 0.4) -> str:
    """``colour`` mixed with white, e.g. a background lighter than the points drawn on it."""
    return "#" + "".join(f"{round(c + (255 - c) * amount):02x}" for c in rgb(colour))


# ------------------------------------------------------------------ the Playground's live view
TRAIN_OUTLINE = {"binary": NEUTRAL, "multiclass": NEUTRAL, "regression": "#666666"}  # a training point's outline
GRID_LINE = "#9a9a9a"  # the warped plane's grid lines (lines of the input plane)
LEGEND_SYMBOL = "#b8c2cc"  # the inspected boundary's legend symbols (a point of any class)
BIAS_ZERO = "#999999"  # a unit's frame when its bias is zero (orange below, blue above)
NODE_OUTLINE = "#8a8a8a"  # the outline of a unit's clickable square in the inspected graph

# ------------------------------------------------------------------ a loss landscape's slice (every page's)
LOSS_RAMP = ("#fff8ec", "#fdd8a4", NEGATIVE, "#b3541e", "#5a2506")  # a slice's loss, low (pale) to high (dark)
CONTOUR = "#5a2506"  # its level lines, drawn faint
PATH = INK  # a single path projected onto it (several take RUN_COLOURS)
NOW = POSITIVE  # a single path's last point: the network now
