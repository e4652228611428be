"""Export a run as a Jupyter notebook that tells its story cell by cell and needs only NumPy.

The code in its cells is the script export's (:class:`~nn_core.programs.script.ScriptParts`): the
settings, the embedded data, the reference engine's source, and the training loop, laid out as cells
with a few words before each. So run top to bottom in a fresh kernel it trains the same weights and prints
the script's loss table, and its last cell prints ``final train loss: <repr>``, the ``train_loss`` that
``python -m nn_core train --json`` reports, to the last bit: it sums the losses in the engine's row blocks.
(The table's losses are one full pass each; where the engine measures a big network's mini-batch epoch in
row blocks, they can differ from its log in the 17th digit, never in the printed ones.)

The file is nbformat 4.5 JSON, written directly (no Jupyter package is needed to make it). Every cell has a
fixed id, so the same run always gives the same file. Its first cell links back to the run in the app: the
Playground's address with the run's settings as query parameters (:func:`nn_core.config.to_query`, the
parameters the Playground itself writes).
"""

from __future__ import annotations

import json
import string
from urllib.parse import urlencode, urlsplit

from ..config import PARAMS, RunConfig, quote, to_query
from ..datasets import Dataset
from ..files.export import ExportError
from .script import PREAMBLE, ScriptParts, script_parts

DEFAULT_APP_URL = "http://localhost:8501"  # where `streamlit run app.py` serves the app
PLAYGROUND_PATH = "Playground"  # the Playground page's address in the app (Streamlit names it after its file)
MAX_APP_URL = 200
URL_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-._~:/%@!$&*+,;=")  # none ends a Markdown link
FINAL_LINE = "final train loss: "
NBFORMAT, NBFORMAT_MINOR = 4, 5
KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}


def export_notebook(config: RunConfig, data: Dataset | None = None, log_every: int | None = None,
                    line: str | None = None, app_url: str = DEFAULT_APP_URL) -> str:
    """The text of an .ipynb file (nbformat 4.5 JSON) whose cells replay this run with NumPy alone.

    ``data``, ``log_every`` and ``line`` are as for :func:`~nn_core.programs.script.export_script`
    (``data`` is needed for a CSV run only). ``app_url`` is the app's own address (its root, e.g.
    ``https://host/nnplay``); the first cell links to its Playground with this run's settings.
    Raises ExportError (one sentence) for a setting, data or address that is not valid.
    """
    parts = script_parts(config, data, log_every, line, what="notebook")
    link = playground_address(parts.config, app_url)
    return _notebook(parts, link)


def run_notebook(run, app_url: str = DEFAULT_APP_URL) -> str:
    """The notebook of an nn_core Run (live or finished), for a download button: its config replayed from
    scratch for its configured epochs, on its own data for a CSV run (else on the data the config generates).

    The app calls it as ``run_notebook(run, app_url)`` with the app's root address, and offers the text
    as a ``.ipynb`` file (MIME type ``application/x-ipynb+json``).
    """
    data = run.data if run.config.dataset == "csv" else None
    return export_notebook(run.config, data, app_url=app_url)


def check_app_url(app_url: str) -> str:
    """The app's address without a trailing slash; ExportError unless it is a plain http(s) address."""
    problem = ExportError(f"{quote(app_url)} is not an app address: use http:// or https://, as in "
                          f"{DEFAULT_APP_URL}, with no spaces, quotes or brackets, at most {MAX_APP_URL} characters.")
    if not isinstance(app_url, str) or not 0 < len(app_url) <= MAX_APP_URL or not set(app_url) <= URL_CHARACTERS:
        raise problem
    parts = urlsplit(app_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise problem
    return app_url.rstrip("/")


def playground_address(config: RunConfig, app_url: str = DEFAULT_APP_URL) -> str:
    """The address that opens ``config`` in the app's Playground: the settings that differ from the
    defaults as query parameters, as the Playground writes its own URL."""
    query = urlencode(to_query(config), safe=",")
    return f"{check_app_url(app_url)}/{PLAYGROUND_PATH}" + (f"?{query}" if query else "")


# ----------------------------------------------------------------------------- cells
def _notebook(parts: ScriptParts, link: str) -> str:
    features = parts.feature_section()
    cells = [
        _markdown("run", _introduction(parts, link)),
        _markdown("settings-title", "## Settings\n\nThe table's values as Python constants. The initial weights' "
                                    "scales follow from the init rule and the layer sizes."),
        _code("settings", PREAMBLE + "\n\n" + parts.settings()),
        _markdown("data-title", "## The data\n\nThe points the run trained (and was tested) on, number for "
                                "number: `X_train` holds the training points (x1, x2), one row each, `y_train` "
                                "their " + ("class labels." if parts.classify else "targets.")
                                + (" `X_test` and `y_test` are the test points." if parts.has_test else "")),
        _code("data", parts.data_section()),
        *([_markdown("features-title", "## Input features\n\nEach input unit reads one feature of a point; "
                                       "the data is mapped through them once, here."),
           _code("features", features[0])] if features else []),
        _markdown("engine-title", "## The reference engine\n\nnnplay's reference implementation "
                                  "(`nn_core/reference.py`), the code the script export holds too: each hidden "
                                  "activation with its slope, the output with its loss, the network's forward "
                                  "and backward passes, and the optimizer's step. It does the engine's "
                                  "floating-point operations in the engine's order, so its numbers are the "
                                  "engine's to the last bit."),
        _code("activations", parts.activation_section()),
        _code("output-and-loss", parts.head_section()),
        _code("network", parts.network_section()),
        _code("optimizer", parts.optimizer_section()),
        _markdown("training-title", "## Training\n\nEvery epoch measures the loss on all the training points "
                                    "before its update (without the penalty" +
                                    (" and without dropout" if parts.net.dropping else "") + "), prints a row "
                                    "of the table every `LOG_EVERY` epochs, then updates the weights. A loss "
                                    "that stops being finite ends the run on the last finite epoch's weights."),
        _code("training", parts.training_loop()),
        _markdown("result-title", "## Result"),
        _code("report", parts.report()),
        _code("final-loss", _final_loss(parts)),
    ]
    notebook = {
        "cells": cells,
        "metadata": {"kernelspec": KERNEL, "language_info": {"name": "python"},
                     "nnplay": {"config": parts.config.to_dict(), "playground": link}},
        "nbformat": NBFORMAT,
        "nbformat_minor": NBFORMAT_MINOR,
    }
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _introduction(parts: ScriptParts, link: str) -> str:
    csv = parts.config.dataset == "csv"
    reopen = f"[Open this run in nnplay's Playground]({link})" + (
        " (the link carries the settings, not your CSV file: upload it there)." if csv else ".")
    rows = "\n".join(f"| {_cell(p.label)} | {_cell(_shown(p, getattr(parts.config, p.name)))} |"
                     for p in PARAMS if p.applies_to(parts.config))
    return f"""# {parts.title()}

An nnplay run as a notebook.

{parts.summary()}

Run the cells from top to bottom (in Jupyter: *Run All*); they need only NumPy. They do what nnplay's engine
does, operation by operation and in the same order, so the loss table is nnplay's digit for digit, and the
last cell prints the run's final training loss.

{reopen}

| Setting | Value |
|---|---|
{rows}"""


def _final_loss(parts: ScriptParts) -> str:
    """The last cell: the trained weights' mean sample loss on the training points, summed as the engine
    sums it (in its row blocks, which bound its memory on big networks), so the float is the engine's."""
    n = parts.data.n_train
    blocks = parts.net.row_blocks(n)
    if len(blocks) == 1:
        loss = ("Zs, _ = forward(X_train, weights, biases, HIDDEN, HEAD[0])\n"
                "train_loss = float(HEAD[1](Zs[-1], Y_train).sum()) / n")
    else:
        rows = blocks[0].stop - blocks[0].start
        loss = (f"EVAL_ROWS = {int(rows)}  # nnplay sums the losses of a network this size in blocks of rows, "
                "to bound its memory: so does this cell\n"
                "total = 0.0\n"
                "for start in range(0, n, EVAL_ROWS):\n"
                "    Zs, _ = forward(X_train[start:start + EVAL_ROWS], weights, biases, HIDDEN, HEAD[0])\n"
                "    total += float(HEAD[1](Zs[-1], Y_train[start:start + EVAL_ROWS]).sum())\n"
                "train_loss = total / n")
    return ("# The trained weights' mean sample loss on all the training points (no penalty, no dropout):\n"
            "# the train_loss nnplay reports for this run, to the last bit.\n"
            f"{loss}\nprint(f\"{FINAL_LINE}{{train_loss!r}}\")")


def _shown(param, value) -> str:
    """A setting's value as the table shows it: a choice by its label, a number exactly."""
    if isinstance(value, tuple):
        return ", ".join(_shown(param, v) for v in value) or "none"
    if param.choices:
        return param.labels(value)
    return repr(float(value)) if isinstance(value, float) else str(value)


def _cell(text: str) -> str:
    """Text that cannot break a Markdown table row."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _markdown(cell_id: str, text: str) -> dict:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": _lines(text)}


def _code(cell_id: str, code: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": cell_id, "metadata": {}, "outputs": [],
            "source": _lines(code)}


def _lines(text: str) -> list[str]:
    """A cell's source as Jupyter stores it: its lines, each with its newline but the last."""
    return text.strip("\n").splitlines(keepends=True)
