"""Playground: train a small network on 2-D points and watch every part of it learn."""

import streamlit as st

from dashboard import panels, sidebar, state
from dashboard.page import setup_page

setup_page("Playground", ":material/science:",
           "Pick the data and the network in the sidebar; the network trains right away. Watch the "
           "**decision boundary** bend to fit the points, the **loss** fall, and each **hidden unit** learn its "
           "own piece of the picture. The address bar always holds a link to this exact run.")

url_warnings = state.start()
config = sidebar.draw()
state.publish(config)
data, token, problem = state.dataset(config)
if data is None:
    panels.messages(url_warnings, None, None)
    panels.no_data(problem)
    state.said()
    st.stop()

run, notice = state.current_run(config, data, token)
panels.messages(url_warnings, notice, run)
panels.buttons(run)
slots, view = panels.layout(run)
panels.train_and_draw(run, slots, view)
panels.extras(run)
state.said()
