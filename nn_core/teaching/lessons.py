"""Built-in lessons for a classroom: a goal, the controls it needs, and a check on the live run.

A lesson is data, not code: one :class:`ClassroomLesson` row in ``LESSONS``. Its ``start`` is the link's
settings (URL spelling, parsed by ``nn_core.config``), ``controls`` the settings the learner may
touch (the page hides every other one), ``goal`` a metric of the run's history to reach, ``limits``
rules the network must keep (e.g. at most 8 hidden units), and ``solution`` the settings that reach
the goal (the tests train it, so every lesson is known to be possible). A teacher adds a lesson by
adding a row.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..config import MAX_STRING, PARAM_BY_NAME, RunConfig, parse, quote
from ..history import History

MAX_ID = 40  # longer lesson ids in a link are not looked up


@dataclass(frozen=True)
class Rule:
    """A limit on the network a lesson sets (``holds(config, n)``), and how to say it."""

    holds: Callable[[RunConfig, int], bool]
    text: Callable[[int], str]


RULES: dict[str, Rule] = {
    "max_units": Rule(lambda c, n: sum(c.hidden) <= n, lambda n: f"at most {n} hidden units in all"),
    "max_layers": Rule(lambda c, n: len(c.hidden) <= n,
                       lambda n: "no hidden layer" if n == 0 else f"at most {n} hidden layer{'s' * (n != 1)}"),
}


@dataclass(frozen=True)
class Goal:
    """Reach ``at_least`` in the history column ``metric`` (e.g. test accuracy ≥ 0.95)."""

    metric: str  # a column of nn_core.history: "accuracy", "test_accuracy"
    at_least: float


METRIC_LABELS = {"accuracy": "training accuracy", "test_accuracy": "test accuracy"}


@dataclass(frozen=True)
class ClassroomLesson:
    """A Playground lesson opened from a link (?lesson=...): a goal for the live run, not a page of its own."""

    id: str  # as in the link: ?lesson=circle
    title: str
    goal_text: str  # the goal in one sentence, as the learner reads it
    start: Mapping[str, str]  # the run the link opens, in URL spelling
    controls: tuple[str, ...]  # the settings the learner may change; every other one is hidden
    goal: Goal
    hint: str  # what to try while the goal is not met
    solution: Mapping[str, str]  # settings over ``start`` that reach the goal (checked by the tests)
    limits: Mapping[str, int] = field(default_factory=dict)  # rule name -> its number, from RULES


LESSONS: dict[str, ClassroomLesson] = {lesson.id: lesson for lesson in (
    ClassroomLesson(
        "circle", "Fit the circle with no hidden layer",
        "Separate the circle from the ring around it with no hidden layer: reach 95 % test accuracy by "
        "choosing the input features.",
        start={"dataset": "circle", "hidden": "", "epochs": "300"},
        controls=("features",),
        goal=Goal("test_accuracy", 0.95),
        hint="With x₁ and x₂ alone the output can only draw a straight line, and no line encloses a circle. "
             "Pick features that grow with the distance from the centre.",
        solution={"features": "x1_sq,x2_sq"},
        limits={"max_layers": 0}),
    ClassroomLesson(
        "spiral", "Make the spiral work",
        "Reach 90 % test accuracy on the two spirals.",
        start={"dataset": "spiral", "n_samples": "500", "epochs": "600"},
        controls=("features", "hidden", "activation", "lr", "optimizer", "epochs"),
        goal=Goal("test_accuracy", 0.90),
        hint="Two small layers cannot wind around the arms. Try wider layers (8,8), the Adam optimizer and a "
             "smaller learning rate such as 0.03; then press Play.",
        solution={"hidden": "8,8", "optimizer": "adam", "lr": "0.03"}),
    ClassroomLesson(
        "dead_relu", "Why does this network stop learning?",
        "This ReLU network never learns the XOR cloud: find out why and make it reach 90 % training accuracy.",
        start={"dataset": "xor_cloud", "activation": "relu", "bias_init": "-2", "epochs": "300"},
        controls=("activation", "bias_init", "lr", "init"),
        goal=Goal("accuracy", 0.90),
        hint="Look at the hidden units: they are flat. A ReLU unit with a negative bias outputs 0 for every "
             "point, so no gradient flows back through it (see Gradient flow below). Start the biases at 0 or "
             "above (Advanced settings), or pick an activation that is never flat.",
        solution={"bias_init": "0.1"}),
    ClassroomLesson(
        "small_net", "Reach 95 % test accuracy with at most 8 units",
        "Reach 95 % test accuracy on the circle with at most 8 hidden units in all.",
        start={"dataset": "circle", "hidden": "1", "epochs": "300"},
        controls=("hidden", "activation", "lr", "optimizer", "epochs"),
        goal=Goal("test_accuracy", 0.95),
        hint="One unit draws one line; a circle needs a few lines around it. Try 3 or 4 units, or two layers "
             "of 4, and the Adam optimizer.",
        solution={"hidden": "4,4", "optimizer": "adam", "lr": "0.03"},
        limits={"max_units": 8}),
)}


TEXT = "text"  # hide=text hides the page's explanatory text; every other name is a setting
HIDEABLE = (*PARAM_BY_NAME, TEXT)


def parse_hide(raw) -> tuple[tuple[str, ...], str | None]:
    """The names a link's ``hide=`` lists (settings of the config table, or "text"), in the table's order,
    and one sentence about any that name nothing (they are ignored)."""
    text = str(raw)
    if len(text) > MAX_STRING:
        return (), "Hide: the value is too long; every control is shown."
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [name for name in dict.fromkeys(names) if name not in HIDEABLE]
    hidden = tuple(name for name in HIDEABLE if name in names)
    if not unknown:
        return hidden, None
    listed = ", ".join(quote(name) for name in unknown[:3]) + (" and more" if len(unknown) > 3 else "")
    verb = "is not a setting; it was" if len(unknown) == 1 else "are not settings; they were"
    return hidden, f"Hide: {listed} {verb} ignored."


def find(lesson_id) -> tuple[ClassroomLesson | None, str | None]:
    """(the lesson, None), or (None, one sentence) for an id from a link that names no lesson."""
    text = str(lesson_id).strip()
    lesson = LESSONS.get(text.lower()) if len(text) <= MAX_ID else None
    if lesson is None:
        return None, (f"There is no lesson {quote(text)}; the lessons are {', '.join(LESSONS)}. "
                      "Showing the Playground without one.")
    return lesson, None


LINK_PARAMS = ("lesson", "hide")  # a link's parameters that are not settings


@dataclass(frozen=True)
class Link:
    """What a link asks of the page besides settings: a lesson, and controls (or "text") to hide."""

    lesson: ClassroomLesson | None = None
    hide: tuple[str, ...] = ()  # as the link's hide= gave them

    @property
    def hidden(self) -> frozenset[str]:
        """Every name the page hides: the link's, and the settings the lesson does not need."""
        return frozenset(self.hide) | frozenset(hidden_settings(self.lesson) if self.lesson else ())

    @property
    def base(self) -> RunConfig:
        """The config the link's settings apply to: the lesson's start, or the defaults."""
        return start_config(self.lesson) if self.lesson else RunConfig()

    def query(self) -> dict[str, str]:
        """The link's own parameters, URL-ready (settings come after them)."""
        out = {"lesson": self.lesson.id} if self.lesson else {}
        return out | ({"hide": ",".join(self.hide)} if self.hide else {})


def read_link(query: Mapping) -> tuple[Link, dict, list[str]]:
    """(the link's lesson and hide=, its remaining settings, one sentence per problem) from URL values."""
    settings = {k: v for k, v in query.items() if k not in LINK_PARAMS}
    problems = []
    lesson = None
    if "lesson" in query:
        lesson, problem = find(query["lesson"])
        problems += [problem] if problem else []
    hide: tuple[str, ...] = ()
    if "hide" in query:
        hide, problem = parse_hide(query["hide"])
        problems += [problem] if problem else []
    return Link(lesson, hide), settings, problems


def start_config(lesson: ClassroomLesson) -> RunConfig:
    """The run a lesson's link opens."""
    return parse(lesson.start)[0]


def solved_config(lesson: ClassroomLesson) -> RunConfig:
    """The run that reaches the lesson's goal."""
    return parse(lesson.solution, base=start_config(lesson))[0]


def hidden_settings(lesson: ClassroomLesson) -> tuple[str, ...]:
    """Every setting the lesson does not ask the learner to touch."""
    return tuple(name for name in PARAM_BY_NAME if name not in lesson.controls)


def broken_limits(lesson: ClassroomLesson, config: RunConfig) -> list[str]:
    """The lesson's limits this config breaks, each as a phrase ("at most 8 hidden units in all")."""
    return [RULES[name].text(n) for name, n in lesson.limits.items() if not RULES[name].holds(config, n)]


@dataclass(frozen=True)
class Verdict:
    met: bool
    epoch: int | None  # the first epoch whose record meets the goal
    sentence: str


def reached_at(goal: Goal, history: History) -> int | None:
    """The first recorded epoch whose ``goal.metric`` is at least ``goal.at_least``, or None."""
    for epoch, value in zip(history.epochs, history[goal.metric]):
        if value is not None and math.isfinite(value) and value >= goal.at_least - 1e-12:
            return int(epoch)
    return None


def check(lesson: ClassroomLesson, config: RunConfig, history: History, epoch: int, playing: bool = False) -> Verdict:
    """Whether the run (its config and history, trained to ``epoch``) meets the lesson's goal, in one sentence.

    The hint waits until the run stops (``playing`` False): a run still training has not failed yet.
    """
    label = METRIC_LABELS.get(lesson.goal.metric, lesson.goal.metric.replace("_", " "))
    target = f"{100 * lesson.goal.at_least:g} % {label}"
    broken = broken_limits(lesson, config)
    if broken:
        return Verdict(False, None, f"Not counted: this lesson allows {' and '.join(broken)}.")
    at = reached_at(lesson.goal, history)
    if at is not None:
        return Verdict(True, at, f"✓ Goal met: {target} reached at epoch {at:,}.")
    if epoch == 0:
        return Verdict(False, None, f"Goal: {target}. Press Play to train.")
    column = [v for v in history[lesson.goal.metric] if v is not None and math.isfinite(v)]
    best = f"; the best so far is {100 * max(column):.1f} %" if column else ""
    if playing:
        return Verdict(False, None, f"Goal: {target}{best} (epoch {epoch:,}).")
    return Verdict(False, None, f"Not yet: {target} is the goal{best} (epoch {epoch:,}). {lesson.hint}")
