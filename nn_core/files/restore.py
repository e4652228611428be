"""A saved run brought back to life: the weights of a saved file put into a freshly prepared run of its
settings, so training can continue. It lives with the files, not with the runs, because a run never needs
to know how it is saved.
"""

from __future__ import annotations

from .. import datasets, runs
from ..config import RunConfig, layer_sizes
from ..network import MLP
from . import export
from .export import ExportError


def restore(net: MLP, config: RunConfig | None, data: datasets.Dataset | None = None) -> runs.Run:
    """A live Run of ``config``'s data and trainer holding the saved weights ``net``, ready to continue.

    Training resumes from the weights; the optimizer's state and the history
    start afresh, as a file holds neither. Raises ExportError (one sentence)
    when the weights do not fit the run's settings.
    """
    if config is None:
        raise ExportError("The file holds a network but no run settings, so the run cannot be rebuilt; "
                          "save it from nnplay's export buttons.")
    if config.dataset == "csv" and data is None:
        raise ExportError("This run was trained on an uploaded CSV: add its dataset CSV as well.")
    run = runs.prepare(config, data)
    expected = layer_sizes(run.config, run.data.n_classes)
    if list(net.layer_sizes) != expected or net.hidden_activations != run.net.hidden_activations:
        raise ExportError(f"The saved weights ({'-'.join(map(str, net.layer_sizes))}) do not fit the run's settings "
                          f"({'-'.join(map(str, expected))}, {run.net.activation}).")
    run.net.set_parameters(net.parameters())
    return run


def load_saved(weights: bytes, dataset_csv: bytes | None = None) -> runs.Run:
    """Restore a run from a saved .json/.npz (and, for CSV runs, its dataset CSV). ExportError on any problem."""
    net, config = export.load(weights)
    data = None
    if dataset_csv is not None:
        try:
            data = datasets.load_csv(dataset_csv, test_ratio=config.test_ratio if config else 0.2)
        except datasets.DataError as error:
            raise ExportError(f"The dataset CSV: {error}") from None
    return restore(net, config, data)
