"""The Playground's per-layer choices, in its "More network settings" section: one activation per hidden layer (and their URL)."""

from pathlib import Path

from streamlit.testing.v1 import AppTest
from test_page_playground import setting

from dashboard import keys
from nn_core.config import to_query

PLAYGROUND = str(Path(__file__).resolve().parents[1] / "pages" / "1_Playground.py")


def _open(query: dict) -> AppTest:
    at = AppTest.from_file(PLAYGROUND, default_timeout=120)
    for k, v in {"epochs": "5", **query}.items():
        at.query_params[k] = v
    return at.run()


def _run(at):
    return at.session_state[keys.RUN]


def test_a_link_with_one_activation_per_layer_builds_that_network_and_shows_each_choice():
    at = _open({"hidden": "8,8", "activation": "relu,tanh"})
    assert not at.exception
    assert _run(at).net.hidden_activations == ("relu", "tanh")
    assert setting(at, "selectbox", "activation.0").value == "relu"
    assert setting(at, "selectbox", "activation.1").value == "tanh"
    assert to_query(_run(at).config)["activation"] == "relu,tanh"


def test_changing_one_layer_then_all_layers():
    at = _open({"hidden": "4,4"})
    setting(at, "selectbox", "activation.1").set_value("sine").run()
    assert not at.exception
    assert _run(at).net.hidden_activations == ("tanh", "sine")
    setting(at, "selectbox", "activation").set_value("gelu").run()
    assert _run(at).net.hidden_activations == ("gelu", "gelu")
    assert setting(at, "selectbox", "activation.1").value == "gelu"
    assert _run(at).config.activation == "gelu"


def test_a_list_of_the_wrong_length_falls_back_with_one_warning():
    at = _open({"hidden": "4,4", "activation": "relu,tanh,sine"})
    assert not at.exception
    assert any("3 values for 2 hidden layers" in w.value for w in at.warning)
    assert _run(at).net.hidden_activations == ("relu", "relu")


def test_dropout_slider_and_a_per_layer_link():
    at = _open({"hidden": "6,6", "dropout": "0.5,0"})
    assert not at.exception
    assert _run(at).net.dropout == (0.5, 0.0)
    setting(at, "slider", "dropout")  # opens the section the slider and its note are in
    assert any("Dropout per layer: 0.5, 0" in c.value for c in at.caption)
    setting(at, "slider", "dropout").set_value(0.2).run()
    assert not at.exception
    assert _run(at).net.dropout == (0.2, 0.2) and _run(at).config.dropout == 0.2
    assert to_query(_run(at).config)["dropout"] == "0.2"


def test_adding_a_layer_keeps_per_layer_choices_working():
    at = _open({"hidden": "4,4", "activation": "relu,tanh"})
    setting(at, "number_input", "hidden.n").set_value(3).run()
    assert not at.exception
    assert len(_run(at).net.hidden_activations) == 3
