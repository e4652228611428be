"""What the other pages take from the Playground and hand to it: its current run, and links that open it.

The Backprop page builds its lesson from the Playground's network and the Experiments page copies its
settings; the Backprop and Tutorials pages link to the Playground with a run's settings in the URL.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from nn_core.config import to_query
from nn_core.runs import Run

from . import keys
from .page import PLAYGROUND


def playground_run(trained: bool = False) -> Run | None:
    """The Playground's run (an nn_core Run with its network) if this session has one, else None.

    ``trained``: only once it has a training history (the Experiments page copies a run that has trained).
    """
    run = st.session_state.get(keys.RUN)
    if not isinstance(run, Run) or run.net is None:
        return None
    return run if len(run.history) or not trained else None


def playground_link(config, label: str = "Open in Playground") -> None:
    """A link that opens the Playground with ``config`` in its URL (its query parameters)."""
    query = to_query(config)
    try:
        st.page_link(PLAYGROUND.path, label=label, icon=PLAYGROUND.icon, query_params=query)
    except StreamlitPageNotFoundError:  # a page run as its own entry point (AppTest) sees no pages/ folder
        st.markdown(f"[{label}](/Playground?{urlencode(query)})")
