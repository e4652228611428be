"""The data controls TF Playground puts first: a picture of every data set to click, and Regenerate.

Each thumbnail is a small PNG of the set's points, drawn once per server (st.cache_data) and shown in
one Vega-Lite chart whose point selection is the click: picking a picture sets the dataset widget, in
a callback, before the sidebar is drawn. The chart's key carries the current dataset, so a choice made
in the selectbox starts a fresh chart and every picture can be clicked again.
"""

from __future__ import annotations

import random

import numpy as np
import streamlit as st

from nn_core import datasets
from nn_core.config import MAX_SEED, PARAM_BY_NAME

from .. import chart_specs, keys, pictures
from ..palette import CLASS_COLOURS, INK, rgb

THUMB = 36  # pixels per side: five fit across the sidebar
COLUMNS = 5
GAP = 6
DOT = 2  # each point is a DOT × DOT square; BIG_DOT for the four-point sets
BIG_DOT = 6
PICK = "pick"  # the chart's selection parameter


def _thumbnail(name: str) -> np.ndarray:
    """(THUMB, THUMB, 3) picture of the data set's points over a pale plane, class colours (or the
    target's sign for regression)."""
    data = datasets.make(name, n=200, noise=0.1, seed=0, classes=3)
    image = np.full((THUMB, THUMB, 3), 246, dtype=np.uint8)
    dot = BIG_DOT if len(data.X) <= 16 else DOT
    x0, x1, y0, y1 = data.domain
    cols = np.clip(((data.X[:, 0] - x0) / (x1 - x0) * (THUMB - dot)).astype(int), 0, THUMB - dot)
    rows = np.clip(((y1 - data.X[:, 1]) / (y1 - y0) * (THUMB - dot)).astype(int), 0, THUMB - dot)
    if data.kind == "regression":
        colours = np.where(data.y.reshape(-1)[:, None] >= 0, rgb(CLASS_COLOURS[1]), rgb(CLASS_COLOURS[0]))
    else:
        table = np.array([rgb(c) for c in CLASS_COLOURS])
        colours = table[np.clip(data.y.reshape(-1).astype(int), 0, len(table) - 1)]
    for r, c, colour in zip(rows, cols, colours):
        image[r:r + dot, c:c + dot] = colour
    return image


@st.cache_data(show_spinner=False)
def thumbnail_url(name: str) -> str:
    return pictures.data_url(_thumbnail(name))


def picker_spec(names: tuple[str, ...], current: str) -> dict:
    """A grid of clickable thumbnails, the current set framed: built once per server for each choice."""
    return chart_specs.spec_of("playground.data_picker", (names, current), lambda: _picker_spec(names, current))


def _picker_spec(names: tuple[str, ...], current: str) -> dict:
    values = [{"name": n, "label": datasets.DATASETS[n].label, "url": thumbnail_url(n), "col": i % COLUMNS,
               "row": i // COLUMNS, "chosen": n == current} for i, n in enumerate(names)]
    rows = -(-len(names) // COLUMNS)
    cell = THUMB + GAP
    x = {"field": "col", "type": "quantitative", "axis": None, "scale": {"domain": [-0.5, COLUMNS - 0.5]}}
    y = {"field": "row", "type": "quantitative", "axis": None, "scale": {"domain": [rows - 0.5, -0.5]}}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": "data sets: click a picture to train on that set",
        "width": COLUMNS * cell, "height": rows * cell, "data": {"values": values},
        "config": {"view": {"stroke": None}},
        "layer": [
            {"mark": {"type": "image", "width": THUMB, "height": THUMB, "cursor": "pointer"},
             "params": [{"name": PICK, "select": {"type": "point", "fields": ["name"]}}],
             "encoding": {"x": x, "y": y, "url": {"field": "url", "type": "nominal"},
                          "tooltip": [{"field": "label", "type": "nominal", "title": "data set"}]}},
            {"mark": {"type": "square", "size": (THUMB + 3) ** 2, "filled": False, "strokeWidth": 2,
                      "color": INK},
             "transform": [{"filter": "datum.chosen"}], "encoding": {"x": x, "y": y}},
        ],
    }


def _picked(chart_key: str, on_pick) -> None:
    event = st.session_state.get(chart_key) or {}
    chosen = (event.get("selection") or {}).get(PICK) or []
    name = chosen[0].get("name") if chosen and isinstance(chosen[0], dict) else None
    if name in datasets.DATASETS:  # anything else (a tampered event) is ignored
        st.session_state[keys.widget("dataset")] = name
        on_pick()


def draw_picker(box, current: str, on_pick) -> None:
    """The thumbnails in ``box``; ``on_pick`` runs after a click has set the dataset (e.g. the sidebar's
    on_change, which fits the output head to the new data)."""
    names = tuple(datasets.DATASETS)
    chart_key = f"{keys.DATA_PICKER}.{current}"
    box.vega_lite_chart(picker_spec(names, current), key=chart_key, on_select=lambda: _picked(chart_key, on_pick),
                        selection_mode=PICK, theme=None, width="content")


def regenerate() -> None:
    """New random points from the same generator: a fresh data seed (which starts a new run)."""
    param = PARAM_BY_NAME["data_seed"]
    current = st.session_state.get(keys.widget("data_seed"))
    seed = random.randrange(int(param.low), MAX_SEED + 1)
    while seed == current:
        seed = random.randrange(int(param.low), MAX_SEED + 1)
    st.session_state[keys.widget("data_seed")] = seed
