"""Downloads of everything a run is made of, and the upload that restores a saved run.

``ARTIFACTS`` is the registry of files a run can be exported as; each record
knows its label, file extension, MIME type and how to make its bytes from a run
(an nn_core Run, live or finished) and the app's own address (a notebook links back to the run in the app). :func:`export_panel` renders one download button per
artifact. The bytes are made only when the button is clicked (deferred
downloads), so drawing the panel costs nothing.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from nn_core import datasets, runs
from nn_core.files import export, restore
from nn_core.files.export import ExportError
from nn_core.grids import network_grids
from nn_core.programs import notebook, script

from . import charts, curves

try:  # renders Vega-Lite to PNG/SVG without a browser; optional
    import vl_convert
except ImportError:  # pragma: no cover - exercised only where the package is missing
    vl_convert = None

MAX_UPLOAD_MB = 20
FILES_PER_ROW = 3  # download buttons side by side: their labels ("Jupyter notebook (.ipynb)") fit unclipped
CHART_RESOLUTION = 60  # boundary cells in an exported chart: PNG in ~1 s, SVG of ~1 MB


def history_csv(history) -> bytes:
    """One row per recorded epoch, per-layer columns expanded (grad_norm_1, ...); floats in repr, so exact."""
    rows = history.rows()
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: repr(v) if isinstance(v, float) else v for k, v in row.items()})
    return buf.getvalue().encode("utf-8")


def script_bytes(run) -> bytes:
    """The run as a standalone NumPy script (a CSV run embeds its data)."""
    data = run.data if run.config.dataset == "csv" else None
    return script.export_script(run.config, data).encode("utf-8")


def notebook_bytes(run, app_url: str = notebook.DEFAULT_APP_URL) -> bytes:
    """The run as a Jupyter notebook whose first cell reopens it in the app at ``app_url`` (its root)."""
    return notebook.run_notebook(run, app_url=app_url).encode("utf-8")


def app_address() -> str:
    """The app's root address as the visitor's browser sees it, for a notebook's link back to the run.

    ``st.context.url`` is the current page's address (no query); the export panels are on the app's
    pages (``<root>/Playground``, ``<root>/Experiments``), so the root is all but its last part. Read
    while drawing the panel: a deferred download runs outside the script. Where the browser sent no
    address (a test, an old client) or it is not a plain http(s) one, the local default.
    """
    url = st.context.url
    if url:
        try:
            return notebook.check_app_url(url.rstrip("/").rsplit("/", 1)[0])
        except ExportError:
            pass
    return notebook.DEFAULT_APP_URL


@dataclass(frozen=True)
class Artifact:
    key: str
    label: str
    extension: str
    mime: str
    make: Callable[[object, str], bytes]  # (run, the app's root address) -> file contents
    help: str


ARTIFACTS: dict[str, Artifact] = {
    a.key: a
    for a in [
        Artifact("json", "Config + weights (.json)", "json", "application/json",
                 lambda run, _: export.to_json_bytes(run.net, run.config, run.history),
                 "Readable JSON: the run's settings and every trained weight. Upload it here to restore the run."),
        Artifact("npz", "Config + weights (.npz)", "npz", "application/octet-stream",
                 lambda run, _: export.to_npz_bytes(run.net, run.config, run.history),
                 "NumPy archive, loads with np.load(..., allow_pickle=False)."),
        Artifact("history", "Training history (.csv)", "csv", "text/csv", lambda run, _: history_csv(run.history),
                 "Loss, accuracy, gradient norms, update ratios and unit health per recorded epoch."),
        Artifact("dataset", "Dataset (.csv)", "csv", "text/csv", lambda run, _: datasets.to_csv(run.data),
                 "x1, x2, label (or target) and split: loads back into the Playground's CSV upload."),
        Artifact("script", "NumPy script (.py)", "py", "text/x-python", lambda run, _: script_bytes(run),
                 "One Python file, NumPy its only import, that trains this run and prints its loss table."),
        Artifact("notebook", "Jupyter notebook (.ipynb)", "ipynb", "application/x-ipynb+json", notebook_bytes,
                 "A notebook whose cells replay this run with NumPy alone and end at its final train loss."),
    ]
}


# ------------------------------------------------------------------------ charts
def chart_formats() -> dict[str, tuple[str, Callable[[dict], bytes]]]:
    """extension -> (mime, spec -> bytes): PNG and SVG where vl-convert is installed, else Vega-Lite JSON."""
    if vl_convert is not None:
        return {"png": ("image/png", lambda spec: vl_convert.vegalite_to_png(spec, scale=2)),
                "svg": ("image/svg+xml", lambda spec: vl_convert.vegalite_to_svg(spec).encode("utf-8"))}
    return {"vl.json": ("application/json", lambda spec: json.dumps(spec).encode("utf-8"))}


def chart_bytes(chart, extension: str) -> bytes:
    """``chart`` (an Altair chart) as a file of ``extension`` (a key of :func:`chart_formats`)."""
    return chart_formats()[extension][1](chart.to_dict())


def run_charts(run) -> dict[str, Callable[[], object]]:
    """name -> builder of the charts a run exports: its loss curve and decision boundary."""
    return {"loss": lambda: curves.loss_chart(run.history),
            "boundary": lambda: charts.boundary_chart(
                network_grids(run.net, run.data.domain, CHART_RESOLUTION), run.data)}


# ------------------------------------------------------------------------- panel
def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")[:60] or "run"


def export_panel(run, key_prefix: str, name: str | None = None) -> None:
    """Download buttons for ``run`` (an nn_core Run): weights, history, data, script, notebook, charts."""
    base = f"nnplay-{slug(name or getattr(run, 'label', None) or key_prefix)}"
    address = app_address()
    artifacts = list(ARTIFACTS.values())
    files = [column for start in range(0, len(artifacts), FILES_PER_ROW) for column in st.columns(FILES_PER_ROW)]
    for column, artifact in zip(files, artifacts):
        column.download_button(
            artifact.label, data=_deferred(artifact.make, run, address), file_name=f"{base}.{artifact.extension}",
            mime=artifact.mime, help=artifact.help, key=f"{key_prefix}.download.{artifact.key}",
            on_click="ignore", width="stretch")
    formats = chart_formats()
    images = st.columns(len(formats) * 2)
    slots = iter(images)
    for chart_name, build in run_charts(run).items():
        for extension, (mime, _) in formats.items():
            next(slots).download_button(
                f"{chart_name.capitalize()} chart (.{extension})", data=_deferred_chart(build, extension),
                file_name=f"{base}-{chart_name}.{extension}", mime=mime, on_click="ignore", width="stretch",
                key=f"{key_prefix}.download.{chart_name}.{extension}")
    if vl_convert is None:
        st.caption("PNG/SVG export needs the vl-convert-python package; the charts download as Vega-Lite JSON, "
                   "which https://vega.github.io/editor renders.")


def _deferred(make, run, address):
    return lambda: make(run, address)


def _deferred_chart(build, extension):
    return lambda: chart_bytes(build(), extension)


# ------------------------------------------------------------------------ restore
def restore_panel(key_prefix: str) -> runs.Run | None:
    """An uploader for a saved run; returns the restored Run, or None (after one clear sentence if the file is bad)."""
    upload = st.file_uploader("Restore a saved run (.json or .npz from the export buttons)", type=["json", "npz"],
                              key=f"{key_prefix}.restore.weights", max_upload_size=MAX_UPLOAD_MB,
                              help=f"Files are parsed, never executed or unpickled; at most {MAX_UPLOAD_MB} MB.")
    if upload is None:
        return None
    extra = st.file_uploader("Its dataset CSV (only for runs trained on your own CSV)", type=["csv"],
                             key=f"{key_prefix}.restore.dataset", max_upload_size=5)
    try:
        if upload.size > MAX_UPLOAD_MB * 1_000_000:
            raise ExportError(f"The file is larger than the {MAX_UPLOAD_MB} MB limit.")
        return restore.load_saved(upload.getvalue(), extra.getvalue() if extra is not None else None)
    except ExportError as error:
        st.error(f"Could not restore “{upload.name[:60]}”: {error}")
        return None
