"""The Playground's session: config from the URL, the data, the run, and what the buttons do.

Everything a session owns lives in st.session_state under the keys in
``dashboard.keys``; pure results (datasets) are shared between sessions
through st.cache_data, keyed by their full inputs. Nothing here is
module-level mutable state.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import fields

import streamlit as st

from nn_core import datasets, runs
from nn_core.config import PARAM_BY_NAME, RunConfig, parse, reconcile, to_query
from nn_core.teaching import lessons
from nn_core.training import RETUNABLE

from .. import keys
from . import draw, points_link, sidebar

DATA_ARGS = ("dataset", "n_samples", "noise", "data_seed", "test_ratio", "classes")
LIVE_SETTINGS = tuple(RETUNABLE)  # change the running network (as in TF Playground) instead of restarting it
BUDGET_ONLY = ("epochs",)  # only says where Play pauses by itself


# ------------------------------------------------------------------ config and URL
def start() -> list[str]:
    """Before the sidebar is drawn: fill the widgets from the URL (first visit) or the last config.

    Returns the sentences about URL values that were invalid and replaced; they are
    repeated on every run until :func:`said` (a long first run hands over to a second).
    """
    if not sidebar.initialised():
        st.session_state[keys.FRESH] = True
        query = st.query_params.to_dict()
        drawn = query.pop(POINTS, None)
        if query or drawn is not None:
            link, settings, warnings = lessons.read_link(query)
            config, setting_warnings = parse(settings, base=link.base)
            warnings += setting_warnings + _open_points(drawn, config)
            st.session_state[keys.LINK] = link
            st.session_state[keys.LINK_CHANGES] = link_sentence(config, link.base)
        else:
            config, warnings = st.session_state.get(keys.CONFIG, RunConfig()), []
        sidebar.write(config)
        st.session_state[keys.URL_WARNINGS] = warnings
    return list(st.session_state.get(keys.URL_WARNINGS, []))


POINTS = "points"  # the URL parameter of a drawn data set (points_link)


def _open_points(value: str | None, config: RunConfig) -> list[str]:
    """A link's drawn points onto the plane (and into the run, for dataset=csv); a bad value is a sentence."""
    if value is None:
        return []
    try:
        rows, regression = points_link.decode(value)
    except points_link.PointsError as error:
        return [f"{error} The drawing plane starts empty."]
    draw.open_link(rows, regression, train=config.dataset == "csv")
    return []


def link_sentence(config: RunConfig, base: RunConfig | None = None) -> str | None:
    """One sentence naming every setting the link changed from its default (or from its lesson's start,
    which the lesson itself describes), with its value: many of them sit in sections the first screen
    keeps closed, so the learner would not see them otherwise."""
    changed = [f"{PARAM_BY_NAME[name].label} to {_value_of(name, getattr(config, name))}"
               for name in to_query(config, base)]
    return f"This link set {_and(changed)}; every other setting is at its default." if changed else None


def _value_of(name: str, value) -> str:
    """A setting's value as its control shows it: a choice by its label, numbers as written."""
    param = PARAM_BY_NAME[name]
    if isinstance(value, tuple):
        return ", ".join(_value_of(name, v) for v in value) or "none"
    return str(param.labels(value)) if param.choices else _show(value)


def drawn_query(config: RunConfig) -> dict[str, str]:
    """points= while the run trains on the points handed over from the drawing plane (not on a file)."""
    held, upload = st.session_state.get(keys.POINTS), st.session_state.get(keys.UPLOAD)
    if config.dataset == "csv" and held and upload and upload[1] == held[0]:
        return {POINTS: points_link.encode(*held[1:])}
    return {}


def link() -> lessons.Link:
    """The lesson and hidden controls of the link this session opened (kept across page switches)."""
    return st.session_state.get(keys.LINK) or lessons.Link()


def explains() -> bool:
    """Whether the page shows its explanatory text (a link's hide=text leaves only the controls)."""
    return lessons.TEXT not in link().hidden


def said() -> None:
    """The learner has acted (a callback), so the messages about the link have been seen.

    Not at the end of a page run: a playing page reruns by itself (to hand over
    its first run, or when it pauses), and each of those runs must still say them.
    """
    st.session_state.pop(keys.URL_WARNINGS, None)
    st.session_state.pop(keys.LINK_CHANGES, None)


def publish(config: RunConfig) -> None:
    """The one place that writes the shareable URL (and the copy that survives page switches)."""
    st.session_state[keys.CONFIG] = config
    opened = link()
    wanted = opened.query() | to_query(config, opened.base) | drawn_query(config)
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)


# ------------------------------------------------------------------ data
@st.cache_data(max_entries=32, show_spinner=False)
def generated(dataset: str, n_samples: int, noise: float, data_seed: int, test_ratio: float,
              classes: int) -> datasets.Dataset:
    return datasets.make(dataset, n=n_samples, noise=noise, seed=data_seed, test_ratio=test_ratio, classes=classes)


@st.cache_data(max_entries=8, show_spinner=False)
def uploaded(content: bytes, test_ratio: float, seed: int) -> datasets.Dataset:
    return datasets.load_csv(content, test_ratio=test_ratio, seed=seed)


def load_upload(name: str, content: bytes, config: RunConfig):
    """(Dataset, None) for a good CSV, (None, one sentence) for a bad one."""
    try:
        return uploaded(content, config.test_ratio, config.data_seed), None
    except datasets.DataError as error:
        return None, f"{name}: {error}"


def dataset(config: RunConfig):
    """(data, token, problem): token identifies the data for the run key; problem is one sentence or None.

    For the CSV choice with nothing uploaded yet, all three are None.
    """
    if config.dataset != "csv":
        args = tuple(getattr(config, name) for name in DATA_ARGS)
        return generated(*args), args, None
    upload = st.session_state.get(keys.UPLOAD)
    if upload is None:
        return None, None, None
    name, content = upload
    data, problem = load_upload(name, content, config)
    token = ("csv", hashlib.sha1(content).hexdigest(), config.test_ratio, config.data_seed)
    return data, token, problem


# ------------------------------------------------------------------ the run
def structure(config: RunConfig) -> RunConfig:
    """The settings that shape the network or its data: a change to any of them starts a new run."""
    base = RunConfig()
    return config.replace(**{name: getattr(base, name) for name in LIVE_SETTINGS + BUDGET_ONLY})


def current_run(config: RunConfig, data, token) -> runs.Run:
    """The session's run for this config and data.

    Kept if its structure is unchanged, with any changed training setting
    applied to the running network (:meth:`Trainer.retune`); otherwise a fresh
    run. A page opens paused on the untrained network, as TF Playground does
    (a shared link costs nothing until Play); a run replaced while playing
    plays on, to its epoch budget. What happened is said by :func:`notice`
    until the next change.
    """
    key = (structure(config), token)
    previous = st.session_state.get(keys.RUN_KEY)
    run = st.session_state.get(keys.RUN)
    if run is not None and previous == key:
        _apply_live_settings(run, config)
        return run
    run = runs.prepare(config, data)
    _replace(run)
    st.session_state[keys.RUN_KEY] = key
    if playing():
        play(goal=config.epochs)
    if previous is not None:
        st.session_state[keys.NOTICE] = changed_sentence(previous, key)
    return run


def _apply_live_settings(run: runs.Run, config: RunConfig) -> None:
    old = run.config
    if old == config:
        return
    wanted = {name: getattr(config, name) for name in LIVE_SETTINGS if getattr(old, name) != getattr(config, name)}
    if "batch_size" in wanted:
        wanted["batch_size"] = wanted["batch_size"] or None
    run.trainer.retune(**wanted)
    run.config, _ = reconcile(config, run.data.kind)
    if wanted:
        changes = [f"the {PARAM_BY_NAME[name].label.lower()} from {_show(getattr(old, name))} to "
                   f"{_show(getattr(config, name))}" for name in LIVE_SETTINGS if name in wanted]
        st.session_state[keys.NOTICE] = (f"Changed {_and(changes)} at epoch {run.trainer.epoch:,}: the network "
                                         "keeps its weights and trains on with the new setting (marked on the "
                                         "loss curve).")
    st.session_state.pop(keys.PACE, None)  # a new batch size or optimizer changes the cost of a step


def _show(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def changed_sentence(previous, key) -> str:
    (old, old_token), (new, new_token) = previous, key
    names = [PARAM_BY_NAME[f.name].label.lower() for f in fields(new) if getattr(old, f.name) != getattr(new, f.name)]
    if not names and old_token != new_token:
        names = ["the uploaded file"]
    what = ", ".join(names[:3]) + (" and more" if len(names) > 3 else "")
    again = "and is training again" if playing() else "untrained: press Play"
    return f"You changed {what}, so the network restarted from its initial weights {again}."


def notice() -> str | None:
    return st.session_state.get(keys.NOTICE)


def _replace(run: runs.Run) -> None:
    st.session_state[keys.RUN] = run
    st.session_state[keys.SERIAL] = st.session_state.get(keys.SERIAL, 0) + 1
    st.session_state.pop(keys.PACE, None)
    st.session_state[keys.REPLAY] = "now"  # before the slider is drawn: a new run is shown as it is now


def serial() -> int:
    return int(st.session_state.get(keys.SERIAL, 0))


# ------------------------------------------------------------------ playing (button callbacks)
def playing() -> bool:
    return bool(st.session_state.get(keys.PLAYING))


def goal() -> int | None:
    return st.session_state.get(keys.GOAL)


def play(goal: int | None = None) -> None:
    st.session_state[keys.PLAYING] = True
    st.session_state[keys.GOAL] = goal
    st.session_state[keys.REPLAY] = "now"


def pause() -> None:
    st.session_state[keys.PLAYING] = False


def start_playing() -> None:
    """Play trains until paused; before the epoch budget is reached it pauses there, as a new run does.
    Pressed while playing, it plays on (to the same goal)."""
    said()
    run = st.session_state.get(keys.RUN)
    if run is None or playing():
        return
    st.session_state.pop(keys.NOTICE, None)
    play(goal=run.config.epochs if run.trainer.epoch < run.config.epochs else None)


def stop_playing() -> None:
    said()
    pause()


def step() -> None:
    """One epoch (one pass over the training data), then pause, as TF Playground's step button."""
    said()
    run = st.session_state.get(keys.RUN)
    if run is not None:
        st.session_state.pop(keys.NOTICE, None)
        play(goal=run.trainer.epoch + 1)


def reset() -> None:
    """Same config, same seed: back to the very same initial weights, untrained and paused."""
    said()
    run = st.session_state.get(keys.RUN)
    if run is not None:
        st.session_state.pop(keys.NOTICE, None)
        _replace(runs.prepare(run.config, run.data))
        pause()


def new_seed() -> None:
    """A different random start; the changed seed then restarts the run like any network setting."""
    st.session_state[sidebar.key("seed")] = random.randrange(2**31 - 1)


def reached(run: runs.Run) -> bool:
    """Whether Play has nothing more to do: paused, at its goal, or diverged."""
    target = goal()
    return not playing() or run.trainer.done or (target is not None and run.trainer.epoch >= target)


def fresh() -> bool:
    """True once, on the session's first run (Streamlit keeps its widgets disabled until that run ends)."""
    return bool(st.session_state.pop(keys.FRESH, False))
