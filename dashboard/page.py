"""The skeleton every page shares: page config, a one-line header, the layout's rules, the sections that are
built only when opened; and the list of pages (every page's file exists)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import streamlit as st
from streamlit.errors import StreamlitAPIException

from . import configure_process, keys

SECTIONS = ("expander", "popover", "tabs")  # the containers Streamlit can leave unbuilt while closed
KEEP = {"persist_state": "session"}  # for a lazy section's widgets: their values outlive the closed section


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


# The layout's own rules, not looks: the main area starts closer to the top than Streamlit's 6rem (its
# toolbar sits at the right, above the header's end), so that a laptop screen holds the Playground's live
# view; and the live picture never grows taller than the window below the header, its controls and numbers.
LAYOUT_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 4rem; }
.%(picture)s img { max-height: calc(100dvh - %(above)dpx); width: auto !important; max-width: 100%%; }
</style>"""
ABOVE_PICTURE = 300  # pixels from the window's top to the live picture's (287 at 1280 × 720), and a margin


def css_class(key: str) -> str:
    """The class the browser gives the element drawn with ``key``, as Streamlit's frontend spells it."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def setup_page(title: str, icon: str, lead: str, more: str = "", layout: str = "wide") -> None:
    """Call first on every page: ``set_page_config`` → one header line: the title, a one-line lead, and
    the rest of the explanation behind "How to read this" (a popover, built only when opened).

    ``icon`` is an emoji or a Material icon such as ":material/science:". ``lead`` and ``more`` are
    Markdown; an empty ``lead`` (a link's hide=text) leaves the title alone.
    """
    configure_process()
    st.set_page_config(page_title=f"{title} · nnplay", page_icon=icon, layout=layout)
    st.html(LAYOUT_CSS % {"picture": css_class(keys.LIVE_PICTURE), "above": ABOVE_PICTURE})
    navigation()
    with st.container(horizontal=True, vertical_alignment="center", gap="large"):
        st.title(f"{icon} {title}", width="content")
        if lead:
            with st.container(gap="small"):
                st.markdown(lead)
                if more:
                    with lazy_section("How to read this", keys.HOW_TO_READ, kind="popover", type="tertiary",
                                      icon=":material/help:") as how:
                        if how.open:
                            st.markdown(more)


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
