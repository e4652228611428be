"""Playground: train a small network on 2-D points and watch every part of it learn."""

import streamlit as st

from dashboard.page import setup_page
from dashboard.playground import draw, lessons, panels, sidebar, state

INTRO = ("Press **Play** and watch the network learn: the **decision boundary** bends to fit the points, each "
         "unit's picture changes inside the **network**, and the **loss** falls. The address bar always holds "
         "a link to this run.")

url_warnings = state.start()
setup_page("Playground", ":material/science:", INTRO if state.explains() else "")
config = sidebar.draw(state.link().hidden, explain=state.explains())
state.publish(config)
data, token, problem = state.dataset(config)
draw.panel(data)
if data is None:
    panels.messages(url_warnings, None)
    panels.no_data(problem)
    st.stop()

run = state.current_run(config, data, token)
panels.messages(url_warnings, run)
lessons.panel(run)
panels.controls(run)
slots, view = panels.live_view(run)
panels.view_controls(run)
follow = panels.details(run)
panels.play_on(run, slots, view, follow)  # playing: the live loop, once the page below is drawn
