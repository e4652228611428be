"""The live picture's marks drawn with Pillow: the network's edges and unit frames, the curves and the points.

``dashboard.playground.live_picture`` pastes these into the one picture a playing (or paused, not inspected)
view shows; the inspected chart (``dashboard.playground.live_charts``) draws the same things as Vega-Lite marks, with
exact tooltips. Lines are drawn at twice the size, then halved, to be smooth.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from ..palette import EDGE_ZERO, INK, NEGATIVE, POSITIVE, SPLIT_COLOURS, rgb

SUPERSAMPLE = 2
DASH = (10, 6)  # test curves: dash and gap in pixels, as the chart's legend shows them


def _mix(a: str, b: str, t: float) -> tuple[int, int, int]:
    ca, cb = np.array(rgb(a), float), np.array(rgb(b), float)
    return tuple(int(round(v)) for v in ca + (cb - ca) * t)


_SIGNED = [(_mix(EDGE_ZERO, POSITIVE, t / 100) if t >= 0 else _mix(EDGE_ZERO, NEGATIVE, -t / 100))
           for t in range(-100, 101)]


def signed_colour(value: float) -> tuple[int, int, int]:
    """−1 … 1 → orange … grey … blue, as the chart's scale for weights and biases."""
    v = max(-1.0, min(1.0, value if math.isfinite(value) else 0.0))
    return _SIGNED[int(round(v * 100)) + 100]


def network_layer(size: tuple[int, int], edges: list, frames: list, tiles: list) -> np.ndarray:
    """(h, w, 3) RGB on white: edges, then the units' tiles, then their framed squares.

    edges : [(x, y, x2, y2, width, signed)]; frames : [(cx, cy, side, colour)]; tiles : [(cx, cy, (t, t, 3))],
    all in the picture's pixels. Drawn at screen size (a live frame has no time to smooth them).
    """
    h, w = size
    image = Image.new("RGB", (w, h), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    for x, y, x2, y2, width, signed in edges:
        colour = signed_colour(signed)
        faded = tuple(int(255 - (255 - c) * 0.8) for c in colour)  # the chart draws edges at 80 % opacity
        draw.line([(x, y), (x2, y2)], fill=faded, width=max(1, round(width)))
    for cx, cy, tile in tiles:
        t = tile.shape[0]
        image.paste(Image.fromarray(np.ascontiguousarray(tile)), (int(round(cx - t / 2)), int(round(cy - t / 2))))
    for cx, cy, side, colour in frames:
        half = side / 2
        draw.rectangle([cx - half, cy - half, cx + half, cy + half], outline=colour, width=2)
    return np.asarray(image)


def curves(size: tuple[int, int], series: list, x_range: tuple[float, float], y_range: tuple[float, float],
           log_y: bool = False, smooth: bool = True) -> np.ndarray:
    """(h, w, 4) RGBA of train (solid) and test (dashed) curves over the given axis ranges.

    series : [(split, epochs (n,), values (n,))]; NaN values leave gaps. ``smooth`` False (a frame while
    playing) draws at screen size: a third of a frame's drawing time saved, and moving, it looks the same.
    """
    h, w = size
    s = SUPERSAMPLE if smooth else 1
    image = Image.new("RGBA", (w * s, h * s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    (x0, x1), (y0, y1) = x_range, y_range
    ty = (lambda v: np.log10(np.maximum(v, 1e-300))) if log_y else (lambda v: v)
    b0, b1 = ty(np.float64(y0)), ty(np.float64(y1))
    for split, epochs, values in series:
        px = (np.asarray(epochs, float) - x0) / max(x1 - x0, 1e-12) * (w * s)
        py = (b1 - ty(np.asarray(values, float))) / max(b1 - b0, 1e-12) * (h * s)
        ok = np.isfinite(py)
        colour = (*rgb(SPLIT_COLOURS[split]), 255)
        for run in _runs(ok):
            points = np.column_stack([px[run], np.clip(py[run], -h * s, 2 * h * s)])
            if split == "test":
                for piece in _dashes(points, s):
                    draw.line(piece.ravel().tolist(), fill=colour, width=2 * s)
            elif len(points) > 1:
                draw.line(points.ravel().tolist(), fill=colour, width=2 * s, joint="curve")
    return np.array(image.resize((w, h), Image.Resampling.BOX)) if s > 1 else np.array(image)


DOT_SUPERSAMPLE = 4
TRAIN_DOT = (3.6, 1.0)  # radius and outline width in pixels, as the chart's circles
TEST_DOT = (5.0, 1.4)  # and its diamonds


def dots(size: int, points: np.ndarray, fills: np.ndarray, test: np.ndarray, train_stroke: str,
         test_stroke: str) -> np.ndarray:
    """(size, size, 4) RGBA picture of the data points: circles (train) and diamonds (test), smoothed.

    points : (n, 2) pixel centres on the size × size plot (y down); fills : (n, 3) colours;
    test : (n,) bool. Test points are drawn last, on top, as in the chart.
    """
    s = DOT_SUPERSAMPLE
    image = Image.new("RGBA", (size * s, size * s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    inks = {False: (*rgb(train_stroke), 255), True: (*rgb(test_stroke), 255)}
    for i in np.argsort(test, kind="stable"):
        is_test = bool(test[i])
        radius, stroke = TEST_DOT if is_test else TRAIN_DOT
        cx, cy = points[i] * s
        r, w = radius * s, max(1, round(stroke * s))
        fill = tuple(int(c) for c in np.round(fills[i])) + (255,)
        if is_test:
            draw.polygon([(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)], fill=fill, outline=inks[True],
                         width=w)
        else:
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill, outline=inks[False], width=w)
    # averaged down with premultiplied alpha, so the edges blend over whatever lies beneath
    return np.asarray(image.convert("RGBa").resize((size, size), Image.Resampling.BOX).convert("RGBA"))


def _runs(ok: np.ndarray):
    """Index arrays of consecutive True stretches."""
    edges = np.flatnonzero(np.diff(np.r_[0, ok.astype(np.int8), 0]))
    for start, stop in zip(edges[0::2], edges[1::2]):
        yield np.arange(start, stop)


def _dashes(points: np.ndarray, scale: int = SUPERSAMPLE):
    """Pieces of a polyline that are 'on' for a dashed stroke: each from its start, through the vertices
    strictly inside it, to its stop (found all at once, so a long history costs one pass, not one a dash)."""
    if len(points) < 2:
        return
    at = np.cumsum(np.r_[0.0, np.hypot(*np.diff(points, axis=0).T)])  # arc length at each vertex
    total = float(at[-1])
    if total == 0:
        return
    starts = np.arange(0.0, total, (DASH[0] + DASH[1]) * scale)
    stops = np.minimum(total, starts + DASH[0] * scale)
    ends = [np.column_stack([np.interp(ts, at, points[:, 0]), np.interp(ts, at, points[:, 1])]) for ts in (starts, stops)]
    first, last = np.searchsorted(at, starts, side="right"), np.searchsorted(at, stops, side="left")
    for k in range(len(starts)):
        yield np.vstack([ends[0][k], points[first[k]:last[k]], ends[1][k]])


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 × 10^k at or above ``value``: an axis end that changes only now and then."""
    if not math.isfinite(value) or value <= 0:
        return 1.0
    k = math.floor(math.log10(value))
    for m in (1, 2, 5, 10):
        if m * 10 ** k >= value * (1 - 1e-12):
            return float(m * 10 ** k)
    return float(10 ** (k + 1))


INK_RGB = rgb(INK)
