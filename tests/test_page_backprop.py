"""AppTest of the Backprop page: the stages, their matrices against nn_core, the gradient check, the scenarios."""

import json
import math

import numpy as np
import pytest
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from dashboard import keys, weight_editor
from nn_core import Trainer
from nn_core.analysis.gradcheck import BREAKAGES, check_gradients
from nn_core.runs import prepare
from nn_core.teaching.presets import PRESETS
from nn_core.teaching.scenarios import SCENARIOS, layer_numbers, run_scenario
from nn_core.teaching.stages import stage_keys, training_step

PAGE = "../pages/2_Backprop.py"
STEP, CHECK, WRONG = "① One training step", "② Gradient check", "③ What goes wrong"  # the page's tabs


def _page(tab: str = STEP) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state[keys.BACKPROP_TAB] = tab  # as a click on the tab sets it
    at.run()
    assert not at.exception, at.exception
    return at


def in_tab(at, tab: str) -> AppTest:
    """The browser sends the open tab with every rerun; the floor's AppTest (Streamlit 1.65) drops it after an
    interaction, so the test sends it again before each one, as the browser would."""
    at.session_state[keys.BACKPROP_TAB] = tab
    return at


def open_tab(at, tab: str) -> AppTest:
    """A click on the tab: the page reruns and draws it (and no other)."""
    return in_tab(at, tab).run()


def _charts(at):
    return [el.proto for el in at.get("vega_lite_chart")]


def shown_matrices(at) -> dict:
    """The stage chart's matrices, rebuilt from the data the browser receives: name -> 2-D array."""
    proto = next(p for p in _charts(at) if "vconcat" in json.loads(p.spec))
    spec = json.loads(proto.spec)
    data = {d.name: dataframe_util.convert_arrow_bytes_to_pandas_df(d.data.data) for d in proto.datasets}
    out = {}
    for row in spec["vconcat"]:
        for chart in row["hconcat"]:
            name = chart["title"]["text"].split("   ")[0]
            frame = data[chart["data"]["name"]]
            a = np.zeros((frame["row"].max() + 1, frame["col"].max() + 1))
            a[frame["row"], frame["col"]] = frame["value"]
            out[name] = a
    return out


def _reference(activation="sigmoid", output="sigmoid", steps=0):
    config = PRESETS["seed-002"].config.replace(activation=activation)
    run = prepare(config)
    net, X, y = run.net, run.data.X_train, run.data.y_train
    if output != "sigmoid":
        from nn_core import MLP

        net = MLP([2, 4, 2 if output == "softmax" else 1], activation, output, init="normal", init_scale=0.1,
                  seed=42)
    if steps:
        Trainer(net, X, y, lr=1.0).run(steps)
    return net, X, y


def _expected(net, X, y):
    return {s.key: dict(s.arrays) for s in training_step(net, X, y, lr=1.0)}


def test_every_stage_shows_the_engines_matrices():
    at = _page()
    stages = stage_keys(2)
    assert list(at.select_slider(key=keys.BACKPROP_STAGE).options) == stages
    expected = _expected(*_reference())
    seen_titles, seen_latex = [], []
    for i, key in enumerate(stages):
        assert at.session_state[keys.BACKPROP_STAGE] == key
        assert f"stage {i + 1} of {len(stages)}" in at.markdown[1].value
        seen_titles.append(at.subheader[0].value)
        seen_latex.append(at.latex[0].value)
        shown = shown_matrices(at)
        assert set(shown) == set(expected[key])
        for name, value in expected[key].items():
            np.testing.assert_array_equal(shown[name], np.atleast_2d(value), err_msg=f"{key}: {name}")
        if i < len(stages) - 1:
            at = at.button(key=keys.BACKPROP_NEXT).click().run()
    assert seen_titles[0] == "Layer 1: weighted sums" and seen_titles[-1] == "Gradient-descent update"
    assert "Z_1 = X" in seen_latex[0] and r"a\,(1 - a)" in seen_latex[stages.index("dZ1")]
    at.button(key=keys.BACKPROP_NEXT).click().run()  # stays on the last stage
    assert at.session_state[keys.BACKPROP_STAGE] == "update"
    at.button(key=keys.BACKPROP_BACK).click().run()
    assert at.session_state[keys.BACKPROP_STAGE] == "db1"


def test_reused_cache_is_named():
    at = _page()
    at.select_slider(key=keys.BACKPROP_STAGE).set_value("dW1").run()
    info = [el.value for el in at.info]
    assert any("`X`" in text and "cache" in text for text in info)
    at.select_slider(key=keys.BACKPROP_STAGE).set_value("dZ1").run()
    assert any("`A1`" in el.value for el in at.info)


def test_training_steps_change_the_matrices():
    at = _page()
    at.select_slider(key=keys.BACKPROP_STAGE).set_value("dW1").run()
    at.button(key=keys.BACKPROP_STEP100).click().run()
    at.button(key=keys.BACKPROP_STEP1).click().run()
    assert at.metric[0].value == "101"
    net, X, y = _reference(steps=101)
    assert at.metric[1].value == f"{net.loss(X, y):.6f}"
    assert at.session_state[keys.BACKPROP_STAGE] == "dW1"  # the learner stays on the stage
    np.testing.assert_array_equal(shown_matrices(at)["dW1"], _expected(net, X, y)["dW1"]["dW1"])


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_switching_the_activation_changes_the_derivative_term(activation):
    at = _page()
    at.selectbox(key=keys.BACKPROP_ACTIVATION).set_value(activation).run()
    at.select_slider(key=keys.BACKPROP_STAGE).set_value("dZ1").run()
    shown = shown_matrices(at)
    expected = _expected(*_reference(activation))["dZ1"]
    np.testing.assert_array_equal(shown["f'(Z1)"], expected["f'(Z1)"])
    np.testing.assert_array_equal(shown["dZ1"], expected["dZ1"])
    assert (r"\mathbb{1}[a > 0]" if activation == "relu" else "1 - a^2") in at.latex[0].value
    if activation == "relu":
        assert set(np.unique(shown["f'(Z1)"])) <= {0.0, 1.0}


def test_switching_the_output_changes_the_shapes_and_loss():
    at = _page()
    at.selectbox(key=keys.BACKPROP_OUTPUT).set_value("softmax").run()
    at.select_slider(key=keys.BACKPROP_STAGE).set_value("Z2").run()
    assert shown_matrices(at)["Z2"].shape == (4, 2)
    at.select_slider(key=keys.BACKPROP_STAGE).set_value("loss").run()
    assert "cross-entropy" in at.subheader[0].value
    net, X, y = _reference(output="softmax")
    assert shown_matrices(at)["loss"][0, 0] == net.loss(X, y)


def test_editing_a_weight_moves_the_loss():
    at = _page()
    at.selectbox(key=keys.BACKPROP_EDITOR + "layer").set_value(2).run()
    net, X, y = _reference()
    before = net.loss(X, y)
    at.number_input(key=weight_editor.value_key(keys.BACKPROP_EDITOR, 2, 0, 0, 0)).set_value(4.0).run()
    params = [p.copy() for p in net.parameters()]
    params[2][0, 0] = 4.0  # W2
    net.set_parameters(params)
    after = net.loss(X, y)
    assert at.metric[1].value == f"{after:.6f}"
    text = next(el.value for el in at.markdown if "the loss moved" in el.value)
    assert f"{before:.6f}" in text and f"{after:.6f}" in text
    at.select_slider(key=keys.BACKPROP_STAGE).set_value("Z2").run()
    assert shown_matrices(at)["W2"][0, 0] == 4.0


def test_only_the_open_tab_is_drawn():
    at = _page()
    assert len(_charts(at)) == 1 and "vconcat" in _charts(at)[0].spec  # the stage's matrices, nothing else
    assert not at.success and [r.key for r in at.radio] == [keys.BACKPROP_SOURCE]  # no check, no scenarios
    open_tab(at, CHECK)
    assert "Passed" in at.success[0].value and not [p for p in _charts(at) if "vconcat" in p.spec]


def test_controls_in_a_closed_tab_keep_their_values_and_still_apply():
    """A tab the learner left is not drawn; the stage, the weight chosen and the breakage it held come back with
    it, and the breakage still breaks the check."""
    at = _page()
    at.select_slider(key=keys.BACKPROP_STAGE).set_value("dW1").run()
    in_tab(at, STEP).selectbox(key=keys.BACKPROP_EDITOR + "layer").set_value(2).run()
    open_tab(at, CHECK)
    breakage = list(BREAKAGES)[0]
    in_tab(at, CHECK).selectbox(key=keys.BACKPROP_BREAKAGE).set_value(breakage).run()
    assert "Failed" in at.error[0].value
    open_tab(at, STEP)
    assert not at.get("selectbox") or keys.BACKPROP_BREAKAGE not in [s.key for s in at.selectbox]
    assert at.session_state[keys.BACKPROP_STAGE] == "dW1" and "dW1" in shown_matrices(at)
    assert at.selectbox(key=keys.BACKPROP_EDITOR + "layer").value == 2
    open_tab(at, CHECK)
    assert at.selectbox(key=keys.BACKPROP_BREAKAGE).value == breakage
    assert "Failed" in at.error[0].value
    assert any(BREAKAGES[breakage].explanation in el.value for el in at.markdown)


def test_gradient_check_passes_then_fails_when_broken():
    at = _page(CHECK)
    assert "Passed" in at.success[0].value
    net, X, y = _reference()
    check = check_gradients(net, X, y)
    table = at.dataframe[0].value
    assert list(table["parameter"]) == ["W1", "b1", "W2", "b2"]
    np.testing.assert_allclose(table["error"], [p.error for p in check.params], rtol=1e-9)
    for name in BREAKAGES:
        in_tab(at, CHECK).selectbox(key=keys.BACKPROP_BREAKAGE).set_value(name).run()
        assert not at.exception
        assert "Failed" in at.error[0].value
        assert any(BREAKAGES[name].explanation in el.value for el in at.markdown)
        assert "FAIL" in list(at.dataframe[0].value["result"])


def test_relu_kink_is_explained():
    at = _page(CHECK)
    in_tab(at, CHECK).selectbox(key=keys.BACKPROP_ACTIVATION).set_value("relu").run()
    assert "Failed" in at.error[0].value
    assert any("corner at z = 0" in el.value for el in at.markdown)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_each_scenario_shows_its_numbers(name):
    at = _page(WRONG)
    in_tab(at, WRONG).radio(key=keys.BACKPROP_SCENARIO).set_value(name).run()
    assert not at.exception
    result = run_scenario(name)
    text = "\n".join(el.value for el in at.markdown)
    for sentence in result.findings:
        assert sentence in text
    assert result.scenario.explanation in text
    rows = next(df.value for df in at.dataframe if "‖dW‖ at epoch 0" in df.value.columns)
    np.testing.assert_allclose(rows["‖dW‖ at epoch 0"], layer_numbers(result.broken.history).first_grad, rtol=1e-12)
    if name == "exploding":
        assert "diverged at epoch" in text
    if name == "dead_relu":
        assert rows["dead units at epoch 0"][0] == 1.0 and rows["‖dW‖ at epoch 0"][0] == 0.0
    if name == "vanishing":
        assert rows["‖dW‖ at epoch 0"].iloc[0] / rows["‖dW‖ at epoch 0"].iloc[-1] < 1e-3
    assert len(_charts(at)) == 2  # gradient bars and loss (the other tabs are not drawn)


def test_numbers_are_finite_after_many_steps_at_a_large_rate():
    at = _page()
    at.select_slider(key=keys.BACKPROP_LR).set_value(3.0).run()
    for _ in range(3):
        at.button(key=keys.BACKPROP_STEP100).click().run()
    assert not at.exception
    assert at.metric[0].value == "300"
    assert math.isfinite(float(at.metric[1].value))


def test_the_playgrounds_network_is_offered_only_when_there_is_one():
    at = _page()
    assert at.radio(key=keys.BACKPROP_SOURCE).options == ["Seed 002's XOR network (2-4-1)"]

    from nn_core.config import RunConfig

    run = prepare(RunConfig())  # the Playground's default: xor cloud, 2-4-4-1 tanh
    run.train(25)
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state[keys.RUN] = run
    at.run()
    assert at.radio(key=keys.BACKPROP_SOURCE).options[-1] == "The Playground's network"
    at.radio(key=keys.BACKPROP_SOURCE).set_value("The Playground's network").run()
    assert not at.exception
    assert at.selectbox(key=keys.BACKPROP_ACTIVATION).value == "tanh"
    assert list(at.select_slider(key=keys.BACKPROP_STAGE).options) == stage_keys(3)
    shown = shown_matrices(at)
    np.testing.assert_array_equal(shown["W1"], run.net.weights[0])
    np.testing.assert_array_equal(shown["X"], run.data.X_train[:8])
    expected = training_step(run.net, run.data.X_train[:8], run.data.y_train[:8], lr=1.0)
    np.testing.assert_array_equal(shown["Z1"], expected[0].result)
    assert at.metric[1].value == f"{run.net.loss(run.data.X_train[:8], run.data.y_train[:8]):.6f}"
    before = run.net.weights[0].copy()
    at.button(key=keys.BACKPROP_STEP100).click().run()
    np.testing.assert_array_equal(run.net.weights[0], before)  # the Playground's own run is not touched


def test_a_large_playground_network_checks_gradients_on_request():
    from nn_core.config import RunConfig

    run = prepare(RunConfig(hidden=(48, 48)))
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state[keys.RUN] = run
    at.session_state[keys.BACKPROP_SOURCE] = "The Playground's network"
    open_tab(at, CHECK)
    assert not at.exception
    assert run.net.n_parameters() > 2000 and not at.success and not at.error
    in_tab(at, CHECK).button(key=keys.BACKPROP_RUN_CHECK).click().run()
    assert "Passed" in at.success[0].value
    assert shown_matrices(open_tab(at, STEP))["Z1"].shape == (8, 48)


def test_the_lesson_follows_the_playground_when_it_trains_more():
    from nn_core.config import RunConfig

    run = prepare(RunConfig())
    run.train(10)
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state[keys.RUN] = run
    at.session_state[keys.BACKPROP_SOURCE] = "The Playground's network"
    at.run()
    np.testing.assert_array_equal(shown_matrices(at)["W1"], run.net.weights[0])
    run.train(50)  # the learner went back to the Playground and trained on
    at.run()
    np.testing.assert_array_equal(shown_matrices(at)["W1"], run.net.weights[0])


def test_the_playgrounds_input_features_are_the_lessons_inputs():
    from nn_core.config import RunConfig

    run = prepare(RunConfig(dataset="circle", features=("x1_sq", "x2_sq", "sin_x1"), hidden=(3,)))
    run.train(20)
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state[keys.RUN] = run
    at.session_state[keys.BACKPROP_SOURCE] = "The Playground's network"
    at.run()
    assert not at.exception
    shown = shown_matrices(at)
    points = run.data.X_train[:8]
    assert shown["X"].shape == (8, 3)  # one column per feature: x1², x2², sin x1
    np.testing.assert_array_equal(shown["X"], np.column_stack([points[:, 0] ** 2, points[:, 1] ** 2,
                                                               np.sin(points[:, 0])]))
    np.testing.assert_array_equal(shown["W1"], run.net.weights[0])
    assert "Passed" in open_tab(at, CHECK).success[0].value  # the gradient check holds through the features too


# ------------------------------------------------------------------ a step goes downhill
def downhill_frames(at) -> tuple[dict, object, object]:
    """The slice chart's spec, its cells and its path, as the browser receives them."""
    for proto in _charts(at):
        spec = json.loads(proto.spec)
        frames = [dataframe_util.convert_arrow_bytes_to_pandas_df(d.data.data) for d in proto.datasets]
        paths = [f for f in frames if "path" in f.columns]
        cells = [f for f in frames if "alpha_lo" in f.columns]
        if paths and cells:
            return spec, cells[0], paths[0]
    raise AssertionError("no slice chart on the page")


def keep_open(at) -> None:
    """The browser sends an open expander's state with every rerun; the floor's AppTest (Streamlit 1.65) drops
    it after an interaction, so the test sends it again, as the browser would."""
    at.session_state[keys.BACKPROP_DOWNHILL] = True


def test_a_step_moves_the_dot_downhill_to_alpha_one():
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not [p for p in _charts(at) if "alpha_lo" in p.spec]  # closed: nothing built
    at.session_state[keys.BACKPROP_DOWNHILL] = True  # as a click on its title sets it
    at.run()
    assert not at.exception
    net, X, y = _reference()
    _, cells, path = downhill_frames(at)
    assert list(path["alpha"]) == [0.0] and list(path["beta"]) == [0.0]
    assert path["loss"].iloc[-1] == pytest.approx(net.loss(X, y), abs=1e-12)
    centre = cells[(cells["alpha"].abs() < 1e-12) & (cells["beta"].abs() < 1e-12)]
    assert centre["loss"].iloc[0] == pytest.approx(net.loss(X, y), abs=1e-12)  # the slice is around these weights

    keep_open(at)
    at.button(key=keys.BACKPROP_STEP1).click().run()
    assert not at.exception
    stepped, X, y = _reference(steps=1)
    _, cells_after, path = downhill_frames(at)
    assert path["alpha"].tolist() == pytest.approx([0.0, 1.0], abs=1e-12)
    assert path["beta"].tolist() == pytest.approx([0.0, 0.0], abs=1e-12)
    assert path["loss"].iloc[-1] == pytest.approx(stepped.loss(X, y), abs=1e-12)  # the engine's loss after the step
    assert path["loss"].iloc[-1] < path["loss"].iloc[0]
    assert cells_after.equals(cells)  # the slice stays where the step started
    assert any("from (0, 0) to (α, β) = (1.000, 0.000)" in m.value and "downhill" in m.value for m in at.markdown)

    keep_open(at)
    at.select_slider(key=keys.BACKPROP_STAGE).set_value("dW1").run()  # an unrelated rerun keeps the picture
    assert downhill_frames(at)[2]["alpha"].tolist() == pytest.approx([0.0, 1.0], abs=1e-12)

    keep_open(at)
    at.button(key=keys.BACKPROP_STEP1).click().run()  # the next step starts from the weights it starts from
    twice, X, y = _reference(steps=2)
    _, cells_next, path = downhill_frames(at)
    assert path["alpha"].tolist() == pytest.approx([0.0, 1.0], abs=1e-12)
    assert path["loss"].iloc[0] == pytest.approx(stepped.loss(X, y), abs=1e-12)
    assert path["loss"].iloc[-1] == pytest.approx(twice.loss(X, y), abs=1e-12)
    assert not cells_next.equals(cells)

    keep_open(at)
    at.button(key=keys.BACKPROP_STEP100).click().run()  # many steps: a new slice around the weights now
    far, X, y = _reference(steps=102)
    path = downhill_frames(at)[2]
    assert len(path) == 1 and path["loss"].iloc[0] == pytest.approx(far.loss(X, y), abs=1e-12)
