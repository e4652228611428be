"""The command line: tables, JSON lines, files it writes, and every error path."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nn_core import config as cfg
from nn_core.datasets import make, to_csv
from nn_core.files.export import load
from nn_core.programs.cli import build_parser, flag, main
from nn_core.runs import prepare
from nn_core.teaching.presets import PRESETS, run_preset

ROOT = Path(__file__).resolve().parents[1]
SEED_000_TAIL = [
    "Train accuracy: 100.00%",
    "Input | Target | Predicted",
    "  [0.5 0.1]  |   1    |    1",
    "  [0.9 0.8]  |   0    |    0",
]


def _run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def test_seed_000_prints_the_tutorial_table_exactly(capsys):
    code, out, err = _run(capsys, "train", "--preset", "seed-000")
    assert code == 0 and err == ""
    assert out[:10] == PRESETS["seed-000"].claimed_table()
    assert out[10:] == SEED_000_TAIL


def test_explicit_flags_override_the_preset(capsys):
    code, out, _ = _run(capsys, "train", "--preset", "seed-000", "--epochs", "300", "--log-every", "150")
    assert code == 0
    run = prepare(PRESETS["seed-000"].config.replace(epochs=300), log_every=150)
    run.train()
    assert out[:2] == PRESETS["seed-000"].table(run.history.log)
    assert out[0] == "Epoch 0 - Loss: 0.6107" and out[1].startswith("Epoch 150 - Loss: 0.06")
    assert out[2] == "Train accuracy: 100.00%"


def test_json_lines_parse_and_hold_the_run(capsys):
    code, out, _ = _run(capsys, "train", "--preset", "seed-000", "--json")
    assert code == 0
    records = [json.loads(line) for line in out]
    assert [r["type"] for r in records] == ["config"] + ["log"] * 10 + ["result"]
    assert records[0]["config"] == PRESETS["seed-000"].config.to_dict()
    assert records[0]["layer_sizes"] == [2, 2, 1] and records[0]["preset"] == "seed-000"
    rows = records[1:-1]
    assert PRESETS["seed-000"].table(rows) == PRESETS["seed-000"].claimed_table()
    assert rows[0]["test_loss"] is None  # NaN becomes null: the output stays strict JSON
    result = records[-1]
    assert result["status"] == "trained 1000 epochs" and result["epochs"] == 1000
    assert result["diverged_at"] is None and result["train_accuracy"] == 1.0
    assert result["train_loss"] == pytest.approx(0.006871473684635499, rel=1e-12)


@pytest.mark.parametrize("ext", [".json", ".npz"])
def test_save_then_load_round_trip(capsys, tmp_path, ext):
    path = tmp_path / f"run{ext}"
    code, _, err = _run(capsys, "train", "--preset", "seed-000", "--save", str(path))
    assert code == 0 and "saved" in err
    net, config = load(path)
    assert config == PRESETS["seed-000"].config
    reference = run_preset("seed-000").net
    for mine, theirs in zip(net.parameters(), reference.parameters(), strict=True):
        assert np.array_equal(mine, theirs)


def test_export_script_writes_a_runnable_file(capsys, tmp_path):
    path = tmp_path / "replay.py"
    argv = ["train", "--dataset", "moons", "--n-samples", "60", "--hidden", "5", "--optimizer", "momentum",
            "--batch-size", "8", "--epochs", "50", "--lr", "0.1", "--l2", "0.001", "--seed", "7"]
    code, out, _ = _run(capsys, *argv, "--export-script", str(path))
    assert code == 0
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.splitlines() == out  # the table, then train and test accuracy: the same lines
    assert len(out) == 10 + 2 and out[0].startswith("Epoch     0 | Loss: ")


def test_csv_training(capsys, tmp_path):
    path = tmp_path / "points.csv"
    path.write_bytes(to_csv(make("blobs", n=60, classes=3, seed=2)))
    code, out, err = _run(capsys, "train", "--csv", str(path), "--hidden", "8", "--epochs", "40",
                          "--optimizer", "adam", "--lr", "0.05")
    assert code == 0
    assert "softmax" in err  # the 3-class data switched the output, and said so
    assert out[-2].startswith("Train accuracy: ") and out[-1].startswith("Test accuracy: ")
    assert float(out[-2].split()[-1].rstrip("%")) > 60


def test_regression_prints_losses(capsys):
    code, out, _ = _run(capsys, "train", "--dataset", "plane", "--hidden", "3", "--epochs", "20")
    assert code == 0
    assert out[-2].startswith("Train loss: ") and out[-1].startswith("Test loss: ")
    assert len(out) == 10 + 2


def test_divergence_exits_1_with_its_status(capsys):
    code, out, _ = _run(capsys, "train", "--dataset", "multi_gaussian", "--hidden", "16,16", "--activation", "relu",
                        "--lr", "10", "--init-scale", "5", "--epochs", "100", "--log-every", "1")
    assert code == 1
    assert out[3] == "diverged at epoch 3"
    assert out[:3] and all(line.startswith("Epoch ") for line in out[:3])


def test_every_param_has_its_flag():
    options = {s for action in build_parser()._subparsers._group_actions[0].choices["train"]._actions
               for s in action.option_strings}
    assert {flag(p) for p in cfg.PARAMS} <= options
    named = {"--dataset", "--classes", "--hidden", "--activation", "--output", "--init", "--init-scale", "--lr",
             "--epochs", "--batch-size", "--optimizer", "--l2", "--seed", "--log-every", "--preset", "--csv",
             "--save", "--export-script", "--json", "--no-diagnostics", "--n-samples"}
    assert named <= options


def test_lists_and_help(capsys):
    code, out, _ = _run(capsys, "presets")
    assert code == 0 and {"seed-000", "seed-002"} <= {line.split()[0] for line in out if line[:1] != " "}
    code, out, _ = _run(capsys, "datasets")
    assert code == 0 and [line.split()[0] for line in out][:3] == ["xor", "xor_cloud", "circle"]
    code, out, _ = _run(capsys, "train", "--help")
    text = "\n".join(out)
    assert code == 0 and "Exit status: 0 trained; 1 the loss diverged" in text and "--init-scale" in text


BAD = {
    "unknown flag": (["train", "--bogus", "1"], "unrecognized arguments"),
    "no command": ([], "choose a command"),
    "lr not a number": (["train", "--lr", "abc"], "--lr: “abc” is not a number."),
    "lr nan": (["train", "--lr", "nan"], "not a finite number"),
    "lr missing value": (["train", "--lr"], "expected one argument"),
    "hidden not numbers": (["train", "--hidden", "4,x"], "--hidden: “4,x” is not a list of widths"),
    "hidden too wide": (["train", "--hidden", "4,300"], "from 1 to 256"),
    "too many layers": (["train", "--hidden", "1,1,1,1,1,1,1,1,1"], "at most 8 hidden layers"),
    "negative epochs": (["train", "--epochs", "-5"], "--epochs: “-5” is outside 1 to 100000."),
    "fractional epochs": (["train", "--epochs", "2.5"], "not a whole number"),
    "unknown activation": (["train", "--activation", "mish"], "is not one of relu"),
    "unknown preset": (["train", "--preset", "seed-003"], "seed-000, seed-002"),
    "bad log-every": (["train", "--log-every", "0"], "--log-every"),
    "output contradicts data": (["train", "--dataset", "plane", "--output", "sigmoid"], "needs --output linear"),
    "csv dataset without file": (["train", "--dataset", "csv"], "needs --csv FILE"),
    "csv and dataset": (["train", "--csv", "x.csv", "--dataset", "moons"], "cannot be used together"),
    "missing csv": (["train", "--csv", "/nonexistent/points.csv"], "--csv: Cannot read the file"),
    "save extension": (["train", "--save", "run.txt"], "must end in .json or .npz"),
    "save folder": (["train", "--save", "/nonexistent/run.json"], "does not exist"),
    "script extension": (["train", "--export-script", "run.sh"], "must end in .py"),
    "long value": (["train", "--lr", "9" * 500], "too long"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_is_one_line_and_exit_2(capsys, name):
    argv, expected = BAD[name]
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert out == []
    assert err.count("\n") == 1 and expected in err
    assert "Traceback" not in err and err.startswith("python -m nn_core")


@pytest.mark.parametrize("content", [
    b"x1,x2,label\n1,2,0\n1,3,1\n",  # too few rows
    b"x1,x2,label\n1,2,0\n1,3,1\n2,2,0\n2,nan,1\n",  # NaN
    b"a,b,c\n1,2,0\n1,3,1\n2,2,0\n2,1,1\n",  # missing columns
    b"x1,x2,label\n1,2,0\n1,3,0\n2,2,0\n2,1,0\n",  # one class
    b"\xff\xfe\x00garbage",  # not text
])
def test_bad_csv_is_one_line_and_exit_2(capsys, tmp_path, content):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    code, out, err = _run(capsys, "train", "--csv", str(path))
    assert code == 2 and out == []
    assert err.startswith("python -m nn_core train: error: --csv: ") and err.count("\n") == 1
    assert "Traceback" not in err


def test_python_dash_m_runs_the_cli():
    done = subprocess.run([sys.executable, "-m", "nn_core", "train", "--preset", "seed-000"], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.splitlines() == PRESETS["seed-000"].claimed_table() + SEED_000_TAIL
    bad = subprocess.run([sys.executable, "-m", "nn_core", "train", "--lr", "abc"], capture_output=True,
                         text=True, timeout=60, cwd=ROOT)
    assert bad.returncode == 2 and bad.stdout == "" and bad.stderr.count("\n") == 1
    assert "Traceback" not in bad.stderr
