"""Per-layer settings through the one config table: one activation per hidden layer (config, URL, CLI,
saved runs, the exported script)."""

import contextlib
import io
import json

import pytest

from nn_core.config import RunConfig, parse, per_layer, to_query
from nn_core.files import export
from nn_core.programs import cli
from nn_core.programs.script import export_script
from nn_core.runs import prepare

FULL = "{epoch} {loss:.17g}"


def _cli(argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    return code, out.getvalue(), err.getvalue()


def _exec_script(source: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "<export>", "exec"), {"__name__": "__main__"})
    return out.getvalue()


def test_one_name_means_every_layer_and_a_list_one_per_layer():
    config, warnings = parse({"hidden": "8,8", "activation": "relu,tanh"})
    assert warnings == [] and config.activation == ("relu", "tanh")
    assert prepare(config).net.hidden_activations == ("relu", "tanh")
    assert to_query(config) == {"hidden": "8,8", "activation": "relu,tanh"}
    assert parse(to_query(config))[0] == config
    one, _ = parse({"hidden": "8,8,8", "activation": "GELU"})
    assert one.activation == "gelu" and per_layer(one, "activation") == ["gelu"] * 3
    same, _ = parse({"hidden": "8,8", "activation": "sine, sine"})
    assert same.activation == "sine"  # one spelling for one meaning


@pytest.mark.parametrize("query, phrase", [
    ({"hidden": "8,8", "activation": "relu,tanh,sine"},
     "Activation: 3 values for 2 hidden layers; give one value for every layer, or one per layer. Using “relu” "
     "for every layer."),
    ({"hidden": "", "activation": "relu,tanh"}, "2 values for 0 hidden layers"),
    ({"activation": "relu,mish"}, "Activation: “mish” is not one of relu"),
    ({"activation": ",".join(["relu"] * 9)}, "a list of 1 to 8"),
])
def test_a_bad_list_in_a_link_is_one_sentence_and_falls_back(query, phrase):
    config, warnings = parse(query)
    assert len(warnings) == 1 and phrase in warnings[0], warnings
    assert isinstance(config.activation, str)
    prepare(config.replace(epochs=1))  # and it builds


@pytest.mark.parametrize("argv, phrase", [
    (["--hidden", "8,8", "--activation", "relu,tanh,sine"], "--activation: 3 values for 2 hidden layers"),
    (["--hidden", "", "--activation", "relu,tanh"], "--activation: 2 values for 0 hidden layers"),
    (["--activation", "relu,"], "--activation: “” is not one of relu"),
])
def test_the_cli_refuses_a_list_of_the_wrong_length_with_exit_2(argv, phrase):
    code, out, err = _cli(["train", *argv])
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and phrase in err, err


def test_cli_per_layer_run_saves_loads_and_exports_bit_for_bit(tmp_path):
    saved, script = tmp_path / "run.json", tmp_path / "run.py"
    argv = ["train", "--dataset", "moons", "--hidden", "6,5", "--activation", "relu,swish", "--epochs", "12",
            "--log-every", "1", "--save", str(saved), "--export-script", str(script)]
    code, out, err = _cli(argv)
    assert code == 0, err
    assert "MLP" not in err
    net, config = export.load(saved)
    assert net.hidden_activations == ("relu", "swish") and config.activation == ("relu", "swish")
    assert json.loads(saved.read_text())["config"]["activation"] == ["relu", "swish"]
    assert _exec_script(script.read_text()) == out


@pytest.mark.parametrize("config", [
    RunConfig(dataset="circle", n_samples=60, hidden=(5, 4, 3), activation=("gelu", "relu", "sine"), epochs=15),
    RunConfig(dataset="blobs", classes=3, output="softmax", n_samples=60, hidden=(4, 3), activation=("swish", "tanh"),
              batch_size=16, optimizer="adam", lr=0.05, epochs=10),
], ids=["full batch", "mini-batch"])
def test_script_reproduces_per_layer_activations_bit_for_bit(config):
    run = prepare(config, log_every=1, diagnostics=False)
    run.train()
    engine = "".join(FULL.format(epoch=r["epoch"], loss=r["loss"]) + "\n" for r in run.history.log)
    got = _exec_script(export_script(config, log_every=1, line=FULL))
    assert got.startswith(engine)


def test_a_saved_config_whose_list_does_not_fit_is_refused():
    run = prepare(RunConfig(hidden=(3, 3), activation=("relu", "tanh"), epochs=1))
    data = export.to_dict(run.net, run.config)
    data["config"]["activation"] = ["relu", "tanh", "sine"]
    with pytest.raises(export.ExportError, match="3 values for 2 hidden layers"):
        export.from_dict(data)
    data["config"]["activation"] = ["tanh", "relu"]
    with pytest.raises(export.ExportError, match="does not match the network's activation"):
        export.from_dict(data)
