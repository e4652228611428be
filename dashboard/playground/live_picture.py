"""The live view as one picture: what the browser shows while a run plays.

A browser redraws one ``<img>`` whose source changes about 20 times a second
(measured here: 19.6 fps for a 1000 × 600 picture, with no blank frames, since
an image keeps its old picture until the new one has decoded). Updating a
Vega-Lite view of the same things costs it tens of milliseconds a frame, so a
playing run is drawn here, with NumPy and Pillow, in the same arrangement as
the paused chart (``live_charts.live_chart``, laid out from ``live_sizes``): the network, the loss and
accuracy curves under it, and the decision boundary beside it. The line of
numbers above it is text.
Paused, the page shows the chart again, with its tooltips.

Everything that stays put while a run trains (axes, ticks, titles, legends) is
drawn once into a backdrop, cached by what it shows; a frame only pastes the
pictures that changed onto a copy of it and writes the numbers.
"""

from __future__ import annotations

import base64
import functools
import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..palette import CLASS_COLOURS, MARK, SPLIT_COLOURS, rgb
from ..pictures import data_url as png_url
from .drawing import INK_RGB
from .live_sizes import CURVE_HEIGHT, CURVE_WIDTH, NETWORK_WIDTH, PLANE_SIZE, network_height

LEFT = 52  # room for the curves' tick labels and titles
TOP = 4
LABEL_BAND = 18  # the network's layer names
GAP = 72  # between the loss and the accuracy plot (room for the second one's ticks)
PLANE_GAP = 84  # between the network and the plane (room for its ticks and title)
LEGEND_BAND = {False: 80, True: 24}  # by "is regression": the classes' and the splits' legends, or the splits'

MOVING_QUALITY = 85  # JPEG quality of a frame while playing
MOVING_SUBSAMPLING = 2  # 4:2:0, half the colour resolution: a third faster to encode than 4:4:4
GRID = (235, 235, 235)
TEXT = (85, 85, 85)
WHITE = (255, 255, 255)


@functools.lru_cache(maxsize=8)
def font(size: int) -> ImageFont.ImageFont:
    """Pillow's own font: nothing to install on the host."""
    return ImageFont.load_default(size=size)


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True)
class Layout:
    """Pixel boxes of every part of the view, for a network of ``sizes`` and a problem of ``kind``."""

    width: int
    height: int
    network: Box
    curves: tuple[tuple[str, Box], ...]  # ("loss", box), ("accuracy", box)
    plane: Box
    legends: int  # the y where the legends' band starts


@functools.lru_cache(maxsize=64)
def layout(sizes: tuple[int, ...], kind: str) -> Layout:
    network = Box(LEFT, TOP + LABEL_BAND, NETWORK_WIDTH, network_height(sizes))
    top = network.y + network.h + 30  # under the curves' legend
    if kind == "regression":
        curves = (("loss", Box(LEFT, top, NETWORK_WIDTH, CURVE_HEIGHT)),)
    else:
        curves = (("loss", Box(LEFT, top, CURVE_WIDTH, CURVE_HEIGHT)),
                  ("accuracy", Box(LEFT + CURVE_WIDTH + GAP, top, CURVE_WIDTH, CURVE_HEIGHT)))
    plane = Box(LEFT + NETWORK_WIDTH + PLANE_GAP, TOP, PLANE_SIZE, PLANE_SIZE)
    legends = top + CURVE_HEIGHT + 48  # under everything, as the chart places its legends
    height = max(legends + LEGEND_BAND[kind == "regression"], plane.y + plane.h + 50)
    return Layout(plane.x + plane.w + 12, height, network, curves, plane, legends)


# ------------------------------------------------------------------ ticks
def nice_step(span: float, count: int = 5) -> float:
    """A 1, 2 or 5 × 10^k step giving about ``count`` ticks over ``span``."""
    raw = span / max(1, count)
    k = math.floor(math.log10(raw)) if raw > 0 else 0
    for m in (1, 2, 5, 10):
        if m * 10 ** k >= raw * (1 - 1e-9):
            return m * 10 ** k
    return 10 ** (k + 1)


def ticks(low: float, high: float, count: int = 5) -> list[float]:
    step = nice_step(high - low, count)
    first = math.ceil(low / step - 1e-9) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


def tick_text(value: float, percent: bool = False) -> str:
    if percent:
        return f"{round(100 * value)}%"
    if abs(value) >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:.10g}" if value == int(value) else f"{value:.3g}"


# ------------------------------------------------------------------ the backdrop (drawn once per axes)
def _text(draw, xy, text, size=11, fill=TEXT, anchor="la"):
    draw.text(xy, text, fill=fill, font=font(size), anchor=anchor)


def _vertical_text(image: Image.Image, centre: tuple[int, int], text: str) -> None:
    f = font(11)
    w = int(f.getlength(text)) + 2
    label = Image.new("RGB", (w, 14), WHITE)
    ImageDraw.Draw(label).text((1, 0), text, fill=TEXT, font=f)
    label = label.rotate(90, expand=True)
    image.paste(label, (centre[0] - label.width // 2, centre[1] - label.height // 2))


def _axes(image, draw, box: Box, x_ticks, y_ticks, x_title, y_title, percent=False, grid=True):
    """Grid lines, tick labels and titles around ``box``; ticks are (value, pixel offset) pairs."""
    if grid:
        for _, px in x_ticks:
            draw.line([(box.x + px, box.y), (box.x + px, box.y + box.h)], fill=GRID)
        for _, py in y_ticks:
            draw.line([(box.x, box.y + py), (box.x + box.w, box.y + py)], fill=GRID)
    draw.rectangle([box.x, box.y, box.x + box.w, box.y + box.h], outline=(220, 220, 220))
    for value, px in x_ticks:
        _text(draw, (box.x + px, box.y + box.h + 4), tick_text(value), anchor="ma")
    for value, py in y_ticks:
        _text(draw, (box.x - 5, box.y + py), tick_text(value, percent), anchor="rm")
    _text(draw, (box.x + box.w // 2, box.y + box.h + 20), x_title, size=12, anchor="ma")
    if y_title:
        _vertical_text(image, (box.x - 40, box.y + box.h // 2), y_title)


def scale_ticks(low: float, high: float, pixels: int, flip: bool = False, log: bool = False, count: int = 5):
    """(value, pixel) pairs of the ticks of an axis from low to high over ``pixels`` (flip: y, top is high)."""
    if log:
        a, b = math.log10(low), math.log10(high)
        values = [10.0 ** k for k in range(math.ceil(a - 1e-9), math.floor(b + 1e-9) + 1)]
        if len(values) > 6:
            values = values[::math.ceil(len(values) / 6)]
        to = [(math.log10(v) - a) / (b - a) for v in values]
    else:
        values = ticks(low, high, count)
        to = [(v - low) / (high - low) for v in values]
    return [(v, round((1 - t if flip else t) * pixels)) for v, t in zip(values, to)]


@functools.lru_cache(maxsize=64)
def backdrop(the: Layout, names: tuple[str, ...], curve_axes: tuple, domain: tuple, legend: tuple) -> np.ndarray:
    """(h, w, 3) the view without anything that moves: layer names, every axis, the legends.

    curve_axes : ((x1, y0, y1, log), ...) per curve; legend : (("class 0", colour), ...) or () for regression.
    """
    image = Image.new("RGB", (the.width, the.height), WHITE)
    draw = ImageDraw.Draw(image)
    net = the.network
    layers = len(names)
    for l, name in enumerate(names):
        x = net.x + (l + 0.35) / (layers - 1 + 0.7) * net.w
        _text(draw, (round(x), net.y - 4), name, anchor="md")
    for (title, box), (x1, y0, y1, log) in zip(the.curves, curve_axes):
        percent = title == "accuracy"
        _axes(image, draw, box, scale_ticks(0.0, x1, box.w), scale_ticks(y0, y1, box.h, True, log, 4),
              "epoch", title, percent)
    legend_y = the.curves[0][1].y - 16
    x = the.curves[0][1].x
    for split, dash in (("train", None), ("test", (5, 3))):
        colour = rgb(SPLIT_COLOURS[split])
        if dash:
            for start in range(0, 16, sum(dash)):
                draw.line([(x + start, legend_y), (x + min(16, start + dash[0]), legend_y)], fill=colour, width=2)
        else:
            draw.line([(x, legend_y), (x + 16, legend_y)], fill=colour, width=2)
        _text(draw, (x + 20, legend_y), split, anchor="lm")
        x += 70
    x0, x1, y0, y1 = domain
    plane = the.plane
    _axes(image, draw, plane, scale_ticks(x0, x1, plane.w), scale_ticks(y0, y1, plane.h, True),
          "x1", "x2", grid=False)
    x, y = LEFT, the.legends + 10
    for name, colour in legend:
        draw.ellipse([x, y - 4, x + 8, y + 4], fill=rgb(colour))
        _text(draw, (x + 12, y), name, anchor="lm")
        x += 20 + int(font(11).getlength(name)) + 10
    x, y = LEFT, y + (22 if legend else 0)
    for name, diamond in (("train", False), ("test", True)):
        r = 5 if diamond else 4
        shape = [(x + 4, y - r), (x + 4 + r, y), (x + 4, y + r), (x + 4 - r, y)] if diamond else None
        if shape:
            draw.polygon(shape, fill=(184, 194, 204), outline=INK_RGB)
        else:
            draw.ellipse([x, y - r, x + 2 * r, y + r], fill=(184, 194, 204), outline=INK_RGB)
        _text(draw, (x + 14, y), name, anchor="lm")
        x += 70
    return np.asarray(image)


def legend_of(kind: str, n_classes: int) -> tuple:
    if kind == "regression":
        return ()
    return tuple((f"class {k}", CLASS_COLOURS[k]) for k in range(max(2, n_classes)))


# ------------------------------------------------------------------ a frame
def _image(picture: np.ndarray) -> Image.Image:
    return Image.fromarray(np.ascontiguousarray(picture))


def compose(the: Layout, backdrop_: np.ndarray, boundary: np.ndarray, dots: np.ndarray, network: np.ndarray,
            notes: list[tuple[int, int, str]], curves: list[np.ndarray], marks: list[list[float]]) -> np.ndarray:
    """(h, w, 3) one frame: the backdrop with this moment's pictures on it.

    boundary : (r, r, 3), stretched over the plane (nearest pixel, as the chart draws it);
    dots : (PLANE_SIZE, PLANE_SIZE, 4); network : (h, w, 3) the network's plot;
    notes : [(x, y, text)] in the network's pixels ("+4 more"); curves : one RGBA picture per curve box;
    marks : per curve box, the x fractions (0…1) of the epochs where a setting changed.
    """
    image = _image(backdrop_).copy()
    plane = the.plane
    image.paste(_image(boundary).resize((plane.w, plane.h), Image.Resampling.NEAREST), (plane.x, plane.y))
    spots = _image(dots)
    image.paste(spots, (plane.x, plane.y), spots)
    image.paste(_image(network), (the.network.x, the.network.y))
    for (_, box), picture in zip(the.curves, curves):
        line = _image(picture)
        image.paste(line, (box.x, box.y), line)
    draw = ImageDraw.Draw(image)
    for (_, box), fractions in zip(the.curves, marks):
        for t in fractions:
            x = box.x + round(t * box.w)
            for y in range(box.y, box.y + box.h, 5):
                draw.line([(x, y), (x, min(box.y + box.h, y + 3))], fill=rgb(MARK), width=1)
    for x, y, text in notes:
        _text(draw, (the.network.x + x, the.network.y + y), text, anchor="mm")
    return np.asarray(image)



def data_url(picture: np.ndarray, exact: bool) -> str:
    """The picture as a ``data:`` URL: PNG when ``exact`` (paused: pixel for pixel), JPEG while playing.

    A playing frame lives for 50 ms. As JPEG (4:2:0) it encodes in 2 to 4 ms here against 6 to 16 ms as
    PNG, is a fifth smaller, and decodes faster in the browser; side by side at three times the size the
    two look the same.
    """
    if exact:
        return png_url(picture)
    out = io.BytesIO()
    _image(picture).save(out, "JPEG", quality=MOVING_QUALITY, subsampling=MOVING_SUBSAMPLING)
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")
