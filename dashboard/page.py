"""The skeleton every page shares: page config, title and a short intro."""

from __future__ import annotations

import streamlit as st


def setup_page(title: str, icon: str, intro: str, layout: str = "wide") -> None:
    """Call first on every page: ``set_page_config`` → title → one-paragraph intro.

    ``intro`` is Markdown; keep it to two or three sentences a newcomer can read in ten seconds.
    """
    st.set_page_config(page_title=f"{title} · nnplay", page_icon=icon, layout=layout)
    st.title(f"{icon} {title}")
    if intro:
        st.markdown(intro)
