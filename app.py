"""nnplay home: what it is, a network learning XOR live, and a link to every page."""

import streamlit as st

from dashboard import home
from dashboard.page import PAGES, setup_page

setup_page("nnplay", ":material/neurology:",
           "nnplay is a playground that shows how neural networks learn, not just that they do. "
           "Every number comes from a small, exact engine in plain NumPy, so you can watch a real network's "
           "forward pass, loss and backward pass step by step. Train one on your own data, compare settings "
           "side by side, and export any run as a standalone script.")

st.subheader("A network learning XOR")
home.xor_example()

st.subheader("Pages")
for info in PAGES:
    st.page_link(info.path, label=f"**{info.label}** — {info.blurb}", icon=info.icon)
