"""Backprop, step by step: one training step of a small network, stage by stage, with the real numbers."""

import inspect

import streamlit as st

from dashboard import curves, keys
from dashboard.backprop import downhill, panels
from dashboard.page import lazy_section, setup_page
from nn_core import reference

setup_page(
    "Backprop, step by step", ":material/account_tree:",
    "Follow **one training step** of a real network, stage by stage, with its real matrices.",
    "The forward pass computes predictions, the loss scores them, the backward pass sends the error back layer "
    "by layer (the chain rule), and the update nudges every weight downhill. Every matrix below is the engine's "
    "own number; blue is positive, orange negative.")

lesson = panels.lesson()
# Only the open tab is drawn: the other two (a chart and two tables, three charts) would cost the browser as
# much hidden as shown, on every page open.
step_tab, check_tab, wrong_tab = lazy_section(["① One training step", "② Gradient check", "③ What goes wrong"],
                                              keys.BACKPROP_TAB, kind="tabs")

if step_tab.open:
    with step_tab:
        panels.training_controls(lesson)
        stages = lesson.stages()
        stage = panels.stage_navigator(stages)
        panels.show_stage(stage, stages.index(stage), len(stages))
        st.divider()
        st.markdown("**Edit one weight** and watch the loss move (then step through the stages again).")
        panels.weight_editor(lesson)
        if len(lesson.trainer.history):
            with st.expander("Loss over the steps taken so far"):
                st.altair_chart(curves.loss_chart(lesson.trainer.history), width="stretch")
        with lazy_section("A step goes downhill: the loss around the weights", keys.BACKPROP_DOWNHILL) as slice_:
            if slice_.open:  # a slice costs a grid of forward passes: only when opened
                downhill.panel(lesson)
        with lazy_section("The code", keys.BACKPROP_CODE) as code:
            if code.open:  # highlighting a long listing costs the browser ~0.5 s: only when opened
                st.markdown("The whole algorithm in plain NumPy: forward, loss, backward, update. The engine "
                            "computes exactly this, faster (a test checks it bit for bit); this is "
                            "`nn_core/reference.py` itself.")
                st.code(inspect.getsource(reference), language="python", line_numbers=True)

if check_tab.open:
    with check_tab:
        st.markdown("Is the backward pass right? Compare each gradient with a **central difference**: nudge one "
                    "parameter up and down by ε and see how the loss changes. Then break backprop on purpose.")
        panels.gradient_check(lesson)

if wrong_tab.open:
    with wrong_tab:
        st.markdown("Three classic ways training fails, each visible in the gradients. Each scenario trains a "
                    "small network that goes wrong, then the same network with one fix.")
        panels.what_goes_wrong()

panels.lesson_controls(lesson)  # the sidebar's settings, after the first chart (their place on screen is the same)
