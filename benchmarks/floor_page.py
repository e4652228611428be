"""Streamlit's own floor: a one-chart page whose 50 × 50 picture changes 20 times a second.

``bench_live.py`` measures nnplay's pages beside this one, in the same browser and
run, because ratios hold on a noisy machine where absolute times don't. The
chart is what nnplay's boundary is: one PNG ``image`` mark whose data changes.
It opens at once (that is the page-open floor) and animates after a click on
"Play" (the frame-rate floor).

``?widgets=N`` adds N input widgets after the chart, and ``&gap=S`` first waits S seconds: with them,
``bench_live.py --burst`` measures how the elements a script run sends after a page's first chart delay
that chart (the browser draws it once it has built everything that came with it).
"""

import sys
import time
from pathlib import Path

import numpy as np
import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from dashboard import pictures  # noqa: E402

st.set_page_config(page_title="floor", layout="wide")
spec = {"width": 300, "height": 300, "mark": {"type": "image", "aspect": False},
        "encoding": {"x": {"field": "x0", "type": "quantitative", "scale": {"domain": [0, 1]}},
                     "x2": {"field": "x1"}, "y": {"field": "y0", "type": "quantitative", "scale": {"domain": [0, 1]}},
                     "y2": {"field": "y1"}, "url": {"field": "url", "type": "nominal"}},
        "data": {"name": "picture"}, "description": "floor picture",
        "usermeta": {"embedOptions": {"renderer": "canvas"}}}
slot = st.empty()
xs = np.linspace(-1, 1, 50)


def draw(t: float) -> None:
    values = np.tanh(3 * np.sin(xs[None, :] * 3 + t) * np.cos(xs[:, None] * 3 - t))
    url = pictures.data_url(pictures.signed(values))
    slot.vega_lite_chart(spec={**spec, "datasets": {"picture": [{"x0": 0, "x1": 1, "y0": 0, "y1": 1, "url": url}]}})


draw(0.0)
time.sleep(min(float(st.query_params.get("gap", 0)), 1.0))
for i in range(min(int(st.query_params.get("widgets", 0)), 60)):
    [st.slider, st.number_input, st.selectbox][i % 3](f"input {i}", *([0, 10], [], [["a", "b"]])[i % 3])
if st.button("Play"):
    for frame in range(1, 400):
        begun = time.perf_counter()
        draw(frame / 10)
        time.sleep(max(0.0, 0.05 - (time.perf_counter() - begun)))
