"""A drawn data set in the Playground's link (``points=``), so that a link to a run on drawn points opens on
the same points in any session.

A point is its cell on the drawing plane's CELLS × CELLS grid and its class, or its target to two decimals:
two or four bytes, written in base64url behind one letter that says which. A plane holds at most
draw.MAX_POINTS points, so a link is at most MAX_CHARS long. Points drawn by clicking sit on cell centres and
come back exactly; points taken from a data set ("Start from the data") come back at their cell's centre.
The text comes from a link, so it is read as untrusted: anything that is not such a set is one sentence.
"""

from __future__ import annotations

import base64
import binascii
import functools
import math
import struct
from collections.abc import Callable
from dataclasses import dataclass

from . import draw

TARGET_LIMIT = draw.TARGET_LIMIT  # the drawing plane's target box
TARGET_SCALE = 100  # a regression target to two decimals


class PointsError(ValueError):
    """One sentence about a points= value that is not a drawn set."""


@dataclass(frozen=True)
class Format:
    """One way to pack a point: ``size`` bytes from (cell, value), and back."""

    size: int
    pack: Callable[[int, float], bytes]
    unpack: Callable[[bytes], tuple[int, float]]
    valid: Callable[[float], bool]


def _pack_class(cell: int, value: float) -> bytes:
    return struct.pack(">H", cell * draw.MAX_CLASSES + int(value))


def _unpack_class(chunk: bytes) -> tuple[int, float]:
    (number,) = struct.unpack(">H", chunk)
    return number // draw.MAX_CLASSES, float(number % draw.MAX_CLASSES)


def _pack_target(cell: int, value: float) -> bytes:
    limit = TARGET_LIMIT * TARGET_SCALE
    return struct.pack(">Hh", cell, int(round(min(limit, max(-limit, value * TARGET_SCALE)))))


def _unpack_target(chunk: bytes) -> tuple[int, float]:
    cell, number = struct.unpack(">Hh", chunk)
    return cell, number / TARGET_SCALE


FORMATS = {  # the first letter of a points= value
    "c": Format(2, _pack_class, _unpack_class, lambda v: 0 <= v < draw.MAX_CLASSES),
    "r": Format(4, _pack_target, _unpack_target, lambda v: abs(v) <= TARGET_LIMIT),
}
REGRESSION = {"c": False, "r": True}
MAX_CHARS = 1 + math.ceil(draw.MAX_POINTS * max(f.size for f in FORMATS.values()) * 4 / 3)


@functools.lru_cache(maxsize=16)
def encode(rows: tuple, regression: bool) -> str:
    """The points= value of drawn points (x1, x2, class or target): each at its cell, in the drawn order.
    Cached: the link is written on every page run, the points change only when handed over."""
    code = "r" if regression else "c"
    form = FORMATS[code]
    packed = b"".join(form.pack(draw.cell_of(x1) * draw.CELLS + draw.cell_of(x2),
                                float(value) if regression else min(draw.MAX_CLASSES - 1, max(0, int(value))))
                      for x1, x2, value in rows[:draw.MAX_POINTS])
    return code + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def decode(text) -> tuple[list[tuple[float, float, float]], bool]:
    """(the points, at their cells' centres; whether they are a regression) from a points= value, or
    PointsError with one sentence."""
    if not isinstance(text, str) or len(text) > MAX_CHARS:
        raise PointsError(f"Points: the link's drawn points are longer than {MAX_CHARS:,} characters.")
    form = FORMATS.get(text[:1])
    body = text[1:]
    if form is None or not body.isascii():
        raise PointsError("Points: the link's drawn points are not in the Playground's format.")
    try:
        packed = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise PointsError("Points: the link's drawn points are not in the Playground's format.") from None
    if not packed:
        raise PointsError("Points: the link holds no drawn points.")
    if len(packed) % form.size or base64.urlsafe_b64encode(packed).decode().rstrip("=") != body:
        raise PointsError("Points: the link's drawn points are cut short or damaged.")
    if len(packed) // form.size > draw.MAX_POINTS:
        raise PointsError(f"Points: the link holds more than {draw.MAX_POINTS:,} drawn points.")
    rows = []
    for at in range(0, len(packed), form.size):
        cell, value = form.unpack(packed[at:at + form.size])
        if cell >= draw.CELLS * draw.CELLS or not form.valid(value):
            raise PointsError("Points: a drawn point in the link lies outside the drawing plane or its classes.")
        i, j = divmod(cell, draw.CELLS)
        rows.append((draw.cell_centre(i), draw.cell_centre(j), value))
    return rows, REGRESSION[text[0]]
