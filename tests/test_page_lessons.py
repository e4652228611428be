"""Lessons on the Playground in Streamlit's AppTest: hide= hides exactly the controls it names, a lesson link
opens with only its controls, its check says when the goal is met, and every built-in lesson's goal is
reached by the run it describes."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import keys
from dashboard.playground import sidebar
from nn_core.config import PARAMS
from nn_core.teaching.lessons import LESSONS, solved_config, start_config

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "1_Playground.py")
INTRO_WORDS = "Press **Play** and watch a real network learn"


def open_page(query: dict) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown_settings(at: AppTest) -> set[str]:
    """The settings that have a control in the sidebar, by their config-table name, with each group's
    section opened (as a click on its title does)."""
    for group in sidebar.GROUPS:
        at.session_state[keys.section(group)] = True
    at.run()
    prefix = "playground.cfg."
    drawn = {w.key for w in at.sidebar if getattr(w, "key", None) and w.key.startswith(prefix)}
    return {name for name in (p.name for p in PARAMS)
            if prefix + name in drawn or any(k.startswith(f"{prefix}{name}.") for k in drawn)}


def test_hide_hides_exactly_those_controls_with_no_warning():
    everything = shown_settings(open_page({"epochs": "20"}))
    assert everything == {p.name for p in PARAMS}
    at = open_page({"hide": "optimizer,lr,l2", "epochs": "20"})
    assert not at.warning and not at.error
    assert shown_settings(at) == everything - {"optimizer", "lr", "l2"}
    labels = {w.label for w in at.sidebar if hasattr(w, "label")}
    assert "Learning rate" not in labels and "Optimizer" not in labels and "Epochs" in labels


def test_a_hidden_setting_keeps_its_url_value_and_the_link_keeps_hide():
    at = open_page({"hide": "lr,optimizer", "lr": "0.03", "optimizer": "adam", "epochs": "20"})
    click(at, "Play")
    run = at.session_state["playground.run"]
    assert run.config.lr == 0.03 and run.config.optimizer == "adam" and run.trainer.epoch == 20
    assert dict(at.query_params) == {"hide": "lr,optimizer", "lr": "0.03", "optimizer": "adam", "epochs": "20"}


def test_hide_text_leaves_only_the_controls():
    plain = open_page({"epochs": "20"})
    assert any(INTRO_WORDS in m.value for m in plain.markdown)
    assert any("Each square is a unit's output" in c.value for c in plain.caption)
    at = open_page({"hide": "text", "epochs": "20"})
    assert not at.warning
    assert not any(INTRO_WORDS in m.value for m in at.markdown)
    assert not any("Each square is a unit's output" in c.value for c in at.caption)
    assert shown_settings(at) == {p.name for p in PARAMS}


def test_a_lesson_link_shows_its_controls_its_goal_and_its_check():
    lesson = LESSONS["circle"]
    at = open_page({"lesson": "circle"})
    assert shown_settings(at) == set(lesson.controls)
    assert at.session_state["playground.run"].config == start_config(lesson)
    assert any(f"**Lesson: {lesson.title}.** {lesson.goal_text}" == m.value for m in at.markdown)
    assert [m.value for m in at.info] == ["Goal: 95 % test accuracy. Press Play to train."]
    click(at, "Play")
    (info,) = [m.value for m in at.info if m.value.startswith("Not yet")]
    assert "the best so far is 55.0 % (epoch 300)" in info and lesson.hint in info
    at.pills(key="playground.cfg.features").set_value(["x1_sq", "x2_sq"]).run()
    assert dict(at.query_params) == {"lesson": "circle", "features": "x1_sq,x2_sq"}
    click(at, "Play")
    (success,) = [m.value for m in at.success]
    assert success.startswith("✓ Goal met: 95 % test accuracy reached at epoch ")


@pytest.mark.parametrize("lesson_id", list(LESSONS))
def test_every_built_in_lessons_goal_is_reached_by_the_run_it_describes(lesson_id):
    lesson = LESSONS[lesson_id]
    at = open_page({"lesson": lesson_id, **lesson.solution})
    assert not at.warning
    assert at.session_state["playground.run"].config == solved_config(lesson)
    click(at, "Play")
    (success,) = [m.value for m in at.success]
    assert success.startswith("✓ Goal met:"), [m.value for m in at.info]


def test_start_and_leave_a_lesson_from_the_lessons_tab():
    at = open_page({"epochs": "20"})
    at.segmented_control(key="playground.more").set_value("Lessons").run()
    assert any("?lesson=dead_relu" in c.value for c in at.code)
    next(b for b in at.button if b.key == "playground.lesson.start.dead_relu").click().run()  # its Start
    assert not at.exception, [e.value for e in at.exception]
    lesson = LESSONS["dead_relu"]
    assert shown_settings(at) == set(lesson.controls)
    assert at.session_state["playground.run"].config == start_config(lesson)
    assert dict(at.query_params)["lesson"] == "dead_relu"
    click(at, "Leave the lesson")
    assert shown_settings(at) == {p.name for p in PARAMS}
    assert at.session_state["playground.run"].config == start_config(lesson)  # the run stays as it was
    assert "lesson" not in dict(at.query_params)


def test_the_share_builder_writes_a_link_that_hides_the_ticked_controls():
    at = open_page({"epochs": "20", "lr": "0.1"})
    at.segmented_control(key="playground.more").set_value("Lessons").run()
    at.checkbox(key="playground.share.lr").check().run()
    at.checkbox(key="playground.share.text").check().run()
    assert any(c.value.endswith("/Playground?hide=lr%2Ctext&lr=0.1&epochs=20") for c in at.code)
