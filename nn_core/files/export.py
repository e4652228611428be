"""Save and load a network with its run config: readable JSON, or .npz without pickles.

Both formats round-trip exactly: JSON floats are written with ``repr`` (the
shortest text that reads back to the same float) and .npz keeps the raw
float64 bytes. Loading treats every file as hostile: it is size-capped, parsed
(never unpickled or executed), and every name, shape and number is checked. Any
problem raises :class:`ExportError` whose message is one sentence for the user.

JSON layout (``FORMAT``, version 1)::

    {"format": "nnplay-mlp", "version": 1,
     "network": {"layer_sizes": [2, 4, 1], "activation": "tanh", "output": "sigmoid",
                 "init": "xavier", "init_scale": 1.0, "seed": 0, "bias_init": 0.0},
     "weights": [W1 as rows, ...], "biases": [b1 as [[...]], ...],
     "config": {RunConfig.to_dict()}            # optional
     "history": {"status": ..., "log": [...]}}  # optional, informative only

The .npz holds arrays ``W1, b1, W2, b2, ...`` (float64) and ``meta``: the same
JSON without weights and biases, stored as a plain unicode string array.
"""

from __future__ import annotations

import io
import json
import math
import os
import zipfile
import zlib
from dataclasses import fields

import numpy as np

from .. import config as cfg
from ..activations import ACTIVATIONS
from ..features import FEATURES, RAW
from ..heads import HEADS
from ..initializers import INITIALIZERS
from ..network import MAX_DROPOUT, MAX_HIDDEN_LAYERS, MAX_WIDTH, MLP

FORMAT = "nnplay-mlp"
VERSION = 1
MAX_BYTES = 20_000_000  # far above the largest network (8 × 256² weights ≈ 12 MB of JSON)
MAX_LOG_ROWS = 1000
MAX_SEED = 2**32 - 1  # np.random.RandomState's limit
NETWORK_KEYS = ("layer_sizes", "activation", "output", "init", "init_scale", "seed", "bias_init", "dropout",
                "features")
OPTIONAL_KEYS = {"dropout": 0.0, "features": None}  # written since they exist; older files have none
TOP_KEYS = ("format", "version", "network", "weights", "biases", "config", "history")
_TOO_BIG = f"The file is larger than the {MAX_BYTES // 1_000_000} MB limit."


class ExportError(ValueError):
    """A file or dict that cannot be loaded; ``str(e)`` is one sentence for the user."""


# ----------------------------------------------------------------------------- writing
def to_dict(net: MLP, config: cfg.RunConfig | None = None, history=None) -> dict:
    """Everything needed to rebuild ``net`` exactly, plus optional run config and history summary."""
    out = {"format": FORMAT, "version": VERSION, "network": net.config(),
           "weights": [W.tolist() for W in net.weights], "biases": [b.tolist() for b in net.biases]}
    if config is not None:
        out["config"] = config.to_dict()
    if history is not None:
        out["history"] = _history_summary(history)
    return out


def _history_summary(history) -> dict:
    """Status, last loss and the printed log rows (NaN as null, so the JSON stays strict)."""
    return {"status": history.status, "diverged_at": history.diverged_at,
            "records": len(history), "last_loss": _finite_or_none(history.last_loss),
            "log": [{k: _finite_or_none(v) for k, v in row.items()} for row in history.log[:MAX_LOG_ROWS]]}


def _finite_or_none(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def to_json_bytes(net: MLP, config: cfg.RunConfig | None = None, history=None) -> bytes:
    """UTF-8 JSON, indented, with each matrix row on one line so a person can read it."""
    return (_dump(to_dict(net, config, history), 0) + "\n").encode("utf-8")


def _dump(value, depth: int) -> str:
    """Indented json.dumps, except that matrix rows and small records (log rows) stay on one line."""
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(value, dict) and value and (depth < 2 or not all(_is_scalar(v) for v in value.values())):
        items = [f"{inner}{json.dumps(str(k))}: {_dump(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and value and not all(_is_scalar(v) for v in value):
        return "[\n" + ",\n".join(inner + _dump(v, depth + 1) for v in value) + "\n" + pad + "]"
    return json.dumps(value, allow_nan=False, ensure_ascii=False)  # scalars, rows, and log rows on one line


def _is_scalar(value) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


def to_npz_bytes(net: MLP, config: cfg.RunConfig | None = None, history=None) -> bytes:
    """A compressed .npz: W1, b1, ... as float64 and ``meta`` as a unicode string (no pickles)."""
    meta = to_dict(net, config, history)
    del meta["weights"], meta["biases"]
    arrays = {}
    for l, (W, b) in enumerate(zip(net.weights, net.biases), start=1):
        arrays[f"W{l}"], arrays[f"b{l}"] = W, b
    buf = io.BytesIO()
    np.savez_compressed(buf, meta=np.array(json.dumps(meta, allow_nan=False)), **arrays)
    return buf.getvalue()


def save(path, net: MLP, config: cfg.RunConfig | None = None, history=None) -> None:
    """Write ``net`` (and config) to ``path``; the extension, .json or .npz, picks the format."""
    writer = _writer_for(path)
    data = writer(net, config, history)
    with open(path, "wb") as f:
        f.write(data)


def _writer_for(path):
    ext = os.path.splitext(os.fspath(path))[1].lower()
    writers = {".json": to_json_bytes, ".npz": to_npz_bytes}
    if ext not in writers:
        raise ExportError(f"Cannot save to {cfg.quote(os.path.basename(os.fspath(path)), 60)}: "
                          "the name must end in .json or .npz.")
    return writers[ext]


# ----------------------------------------------------------------------------- reading
def load(source) -> tuple[MLP, cfg.RunConfig | None]:
    """(net, config) from a path, bytes or a binary file-like; the content decides the format."""
    data = _read_bytes(source)
    if data[:2] == b"PK":  # every zip file, hence every .npz, starts with these magic bytes
        return from_npz_bytes(data)
    return from_json_bytes(data)


def _read_bytes(source) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif hasattr(source, "read"):
        data = source.read(MAX_BYTES + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
    else:
        try:
            with open(source, "rb") as f:
                data = f.read(MAX_BYTES + 1)
        except (OSError, TypeError, ValueError):
            raise ExportError(f"Cannot read the file {cfg.quote(os.path.basename(str(source)), 60)}.") from None
    if len(data) > MAX_BYTES:
        raise ExportError(_TOO_BIG)
    if not data:
        raise ExportError("The file is empty.")
    return data


def from_json_bytes(data: bytes) -> tuple[MLP, cfg.RunConfig | None]:
    """Parse JSON written by :func:`to_json_bytes` (strict: no NaN or Infinity)."""
    if len(data) > MAX_BYTES:
        raise ExportError(_TOO_BIG)
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError:
        raise ExportError("The file is neither a saved .json network nor an .npz archive.") from None
    d = _parse_json(text, "The file is not valid JSON.")
    return from_dict(d)


def _reject_constant(name: str):
    raise ExportError(f"The JSON holds {name}; every number must be finite.")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ExportError(f"The JSON holds the number {text[:20]}, which is too large to be finite.")
    return value


def from_npz_bytes(data: bytes) -> tuple[MLP, cfg.RunConfig | None]:
    """Load an .npz written by :func:`to_npz_bytes` with ``allow_pickle=False``."""
    if len(data) > MAX_BYTES:
        raise ExportError(_TOO_BIG)
    names = _zip_members(bytes(data))
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in names}
    except ValueError as error:
        if "pickle" in str(error).lower():
            raise ExportError("The .npz holds Python objects (pickles), which are never loaded.") from None
        raise ExportError("The .npz archive holds an array that cannot be read.") from None
    except (OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error, RuntimeError):
        raise ExportError("The .npz archive is damaged or truncated.") from None
    if not all(isinstance(a, np.ndarray) for a in arrays.values()):  # np.load gives raw bytes for a non-.npy entry
        raise ExportError("The .npz archive holds an entry that is not a NumPy array.")
    meta = arrays.pop("meta", None)
    if meta is None:
        raise ExportError("The .npz archive has no “meta” entry, so it is not a saved network.")
    if meta.dtype.kind != "U" or meta.shape != ():
        raise ExportError("The .npz “meta” entry must be a single text string.")
    d = _parse_json(str(meta), "The .npz “meta” entry is not valid JSON.")
    if not isinstance(d, dict):
        raise ExportError("The .npz “meta” entry is not a JSON object.")
    if "weights" in d or "biases" in d:
        raise ExportError("The .npz “meta” entry must not hold weights; they belong in W1, b1, ….")
    n_layers = len(_check_network(d.get("network"))["layer_sizes"]) - 1
    expected = [f"{p}{l}" for l in range(1, n_layers + 1) for p in "Wb"]
    missing = [name for name in expected if name not in arrays]
    extra = sorted(set(arrays) - set(expected))
    if missing:
        raise ExportError(f"The .npz archive is missing the array {missing[0]}.")
    if extra:
        raise ExportError(f"The .npz archive has an unexpected array {cfg.quote(extra[0])}.")
    d["weights"] = [arrays[f"W{l}"] for l in range(1, n_layers + 1)]
    d["biases"] = [arrays[f"b{l}"] for l in range(1, n_layers + 1)]
    return from_dict(d)


def _parse_json(text: str, problem: str):
    """json.loads that refuses NaN/Infinity and overflowing numbers; ``problem`` for other errors."""
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except ExportError:
        raise
    except json.JSONDecodeError as error:
        raise ExportError(f"{problem[:-1]} (line {error.lineno}, column {error.colno}).") from None
    except (ValueError, RecursionError):  # e.g. an integer with thousands of digits, or deep nesting
        raise ExportError(problem) from None


def _zip_members(data: bytes) -> list[str]:
    """Array names in the archive, after checking the zip's structure and uncompressed size."""
    if data[:4] not in (b"PK\x03\x04", b"PK\x05\x06"):
        raise ExportError("The file is not an .npz archive.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise ExportError("The .npz archive is damaged or truncated.") from None
    if sum(info.file_size for info in infos) > MAX_BYTES:
        raise ExportError(f"The .npz archive unpacks to more than {MAX_BYTES // 1_000_000} MB.")
    names = []
    for info in infos:
        if not info.filename.endswith(".npy") or "/" in info.filename:
            raise ExportError(f"The .npz archive holds an unexpected file {cfg.quote(info.filename)}.")
        names.append(info.filename[:-4])
    return names


# ----------------------------------------------------------------------------- validation
def from_dict(d) -> tuple[MLP, cfg.RunConfig | None]:
    """Rebuild (net, config) from :func:`to_dict`'s output, checking everything first."""
    if not isinstance(d, dict):
        raise ExportError("The file does not hold a saved network (expected a JSON object).")
    if d.get("format") != FORMAT:
        raise ExportError(f"The file is not a saved nnplay network (its “format” is not “{FORMAT}”).")
    version = d.get("version")
    if type(version) is not int or version != VERSION:
        raise ExportError(f"The file's format version {_show(version)} is not supported (expected {VERSION}).")
    unknown = [k for k in d if k not in TOP_KEYS]
    if unknown:
        raise ExportError(f"The file has an unknown entry {cfg.quote(unknown[0])}.")
    network = _check_network(d.get("network"))
    sizes = network["layer_sizes"]
    weights = _check_arrays(d.get("weights"), "weight", "W", [(a, b) for a, b in zip(sizes[:-1], sizes[1:])])
    biases = _check_arrays(d.get("biases"), "bias", "b", [(1, b) for b in sizes[1:]])
    config = _check_config(d["config"], network) if d.get("config") is not None else None
    if "history" in d and d["history"] is not None and not isinstance(d["history"], dict):
        raise ExportError("The file's “history” entry must be an object.")
    try:
        net = MLP(**network)
    except ValueError as error:
        raise ExportError(str(error)) from None
    net.set_parameters([p for pair in zip(weights, biases) for p in pair])
    return net, config


def _check_network(network) -> dict:
    if not isinstance(network, dict):
        raise ExportError("The file has no “network” description.")
    unknown = [k for k in network if k not in NETWORK_KEYS]
    if unknown:
        raise ExportError(f"The network description has an unknown entry {cfg.quote(unknown[0])}.")
    missing = [k for k in NETWORK_KEYS if k not in network and k not in OPTIONAL_KEYS]
    if missing:
        raise ExportError(f"The network description is missing “{missing[0]}”.")
    sizes = network["layer_sizes"]
    if (not isinstance(sizes, list) or not 2 <= len(sizes) <= MAX_HIDDEN_LAYERS + 2
            or not all(_is_int(s) and 1 <= s <= MAX_WIDTH for s in sizes)):
        raise ExportError(f"“layer_sizes” must list 2 to {MAX_HIDDEN_LAYERS + 2} layer widths "
                          f"between 1 and {MAX_WIDTH}.")
    n_hidden = len(sizes) - 2
    activation = network["activation"]
    names = [activation] * n_hidden if isinstance(activation, str) else activation
    if not isinstance(names, list) or len(names) != n_hidden:
        raise ExportError(f"“activation” must be one name or a list of {n_hidden} names, one per hidden layer.")
    _check_names(names, ACTIVATIONS, "activation")
    _check_names([network["output"]], HEADS, "output")
    _check_names([network["init"]], INITIALIZERS, "init")
    if network["output"] == "softmax" and sizes[-1] < 2:
        raise ExportError("A softmax output needs at least 2 output units.")
    if network["init_scale"] is not None and not _is_finite(network["init_scale"]):
        raise ExportError("“init_scale” must be a finite number.")
    if not (_is_int(network["seed"]) and 0 <= network["seed"] <= MAX_SEED):
        raise ExportError(f"“seed” must be a whole number from 0 to {MAX_SEED}.")
    if not _is_finite(network["bias_init"]):
        raise ExportError("“bias_init” must be a finite number.")
    network = {**OPTIONAL_KEYS, **network}
    rates = [network["dropout"]] * n_hidden if _is_finite(network["dropout"]) else network["dropout"]
    if not (isinstance(rates, list) and len(rates) == n_hidden
            and all(_is_finite(p) and 0 <= p <= MAX_DROPOUT for p in rates)):
        raise ExportError(f"“dropout” must be one rate from 0 to {MAX_DROPOUT} or a list of {n_hidden}, "
                          "one per hidden layer.")
    names = network["features"]
    if names is not None:
        if not (isinstance(names, list) and len(names) == sizes[0]):
            raise ExportError(f"“features” must list {sizes[0]} input feature names, one per input.")
        _check_names(names, FEATURES, "input feature")
        if len(set(names)) != len(names):
            raise ExportError("“features” names an input feature twice.")
    return network


def _check_names(names, registry, what: str) -> None:
    for name in names:
        if not isinstance(name, str) or name not in registry:
            raise ExportError(f"Unknown {what} {_show(name)}; valid ones are: {', '.join(registry)}.")


def _check_arrays(values, what: str, prefix: str, shapes: list) -> list[np.ndarray]:
    if not isinstance(values, list) or len(values) != len(shapes):
        raise ExportError(f"The file must hold {len(shapes)} {what} arrays, one per layer.")
    return [_check_array(v, f"{prefix}{l}", shape) for l, (v, shape) in enumerate(zip(values, shapes), start=1)]


def _check_array(value, name: str, shape: tuple) -> np.ndarray:
    if isinstance(value, np.ndarray):
        if value.dtype != np.float64:
            raise ExportError(f"{name} must hold float64 numbers, not {str(value.dtype)[:20]}.")
        array = value
    else:
        array = _matrix_from_lists(value, name, shape)
    if array.shape != tuple(shape):
        raise ExportError(f"{name} has shape {array.shape[:4]} but the layer sizes need {tuple(shape)}.")
    if not np.isfinite(array).all():
        raise ExportError(f"{name} holds NaN or infinite values.")
    return array


def _matrix_from_lists(value, name: str, shape: tuple) -> np.ndarray:
    if not isinstance(value, list) or not all(isinstance(row, list) for row in value):
        raise ExportError(f"{name} must be a list of rows of numbers.")
    lengths = {len(row) for row in value}
    if len(lengths) > 1:
        raise ExportError(f"{name} has rows of different lengths.")
    got = (len(value), lengths.pop() if lengths else 0)
    if got != tuple(shape):
        raise ExportError(f"{name} has shape {got} but the layer sizes need {tuple(shape)}.")
    for row in value:
        for x in row:
            if not _is_finite(x):
                raise ExportError(f"{name} holds {_show(x)}, which is not a finite number.")
    return np.array(value, dtype=np.float64)


def _check_config(values, network: dict) -> cfg.RunConfig:
    """The saved settings, strictly (:func:`nn_core.config.validate`: no silent clamping on load), and they
    must describe the saved network."""
    if not isinstance(values, dict):
        raise ExportError("The file's “config” entry must be an object.")
    known = {f.name for f in fields(cfg.RunConfig)}
    for key in values:
        if key not in known:
            raise ExportError(f"The saved config has an unknown setting {cfg.quote(key)}.")
    saved = {key: tuple(raw) if isinstance(raw, list) else raw for key, raw in values.items()}
    try:
        config = cfg.validate(cfg.RunConfig(**saved), heads=False)
        _check_matches(config, network)
        return cfg.validate(config)  # and, now that it describes the network, its head fits its data
    except cfg.SettingError as error:
        raise ExportError(f"In the saved config, {error}") from None


def _check_matches(config: cfg.RunConfig, network: dict) -> None:
    """A config that names another network than the saved weights' is a tampered file."""
    if list(config.hidden) != network["layer_sizes"][1:-1]:
        raise ExportError("The saved config's hidden layers do not match the network's layer sizes.")
    if config.output != network["output"]:
        raise ExportError("The saved config's output does not match the network's output.")
    n_hidden = len(network["layer_sizes"]) - 2
    saved = network["activation"]
    if cfg.per_layer(config, "activation") != ([saved] * n_hidden if isinstance(saved, str) else saved):
        raise ExportError("The saved config's activation does not match the network's activation.")
    rates = network["dropout"]
    if cfg.per_layer(config, "dropout") != ([rates] * n_hidden if _is_finite(rates) else rates):
        raise ExportError("The saved config's dropout does not match the network's dropout.")
    if tuple(network["features"] or RAW) != config.features:
        raise ExportError("The saved config's input features do not match the network's.")


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_finite(x) -> bool:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:  # an int too large for a float
        return False


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 30 else text[:27] + "…"
