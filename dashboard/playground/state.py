"""The Playground's session: config from the URL, the data, the run, and what the buttons do.

Everything a session owns lives in st.session_state under the keys below; pure
results (datasets, grids) are shared between sessions through st.cache_data,
keyed by their full inputs. Nothing here is module-level mutable state.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import threading

import streamlit as st

from nn_core import datasets, runs
from nn_core.config import PARAM_BY_NAME, RunConfig, parse, to_query
from nn_core.grids import NetworkGrids, network_grids

from . import sidebar

PERMANENT = "playground_config"  # the last config, so coming back from another page restores it
RUN = "playground_run"  # nn_core.runs.Run being shown
RUN_KEY = "playground_run_key"  # (config, data token) the run was built from
SERIAL = "playground_serial"  # bumps whenever the run object is replaced (chart memo key)
TARGET = "playground_target"  # epoch the run should reach; the page trains until it gets there
STOPPED = "playground_stopped"
LOCK = "playground_lock"  # guards the run: a superseded script run may still be finishing a chunk
RUNNER = "playground_runner"  # token of the script run that owns the training loop
URL_WARNINGS = "playground_url_warnings"
FRESH = "playground_fresh"  # set on a session's first run, whose widgets the browser shows only once it ends
DATA_ARGS = ("dataset", "n_samples", "noise", "data_seed", "test_ratio", "classes")


# ------------------------------------------------------------------ config and URL
def start() -> list[str]:
    """Before the sidebar is drawn: fill the widgets from the URL (first visit) or the last config.

    Returns the sentences about URL values that were invalid and replaced; they are
    repeated on every run until :func:`said` (a long first run hands over to a second).
    """
    if not sidebar.initialised():
        st.session_state[FRESH] = True
        query = st.query_params.to_dict()
        if query:
            config, warnings = parse(query)
        else:
            config, warnings = st.session_state.get(PERMANENT, RunConfig()), []
        sidebar.write(config)
        st.session_state[URL_WARNINGS] = warnings
    return list(st.session_state.get(URL_WARNINGS, []))


def said() -> None:
    """The page has run to its end, so its one-time messages have been seen."""
    st.session_state.pop(URL_WARNINGS, None)


def publish(config: RunConfig) -> None:
    """The one place that writes the shareable URL (and the copy that survives page switches)."""
    st.session_state[PERMANENT] = config
    wanted = to_query(config)
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
    upload = st.session_state.get(sidebar.UPLOAD)
    if upload is None:
        return None, None, None
    name, content = upload
    data, problem = load_upload(name, content, config)
    token = ("csv", hashlib.sha1(content).hexdigest(), config.test_ratio, config.data_seed)
    return data, token, problem


# ------------------------------------------------------------------ the run
def current_run(config: RunConfig, data, token) -> tuple[runs.Run, str | None]:
    """The session's run for this config and data: kept if they are unchanged, otherwise a fresh one.

    A fresh run is set to train ``config.epochs`` epochs. Returns the run and, if a
    previous run was replaced, one sentence saying what changed.
    """
    key = (config, token)
    previous = st.session_state.get(RUN_KEY)
    if RUN in st.session_state and previous == key:
        return st.session_state[RUN], None
    _replace(runs.prepare(config, data), target=config.epochs)
    st.session_state[RUN_KEY] = key
    return st.session_state[RUN], None if previous is None else changed_sentence(previous, key)


def changed_sentence(previous, key) -> str:
    (old, old_token), (new, new_token) = previous, key
    names = [PARAM_BY_NAME[f].label.lower() for f in new.to_dict() if getattr(old, f) != getattr(new, f)]
    if not names and old_token != new_token:
        names = ["the uploaded file"]
    what = ", ".join(names[:3]) + (" and more" if len(names) > 3 else "")
    return f"You changed {what}, so the network restarted from its initial weights and is training again."


def _replace(run: runs.Run, target: int) -> None:
    st.session_state[RUN] = run
    st.session_state[SERIAL] = st.session_state.get(SERIAL, 0) + 1
    st.session_state[TARGET] = target
    st.session_state[STOPPED] = False


def target() -> int:
    return int(st.session_state.get(TARGET, 0))


def finished(run: runs.Run) -> None:
    """After training: a diverged run stays where it stopped (Train does nothing until Reset)."""
    if run.trainer.done:
        st.session_state[TARGET] = run.trainer.epoch


# ------------------------------------------------------------------ buttons (on_click callbacks)
def train_more() -> None:
    run = st.session_state.get(RUN)
    if run is not None:
        st.session_state[TARGET] = run.trainer.epoch + run.config.epochs
        st.session_state[STOPPED] = False


def step(epochs: int) -> None:
    run = st.session_state.get(RUN)
    if run is not None:
        st.session_state[TARGET] = run.trainer.epoch + int(epochs)
        st.session_state[STOPPED] = False


def reset() -> None:
    """Same config, same seed: back to the very same initial weights, untrained."""
    run = st.session_state.get(RUN)
    if run is not None:
        _replace(runs.prepare(run.config, run.data), target=0)


def new_seed() -> None:
    """A different random start; the changed seed then resets and retrains the run like any setting."""
    st.session_state[sidebar.key("seed")] = random.randrange(2**31 - 1)


def stop() -> None:
    run = st.session_state.get(RUN)
    if run is not None:
        st.session_state[TARGET] = run.trainer.epoch
        st.session_state[STOPPED] = True


def stopped() -> bool:
    return bool(st.session_state.get(STOPPED))


# ------------------------------------------------------------------ one trainer at a time
# Process-wide, and deliberately so: it holds no data, only a turn. Each session's training and drawing
# is pure-Python-heavy NumPy work that holds the GIL; twenty sessions doing it at once would starve the
# server's event loop (its health check took seconds). With at most one turn per core, the rest wait
# without holding the GIL, and the server keeps answering.
_CPU_TURNS = threading.BoundedSemaphore(max(1, min(2, os.cpu_count() or 1)))


@contextlib.contextmanager
def cpu_turn():
    """Hold one of the process's CPU turns for a short burst of work (a chunk of training, one drawing)."""
    with _CPU_TURNS:
        yield


def claim() -> tuple[threading.Lock, object]:
    """Make this script run the session's trainer; an older run still going sees it lost its claim.

    Streamlit starts the new run (e.g. after a click on Stop) while the old one is
    still finishing its current chunk, so both touch the same Run: every training
    step and every drawing happens under the returned lock, after checking the claim.
    """
    token = object()
    st.session_state[RUNNER] = token
    return st.session_state.setdefault(LOCK, threading.Lock()), token


def fresh() -> bool:
    """True once, on the session's first run (Streamlit keeps its widgets greyed out until that run ends)."""
    return bool(st.session_state.pop(FRESH, False))


def owns(token: object) -> bool:
    return st.session_state.get(RUNNER) is token


# ------------------------------------------------------------------ cached pictures
@st.cache_data(max_entries=16, show_spinner=False)
def _grids(weights_key: str, _net, domain: tuple, resolution: int, hidden_resolution: int,
           max_units: int) -> NetworkGrids:
    return network_grids(_net, domain, resolution, hidden_resolution=hidden_resolution, max_units=max_units)


def grids(net, domain, hidden_resolution: int, max_units: int, resolution: int = 100) -> NetworkGrids:
    """The boundary and hidden-unit grids, shared between sessions whose networks are bit-identical."""
    digest = hashlib.sha1(json.dumps(net.config(), sort_keys=True).encode())
    for p in net.parameters():
        digest.update(p.tobytes())
    return _grids(digest.hexdigest(), net, tuple(domain), resolution, hidden_resolution, max_units)
