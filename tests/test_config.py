"""The declared run config: defaults, lenient clamped parsing, strict mode, URL round trip."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn_core.config import (
    PARAM_BY_NAME,
    PARAMS,
    RunConfig,
    kind_of,
    layer_sizes,
    parse,
    reconcile,
    to_query,
    validate,
)
from nn_core.teaching.presets import PRESETS


def _one_sentence(text: str) -> None:
    assert isinstance(text, str) and text and "\n" not in text and text.endswith(".")


# ----------------------------------------------------------------------------- defaults
def test_defaults_come_from_the_table():
    config, warnings = parse({})
    assert config == RunConfig() and warnings == []
    for param in PARAMS:
        assert getattr(config, param.name) == param.default
    assert to_query(RunConfig()) == {}


def test_valid_values_are_taken_as_given():
    config, warnings = parse({"lr": "0.05", "hidden": "8, 4,2", "activation": "ReLU", "epochs": "1e3",
                              "batch_size": "32", "optimizer": "adam", "l2": "0.001"})
    assert warnings == []
    assert (config.lr, config.hidden, config.activation, config.epochs) == (0.05, (8, 4, 2), "relu", 1000)
    assert (config.batch_size, config.optimizer, config.l2) == (32, "adam", 0.001)
    assert parse({"hidden": ""})[0].hidden == ()  # no hidden layer at all is valid


def test_base_config_keeps_its_other_settings():
    base = PRESETS["seed-002"].config
    config, warnings = parse({"lr": "0.5"}, base=base)
    assert warnings == [] and config == base.replace(lr=0.5)


# ----------------------------------------------------------------------------- leniency
def test_unknown_keys_warn_and_are_ignored():
    config, warnings = parse({"bogus": "1", "lr": "0.1"})
    assert config == RunConfig(lr=0.1)
    assert len(warnings) == 1 and "bogus" in warnings[0] and "Unknown" in warnings[0]
    _one_sentence(warnings[0])


@pytest.mark.parametrize("name, raw, expected", [
    ("lr", "100", 10.0), ("lr", "1e-9", 1e-4), ("epochs", "-5", 1), ("epochs", "10000000", 100_000),
    ("noise", "2", 1.0), ("n_samples", "1", 4), ("momentum", "1", 0.999), ("bias_init", "-50", -10.0),
])
def test_out_of_range_values_clamp_with_a_warning(name, raw, expected):
    config, warnings = parse({name: raw})
    assert getattr(config, name) == expected
    assert len(warnings) == 1 and "outside" in warnings[0]
    _one_sentence(warnings[0])


def test_out_of_range_widths_warn():
    config, warnings = parse({"hidden": "4,300"})
    assert config.hidden == (4, 256)
    assert warnings


@pytest.mark.parametrize("name, raw", [
    ("lr", "abc"), ("lr", "nan"), ("lr", "inf"), ("epochs", "2.5"), ("hidden", "4,x"), ("hidden", "1,1,1,1,1,1,1,1,1"),
    ("activation", "mish"), ("output", "<script>"), ("dataset", "../../etc/passwd"), ("seed", "9" * 300),
])
def test_invalid_values_fall_back_with_a_warning(name, raw):
    config, warnings = parse({name: raw})
    assert getattr(config, name) == PARAM_BY_NAME[name].default
    assert len(warnings) == 1
    _one_sentence(warnings[0])


def test_validate_raises_on_the_first_problem():
    for values, sentence in (
            ({"lr": "abc"}, "Learning rate: “abc” is not a number."),
            ({"bogus": "1"}, "Unknown setting “bogus”."),
            ({"epochs": "-5"}, "Epochs: “-5” is outside 1 to 100000."),
            ({"hidden": "4,0"}, "Hidden layers: every width must be a whole number from 1 to 256."),
            ({"dataset": "plane"}, "Output / loss: a regression problem needs linear, not sigmoid."),
            ({"dataset": "multi_spiral", "classes": "4"}, "Output / loss: a multiclass problem needs softmax, "
                                                          "not sigmoid."),
            ({"activation": "relu,tanh,sine"}, "Activation: 3 values for 2 hidden layers; give one value for "
                                               "every layer, or one per layer."),
            (RunConfig(hidden=("4",)), "Hidden layers: “('4',)” is not a list of whole numbers such as 4,4."),
            (RunConfig(lr="0.5"), "Learning rate: must be a number, not text."),
            (RunConfig(activation="RELU"), "Activation: “RELU” is not one of " + ", ".join(PARAM_BY_NAME[
                "activation"].choices) + ".")):
        with pytest.raises(ValueError) as caught:
            validate(values)
        assert str(caught.value) == sentence
        _one_sentence(str(caught.value))
    config = validate({"lr": "0.5", "dataset": "plane", "output": "linear"})
    assert config == RunConfig(lr=0.5, dataset="plane", output="linear") == validate(config)
    assert validate({"activation": "relu,relu"}) == RunConfig(activation="relu")  # one spelling


# ----------------------------------------------------------------------------- reconcile
def test_reconcile_switches_the_output_to_fit_the_problem():
    assert kind_of(RunConfig(dataset="plane")) == "regression"
    assert kind_of(RunConfig(dataset="multi_spiral", classes=3)) == "multiclass"
    assert kind_of(RunConfig(dataset="blobs", classes=2)) == "binary"
    config, fixes = reconcile(RunConfig(dataset="plane", output="sigmoid"))
    assert config.output == "linear" and len(fixes) == 1 and "regression" in fixes[0]
    config, fixes = reconcile(RunConfig(dataset="multi_spiral", classes=4, output="sigmoid"))
    assert config.output == "softmax" and fixes
    config, fixes = reconcile(RunConfig(dataset="moons", output="softmax"))
    assert config.output == "softmax" and fixes == []  # two classes may use either head
    config, fixes = reconcile(RunConfig(dataset="csv", output="sigmoid"), "regression")
    assert config.output == "linear" and fixes
    _, warnings = parse({"dataset": "plane"})
    assert len(warnings) == 1 and "linear" in warnings[0]


def test_a_csv_regression_config_keeps_its_linear_output():
    config, warnings = parse({"dataset": "csv", "output": "linear"})
    assert config.output == "linear" and warnings == []


def test_layer_sizes_follow_the_head():
    assert layer_sizes(RunConfig(hidden=(4, 3)), 2) == [2, 4, 3, 1]
    assert layer_sizes(RunConfig(hidden=(5,), output="softmax"), 4) == [2, 5, 4]
    assert layer_sizes(RunConfig(hidden=(), output="softmax"), 2) == [2, 2]


# ----------------------------------------------------------------------------- properties
def _param_values(param):
    if param.kind == "choice":
        return st.sampled_from(param.choices)
    if param.kind == "int":
        return st.integers(int(param.low), int(param.high))
    if param.kind == "float":
        return st.floats(param.low, param.high, allow_nan=False, allow_infinity=False)
    if param.kind == "names":
        return st.sets(st.sampled_from(param.choices), min_size=1).map(
            lambda names: tuple(c for c in param.choices if c in names))
    return st.lists(st.integers(int(param.low), int(param.high)), max_size=8).map(tuple)


valid_configs = st.fixed_dictionaries({p.name: _param_values(p) for p in PARAMS}).map(
    lambda values: reconcile(RunConfig(**values))[0])


@settings(max_examples=100, deadline=None)
@given(valid_configs)
def test_to_query_round_trips(config):
    query = to_query(config)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in query.items())
    assert parse(query) == (config, [])


texts = st.one_of(
    st.text(max_size=30),
    st.floats().map(repr),  # includes nan, inf, -0.0 and huge values
    st.integers(-(10**12), 10**12).map(str),
    st.lists(st.integers(-5, 400), max_size=10).map(lambda ws: ",".join(map(str, ws))),
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.one_of(st.sampled_from([p.name for p in PARAMS]), st.text(max_size=20)), texts,
                       max_size=8))
def test_parse_never_raises_and_always_gives_a_valid_config(values):
    config, warnings = parse(values)
    assert validate(config) == config  # every field of the declared type, inside its range or choices
    assert reconcile(config)[1] == []
    for warning in warnings:
        assert isinstance(warning, str) and warning.rstrip().endswith(".")
    assert all(math.isfinite(getattr(config, p.name)) for p in PARAMS if p.kind in ("int", "float"))


def test_warnings_stay_on_one_line_whatever_the_input():
    for values in ({"dataset": "0\n0"}, {"lr": "1\r\n2"}, {"bad\nkey": "1"}):
        _, warnings = parse(values)
        for warning in warnings:
            _one_sentence(warning)


def test_every_choice_has_a_name_to_show_and_nesterov_names_itself():
    for param in PARAMS:
        names = [param.labels(choice) for choice in param.choices]
        assert all(isinstance(n, str) and n for n in names) and len(set(names)) == len(names), param.name
    assert PARAM_BY_NAME["optimizer"].labels("nesterov") == "Nesterov momentum"
    assert PARAM_BY_NAME["dataset"].labels("toy") == "Toy (2 points)"


def test_a_setting_applies_only_where_it_matters():
    momentum, classes = PARAM_BY_NAME["momentum"], PARAM_BY_NAME["classes"]
    assert not momentum.applies_to(RunConfig(optimizer="sgd")) and not momentum.applies_to(RunConfig(optimizer="adam"))
    assert momentum.applies_to(RunConfig(optimizer="momentum")) and momentum.applies_to(RunConfig(optimizer="nesterov"))
    assert classes.applies_to(RunConfig(dataset="blobs")) and not classes.applies_to(RunConfig(dataset="moons"))
    assert not PARAM_BY_NAME["noise"].applies_to(RunConfig(dataset="xor"))  # a fixed dataset has no noise
    assert PARAM_BY_NAME["test_ratio"].applies_to(RunConfig(dataset="csv"))
