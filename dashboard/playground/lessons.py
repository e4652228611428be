"""The Playground's classroom side: the open lesson's goal and check, the built-in lessons, and a
"share as a lesson" builder that writes a link hiding the controls a teacher picks.

The lessons themselves are data (nn_core.teaching.lessons.LESSONS); this module only shows them. A lesson
started here applies to this session at once (its settings, its hidden controls); the link it
shows opens it anywhere.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import streamlit as st

from nn_core.config import PARAMS, to_query
from nn_core.teaching import lessons

from .. import keys
from . import sidebar, state

PAGE_PATH = "/Playground"  # where a link opens when the browser's own address is not known (AppTest)


# ------------------------------------------------------------------ the open lesson
def panel(run) -> None:
    """Above the controls, while a lesson is open: its goal, and whether this run meets it."""
    lesson = state.link().lesson
    if lesson is None:
        return
    verdict = lessons.check(lesson, run.config, run.history, run.trainer.epoch, playing=state.playing())
    with st.container(border=True):
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.markdown(f"**Lesson: {lesson.title}.** {lesson.goal_text}")
        right.button("Leave the lesson", on_click=leave, width="stretch", key=keys.LEAVE_LESSON,
                     help="Show every control again; the run and its settings stay as they are.")
        if verdict.met:
            st.success(verdict.sentence, icon=":material/check_circle:")
        elif verdict.sentence.startswith("Not counted"):
            st.warning(verdict.sentence)
        else:
            st.info(verdict.sentence, icon=":material/flag:")


def begin(lesson_id: str) -> None:
    """A Start button: this session takes the lesson's settings and hides what it does not need."""
    lesson = lessons.LESSONS[lesson_id]
    _open(lessons.Link(lesson, state.link().hide), lessons.start_config(lesson))


def leave() -> None:
    """Back to the whole Playground with the run as it is (the link keeps only its own hide=)."""
    _open(lessons.Link(None, state.link().hide), st.session_state.get(keys.CONFIG))


def _open(link: lessons.Link, config) -> None:
    state.said()
    state.pause()
    st.session_state[keys.LINK] = link
    st.session_state[keys.CONFIG] = config
    sidebar.write(config)  # every control, shown or not, holds the new config before the rerun draws it


# ------------------------------------------------------------------ the built-in lessons and the builder
def address(query: dict) -> str:
    """A full link to the Playground with ``query``, from the browser's own address when it is known."""
    here = urlsplit(st.context.url or "")
    page = here._replace(query="", fragment="").geturl() if here.netloc else PAGE_PATH
    return f"{page}?{urlencode(query)}" if query else page


def lessons_panel(run) -> None:
    """The details' Lessons tab: each built-in lesson with its goal and a Start button, then the builder."""
    st.markdown("**Built-in lessons.** Each opens with the controls it needs and checks the live run.")
    for lesson in lessons.LESSONS.values():
        with st.container(border=True):
            left, right = st.columns([5, 1], vertical_alignment="center")
            left.markdown(f"**{lesson.title}** — {lesson.goal_text}")
            left.code(address({"lesson": lesson.id}), language=None)
            right.button("Start", key=keys.start_lesson(lesson.id), on_click=begin, args=(lesson.id,),
                         width="stretch", help=f"Open “{lesson.title}” here: {lesson.goal_text}")
    builder(run)


def builder(run) -> None:
    """Share as a lesson: tick the controls to hide; the link carries this run's settings and hides them."""
    st.markdown("**Share as a lesson.** Tick what the learner should not see; the link opens this run with "
                "those controls hidden, each keeping its value.")
    columns = st.columns(3)
    groups = list(dict.fromkeys(param.group for param in PARAMS))
    for param in PARAMS:
        box = columns[groups.index(param.group) % 3]
        box.checkbox(param.label, key=keys.share(param.name))
    st.checkbox("Hide the explanatory text", key=keys.share(lessons.TEXT))
    hide = [name for name in lessons.HIDEABLE if st.session_state.get(keys.share(name))]
    query = ({"hide": ",".join(hide)} if hide else {}) | to_query(run.config)
    st.code(address(query), language=None)
    st.caption("Copy the link (the button at its right). Hidden settings keep the values shown now.")
