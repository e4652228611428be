"""Direct manipulation on the Playground in AppTest: look inside a hidden unit (its picture fills the boundary
panel, display only), and edit a weight or bias of the running network (training continues from it, bit for
bit as nn_core would)."""

from __future__ import annotations

import numpy as np
from test_page_playground import display, live, png_pixels, run_page, the_run

from dashboard import pictures
from nn_core import runs
from nn_core.config import RunConfig
from nn_core.grids import network_grids


def boundary_pixels(at) -> np.ndarray:
    frames = live(at)
    front = frames["picture_front"]["front"][0]
    return png_pixels(frames[f"picture_{front}"]["url"][0])


def test_look_inside_shows_the_units_output_over_the_plane_and_goes_back():
    at = run_page({"epochs": "30"})
    run = the_run(at)
    boundary = boundary_pixels(at)
    choice = display(at, "selectbox", "Look inside")
    assert choice.value == "boundary" and "Layer 2, unit 3" in choice.options
    choice.set_value("1.2").run()
    assert not at.exception
    assert the_run(at) is run and run.trainer.epoch == 30  # display only: nothing retrained
    grids = network_grids(run.net, run.data.domain, 100)
    expected = pictures.signed(grids.hidden[0][..., 1])  # layer 1, unit 2 (0-based 1)
    shown = boundary_pixels(at)
    assert shown[..., :3].shape == expected.shape and np.array_equal(shown[..., :3], expected)
    assert not np.array_equal(shown, boundary)
    at.run()  # the choice reran only the live view; AppTest then holds only it, a page run holds all
    display(at, "selectbox", "Look inside").set_value("boundary").run()
    assert np.array_equal(boundary_pixels(at), boundary)


def test_a_unit_the_network_no_longer_has_falls_back_to_the_boundary():
    at = run_page({"epochs": "5", "hidden": "4,4"}, session={"playground.view.inside": "2.4"})
    at.session_state["playground.cfg.hidden.n"] = 1  # one layer: there is no layer 2 to look inside
    at.run()
    assert not at.exception and display(at, "selectbox", "Look inside").value == "boundary"
    assert not at.warning and not at.error


def test_editing_a_weight_continues_training_from_the_edited_network():
    at = run_page({"epochs": "20"})
    at.segmented_control(key="playground.more").set_value("Edit a weight").run()
    at.selectbox(key="playground.edit.layer").set_value(2).run()
    at.selectbox(key="playground.edit.row_2").set_value(3).run()
    at.selectbox(key="playground.edit.col_2").set_value(1).run()
    run = the_run(at)
    box = next(n for n in at.number_input if n.label == "W2[3,1]")
    assert box.value == float(run.net.weights[1][3, 1])  # it opens on the network's own value
    box.set_value(2.5).run()
    assert not at.exception
    assert run.net.weights[1][3, 1] == 2.5 and the_run(at) is run and run.trainer.epoch == 20
    assert any(m.value.startswith("You set W2[3,1] from ") and "to 2.5000 at epoch 20" in m.value for m in at.info)
    assert run.history.marks[-1][0] == 20 and run.history.marks[-1][1].startswith("W2[3,1] ")
    for _ in range(3):
        next(b for b in at.button if b.label == "Step").click().run()
    assert not at.exception and run.trainer.epoch == 23

    expected = runs.prepare(RunConfig(epochs=20))
    expected.trainer.run(20)
    params = [p.copy() for p in expected.net.parameters()]
    params[2][3, 1] = 2.5  # W2
    expected.net.set_parameters(params)
    expected.trainer.run(run.trainer.epoch - 20)
    for got, want in zip(run.net.parameters(), expected.net.parameters()):
        assert np.array_equal(got, want)  # the edited network trained on, bit for bit


def test_editing_a_bias_and_a_bad_value():
    at = run_page({"epochs": "10"})
    at.segmented_control(key="playground.more").set_value("Edit a weight").run()
    at.selectbox(key="playground.edit.row_1").set_value("bias").run()
    box = next(n for n in at.number_input if n.label == "b1[0]")
    box.set_value(-1.25).run()
    assert not at.exception and the_run(at).net.biases[0][0, 0] == -1.25


def test_the_warped_plane_shows_the_layers_coordinates_of_the_data_and_the_grid():
    from test_page_playground import vega_charts

    from nn_core.analysis.warp import warped_plane

    at = run_page({"epochs": "40", "hidden": "4,2"})
    at.segmented_control(key="playground.more").set_value("Warped plane").run()
    assert not at.exception
    assert at.selectbox(key="playground.warp.layer").value == 2  # the last hidden layer first
    run = the_run(at)
    spec, frames = vega_charts(at)["warped plane"]
    data = run.data
    X = np.concatenate([data.X_train, data.X_test])
    plane = warped_plane(run.net, X, data.domain, 2, (0, 1))
    tables = sorted(frames.values(), key=len)
    dots = next(t for t in tables if "class" in t)
    assert np.array_equal(dots[["a", "b"]].to_numpy(), plane.points)
    lines = next(t for t in tables if "line" in t)
    assert np.array_equal(lines[["a", "b"]].to_numpy(), plane.lines.reshape(-1, 2))
    assert any(len(t) == 2 for t in tables)  # the output's straight line: the last layer has two units
    at.selectbox(key="playground.warp.layer").set_value(1).run()
    at.selectbox(key="playground.warp.a_1").set_value(3).run()
    assert vega_charts(at)["warped plane"][0]["layer"][0]["encoding"]["x"]["title"] == "layer 1, unit 4"
    assert the_run(at) is run and run.trainer.epoch == 40  # display only


def test_a_bias_outside_the_network_or_not_finite_is_one_sentence():
    import pytest

    from nn_core.parameter_edits import set_bias

    net = runs.prepare(RunConfig()).net
    before = [p.copy() for p in net.parameters()]
    for layer, col, value, phrase in ((4, 0, 1.0, "Layer must be 1 to 3."), (1, 9, 1.0, "b1 has 4 units; unit 9"),
                                      (2, 0, float("nan"), "The bias must be a finite number.")):
        with pytest.raises(ValueError, match=phrase):
            set_bias(net, layer, col, value)
    assert all(np.array_equal(a, b) for a, b in zip(before, net.parameters()))  # nothing changed
