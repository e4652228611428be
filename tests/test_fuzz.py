"""Fuzzing the parsers that read what strangers send: the settings parser, the CSV loader, the saved-run loader
and the sweep box. Whatever the input, each returns a valid result or raises its own one-sentence error; never
another exception, never a NumPy warning.

tests/test_config.py already fuzzes ``parse`` with query-string text; here the values are anything JSON or a
table editor can hold (huge integers, floats, None, booleans, lists, objects), as a saved run's config is.
"""

from __future__ import annotations

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nn_core.analysis import compare
from nn_core.config import PARAMS, RunConfig, parse, reconcile, validate
from nn_core.datasets import MAX_CLASSES, DataError, Dataset, load_csv
from nn_core.files import export
from nn_core.network import MLP
from nn_core.runs import run

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = [p.name for p in PARAMS]


def assert_valid(config: RunConfig) -> None:
    """The oracle: every field of its declared type, inside its range or choices, fitting the data."""
    assert validate(config) == config


def assert_sentence(text: str) -> None:
    """One line, ending like a sentence, short enough to read."""
    assert isinstance(text, str) and text.endswith((".", ".”")), text
    assert "\n" not in text and "\r" not in text and len(text) < 400, text


# ------------------------------------------------------------------ the settings parser
scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(), st.integers(min_value=10**300, max_value=10**400),  # beyond float: OverflowError
    st.floats(), st.floats(width=16), st.text(max_size=30), st.text(alphabet=st.characters(), min_size=190,
                                                                     max_size=260),
    st.sampled_from(["nan", "-inf", "1e400", "0x10", "4,4", "4;4", " 7 ", "١٢", "tanh", "CSV", "\x00", "\u202e",
                     "relu,tanh", "relu,tanh,sine", "gelu,", ",", "0.5,0", "0.5,0,0.2"]),
)
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                            st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                           max_leaves=10)


@FUZZ
@given(st.dictionaries(st.one_of(st.sampled_from(NAMES), st.text(max_size=12)), json_values, max_size=10))
def test_parse_takes_any_json_like_values(values):
    config, warnings = parse(values)
    assert_valid(config)
    assert reconcile(config)[1] == []
    assert len(warnings) <= len(values) + 1  # at most one per key, and one for an output that had to change
    for warning in warnings:
        assert_sentence(warning)


@FUZZ
@given(st.dictionaries(st.sampled_from(NAMES), json_values, min_size=1, max_size=4))
def test_validate_raises_only_its_sentence_and_agrees_with_parse(values):
    try:
        config = validate(values)
    except ValueError as error:
        assert_sentence(str(error))
    else:
        assert_valid(config)
        assert parse(values) == (config, [])  # what validate accepts, the lenient parser takes as it is


# ------------------------------------------------------------------ the CSV loader
def assert_valid_dataset(data: Dataset) -> None:
    assert data.n_train >= 1 and data.n_train + data.n_test >= 4
    for array in (data.X_train, data.X_test, data.y_train, data.y_test):
        assert array.dtype.kind in "fi" and all(math.isfinite(v) for v in array.ravel().tolist())
    if data.kind != "regression":
        assert 2 <= data.n_classes <= MAX_CLASSES
    assert all(math.isfinite(v) for v in data.domain)


def load(content):
    try:
        data = load_csv(content)
    except DataError as error:
        assert_sentence(str(error))
        return None
    assert_valid_dataset(data)
    return data


@FUZZ
@given(st.binary(max_size=2000))
def test_any_bytes_load_or_give_one_sentence(content):
    load(content)


HEADERS = ["x1", "x2", "label", "target", "split", "X1 ", "", "x3", "<b>", "label"]
cells = st.one_of(
    st.floats().map(repr), st.integers(-12, 12).map(str), st.floats(-1e6, 1e6).map(str),
    st.sampled_from(["", " ", "nan", "inf", "-0", "1e308", "1e-320", "train", "test", "TEST", "a,b", '"', '""',
                     "=1+1", "\x00", "١", "1_0", "0x1", "\u2028"]),
    st.text(max_size=6),
)


@st.composite
def csv_texts(draw) -> str:
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=5))
    rows = draw(st.lists(st.lists(cells, min_size=0, max_size=len(header) + 1), max_size=25))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    sep = draw(st.sampled_from([",", ",", ";", "\t"]))
    return newline.join(sep.join(row) for row in [header, *rows])


@FUZZ
@given(csv_texts(), st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]))
def test_any_csv_text_loads_or_gives_one_sentence(text, encoding):
    load(text.encode(encoding, errors="replace"))


@FUZZ
@given(st.lists(st.tuples(st.floats(allow_nan=False), st.floats(allow_nan=False), st.integers(0, 3)),
                min_size=4, max_size=30))
def test_numeric_csvs_that_load_give_finite_domains(rows):
    """Even values near the float limit: the decision-boundary domain stays finite (it overflowed before)."""
    text = "x1,x2,label\n" + "\n".join(f"{a!r},{b!r},{c}" for a, b, c in rows)
    load(text.encode())


# ------------------------------------------------------------------ the saved-run loader
def _saved() -> dict:
    result = run(RunConfig(hidden=(3,), epochs=3))
    return json.loads(export.to_json_bytes(result.net, result.config, result.history))


SAVED = _saved()


def _paths(node, prefix=()):
    yield prefix
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        yield from _paths(child, (*prefix, key))


PATHS = [p for p in _paths(SAVED) if p]


@st.composite
def mutated_saves(draw) -> bytes:
    """A valid saved run with one to three entries replaced by anything JSON can hold."""
    data = json.loads(json.dumps(SAVED))
    for path in draw(st.lists(st.sampled_from(PATHS), min_size=1, max_size=3)):
        node = data
        try:
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = draw(json_values)
        except (KeyError, IndexError, TypeError):  # an earlier mutation removed this path
            pass
    return json.dumps(data).encode()


def restore(content: bytes):
    try:
        net, config = export.load(content)
    except export.ExportError as error:
        assert_sentence(str(error))
        return None
    assert isinstance(net, MLP) and all(math.isfinite(float(abs(p).max())) for p in net.parameters())
    if config is not None:
        assert_valid(config)
    return net


@FUZZ
@given(mutated_saves())
def test_any_mutation_of_a_saved_run_loads_or_gives_one_sentence(content):
    restore(content)


@FUZZ
@given(st.one_of(st.binary(max_size=600), st.binary(max_size=600).map(lambda b: b"PK\x03\x04" + b)))
def test_any_bytes_as_a_saved_run_load_or_give_one_sentence(content):
    restore(content)


# ------------------------------------------------------------------ the sweep box
@FUZZ
@given(st.sampled_from([*compare.SWEEPABLE, "seed", "dataset", "<script>"]),
       st.one_of(st.text(max_size=60), st.lists(cells, max_size=8).map(", ".join)))
def test_any_sweep_text_gives_runs_or_one_sentence(setting, text):
    try:
        values = compare.parse_values(setting, text)
    except ValueError as error:
        assert_sentence(str(error))
        return
    configs = compare.sweep(RunConfig(), setting, values)
    assert compare.MIN_RUNS <= len(configs) <= compare.MAX_RUNS
    for config in configs:
        assert_valid(config)
