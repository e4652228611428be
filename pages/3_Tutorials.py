"""Tutorials, replayed exactly: the two seed tutorials run by nnplay's engine, beside what they claim."""

import streamlit as st

from dashboard import tutorials
from dashboard.page import setup_page
from nn_core.teaching.presets import PRESETS

setup_page(
    "Tutorials, replayed", ":material/menu_book:",
    "Two NumPy tutorials, run again by nnplay's engine and compared line by line with what they print.",
    "Each tutorial runs with the same seed, data and arithmetic as its own code. Its loss table is set beside "
    "the one it prints, and where they differ you see why.")

TABS = {"seed-000": "Seed 000 · ReLU and sigmoid on two samples", "seed-002": "Seed 002 · XOR with a 2-4-1 network"}
for tab, name in zip(st.tabs([TABS[name] for name in PRESETS]), PRESETS):
    with tab:
        tutorials.tutorial(name)
