"""Charts as Vega-Lite specs, and the one cache of those specs that every page shares.

Building and validating an Altair chart costs 20-500 ms (the Playground's live chart about a second); a
cached spec costs about a millisecond. A spec is a pure function of what its chart shows, so it is cached
with ``st.cache_data`` under the chart's name and an *identity*: a hashable value that determines
everything the chart draws (a digest of its arrays, a finished run's key, a preset's name). Every session
shares the cache, and each caller gets its own copy of the spec.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

COMPOSITES = ("layer", "vconcat", "hconcat", "concat")
MAX_SPECS = 512  # about as many as the separate caches held together before there was one
SPEC_SECONDS = 3600  # a spec unused for an hour is dropped: a finished run's charts are not needed forever


def to_spec(chart: alt.TopLevelMixin) -> dict:
    """A Vega-Lite dict whose ``datasets`` are the chart's own DataFrames, named frame_0, frame_1, ….

    ``st.vega_lite_chart`` ships DataFrames as Arrow. Skipping Altair's data
    transformers and schema validation here (tests validate every builder)
    makes a redraw cheap, and positional names keep the spec identical across
    redraws so the browser only swaps the data.
    """
    frames: dict[int, tuple[str, pd.DataFrame]] = {}
    swapped: list[tuple[object, object]] = []

    def name_data(node) -> None:
        data = getattr(node, "data", alt.Undefined)
        if isinstance(data, pd.DataFrame):
            # not data_0: compiled Vega names its own datasets so, and the two collide
            name = frames.setdefault(id(data), (f"frame_{len(frames)}", data))[0]
            swapped.append((node, data))
            node.data = alt.NamedData(name=name)
        for key in COMPOSITES:
            children = getattr(node, key, alt.Undefined)
            for child in children if isinstance(children, list) else ():
                name_data(child)
        inner = getattr(node, "spec", alt.Undefined)
        if inner is not alt.Undefined:
            name_data(inner)

    try:
        name_data(chart)
        spec = chart.to_dict(validate=False)
    finally:
        for node, data in swapped:
            node.data = data
    view = spec.get("config", {}).get("view", {})
    for key in ("continuousWidth", "continuousHeight"):  # Altair's default theme; the page sets sizes
        view.pop(key, None)
    spec["datasets"] = {name: frame for name, frame in frames.values()}
    return spec


def digest(*parts) -> str:
    """An identity for arrays and labels: each array's dtype, shape and exact bytes, anything else its repr."""
    hashed = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            hashed.update(str((part.dtype, part.shape)).encode())
            hashed.update(np.ascontiguousarray(part).tobytes())
        else:
            hashed.update(repr(part).encode())
    return hashed.hexdigest()


@st.cache_data(max_entries=MAX_SPECS, ttl=SPEC_SECONDS, show_spinner=False)
def _cached(name: str, identity, _make: Callable[[], dict]) -> dict:
    """The one cache: keyed by (name, identity) only, which by contract determine what ``_make`` returns."""
    return _make()


def spec_of(name: str, identity, make: Callable[[], dict]) -> dict:
    """``make()`` (a Vega-Lite dict), built once per (``name``, ``identity``) for the whole server."""
    return _cached(name, identity, make)


def spec(name: str, identity, build: Callable[[], alt.TopLevelMixin]) -> dict:
    """The spec of ``build()`` (an Altair chart), built once per (``name``, ``identity``) for the whole server.

    ``identity`` must determine everything the chart draws; None means there is none to trust (a live run):
    the spec is then built afresh.
    """
    if identity is None:
        return to_spec(build())
    return spec_of(name, identity, lambda: to_spec(build()))


def show(build: Callable[[], alt.TopLevelMixin], name: str, identity=None, container=None, **options) -> None:
    """Draw ``build()`` (an Altair chart) under the widget key ``name``, its spec cached by ``identity``."""
    container = container or st
    drawn = spec(name, identity, build)
    if options.get("width") == "content":  # keep the chart's own size: Streamlit's default "fit" would squeeze
        drawn = {**drawn, "autosize": {"type": "pad", "contains": "padding"}}  # the plot to make room for legends
    container.vega_lite_chart(drawn, key=name, **options)


def runs_identity(results) -> tuple | None:
    """What charts of finished runs depend on: their keys (settings + data bytes) and labels; None if a run
    has no key."""
    if any(r.key is None for r in results):
        return None
    return tuple((r.key, r.label) for r in results)
