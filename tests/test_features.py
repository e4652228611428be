"""Input features (x1, x2, x1², x2², x1·x2, sin x1, sin x2): TF Playground's lesson that a good feature can
replace depth, through the engine, the CLI, the URL, saved runs and the exported script."""


import numpy as np
import pytest
from test_export import _exec_script

from nn_core import MLP, train
from nn_core.analysis.gradcheck import check_gradients
from nn_core.config import RunConfig, parse, to_query
from nn_core.features import FEATURES, feature_matrix
from nn_core.files import export
from nn_core.files.export import ExportError
from nn_core.grids import grid_points, input_grids
from nn_core.programs.cli import main
from nn_core.programs.script import export_script
from nn_core.runs import prepare, run

FULL = "{epoch} {loss:.17g}"  # 17 significant digits: equal text means equal floats
SQUARES = ("x1_sq", "x2_sq")


def _cli(capsys, *argv):
    code = main(["train", *argv])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def _percent(lines, prefix):
    return float(next(line for line in lines if line.startswith(prefix)).split()[-1].rstrip("%"))


# ----------------------------------------------------------------------------- the lesson
def test_on_the_circle_squared_features_replace_the_hidden_layer(capsys):
    """No hidden layer: a straight line in (x1, x2) cannot hold a circle, one in (x1², x2²) can."""
    code, raw, err = _cli(capsys, "--dataset", "circle", "--hidden", "")
    assert code == 0 and err == ""
    assert 40 <= _percent(raw, "Test accuracy") <= 65
    code, squares, err = _cli(capsys, "--dataset", "circle", "--hidden", "", "--features", "x1_sq,x2_sq")
    assert code == 0 and err == ""
    assert _percent(squares, "Test accuracy") >= 90
    assert _percent(squares, "Train accuracy") >= 90


@pytest.mark.parametrize("data_seed", [1, 2, 3])
def test_the_lesson_holds_on_other_data(data_seed):
    lesson = RunConfig(dataset="circle", hidden=(), data_seed=data_seed)
    raw = run(lesson).trainer.evaluate()["test_accuracy"]
    squares = run(lesson.replace(features=SQUARES)).trainer.evaluate()["test_accuracy"]
    assert raw <= 0.7 and squares >= 0.9


# ----------------------------------------------------------------------------- engine
def test_each_feature_is_its_formula_of_the_point():
    X = np.array([[0.5, -2.0], [3.0, 0.25]])
    expected = {"x1": [0.5, 3.0], "x2": [-2.0, 0.25], "x1_sq": [0.25, 9.0], "x2_sq": [4.0, 0.0625],
                "x1_x2": [-1.0, 0.75], "sin_x1": np.sin([0.5, 3.0]), "sin_x2": np.sin([-2.0, 0.25])}
    assert set(expected) == set(FEATURES)
    for name, column in expected.items():
        np.testing.assert_array_equal(feature_matrix(X, (name,))[:, 0], column)
    both = feature_matrix(X, ("x1_x2", "sin_x2"))
    assert both.shape == (2, 2) and both[1, 0] == 0.75


def test_raw_features_leave_a_run_unchanged_to_the_bit():
    """features=(x1, x2) is the engine before features existed: the data is not even copied."""
    config = RunConfig(epochs=40)
    with_features = run(config)
    X, y = with_features.data.X_train, with_features.data.y_train
    assert feature_matrix(X, ("x1", "x2")) is X
    assert with_features.net.features == ("x1", "x2")
    plain = MLP(**{**with_features.net.config(), "features": None})
    assert plain.features is None
    train(plain, X, y, lr=config.lr, epochs=config.epochs)
    assert plain.flat_parameters().tobytes() == with_features.net.flat_parameters().tobytes()


def test_the_input_width_is_the_number_of_features():
    r = prepare(RunConfig(features=("x1", "x2", "x1_sq", "sin_x2"), hidden=(3,)))
    assert r.net.layer_sizes == [4, 3, 1]
    assert r.net.weights[0].shape == (4, 3)
    assert r.trainer.X.shape == (r.data.n_train, 4)  # the data is mapped once, for every epoch


def test_a_network_with_features_reads_points_and_refuses_other_shapes():
    net = MLP([3, 1], features=("x1_sq", "x2_sq", "x1_x2"))
    assert net.forward(np.zeros((5, 2))).shape == (5, 1)
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        net.forward(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="3 input features need 3 inputs"):
        MLP([2, 1], features=("x1_sq", "x2_sq", "x1_x2"))
    with pytest.raises(ValueError, match="at least one"):
        MLP([2, 1], features=())
    with pytest.raises(ValueError, match="Unknown input feature 'x3'"):
        MLP([1, 1], features=("x3",))


def test_gradients_with_features_match_central_differences():
    data = run(RunConfig(dataset="circle", n_samples=40, epochs=1)).data
    net = MLP([5, 4, 1], activation="tanh", seed=2, features=("x1", "x2", "x1_sq", "x1_x2", "sin_x1"))
    check = check_gradients(net, data.X_train, data.y_train)
    assert check.passed and check.max_error < 1e-6, check.max_error


def test_input_pictures_show_each_feature_over_the_plane():
    xs, ys, _ = grid_points((-2.0, 2.0, -1.0, 1.0), 5)
    x1, x1_sq, x2 = input_grids(("x1", "x1_sq", "x2"), xs, ys)
    assert x1.shape == (5, 5) and np.abs(x1).max() == 1.0
    np.testing.assert_allclose(x1[0], xs / xs.max())  # left to right along each row
    np.testing.assert_allclose(x2[:, 0], ys / ys.max())  # row i is ys[i]
    assert x1_sq.min() >= 0 and x1_sq[0, 2] == 0.0  # x1² is 0 down the middle column, largest at the sides
    raw = input_grids(None, xs, ys)
    assert len(raw) == 2 and np.array_equal(raw[0], x1)


# ----------------------------------------------------------------------------- URL and config
def test_features_reach_the_url_in_one_spelling():
    config = RunConfig(features=SQUARES)
    assert to_query(config) == {"features": "x1_sq,x2_sq"}
    assert parse({"features": "x2_sq, X1_SQ"}) == (config, [])
    assert parse({"features": "x1,x1"})[0].features == ("x1",)
    assert "features" not in to_query(RunConfig())


@pytest.mark.parametrize("value, phrase", [
    ("x3", "“x3” is not one of x1, x2, x1_sq"),
    ("", "choose at least one"),
    (",,", "choose at least one"),
    ("x1_sq,<script>", "“<script>” is not one of"),
    ("x1" * 200, "too long"),
])
def test_a_bad_features_value_in_a_link_is_one_sentence_and_the_default(value, phrase):
    config, warnings = parse({"features": value})
    assert config.features == ("x1", "x2")
    assert len(warnings) == 1 and phrase in warnings[0] and warnings[0].startswith("Input features: ")
    assert warnings[0].count(". ") <= 1


# ----------------------------------------------------------------------------- CLI
@pytest.mark.parametrize("value, phrase", [("x3", "“x3” is not one of"), ("", "choose at least one")])
def test_a_bad_features_flag_exits_2_with_one_line(capsys, value, phrase):
    code, out, err = _cli(capsys, "--features", value)
    assert code == 2 and out == []
    assert err.count("\n") == 1 and "--features: " in err and phrase in err


def test_the_cli_json_config_names_the_features(capsys):
    code, out, err = _cli(capsys, "--features", "sin_x1,x2", "--epochs", "2", "--json")
    assert code == 0
    assert '"features": ["x2", "sin_x1"]' in out[0]


# ----------------------------------------------------------------------------- saved runs and the script
LESSON_PLUS = RunConfig(dataset="spiral", n_samples=120, features=("x1", "x2", "x1_x2", "sin_x1", "sin_x2"),
                        hidden=(6, 5), activation=("relu", "tanh"), dropout=(0.3, 0.0), batch_size=16, lr=0.05,
                        optimizer="adam", epochs=25)


def _engine_lines(config):
    r = prepare(config, log_every=1)
    r.train()
    lines = [FULL.format(epoch=row["epoch"], loss=row["loss"]) for row in r.history.log]
    evaluation = r.trainer.evaluate()
    return lines, evaluation


@pytest.mark.parametrize("config", [LESSON_PLUS, RunConfig(dataset="circle", hidden=(), features=SQUARES,
                                                           epochs=30)], ids=["features+dropout+layers", "lesson"])
def test_the_exported_script_reproduces_a_run_with_features_bit_for_bit(config):
    source = export_script(config, log_every=1, line=FULL)
    assert "def x1_x2(X)" in source or "def x1_sq(X)" in source
    got = _exec_script(source)
    lines, evaluation = _engine_lines(config)
    assert got[:len(lines)] == lines and len(lines) == config.epochs
    assert got[len(lines)] == f"Train accuracy: {evaluation['train_accuracy']:.2%}"


def test_a_script_without_features_has_no_feature_section():
    assert "input features" not in export_script(RunConfig(epochs=3))


@pytest.mark.parametrize("fmt", ["json", "npz"])
def test_a_saved_run_keeps_its_features(tmp_path, fmt):
    r = run(LESSON_PLUS.replace(epochs=5))
    path = tmp_path / f"run.{fmt}"
    export.save(path, r.net, r.config, r.history)
    net, config = export.load(path)
    assert net.features == LESSON_PLUS.features and config.features == LESSON_PLUS.features
    X = r.data.X_test
    assert net.forward(X).tobytes() == r.net.forward(X).tobytes()


@pytest.mark.parametrize("features, phrase", [
    (["x1", "x2"], "“features” must list 5 input feature names"),
    (["x1", "x2", "x1_x2", "sin_x1", "cube"], "Unknown input feature 'cube'"),
    (["x1", "x1", "x1_x2", "sin_x1", "sin_x2"], "names an input feature twice"),
    ("x1", "“features” must list 5"),
])
def test_a_tampered_features_entry_is_refused_with_one_sentence(features, phrase):
    r = prepare(LESSON_PLUS)
    d = export.to_dict(r.net, r.config)
    d["network"]["features"] = features
    with pytest.raises(ExportError, match=phrase):
        export.from_dict(d)


def test_a_saved_config_whose_features_contradict_the_network_is_refused():
    r = prepare(RunConfig(features=SQUARES))
    d = export.to_dict(r.net, r.config)
    d["config"]["features"] = ["x1", "x2"]
    with pytest.raises(ExportError, match="input features do not match"):
        export.from_dict(d)


def test_files_from_before_features_still_load_as_raw_inputs():
    r = prepare(RunConfig())
    d = export.to_dict(r.net, r.config)
    del d["network"]["features"], d["config"]["features"]
    net, config = export.from_dict(d)
    assert net.features is None and config.features == ("x1", "x2")


# ----------------------------------------------------------------------------- Experiments
def test_an_experiments_sweep_over_features_reproduces_the_lesson_side_by_side():
    from dashboard.experiments.panels import config_row, rows_to_configs
    from nn_core.analysis import compare

    values = compare.parse_values("features", "x1,x2; x1_sq,x2_sq")
    assert values == [("x1", "x2"), SQUARES]
    base = RunConfig(dataset="circle", hidden=())
    configs = compare.sweep(base, "features", values)
    results = compare.compare(configs)
    raw, squares = (r.metrics["test_accuracy"] for r in results)
    assert raw <= 0.65 and squares >= 0.9
    rows = [config_row(c) for c in configs]
    assert [row["features"] for row in rows] == ["x1,x2", "x1_sq,x2_sq"]
    assert rows_to_configs(rows, base) == (configs, [])
    with pytest.raises(ValueError, match="e.g. “x1,x2; x1_sq,x2_sq”"):
        compare.parse_values("features", "x1,x2")
