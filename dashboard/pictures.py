"""Pictures as PNG images: a network's output over the plane, coloured with NumPy, encoded with zlib.

A live frame must reach the browser and be drawn in a few milliseconds. A
heatmap sent as 2,500 Vega-Lite rectangles redraws about 6 times a second; the
same picture as one PNG ``image`` mark redraws about 20 times a second (TF
Playground draws its heatmaps on a canvas for the same reason). Encoding a
100 × 100 picture takes about a millisecond. Pixels are stored top row first,
so row 0 of a picture is the *highest* x2 of the plane.
"""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np

from nn_core.reference import predicted_class

from .palette import CLASS_COLOURS, NEGATIVE, NEUTRAL, POSITIVE, rgb, tint

BACKGROUND_TINT = 0.4  # the boundary's colours are lighter than the points drawn on it


def png(pixels: np.ndarray) -> bytes:
    """(h, w, 3) uint8 RGB or (h, w, 4) RGBA → PNG bytes (no filter, zlib level 1: small pictures, fast)."""
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    h, w, channels = pixels.shape
    raw = np.zeros((h, 1 + channels * w), dtype=np.uint8)  # each scanline starts with filter type 0
    raw[:, 1:] = pixels.reshape(h, channels * w)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", w, h, 8, {3: 2, 4: 6}[channels], 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw.tobytes(), 1))
            + chunk(b"IEND", b""))


def data_url(pixels: np.ndarray) -> str:
    """A picture as a ``data:`` URL, which a Vega-Lite image mark draws without another request."""
    return "data:image/png;base64," + base64.b64encode(png(pixels)).decode("ascii")


def sprite(size: tuple[int, int], tiles: list[tuple[float, float, np.ndarray]]) -> np.ndarray:
    """(h, w, 4) transparent RGBA canvas with each (centre x, centre y, (t, t, 3) RGB tile[, alpha]) pasted on
    it (opaque unless the tile gives its alpha).

    One picture for every unit of the network: the browser loads one image per
    frame instead of one per unit, which is what bounds a live frame's latency.
    """
    h, w = size
    canvas = np.zeros((h, w, 4), dtype=np.uint8)
    for cx, cy, tile, *alpha in tiles:
        t = tile.shape[0]
        top, left = int(round(cy - t / 2)), int(round(cx - t / 2))
        rows = slice(max(0, top), min(h, top + t))
        cols = slice(max(0, left), min(w, left + t))
        canvas[rows, cols, :3] = tile[rows.start - top:rows.stop - top, cols.start - left:cols.stop - left]
        canvas[rows, cols, 3] = alpha[0] if alpha else 255
    return canvas


def _ramp(low: str, mid: str, high: str, steps: int = 256) -> np.ndarray:
    """(steps, 3) uint8 colour table from low through mid to high."""
    t = np.linspace(-1.0, 1.0, steps)[:, None]
    lo, mi, hi = (np.array(rgb(c), dtype=np.float64) for c in (low, mid, high))
    table = np.where(t < 0, mi + (mi - lo) * t, mi + (hi - mi) * t)
    return np.round(table).astype(np.uint8)


SIGNED = _ramp(NEGATIVE, NEUTRAL, POSITIVE)  # a unit's output or a weight: orange < 0 < blue
SIGNED_PALE = _ramp(tint(NEGATIVE, BACKGROUND_TINT), NEUTRAL, tint(POSITIVE, BACKGROUND_TINT))


def _lookup(table: np.ndarray, values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Values scaled from [low, high] to the table's rows (NaN → the middle), clipped at the ends."""
    scaled = (np.nan_to_num(values, nan=(low + high) / 2) - low) * ((len(table) - 1) / (high - low))
    return table[np.clip(scaled, 0, len(table) - 1).astype(np.intp)]


def _upright(image: np.ndarray) -> np.ndarray:
    """Grid rows run from low x2 to high x2; a picture's top row is the high end."""
    return image[::-1]


def signed(values: np.ndarray, limit: float = 1.0, pale: bool = False) -> np.ndarray:
    """(r, r) values → RGB, orange at −limit, white at 0, blue at +limit (a hidden unit, an input)."""
    return _upright(_lookup(SIGNED_PALE if pale else SIGNED, values, -limit, limit))


def probability(p: np.ndarray, discretize: bool = False) -> np.ndarray:
    """(r, r) P(class 1) → RGB background: orange 0 … white 0.5 … blue 1 (or hard halves)."""
    if discretize:
        p = predicted_class(p[..., None]).astype(np.float64)  # the engine's own decision rule
    return _upright(_lookup(SIGNED_PALE, p, 0.0, 1.0))


def classes(predicted: np.ndarray, confidence: np.ndarray, n_classes: int, discretize: bool = False) -> np.ndarray:
    """(r, r) predicted class and its probability → each cell in its class's colour, pale when unsure."""
    k = max(2, n_classes)
    pale = np.array([rgb(tint(c, 0.92)) for c in CLASS_COLOURS[:k]], dtype=np.float64)
    strong = np.array([rgb(tint(c, BACKGROUND_TINT)) for c in CLASS_COLOURS[:k]], dtype=np.float64)
    certainty = np.full(confidence.shape, 0.5) if discretize else np.clip((confidence - 1 / k) / (1 - 1 / k), 0, 1)
    label = np.clip(predicted, 0, k - 1)
    mixed = pale[label] + (strong[label] - pale[label]) * np.nan_to_num(certainty)[..., None]
    return _upright(np.round(mixed).astype(np.uint8))


def regression(values: np.ndarray, limit: float, discretize: bool = False) -> np.ndarray:
    """(r, r) predictions → orange (−limit) … white … blue (+limit); six bands when discretized."""
    if discretize:
        bands = np.linspace(-limit, limit, 7)
        centres = (bands[:-1] + bands[1:]) / 2
        values = centres[np.clip(np.digitize(values, bands[1:-1]), 0, 5)]
    return _upright(_lookup(SIGNED_PALE, values, -limit, limit))
