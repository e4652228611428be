"""The lessons table: every row is well formed, its start misses the goal, its solution reaches it, and the
check says so in one sentence."""

from __future__ import annotations

import pytest

from nn_core import runs
from nn_core.config import PARAM_BY_NAME, RunConfig, parse
from nn_core.history import History
from nn_core.teaching.lessons import (
    LESSONS,
    RULES,
    Goal,
    broken_limits,
    check,
    find,
    hidden_settings,
    reached_at,
    solved_config,
    start_config,
)

IDS = list(LESSONS)


@pytest.mark.parametrize("lesson_id", IDS)
def test_every_lesson_is_well_formed(lesson_id):
    lesson = LESSONS[lesson_id]
    assert lesson.id == lesson_id and lesson.id.isidentifier()
    for values in (lesson.start, lesson.solution):
        assert parse(values)[1] == [], (lesson_id, values)  # valid settings, as a link would carry them
    assert set(lesson.controls) <= set(PARAM_BY_NAME)
    assert set(lesson.solution) <= set(lesson.controls), "the solution needs only the controls the lesson shows"
    assert set(lesson.limits) <= set(RULES)
    assert lesson.goal_text.count(". ") == 0 and lesson.goal_text.endswith(".")  # one sentence
    assert set(hidden_settings(lesson)) == set(PARAM_BY_NAME) - set(lesson.controls)


@pytest.mark.parametrize("lesson_id", IDS)
def test_the_start_misses_the_goal_and_the_solution_reaches_it(lesson_id):
    lesson = LESSONS[lesson_id]
    start = runs.run(start_config(lesson))
    verdict = check(lesson, start.config, start.history, start.trainer.epoch)
    assert not verdict.met and verdict.sentence.startswith("Not yet:") and lesson.hint in verdict.sentence

    solved = runs.run(solved_config(lesson))
    assert not broken_limits(lesson, solved.config)
    verdict = check(lesson, solved.config, solved.history, solved.trainer.epoch)
    assert verdict.met, (lesson_id, verdict.sentence)
    assert verdict.sentence == f"✓ Goal met: {100 * lesson.goal.at_least:g} % " \
                               f"{'test' if 'test' in lesson.goal.metric else 'training'} accuracy reached at " \
                               f"epoch {verdict.epoch:,}."
    i = solved.history.epochs.index(verdict.epoch)
    assert solved.history[lesson.goal.metric][i] >= lesson.goal.at_least
    assert all(v < lesson.goal.at_least for v in solved.history[lesson.goal.metric][:i])


def test_the_same_run_gets_the_same_verdict():
    lesson = LESSONS["small_net"]
    a, b = (runs.run(solved_config(lesson)) for _ in range(2))
    assert check(lesson, a.config, a.history, 300) == check(lesson, b.config, b.history, 300)


def test_a_run_that_breaks_a_limit_is_not_counted_even_if_it_scores():
    lesson = LESSONS["small_net"]
    big = runs.run(solved_config(lesson).replace(hidden=(8, 8)))
    verdict = check(lesson, big.config, big.history, big.trainer.epoch)
    assert not verdict.met and verdict.sentence == "Not counted: this lesson allows at most 8 hidden units in all."
    deep = start_config(LESSONS["circle"]).replace(hidden=(4,))
    assert broken_limits(LESSONS["circle"], deep) == ["no hidden layer"]


def test_an_untrained_run_says_the_goal_and_to_press_play():
    lesson = LESSONS["spiral"]
    run = runs.prepare(start_config(lesson))
    assert check(lesson, run.config, run.history, 0).sentence == "Goal: 90 % test accuracy. Press Play to train."


def test_reached_at_skips_missing_values_and_takes_the_first_epoch():
    history = History(n_layers=1)
    for epoch, value in enumerate([0.5, float("nan"), 0.96, 0.97]):
        history.append(epoch, test_accuracy=value)
    assert reached_at(Goal("test_accuracy", 0.95), history) == 2
    assert reached_at(Goal("test_accuracy", 0.99), history) is None


@pytest.mark.parametrize("text", ["nope", "", "<script>alert(1)</script>", "x" * 10_000, "circle\x00", "ＣＩＲＣＬＥ"])
def test_an_unknown_lesson_id_is_one_sentence(text):
    lesson, sentence = find(text)
    assert lesson is None and sentence.startswith("There is no lesson “") and len(sentence) < 300
    assert "\n" not in sentence and "Showing the Playground without one." in sentence


def test_a_lesson_id_is_found_in_any_case():
    assert find(" Circle ")[0] is LESSONS["circle"]
    assert start_config(LESSONS["circle"]) == RunConfig(dataset="circle", hidden=())
