"""Export/import round trips, hostile files, and the standalone NumPy script."""

import ast
import contextlib
import io
import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nn_core import ACTIVATIONS, HEADS, MLP, OPTIMIZERS, reference, train
from nn_core.config import RunConfig
from nn_core.datasets import load_csv, make, to_csv
from nn_core.files.export import (
    MAX_BYTES,
    ExportError,
    from_dict,
    from_json_bytes,
    from_npz_bytes,
    load,
    save,
    to_dict,
    to_json_bytes,
    to_npz_bytes,
)
from nn_core.files.restore import load_saved, restore
from nn_core.heads import HEADS as HEAD_REGISTRY
from nn_core.programs.script import HEAD_CODE, OPTIMIZER_CODE, export_script, result_lines
from nn_core.runs import prepare
from nn_core.teaching.presets import PRESETS, run_preset

FULL = "{epoch} {loss:.17g}"  # 17 significant digits: equal text means equal floats


# ----------------------------------------------------------------------------- round trips
def _trained(sizes, activation, output, seed=3):
    """A network with non-trivial weights and biases (a few epochs of training)."""
    net = MLP(sizes, activation=activation, output=output, init="xavier", seed=seed, bias_init=0.1)
    data = make("multi_spiral", n=40, classes=sizes[-1] if output == "softmax" else 2, seed=seed)
    y = data.y_train if output != "linear" else data.X_train.sum(axis=1)
    train(net, data.X_train, y, lr=0.1, epochs=5)
    return net


ARCHITECTURES = [
    ([2, 1], "relu", "sigmoid"),
    ([2, 4, 1], "sigmoid", "sigmoid"),
    ([2, 5, 3, 3], ["relu", "tanh"], "softmax"),
    ([2, 8, 8, 6, 1], ["elu", "leaky_relu", "softplus"], "linear"),
]


def _same_network(a: MLP, b: MLP) -> None:
    assert a.config() == b.config()
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert p.dtype == q.dtype == np.float64
        assert p.tobytes() == q.tobytes()  # bit for bit, signs of zero included


@pytest.mark.parametrize("fmt", ["json", "npz"])
@pytest.mark.parametrize("sizes, activation, output", ARCHITECTURES)
def test_round_trip_is_exact(fmt, sizes, activation, output):
    net = _trained(sizes, activation, output)
    per_layer = isinstance(activation, list)
    config = None if per_layer else RunConfig(hidden=tuple(sizes[1:-1]), activation=activation, output=output,
                                              lr=0.05, seed=3, epochs=5)
    data = (to_json_bytes if fmt == "json" else to_npz_bytes)(net, config)
    loaded, loaded_config = (from_json_bytes if fmt == "json" else from_npz_bytes)(data)
    _same_network(net, loaded)
    assert loaded_config == config
    assert loaded.hidden_activations == net.hidden_activations
    X = np.random.default_rng(0).normal(size=(7, 2))
    assert np.array_equal(loaded.forward(X), net.forward(X))


def test_a_config_that_contradicts_the_network_is_refused():
    net = MLP([2, 4, 1], activation="relu", output="sigmoid")
    for config in (RunConfig(hidden=(4,), activation="tanh"), RunConfig(hidden=(4, 4), activation="relu"),
                   RunConfig(hidden=(4,), activation="relu", output="linear")):
        with pytest.raises(ExportError, match="not match"):
            from_dict(to_dict(net, config))
    assert from_dict(to_dict(net, RunConfig(hidden=(4,), activation="relu")))[1].hidden == (4,)


@pytest.mark.parametrize("ext", [".json", ".npz"])
def test_save_and_load_with_config_and_history(tmp_path, ext):
    run = run_preset("seed-000")
    path = tmp_path / f"run{ext}"
    save(path, run.net, run.config, run.history)
    for source in (path, str(path), path.read_bytes(), io.BytesIO(path.read_bytes())):
        net, config = load(source)
        _same_network(run.net, net)
        assert config == run.config == PRESETS["seed-000"].config
    if ext == ".json":
        d = json.loads(path.read_text())
        assert d["history"]["status"] == "trained 1000 epochs"
        assert [row["epoch"] for row in d["history"]["log"]] == list(range(0, 1000, 100))
        assert "\n      [" in path.read_text()  # readable: one matrix row per line


def test_multiclass_run_config_round_trips():
    config = RunConfig(dataset="multi_spiral", classes=4, output="softmax", hidden=(6, 5), activation="elu",
                       optimizer="adam", lr=0.01, epochs=3, batch_size=16, l2=0.001, noise=0.05)
    run = prepare(config)
    run.train()
    for data in (to_json_bytes(run.net, run.config, run.history), to_npz_bytes(run.net, run.config)):
        net, loaded = load(data)
        assert loaded == run.config
        assert net.layer_sizes == [2, 6, 5, 4]
        _same_network(run.net, net)


@pytest.mark.parametrize("write", [to_json_bytes, to_npz_bytes], ids=["json", "npz"])
def test_a_saved_run_restores_and_continues_bit_for_bit(write):
    original = prepare(RunConfig(epochs=60, hidden=(5, 3), activation="relu"))  # full-batch SGD: no hidden state
    original.train()
    restored = load_saved(write(original.net, original.config, original.history))
    assert restored.live and restored.config == original.config and restored.epochs_done == 0
    assert restored.trainer.evaluate() == original.trainer.evaluate()
    original.train(25)
    restored.train(25)
    for a, b in zip(original.net.parameters(), restored.net.parameters()):
        assert a.tobytes() == b.tobytes()


def test_a_csv_run_restores_only_with_its_dataset():
    data = load_csv(to_csv(make("moons", n=80, noise=0.1, seed=3)))
    config = RunConfig(dataset="csv", epochs=20, hidden=(4,))
    run = prepare(config, data)
    run.train()
    saved = to_json_bytes(run.net, run.config)
    with pytest.raises(ExportError, match="add its dataset CSV as well"):
        load_saved(saved)
    with pytest.raises(ExportError, match=r"^The dataset CSV: "):
        load_saved(saved, b"x1,x2\n1,2\n")
    restored = load_saved(saved, to_csv(run.data))
    assert restored.trainer.evaluate() == run.trainer.evaluate()


def test_restore_refuses_weights_that_do_not_fit_or_come_without_settings():
    run = prepare(RunConfig(epochs=1, hidden=(5, 3)))
    with pytest.raises(ExportError, match=r"do not fit the run's settings \(2-4-1"):
        restore(run.net, RunConfig(hidden=(4,)))
    with pytest.raises(ExportError, match=r"do not fit the run's settings \(2-5-3-1, relu\)"):
        restore(run.net, run.config.replace(activation="relu"))
    with pytest.raises(ExportError, match="no run settings"):
        restore(run.net, None)


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.float64, (2, 3), elements=st.floats(allow_nan=False, allow_infinity=False, width=64)))
def test_any_finite_float_round_trips_bit_for_bit(W):
    net = MLP([2, 3, 1], activation="tanh", output="sigmoid", seed=0)
    net.set_parameters([W, *net.parameters()[1:]])
    for data in (to_json_bytes(net), to_npz_bytes(net)):
        assert load(data)[0].weights[0].tobytes() == W.tobytes()


def test_save_refuses_an_unknown_extension(tmp_path):
    with pytest.raises(ExportError, match=r"\.json or \.npz"):
        save(tmp_path / "net.txt", MLP([2, 1]))


# ----------------------------------------------------------------------------- hostile input
def _json(**changes):
    d = to_dict(MLP([2, 3, 1], activation="relu", output="sigmoid", seed=1), RunConfig(hidden=(3,), activation="relu"))
    for key, value in changes.items():
        if "." in key:
            outer, inner = key.split(".")
            d[outer][inner] = value
        else:
            d[key] = value
    return json.dumps(d).encode()


def _npz(**arrays):
    """A valid archive for MLP([2, 3, 1]) with some entries replaced (None removes one)."""
    net = MLP([2, 3, 1], activation="relu", output="sigmoid", seed=1)
    meta = to_dict(net)
    del meta["weights"], meta["biases"]
    entries = {"meta": np.array(json.dumps(meta)), "W1": net.weights[0], "b1": net.biases[0],
               "W2": net.weights[1], "b2": net.biases[1]}
    entries.update(arrays)
    buf = io.BytesIO()
    np.savez(buf, **{k: v for k, v in entries.items() if v is not None})
    return buf.getvalue()


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("W1.npy", b"\0" * (MAX_BYTES + 1))
    return buf.getvalue()


GOOD_NPZ = _npz()
BAD_INPUTS = {
    "garbage bytes": b"\x00\x01garbage\xff",
    "binary non-utf8": bytes(range(256)),
    "empty": b"",
    "truncated zip": GOOD_NPZ[: len(GOOD_NPZ) // 2],
    "zip that is not npz": b"PK\x03\x04" + b"\0" * 60,
    "not json": b"{'format': 'nnplay-mlp'}",
    "json list": b"[1, 2, 3]",
    "wrong format": _json(format="keras"),
    "wrong version": _json(version=2),
    "bool version": _json(version=True),
    "unknown top-level key": _json(extra=1),
    "unknown activation": _json(**{"network.activation": "mish"}),
    "unknown output": _json(**{"network.output": "relu"}),
    "code as activation": _json(**{"network.activation": "relu\nimport os"}),
    "too many layers": _json(**{"network.layer_sizes": [2] + [3] * 9 + [1]}),
    "width too large": _json(**{"network.layer_sizes": [2, 300, 1]}),
    "negative seed": _json(**{"network.seed": -1}),
    "wrong shape": _json(weights=[[[0.1, 0.2], [0.3, 0.4]], [[0.1], [0.2], [0.3]]]),
    "ragged rows": _json(weights=[[[0.1, 0.2, 0.3], [0.4]], [[0.1], [0.2], [0.3]]]),
    "missing biases": _json(biases=[[[0.0, 0.0, 0.0]]]),
    "string number": _json(weights=[[["0.1", 0.2, 0.3], [0.4, 0.5, 0.6]], [[0.1], [0.2], [0.3]]]),
    "bool weight": _json(weights=[[[True, 0.2, 0.3], [0.4, 0.5, 0.6]], [[0.1], [0.2], [0.3]]]),
    "NaN in json": _json().replace(b'"seed": 1', b'"seed": 1, "x": NaN'),
    "Infinity in weights": _json(weights=[[[1e999, 0.2, 0.3], [0.4, 0.5, 0.6]], [[0.1], [0.2], [0.3]]]),
    "overflowing literal": _json().replace(b'"seed": 1', b'"seed": 1e999'),
    "huge int weight": _json(weights=[[[10**400, 0.2, 0.3], [0.4, 0.5, 0.6]], [[0.1], [0.2], [0.3]]]),
    "config out of range": _json(**{"config.lr": 1000.0}),
    "config unknown key": _json(**{"config.secret": 1}),
    "config text number": _json(**{"config.epochs": "300"}),
    "config hidden mismatch": _json(**{"config.hidden": [4, 4]}),
    "deep nesting": b"[" * 100_000 + b"]" * 100_000,
    "npz NaN": _npz(W1=np.full((2, 3), np.nan)),
    "npz inf bias": _npz(b2=np.array([[np.inf]])),
    "npz wrong shape": _npz(W2=np.zeros((3, 2))),
    "npz float32": _npz(W1=np.zeros((2, 3), dtype=np.float32)),
    "npz int": _npz(W1=np.zeros((2, 3), dtype=np.int64)),
    "npz missing array": _npz(b2=None),
    "npz extra array": _npz(W3=np.zeros((1, 1))),
    "npz object array (pickle)": _npz(W1=np.array([[object()] * 3] * 2, dtype=object)),
    "npz pickled meta": _npz(meta=np.array({"format": "nnplay-mlp"}, dtype=object)),
    "npz no meta": _npz(meta=None),
    "npz meta not text": _npz(meta=np.zeros(3)),
    "npz meta with weights": _npz(meta=np.array(json.dumps(to_dict(MLP([2, 3, 1]))))),
    "npz unpacks too big": _zip_bomb(),
    "file over the size cap": b" " * (MAX_BYTES + 1),
}


def _one_sentence(message: str) -> None:
    assert message and "\n" not in message and len(message) < 200
    assert message[0].isupper() or message[0] in "“\"'" or message[:2] in ("W1", "W2", "b1", "b2")
    assert message.endswith("."), message
    assert "Traceback" not in message


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_malformed_input_raises_one_sentence(name):
    with pytest.raises(ExportError) as caught:
        load(BAD_INPUTS[name])
    _one_sentence(str(caught.value))


def test_messages_name_the_problem():
    def message(name):
        with pytest.raises(ExportError) as caught:
            load(BAD_INPUTS[name])
        return str(caught.value)

    assert "mish" in message("unknown activation") and "relu" in message("unknown activation")
    assert "W1" in message("wrong shape") and "(2, 3)" in message("wrong shape")
    assert "NaN" in message("npz NaN") or "infinite" in message("npz NaN")
    assert "pickle" in message("npz object array (pickle)")
    assert "pickle" in message("npz pickled meta")
    assert "b2" in message("npz missing array")
    assert "float64" in message("npz float32")
    assert "20 MB" in message("file over the size cap")
    assert "20 MB" in message("npz unpacks too big")


def test_missing_file_is_one_sentence(tmp_path):
    with pytest.raises(ExportError, match="Cannot read"):
        load(tmp_path / "nope.json")


# ----------------------------------------------------------------------------- standalone script
def _engine_lines(config, log_every, line, data=None):
    run = prepare(config, data, log_every=log_every)
    run.train()
    lines = [line.format(epoch=row["epoch"], loss=row["loss"]) for row in run.history.log]
    if run.history.diverged_at is not None:
        lines.append(run.history.status)
    classify = HEAD_REGISTRY[run.net.output].task == "classification"
    return lines + result_lines(run.trainer.evaluate(), classify)


def _exec_script(source: str) -> list[str]:
    """Run a generated script in this process (fast); NumPy's error state is restored after."""
    saved = np.geterr()
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(source, "<exported>", "exec"), {"__name__": "__main__"})
    finally:
        np.seterr(**saved)
    return out.getvalue().splitlines()


MINI_BATCH_ADAM = RunConfig(dataset="moons", n_samples=120, hidden=(8, 6), activation="relu", optimizer="adam",
                            batch_size=16, l2=0.01, lr=0.01, epochs=60, lr_decay=0.01)


def test_script_runs_standalone_and_prints_the_engines_tables():
    """Both presets in their tutorial format, and a mini-batch Adam run with L2 at full precision,
    each in a fresh interpreter that cannot import nn_core."""
    cases = [(p.config, p.log_every, p.line) for p in PRESETS.values()] + [(MINI_BATCH_ADAM, 5, FULL)]
    procs = [subprocess.Popen([sys.executable, "-c", export_script(config, log_every=every, line=line)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd="/")
             for config, every, line in cases]
    outputs = [proc.communicate(timeout=120) + (proc.returncode,) for proc in procs]
    for (config, every, line), (stdout, stderr, code) in zip(cases, outputs, strict=True):
        assert code == 0 and stderr == ""
        expected = _engine_lines(config, every, line)
        got = stdout.splitlines()
        assert len(got) == len(expected) >= 11
        for mine, theirs in zip(got, expected, strict=True):
            assert mine == theirs
    seed_002 = outputs[1][0].splitlines()
    assert seed_002[8:10] == ["Epoch  8000 | Loss: 0.6928", "Epoch  9000 | Loss: 0.0192"]  # what the code prints
    assert outputs[2][0].splitlines()[-2:] == _engine_lines(MINI_BATCH_ADAM, 5, FULL)[-2:]


def test_seed_000_script_prints_the_tutorial_table():
    got = _exec_script(export_script(PRESETS["seed-000"].config))
    assert got[:10] == PRESETS["seed-000"].claimed_table()
    assert got[10:] == ["Train accuracy: 100.00%"]


COVERAGE = [  # together: every activation, head, optimizer, reduction, init and batching mode
    MINI_BATCH_ADAM.replace(epochs=20),
    RunConfig(dataset="multi_spiral", classes=3, output="softmax", n_samples=90, hidden=(6,), activation="elu",
              optimizer="rmsprop", batch_size=7, lr=0.01, epochs=20),
    RunConfig(dataset="plane", output="linear", hidden=(5, 3), activation="leaky_relu", optimizer="nesterov",
              reduction="sum", l1=0.001, lr=0.001, epochs=20, bias_init=0.1, init="he"),
    RunConfig(dataset="circle", n_samples=50, hidden=(4,), activation="softplus", optimizer="momentum",
              batch_size=1, lr=0.05, epochs=3, init="normal", init_scale=0.5),
    RunConfig(dataset="multi_gaussian", output="linear", hidden=(), optimizer="sgd", lr=0.1, epochs=20),
    RunConfig(dataset="xor_cloud", output="softmax", hidden=(3, 3, 3), activation="tanh", optimizer="adam",
              lr=0.05, epochs=20, l2=0.001, l1=0.001, momentum=0.5),
    RunConfig(dataset="spiral", hidden=(4,), activation="sigmoid", lr=10.0, epochs=50, init_scale=10.0),
    RunConfig(dataset="moons", hidden=(3,), activation="linear", optimizer="momentum", momentum=0.2, lr=0.5,
              epochs=20),
    RunConfig(dataset="circle", n_samples=60, hidden=(5,), activation="swish", optimizer="adam", lr=0.05, epochs=20),
    RunConfig(dataset="blobs", classes=3, output="softmax", n_samples=60, hidden=(4, 3), activation="gelu",
              batch_size=16, lr=0.1, epochs=15),
    RunConfig(dataset="plane", output="linear", n_samples=60, hidden=(6,), activation="sine", lr=0.05, epochs=20),
    # diverges at epoch 3: the script must stop there too, on the same weights
    RunConfig(dataset="multi_gaussian", output="linear", hidden=(16, 16), activation="relu", lr=10.0,
              epochs=100, init_scale=5.0),
]


def test_coverage_configs_use_every_registry_entry():
    used = {(c.activation if c.hidden else None) for c in COVERAGE} - {None}
    assert used == set(ACTIVATIONS)
    assert {c.output for c in COVERAGE} == set(HEADS)
    assert {c.optimizer for c in COVERAGE} == set(OPTIMIZERS)


@pytest.mark.parametrize("config", COVERAGE, ids=lambda c: f"{c.activation}-{c.output}-{c.optimizer}")
def test_script_matches_the_engine_bit_for_bit(config):
    got = _exec_script(export_script(config, log_every=1, line=FULL))
    assert got == _engine_lines(config, 1, FULL)


def test_divergence_is_reported_like_the_engine():
    got = _exec_script(export_script(COVERAGE[-1], log_every=1, line=FULL))
    assert "diverged at epoch 3" in got


def test_script_from_csv_data_embeds_the_points_exactly(tmp_path):
    data = load_csv(to_csv(make("blobs", n=30, classes=3, seed=4)), name='evil"""; import os #')
    config = RunConfig(dataset="csv", hidden=(5,), activation="tanh", output="softmax", epochs=15)
    source = export_script(config, data, log_every=1, line=FULL)
    assert "evil" not in source and "import os" not in source
    assert _exec_script(source) == _engine_lines(config, 1, FULL, data)


def test_script_imports_only_numpy_and_holds_only_what_it_uses():
    source = export_script(MINI_BATCH_ADAM)
    tree = ast.parse(source)
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module)
    assert imported == {"numpy"}
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert not called & {"eval", "exec", "open", "__import__", "compile", "getattr"}
    defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assert {"relu", "relu_slope", "forward", "backward", "step", "binary_cross_entropy", "main"} <= defined
    assert not defined & {"tanh", "elu", "softplus", "leaky_relu", "linear", "softmax", "cross_entropy"}
    assert "BETA1" in source and "MOMENTUM" not in source and "RHO" not in source


def test_snippet_registries_cover_the_engine_registries():
    assert set(reference.ACTIVATIONS) == set(ACTIVATIONS) and set(reference.HEADS) == set(HEADS)
    assert set(HEAD_CODE) == set(HEADS)
    assert set(OPTIMIZER_CODE) == set(OPTIMIZERS)


def test_line_format_is_embedded_safely():
    line = "Ep {epoch} \"\"\" ' \\n {loss:.3f} {{}}"
    got = _exec_script(export_script(PRESETS["seed-000"].config, log_every=500, line=line))
    assert got[:2] == [line.format(epoch=0, loss=0.6106507), line.format(epoch=500, loss=0.014935672)]


@pytest.mark.parametrize("line", ["{loss.__class__}", "{epoch!r} {loss}", "{0}", "{x} {loss}", "{epoch}",
                                  "{loss:{epoch}}", "two\nlines {loss}", "{loss:d}", "x" * 500 + "{loss}"])
def test_bad_line_formats_are_refused(line):
    with pytest.raises(ExportError):
        export_script(PRESETS["seed-000"].config, line=line)


@pytest.mark.parametrize("changes", [
    {"activation": "relu\nimport os"}, {"output": "softmax'); import os; print('"}, {"lr": float("nan")},
    {"epochs": 10**9}, {"hidden": (4, "4")}, {"optimizer": "sgd "}, {"seed": True}, {"dataset": "../etc"},
])
def test_script_export_refuses_invalid_configs(changes):
    with pytest.raises(ExportError) as caught:
        export_script(RunConfig().replace(**changes))
    _one_sentence(str(caught.value))
