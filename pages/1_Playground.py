"""Playground: train a small network on 2-D points and watch every part of it learn."""

import streamlit as st

from dashboard.page import setup_page
from dashboard.playground import draw, lessons, panels, sidebar, state

LEAD = "Press **Play** and watch a real network learn to separate the points."
MORE = ("The **decision boundary** (right) bends to fit the points, each unit's picture changes inside the "
        "**network** (left), and the **loss** falls (below it). The settings are in the sidebar: the first "
        "ones shape the network, the sections under them hold the rest. The address bar always holds a link "
        "to this run: share it, and it opens this very network.")

url_warnings = state.start()
setup_page("Playground", ":material/science:", *((LEAD, MORE) if state.explains() else ("",)))
config = sidebar.draw(state.link().hidden, explain=state.explains())
state.publish(config)
data, token, problem = state.dataset(config)
if data is None:
    panels.messages(url_warnings, None)
    panels.no_data(problem)
    draw.panel(data)
    st.stop()

run = state.current_run(config, data, token)
panels.messages(url_warnings, run)
lessons.panel(run)
panels.controls(run)
slots, view = panels.live_view(run)
panels.view_controls(run)
draw.panel(data)
follow = panels.details(run)
panels.play_on(run, slots, view, follow)  # playing: the live loop, once the page below is drawn
