"""A run's configuration, declared once.

:class:`RunConfig` is the single table of every setting: each field carries its
default, label, group, range or choices (imported from the modules that enforce
them); ``PARAMS`` is read from it. The CLI flags, the app's sidebar, the
shareable URL and the presets are all driven from it. Parsing is lenient and clamped: a bad value
falls back to its default with one clear sentence, never an exception.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace

from . import features as feature_registry
from .activations import ACTIVATIONS
from .datasets import DATASETS, DEPENDS_ON_CLASSES, MAX_CLASSES, N_RANGE, NOISE_RANGE, TEST_RATIO_RANGE
from .heads import HEADS, HEADS_FOR_KIND
from .initializers import INITIALIZERS
from .network import MAX_DROPOUT, MAX_HIDDEN_LAYERS, MAX_WIDTH
from .optimizers import OPTIMIZERS

DATASET_NAMES = (*DATASETS, "csv")
MAX_EPOCHS = 100_000
MAX_SEED = 2**31 - 1
MAX_STRING = 200  # longer query values are rejected before any parsing


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "int" | "float" | "choice" | "widths" | "names" (a set of choices, at least one)
    default: object
    label: str
    group: str  # "data" | "network" | "training"
    low: float | None = None
    high: float | None = None
    choices: tuple = ()
    log: bool = False  # shown on a log scale
    help: str = ""
    per_layer: bool = False  # one value for every hidden layer, or a list with one per layer
    widget: str = ""  # the app's control, when not the kind's own (e.g. "zero_log": 0, then a log scale)
    step: float | None = None  # a slider's step, when not a hundredth of the range
    applies: Callable[[RunConfig], bool] | None = None  # when it matters; the sidebar greys it out otherwise
    labels: Callable[[object], str] = str  # how a choice is shown

    def applies_to(self, config: RunConfig) -> bool:
        return self.applies is None or self.applies(config)


class SettingError(ValueError):
    """One setting that is not valid. ``str(error)`` is one sentence; ``problem`` is the same sentence
    without the setting's label, for a caller that names the setting its own way (the CLI, by its flag)."""

    def __init__(self, param: Param | None, problem: str):
        super().__init__(f"{param.label}: {problem}" if param else problem)
        self.param, self.problem = param, problem


def setting(default, label: str, group: str, low: float | None = None, high: float | None = None, *,
            choices: tuple = (), **more):
    """A RunConfig field that carries its row of the table; the name and kind come from the field."""
    tuple_kind = "names" if choices else "widths"  # a set of choices, or a list of numbers
    kind = tuple_kind if isinstance(default, tuple) else "choice" if choices else type(default).__name__
    row = Param("", kind, default, label, group, low, high, tuple(choices), **more)
    return field(default=default, metadata={"param": row})


def _generated(c: RunConfig) -> bool:
    return c.dataset in DATASETS and not DATASETS[c.dataset].fixed


def _split(c: RunConfig) -> bool:
    return c.dataset == "csv" or _generated(c)


def _uses_classes(c: RunConfig) -> bool:
    return c.dataset in DATASETS and DATASETS[c.dataset].uses_classes


def _uses_momentum(c: RunConfig) -> bool:
    return OPTIMIZERS[c.optimizer].uses_momentum


def _label_of(registry: Mapping, **more: str) -> Callable[[object], str]:
    return lambda name: more[name] if name in more else registry[name].label


@dataclass(frozen=True)
class RunConfig:
    """Every setting of a run, one line each: the table that the CLI flags, the sidebar, the URL, the
    presets, the saved runs and the exported script are all read from."""

    dataset: str = setting(
        "xor_cloud", "Dataset", "data", choices=DATASET_NAMES, labels=_label_of(DATASETS, csv="Your CSV file…"),
        help="The points to learn from. Pick 'Your CSV file…' to upload columns x1, x2 and label (or target).")
    n_samples: int = setting(200, "Samples", "data", *N_RANGE, applies=_generated,
                             help="How many points to generate (train + test).")
    noise: float = setting(0.1, "Noise", "data", *NOISE_RANGE, step=0.01, applies=_generated,
                           help="Std of the Gaussian noise added to the inputs.")
    test_ratio: float = setting(0.2, "Test ratio", "data", *TEST_RATIO_RANGE, step=0.05, applies=_split,
                                help="Share of the points held out to test the network; they are never trained on.")
    data_seed: int = setting(0, "Data seed", "data", 0, MAX_SEED, applies=_split,
                             help="Seed of the random points: the same seed always gives the same data.")
    classes: int = setting(3, "Classes", "data", 2, MAX_CLASSES, applies=_uses_classes,
                           help="Number of classes for blobs and the K-arm spiral.")
    features: tuple = setting(
        feature_registry.RAW, "Input features", "network", choices=tuple(feature_registry.FEATURES),
        labels=_label_of(feature_registry.FEATURES),
        help="What the input units read from a point, one unit per feature, e.g. x1_sq,x2_sq (at least one). "
             "A good feature can replace depth: on the circle, x₁² and x₂² need no hidden layer at all.")
    hidden: tuple = setting(
        (4, 4), "Hidden layers", "network", 1, MAX_WIDTH,
        help="Each hidden layer is a row of units; more units and layers can bend the boundary more. "
             f"Width of each hidden layer, e.g. 4,4 (0 to {MAX_HIDDEN_LAYERS} layers).")
    activation: str | tuple = setting(
        "tanh", "Activation", "network", choices=tuple(ACTIVATIONS), per_layer=True, widget="activations",
        labels=_label_of(ACTIVATIONS),
        help="The non-linearity applied by every hidden unit. One name for every hidden layer, or one per layer, "
             "e.g. relu,tanh.")
    output: str = setting("sigmoid", "Output / loss", "network", choices=tuple(HEADS), labels=_label_of(HEADS),
                          help="The output unit and the loss it is trained with; chosen to fit the data.")
    init: str = setting("xavier", "Init", "network", choices=tuple(INITIALIZERS), labels=_label_of(INITIALIZERS))
    init_scale: float = setting(1.0, "Init scale", "network", 1e-3, 10.0, log=True)
    bias_init: float = setting(0.0, "Hidden bias init", "network", -10.0, 10.0, step=0.1)
    seed: int = setting(0, "Weight seed", "network", 0, MAX_SEED,
                        help="Seed of the initial weights: same seed, same starting network, same run.")
    dropout: float | tuple = setting(
        0.0, "Dropout", "network", 0.0, MAX_DROPOUT, per_layer=True, widget="rates", step=0.05,
        help="Share of each hidden layer's units switched off at every training step (inverted dropout), "
             "one rate for every layer or one per layer, e.g. 0.5,0. Evaluation and pictures never drop.")
    lr: float = setting(0.3, "Learning rate", "training", 1e-4, 10.0, log=True,
                        help="How big a step each update takes. Too large and the loss explodes; too small and it "
                             "crawls.")
    epochs: int = setting(300, "Epochs", "training", 1, MAX_EPOCHS,
                          help="The epoch budget: a new run plays until this epoch and pauses. Press Play again "
                               "to go on.")
    batch_size: int = setting(0, "Batch size", "training", 0, 5000,
                              help="Points per update; 0 means all of them (full batch).")
    optimizer: str = setting("sgd", "Optimizer", "training", choices=tuple(OPTIMIZERS), labels=_label_of(OPTIMIZERS))
    momentum: float = setting(0.9, "Momentum", "training", 0.0, 0.999, step=0.01,
                              applies=_uses_momentum)
    l2: float = setting(0.0, "L2", "training", 0.0, 1.0, widget="zero_log",
                        help="Penalty on large weights (weight decay); 0 switches it off.")
    l1: float = setting(0.0, "L1", "training", 0.0, 1.0, widget="zero_log")
    lr_decay: float = setting(0.0, "LR decay", "training", 0.0, 1.0, widget="zero_log",
                              help="lr / (1 + decay · epoch).")
    reduction: str = setting("mean", "Gradient reduction", "training", choices=("mean", "sum"),
                             labels={"mean": "mean over the batch", "sum": "sum over the batch"}.get)

    def replace(self, **changes) -> RunConfig:
        return replace(self, **changes)

    def to_dict(self) -> dict:
        data = asdict(self)
        for name, value in data.items():
            if isinstance(value, tuple):
                data[name] = list(value)
        return data


PARAMS: tuple[Param, ...] = tuple(replace(f.metadata["param"], name=f.name) for f in fields(RunConfig))
PARAM_BY_NAME = {p.name: p for p in PARAMS}


def coerce(param: Param, raw) -> object:
    """One value of ``param`` from a string or a Python value; SettingError with a sentence if invalid."""
    if isinstance(raw, str):
        raw = raw.strip()
        if len(raw) > MAX_STRING:
            raise SettingError(param, "the value is too long.")
    if param.per_layer:
        return _per_layer(param, raw)
    return _one(param, raw)


def _one(param: Param, raw) -> object:
    if param.kind == "choice":
        value = str(raw).lower() if isinstance(raw, str) else raw
        if value not in param.choices:
            raise SettingError(param, f"{_show(raw)} is not one of {', '.join(map(str, param.choices))}.")
        return value
    if param.kind == "widths":
        return _widths(param, raw)
    if param.kind == "names":
        return _names(param, raw)
    if isinstance(raw, bool):
        raise SettingError(param, f"{_show(raw)} is not a number.")
    try:
        number = float(raw)
    except (TypeError, ValueError):
        raise SettingError(param, f"{_show(raw)} is not a number.") from None
    except OverflowError:  # an int too large for a float, e.g. 10**400 from a JSON file
        raise SettingError(param, f"{_show(raw)} is not a finite number.") from None
    if not math.isfinite(number):
        raise SettingError(param, f"{_show(raw)} is not a finite number.")
    if param.kind == "int":
        if number != round(number):
            raise SettingError(param, f"{_show(raw)} is not a whole number.")
        number = int(round(number))
    return number


def _per_layer(param: Param, raw) -> object:
    """One value (every layer), or a tuple of one per layer from "relu,tanh" or a JSON list."""
    if isinstance(raw, str):
        parts = [p.strip() for p in raw.split(",")]
        if len(parts) == 1:
            return _one(param, parts[0])
    elif isinstance(raw, (list, tuple)):
        parts = list(raw)
    else:
        return _one(param, raw)
    if not parts or len(parts) > MAX_HIDDEN_LAYERS:
        raise SettingError(param, f"give one value, or a list of 1 to {MAX_HIDDEN_LAYERS}, one per hidden layer.")
    return tuple(_one(param, part) for part in parts)


def clamp(param: Param, value):
    """``value`` moved into the param's range (each width, for hidden layers; each layer's value)."""
    if param.per_layer and isinstance(value, tuple):
        return tuple(clamp(replace(param, per_layer=False), v) for v in value)
    if param.kind in ("int", "float"):
        return type(value)(min(max(value, param.low), param.high))
    if param.kind == "widths":
        return tuple(int(min(max(w, param.low), param.high)) for w in value)
    return value


def _widths(param: Param, raw) -> tuple:
    if isinstance(raw, str):
        parts = [p for p in raw.replace(" ", "").split(",") if p != ""]
    elif isinstance(raw, (list, tuple)):
        parts = list(raw)
    else:
        raise SettingError(param, f"{_show(raw)} is not a list of widths such as 4,4.")
    if len(parts) > MAX_HIDDEN_LAYERS:
        raise SettingError(param, f"at most {MAX_HIDDEN_LAYERS} hidden layers.")
    widths = []
    for part in parts:
        try:
            if isinstance(part, bool):
                raise TypeError
            width = float(part)
        except (TypeError, ValueError, OverflowError):
            raise SettingError(param, f"{_show(raw)} is not a list of widths such as 4,4.") from None
        if not math.isfinite(width) or width != round(width):
            raise SettingError(param, f"{_show(raw)} is not a list of whole numbers.")
        widths.append(int(width))
    return tuple(widths)


def _names(param: Param, raw) -> tuple:
    """A non-empty set of choices from "x1_sq,x2_sq" or a JSON list, in the choices' order."""
    if isinstance(raw, str):
        parts = [p.strip().lower() for p in raw.split(",") if p.strip()]
    elif isinstance(raw, (list, tuple)):
        parts = list(raw)
    else:
        raise SettingError(param, f"{_show(raw)} is not a list of names such as {','.join(param.default)}.")
    if not parts:
        raise SettingError(param, "choose at least one.")
    for part in parts:
        if part not in param.choices:
            raise SettingError(param, f"{_show(part)} is not one of {', '.join(param.choices)}.")
    return tuple(c for c in param.choices if c in parts)


def quote(text, limit: int = 40) -> str:
    """A user's text as a short, single-line quotation for a message: “text”, non-printables as �."""
    text = "".join(c if c.isprintable() else "�" for c in str(text))
    return f"“{text}”" if len(text) <= limit else f"“{text[:limit - 3]}…”"


def _show(raw) -> str:
    """A user's value (text, or any Python value as its repr) quoted for a message."""
    return quote(raw if isinstance(raw, str) else repr(raw))


def parse(values: Mapping, base: RunConfig | None = None) -> tuple[RunConfig, list[str]]:
    """A RunConfig from loose values (query params, JSON); invalid ones keep ``base``'s.

    Returns the config and the warnings, one sentence each. :func:`validate` is the strict twin.
    """
    config = base or RunConfig()
    changes, warnings = {}, []
    for key, raw in values.items():
        param = PARAM_BY_NAME.get(key)
        if param is None:
            problem, fallback = f"Unknown setting {_show(key)}.", " It was ignored."
        else:
            try:
                value = coerce(param, raw)
                clamped = clamp(param, value)
                changes[key] = clamped
                problem = None if clamped == value else (
                    f"{param.label}: {_show(raw)} is outside {range_text(param, '…')}.")
                fallback = f" Using {_show(_query_value(param, clamped))} instead."
            except ValueError as error:
                problem, fallback = str(error), " Using the default."
        if problem:
            warnings.append(problem + fallback)
    config = replace(config, **changes)
    config, fixes = reconcile(config)
    return config, warnings + fixes


def validate(values: Mapping | RunConfig, base: RunConfig | None = None, *, heads: bool = True) -> RunConfig:
    """The config ``values`` spell, checked strictly: nothing is clamped or guessed, and the first problem
    raises :class:`SettingError`. Where nothing may be guessed (CLI flags, a saved run, the exported
    script) this is the one check, and the fuzz tests' oracle.

    Settings not in ``values`` come from ``base``. A RunConfig must also hold each value in its field's
    own type (no "4" for a width). With ``heads`` the output must fit the data (the CLI checks that
    itself, once a CSV has told it the kind).
    """
    if isinstance(values, RunConfig):
        for param in PARAMS:
            problem = _type_problem(param, getattr(values, param.name))
            if problem:
                raise SettingError(param, problem)
        values = {param.name: getattr(values, param.name) for param in PARAMS}
    changes = {}
    for key, raw in values.items():
        param = PARAM_BY_NAME.get(key)
        if param is None:
            raise SettingError(None, f"Unknown setting {_show(key)}.")
        value = coerce(param, raw)
        if clamp(param, value) != value:
            what = "every width must be a whole number from" if param.kind == "widths" else f"{_show(raw)} is outside"
            raise SettingError(param, f"{what} {range_text(param)}.")
        changes[key] = value
    config = replace(base or RunConfig(), **changes)
    for param, problem in layer_problems(config):
        raise SettingError(param, problem.removeprefix(f"{param.label}: "))
    kind = kind_of(config)
    if heads and kind and config.output not in HEADS_FOR_KIND[kind]:
        raise SettingError(PARAM_BY_NAME["output"],
                           f"a {kind} problem needs {HEADS_FOR_KIND[kind][0]}, not {config.output}.")
    return fit_layers(config)[0]


def _type_problem(param: Param, value) -> str | None:
    """Why a RunConfig's own value is not of its field's type, or None."""
    if param.per_layer and isinstance(value, tuple):
        return next(filter(None, (_type_problem(replace(param, per_layer=False), v) for v in value)), None)
    if param.kind == "choice":
        ok = isinstance(value, str) and value in param.choices
        return None if ok else f"{_show(value)} is not one of {', '.join(map(str, param.choices))}."
    if param.kind == "names":
        ok = isinstance(value, tuple) and value == _names(param, list(value)) if value else False
        return None if ok else f"{_show(value)} is not a list of one or more of {', '.join(param.choices)}."
    if param.kind == "widths":
        ok = isinstance(value, tuple) and all(type(w) is int for w in value)
        return None if ok else f"{_show(value)} is not a list of whole numbers such as 4,4."
    if isinstance(value, str):
        return "must be a number, not text."
    number = (int,) if param.kind == "int" else (int, float)
    return None if isinstance(value, number) and not isinstance(value, bool) else f"{_show(value)} is not a number."


def _fmt(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def range_text(param: Param, between: str = " to ") -> str:
    """The param's range for a message: "0.0001 to 10", "0 to 2147483647" (ints never as 2.14748e+09)."""
    return f"{_fmt(param.low)}{between}{_fmt(param.high)}"


def kind_of(config: RunConfig) -> str | None:
    """"binary", "multiclass" or "regression" for a built-in dataset; None for a CSV,
    whose kind is known only once the file is read."""
    spec = DATASETS.get(config.dataset)
    if spec is None:
        return None
    if spec.kind == DEPENDS_ON_CLASSES:
        return "binary" if config.classes == 2 else "multiclass"
    return spec.kind


def layer_problems(config: RunConfig) -> list[tuple[Param, str]]:
    """(param, sentence) for each per-layer list whose length is not the number of hidden layers."""
    n = len(config.hidden)
    problems = []
    for param in PARAMS:
        value = getattr(config, param.name)
        if param.per_layer and isinstance(value, tuple) and len(value) != n:
            layers = f"{n} hidden layer{'s' * (n != 1)}"
            problems.append((param, f"{param.label}: {len(value)} values for {layers}; give one value for every "
                                    f"layer, or one per layer."))
    return problems


def fit_layers(config: RunConfig) -> tuple[RunConfig, list[str]]:
    """Per-layer lists of the wrong length fall back to their first value, for every layer; a list whose
    values are all equal becomes that one value (so a config has one spelling)."""
    changes, fixes = {}, []
    for param, problem in layer_problems(config):
        first = getattr(config, param.name)[0]
        changes[param.name] = first
        fixes.append(f"{problem} Using {_show(_query_value(param, first))} for every layer.")
    for param in PARAMS:
        value = changes.get(param.name, getattr(config, param.name))
        if param.per_layer and isinstance(value, tuple) and len(value) and len(set(value)) == 1:
            changes[param.name] = value[0]
    return (replace(config, **changes) if changes else config), fixes


def per_layer(config: RunConfig, name: str) -> list:
    """The setting ``name`` as one value per hidden layer."""
    value = getattr(config, name)
    return list(value) if isinstance(value, tuple) else [value] * len(config.hidden)


def reconcile(config: RunConfig, kind: str | None = None) -> tuple[RunConfig, list[str]]:
    """Make per-layer lists fit the hidden layers (:func:`fit_layers`) and the output head fit the
    problem: regression needs linear, K > 2 classes softmax."""
    config, layer_fixes = fit_layers(config)
    config, output_fixes = _fit_output(config, kind)
    return config, layer_fixes + output_fixes


def _fit_output(config: RunConfig, kind: str | None) -> tuple[RunConfig, list[str]]:
    kind = kind or kind_of(config)
    if kind is None:
        return config, []
    wanted = HEADS_FOR_KIND[kind]
    if config.output in wanted:
        return config, []
    fixed = replace(config, output=wanted[0])
    return fixed, [f"A {kind} problem needs a {wanted[0]} output; switched from {config.output}."]


def to_query(config: RunConfig, base: RunConfig | None = None) -> dict[str, str]:
    """The settings that differ from ``base`` (the defaults, or a lesson's start), as URL-ready strings."""
    out = {}
    for param in PARAMS:
        value = getattr(config, param.name)
        if value != (param.default if base is None else getattr(base, param.name)):
            out[param.name] = _query_value(param, value)
    return out


def _query_value(param: Param, value) -> str:
    if param.kind in ("widths", "names") or isinstance(value, tuple):
        return ",".join(_query_value(replace(param, kind="choice"), v) for v in value)
    return repr(value) if isinstance(value, float) else str(value)  # repr round-trips a float exactly


def layer_sizes(config: RunConfig, n_classes: int) -> list[int]:
    """[n_features, *hidden, n_out]: one output per class for softmax, else one."""
    n_out = max(2, n_classes) if config.output == "softmax" else 1
    return [len(config.features), *config.hidden, n_out]
