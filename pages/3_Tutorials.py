"""Tutorials, replayed exactly: the two seed tutorials run by nnplay's engine, beside what they claim."""

from dashboard import keys, tutorials
from dashboard.page import lazy_section, setup_page
from nn_core.teaching.presets import PRESETS

setup_page(
    "Tutorials, replayed", ":material/menu_book:",
    "Two NumPy tutorials, run again by nnplay's engine and compared line by line with what they print.",
    "Each tutorial runs with the same seed, data and arithmetic as its own code. Its loss table is set beside "
    "the one it prints, and where they differ you see why.")

TABS = {"seed-000": "Seed 000 · ReLU and sigmoid on two samples", "seed-002": "Seed 002 · XOR with a 2-4-1 network"}
# Only the open tab is drawn: the other's tables, charts and controls would cost the browser as much hidden.
for tab, name in zip(lazy_section([TABS[name] for name in PRESETS], keys.TUTORIALS_TAB, kind="tabs"), PRESETS):
    if tab.open:
        with tab:
            tutorials.tutorial(name)
