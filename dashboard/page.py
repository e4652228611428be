"""The skeleton every page shares: page config, title and a short intro; and the list of pages (every page's
file exists)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from streamlit.errors import StreamlitAPIException

from . import configure_process

SECTIONS = ("expander", "popover", "tabs")  # the containers Streamlit can leave unbuilt while closed


def lazy_section(label, key: str, *, kind: str = "expander", box=None, **options):
    """A section (an expander, a popover, or tabs for a list of labels) whose content the page draws
    only while it is open: ``if section.open: with section: ...``.

    Every element and widget of a closed section still reaches the browser, and building it costs the
    page's main thread (about 5 ms an input, 8 ms a slider, 0.5-1.5 s for a highlighted listing) on every
    page open. Opening or closing one reruns the script, which then draws the opened content. Widgets
    inside take ``persist_state="session"`` so that their values outlive a closed section.
    """
    if kind not in SECTIONS:
        raise ValueError(f"a lazy section is one of {', '.join(SECTIONS)}, not {kind!r}")
    return getattr(box or st, kind)(label, key=key, on_change="rerun", **options)


def setup_page(title: str, icon: str, intro: str, layout: str = "wide") -> None:
    """Call first on every page: ``set_page_config`` → title → one-paragraph intro.

    ``icon`` is an emoji or a Material icon such as ":material/science:".
    ``intro`` is Markdown; keep it to two or three sentences a newcomer can read in ten seconds.
    """
    configure_process()
    st.set_page_config(page_title=f"{title} · nnplay", page_icon=icon, layout=layout)
    navigation()
    st.title(f"{icon} {title}")
    if intro:
        st.markdown(intro)


@dataclass(frozen=True)
class PageInfo:
    path: str  # relative to the repository root, as st.page_link wants it
    label: str
    icon: str
    blurb: str


PLAYGROUND = PageInfo("pages/1_Playground.py", "Playground", ":material/science:",
                      "Train a network on 2-D points and watch the boundary, the loss and every hidden unit change.")
PAGES = (
    PLAYGROUND,
    PageInfo("pages/2_Backprop.py", "Backprop, step by step", ":material/account_tree:",
             "One training step with the real matrices: forward, loss, backward, update; and a gradient check."),
    PageInfo("pages/3_Tutorials.py", "Tutorials", ":material/menu_book:",
             "The two seed tutorials replayed exactly, with their loss tables side by side."),
    PageInfo("pages/4_Experiments.py", "Experiments", ":material/compare_arrows:",
             "Runs side by side, gradient-flow diagnostics, replay and export."),
)


HOME = PageInfo("app.py", "Home", ":material/home:", "What nnplay is, and a live example.")


def navigation() -> None:
    """The sidebar's page list: Streamlit's own would label the home page "app", after its file."""
    with st.sidebar:
        for info in (HOME, *PAGES):
            try:
                st.page_link(info.path, label=info.label, icon=info.icon)
            except StreamlitAPIException:  # AppTest runs one page as its own app: there is no page list
                return
        st.divider()
