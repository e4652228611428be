"""The live view's sizes and the network graph's layout: plain numbers, shared by the chart and the picture.

``dashboard.playground.live_charts`` (Altair) and ``dashboard.playground.live_picture`` (Pillow) both lay the view out
from these, so they show the same arrangement; kept apart from Altair so that the drawing worker
(``dashboard.playground.worker``) imports only NumPy and Pillow.
"""

from __future__ import annotations

import numpy as np

from ..palette import TRAIN_OUTLINE

NODE_UNITS = 8  # units drawn per layer in the network graph (TF Playground's own maximum); the rest are counted
NODE_SIZE = 30  # pixels of a unit's picture
NODE_PITCH = 42  # pixels between the centres of two units of a layer
NETWORK_WIDTH = 460
CURVE_WIDTH = 190
PLANE_SIZE = 300
CURVE_HEIGHT = 130
LOG_FLOOR = 1e-12  # a log axis cannot show 0; losses below this are drawn at it
TRAIN_STROKE = TRAIN_OUTLINE  # a training point's outline, by the data's kind


def node_positions(sizes) -> tuple[list[int], list[np.ndarray]]:
    """(units drawn per layer, their y positions): first unit on top, layers centred."""
    shown = [min(n, NODE_UNITS) for n in sizes]
    return shown, [(n - 1) / 2 - np.arange(n, dtype=np.float64) for n in shown]


def network_height(sizes) -> int:
    return NODE_PITCH * max(min(n, NODE_UNITS) for n in sizes) + 30


def network_domain(sizes) -> tuple[tuple[float, float], tuple[float, float]]:
    """The network chart's x (layer) and y (unit) scale domains, which the units' picture spans exactly."""
    extent = max(min(n, NODE_UNITS) for n in sizes) / 2
    return (-0.35, len(sizes) - 1 + 0.35), (-extent, extent)
