"""The notebook export: valid nbformat 4.5, and code cells that, run in a fresh Python that cannot import
nn_core, print the engine's loss table and its final train loss to the last bit."""

import ast
import json
import os
import subprocess
import sys
from urllib.parse import parse_qsl, urlsplit

import nbformat
import pytest

from nn_core.config import RunConfig, parse
from nn_core.datasets import load_csv, make, to_csv
from nn_core.files.export import ExportError
from nn_core.heads import HEADS
from nn_core.programs.cli import main
from nn_core.programs.notebook import (
    DEFAULT_APP_URL,
    FINAL_LINE,
    export_notebook,
    playground_address,
    run_notebook,
)
from nn_core.programs.script import result_lines
from nn_core.runs import prepare
from nn_core.teaching.presets import PRESETS

FULL = "{epoch} {loss:.17g}"  # 17 significant digits: equal text means equal floats

CONFIGS = {  # together: features, per-layer activations, dropout, Adam and mini-batches, and the other heads
    "features": RunConfig(dataset="circle", features=("x1_sq", "x2_sq", "sin_x1"), hidden=(), lr=0.5, epochs=40),
    "per-layer activations": RunConfig(dataset="spiral", hidden=(6, 5, 4), activation=("relu", "tanh", "gelu"),
                                       lr=0.1, epochs=30, init="he"),
    "dropout": RunConfig(dataset="moons", hidden=(8, 6), activation="relu", dropout=(0.3, 0.1), lr=0.2, epochs=30),
    "adam mini-batches": RunConfig(dataset="moons", n_samples=120, hidden=(8, 6), activation="relu",
                                   optimizer="adam", batch_size=16, l2=0.01, lr=0.01, epochs=25, lr_decay=0.01),
    "all at once": RunConfig(dataset="xor_cloud", features=("x1", "x2", "x1_x2"), hidden=(6, 4),
                             activation=("swish", "elu"), dropout=0.2, optimizer="adam", batch_size=10,
                             lr=0.02, epochs=15, seed=5),
    "softmax rmsprop": RunConfig(dataset="multi_spiral", classes=3, output="softmax", n_samples=90, hidden=(6,),
                                 activation="elu", optimizer="rmsprop", batch_size=7, lr=0.01, epochs=15),
    "regression": RunConfig(dataset="plane", output="linear", hidden=(5, 3), activation="leaky_relu",
                            optimizer="nesterov", reduction="sum", l1=0.001, lr=0.001, epochs=20, bias_init=0.1),
    "diverges": RunConfig(dataset="multi_gaussian", output="linear", hidden=(16, 16), activation="relu", lr=10.0,
                          epochs=100, init_scale=5.0),
    # 1,600 training points through 2 × 128 units: nnplay sums the final loss in two row blocks
    "row blocks": RunConfig(dataset="moons", n_samples=2000, hidden=(128, 128), activation="tanh", epochs=2),
}


def code_of(text: str) -> str:
    """The notebook's code cells, in order, as one program (what Run All executes), after validating it."""
    notebook = nbformat.reads(text, as_version=4)
    nbformat.validate(notebook)
    return "\n\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")


def run_isolated(code: str, folder) -> list[str]:
    """Run ``code`` in a fresh Python that cannot import nn_core: isolated mode (no PYTHONPATH, no user site,
    no script folder on sys.path) in an empty folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=300,
                          cwd=folder, env=env)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout.splitlines()


def engine_lines(config, data=None) -> list[str]:
    """What the engine's run prints, in the notebook's order: the table, the result, the final train loss."""
    run = prepare(config, data, log_every=1)
    run.train()
    lines = [FULL.format(epoch=row["epoch"], loss=row["loss"]) for row in run.history.log]
    if run.history.diverged_at is not None:
        lines.append(run.history.status)
    evaluation = run.trainer.evaluate()
    classify = HEADS[run.net.output].task == "classification"
    return lines + result_lines(evaluation, classify) + [f"{FINAL_LINE}{evaluation['train_loss']!r}"]


def test_cells_cannot_import_nn_core_where_they_run(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    done = subprocess.run([sys.executable, "-I", "-c", "import nn_core"], capture_output=True, text=True,
                          cwd=tmp_path, env=env)
    assert done.returncode == 1 and "No module named 'nn_core'" in done.stderr


@pytest.mark.parametrize("name", list(CONFIGS))
def test_cells_replay_the_engine_run_to_the_last_bit(name, tmp_path):
    config = CONFIGS[name]
    got = run_isolated(code_of(export_notebook(config, log_every=1, line=FULL)), tmp_path)
    expected = engine_lines(config)
    assert got == expected
    assert got[-1].startswith(FINAL_LINE) and len(got) > 3


def test_the_configs_cover_what_the_issue_names():
    used = CONFIGS.values()
    assert any(c.features != RunConfig().features for c in used)
    assert any(isinstance(c.activation, tuple) and len(set(c.activation)) > 1 for c in used)
    assert any(c.dropout for c in used) and any(c.optimizer == "adam" and c.batch_size for c in used)
    run = prepare(CONFIGS["row blocks"])
    assert len(run.net.row_blocks(run.data.n_train)) == 2
    assert "EVAL_ROWS" in export_notebook(CONFIGS["row blocks"]) and "EVAL_ROWS" not in export_notebook(RunConfig())


def test_a_big_mini_batch_run_ends_at_the_engine_loss_exactly(tmp_path):
    """The engine measures each mini-batch epoch of a network this size in row blocks, the table one pass at a
    time: the table agrees to 1e-12 (printed, to every digit), the final loss to the last bit."""
    config = CONFIGS["row blocks"].replace(batch_size=200, optimizer="adam", lr=0.01)
    got = run_isolated(code_of(export_notebook(config, log_every=1, line=FULL)), tmp_path)
    expected = engine_lines(config)
    assert got[-3:] == expected[-3:] and len(got) == len(expected) == 2 + 3
    for mine, theirs in zip(got[:2], expected[:2]):
        assert float(mine.split()[1]) == pytest.approx(float(theirs.split()[1]), rel=1e-12, abs=0)


def test_a_csv_run_embeds_its_points(tmp_path):
    data = load_csv(to_csv(make("blobs", n=40, classes=3, seed=4)), name='evil"""; import os #')
    config = RunConfig(dataset="csv", hidden=(5,), activation="tanh", output="softmax", epochs=15)
    text = export_notebook(config, data, log_every=1, line=FULL)
    assert "evil" not in text and "import os" not in text
    assert run_isolated(code_of(text), tmp_path) == engine_lines(config, data)
    run = prepare(config, data)
    assert run_notebook(run) == export_notebook(run.config, data)
    with pytest.raises(ExportError, match="A CSV run needs its data to export a notebook"):
        export_notebook(config)


def test_the_file_is_nbformat_4_5_with_an_id_on_every_cell():
    text = export_notebook(CONFIGS["features"])
    raw = json.loads(text)
    assert (raw["nbformat"], raw["nbformat_minor"]) == (4, 5)
    ids = [cell["id"] for cell in raw["cells"]]
    assert all(ids) and len(set(ids)) == len(ids)
    kinds = [cell["cell_type"] for cell in raw["cells"]]
    assert kinds[0] == "markdown" and kinds[-1] == "code" and set(kinds) == {"markdown", "code"}
    assert all(cell["outputs"] == [] and cell["execution_count"] is None for cell in raw["cells"]
               if cell["cell_type"] == "code")
    assert "".join(raw["cells"][-1]["source"]).endswith(f'print(f"{FINAL_LINE}{{train_loss!r}}")')
    assert raw["metadata"]["kernelspec"]["name"] == "python3"
    assert raw["metadata"]["nnplay"]["config"] == CONFIGS["features"].to_dict()
    nbformat.validate(nbformat.reads(text, as_version=4))
    assert export_notebook(CONFIGS["features"]) == text  # the same run, the same bytes


def test_the_cells_import_numpy_alone():
    tree = ast.parse(code_of(export_notebook(CONFIGS["all at once"])))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported == {"numpy"}


def test_the_code_is_the_script_exports():
    """The cells hold the script's own sections (the training loop one indent out of its main())."""
    from nn_core.programs.script import export_script
    config = CONFIGS["all at once"]
    script = export_script(config)
    notebook = nbformat.reads(export_notebook(config), as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.id not in ("settings", "training", "report", "final-loss"):
            assert cell.source in script, cell.id
    training = next(cell.source for cell in notebook.cells if cell.id == "training")
    assert all(line == "" or "    " + line in script for line in training.splitlines())


def test_the_first_cell_explains_the_settings_and_links_back_to_the_run():
    config = CONFIGS["all at once"]
    notebook = nbformat.reads(export_notebook(config, app_url="https://example.org/nnplay/"), as_version=4)
    intro = notebook.cells[0].source
    link = playground_address(config, "https://example.org/nnplay")
    assert f"]({link})" in intro
    assert link.startswith("https://example.org/nnplay/Playground?")
    assert "| Activation | Swish (SiLU), ELU |" in intro and "| Dropout | 0.2 |" in intro
    assert "| Momentum |" not in intro  # Adam does not use it, so the table leaves it out
    settings = dict(parse_qsl(urlsplit(link).query))
    assert parse(settings) == (config, [])  # the Playground reads the link back to the same run


def test_the_default_link_is_the_local_apps_playground():
    assert playground_address(RunConfig()) == f"{DEFAULT_APP_URL}/Playground"
    assert playground_address(RunConfig(lr=0.1, hidden=(8, 8))) == f"{DEFAULT_APP_URL}/Playground?hidden=8,8&lr=0.1"


@pytest.mark.parametrize("app_url", ["localhost:8501", "javascript:alert(1)", "http://", "http://a b", "",
                                     "http://x/)](evil", "http://x/?lr=1", "http://" + "x" * 300, None])
def test_a_bad_app_address_is_one_sentence(app_url):
    with pytest.raises(ExportError) as caught:
        export_notebook(RunConfig(epochs=2), app_url=app_url)
    assert str(caught.value).count(".") >= 1 and "\n" not in str(caught.value)


def test_invalid_settings_write_no_notebook():
    with pytest.raises(ExportError, match="no notebook was written"):
        export_notebook(RunConfig(activation="relu\nimport os"))


# ----------------------------------------------------------------------------- the command line
def test_export_notebook_flag_ends_at_train_jsons_loss(capsys, tmp_path):
    path = tmp_path / "run.ipynb"
    argv = ["train", "--dataset", "moons", "--n-samples", "80", "--hidden", "6,4", "--activation", "relu,tanh",
            "--dropout", "0.2", "--optimizer", "adam", "--batch-size", "12", "--lr", "0.02", "--epochs", "30",
            "--json"]
    assert main([*argv, "--export-notebook", str(path), "--app-url", "https://example.org"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out.splitlines()[-1])
    assert result["type"] == "result" and "wrote a notebook" in captured.err
    text = path.read_text(encoding="utf-8")
    assert "(https://example.org/Playground?" in text
    got = run_isolated(code_of(text), tmp_path)
    assert got[-1] == f"{FINAL_LINE}{result['train_loss']!r}"
    assert got[0].startswith("Epoch     0 | Loss: ")


def test_a_preset_notebook_prints_its_tutorial_table(capsys, tmp_path):
    path = tmp_path / "seed000.ipynb"
    assert main(["train", "--preset", "seed-000", "--export-notebook", str(path)]) == 0
    capsys.readouterr()
    got = run_isolated(code_of(path.read_text(encoding="utf-8")), tmp_path)
    assert got[:10] == PRESETS["seed-000"].claimed_table()
    run = prepare(PRESETS["seed-000"].config)
    run.train()
    assert got[10:] == ["Train accuracy: 100.00%", f"{FINAL_LINE}{run.trainer.evaluate()['train_loss']!r}"]


@pytest.mark.parametrize("argv, expected", [
    (["--export-notebook", "run.py"], "--export-notebook: “run.py” must end in .ipynb."),
    (["--export-notebook", "/nonexistent/run.ipynb"], "--export-notebook: the folder “/nonexistent” does not exist."),
    (["--app-url", "ftp://host"], "--app-url: “ftp://host” is not an app address"),
])
def test_bad_notebook_flags_are_one_line_and_exit_2(capsys, argv, expected):
    assert main(["train", "--epochs", "2", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith(f"python -m nn_core train: error: {expected}")


def test_an_unwritable_notebook_path_is_one_line_and_exit_2(capsys, tmp_path):
    folder = tmp_path / "taken.ipynb"
    folder.mkdir()
    assert main(["train", "--epochs", "2", "--export-notebook", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("python -m nn_core train: error: cannot write")
