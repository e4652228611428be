"""The command line: ``python -m nn_core train | landscape | presets | datasets``.

The setting flags of ``train`` (and of ``landscape``, which trains the same way)
are generated from ``nn_core.config.PARAMS`` (one flag per setting, ``n_samples``
→ ``--n-samples``), so the CLI, the app and the URL can never disagree on names,
ranges or defaults. Every value is checked strictly:
a bad flag, value or file prints one line on stderr and exits with status 2,
never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import textwrap

import numpy as np

from .. import config as cfg
from .. import reference
from ..analysis import landscape
from ..datasets import DATASETS, DataError, load_csv
from ..files import export
from ..heads import HEADS
from ..runs import prepare
from ..teaching.presets import PRESETS
from .notebook import DEFAULT_APP_URL, check_app_url, export_notebook
from .script import DEFAULT_LINE, default_log_every, export_script, result_lines

PROG = "python -m nn_core"
EXIT_OK, EXIT_DIVERGED, EXIT_USAGE = 0, 1, 2
MAX_PREDICTION_ROWS = 16  # the "Input | Target | Predicted" table is shown for datasets this small

TRAIN_EPILOG = f"""\
Output: the loss table in the tutorials' style (a preset prints its tutorial's own
format), then the final train (and test) accuracy, or loss for regression, then for
datasets of at most {MAX_PREDICTION_ROWS} training points a table "Input | Target | Predicted".
With --json, one JSON object per line instead: {{"type": "config"}}, one {{"type": "log"}}
per table row, and {{"type": "result"}} with the status and final metrics.

Exit status: 0 trained; 1 the loss diverged (the table ends with "diverged at epoch N"
and the weights of the last finite epoch are kept, saved and exported);
2 a bad flag, value or file (one line on stderr).

Examples:
  {PROG} train --preset seed-002
  {PROG} train --dataset spiral --hidden 16,16 --activation tanh --lr 0.3 --epochs 2000
  {PROG} train --dataset spiral --hidden 16,16 --activation relu,tanh --lr 0.1 --epochs 2000
  {PROG} train --csv points.csv --hidden 8 --optimizer adam --lr 0.01 --save run.json
  {PROG} train --preset seed-000 --export-script seed000.py
  {PROG} train --preset seed-000 --export-notebook seed000.ipynb
"""


class UsageError(Exception):
    """A bad flag, value or file: one line for stderr, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would print the usage too and exit; we want one line
        raise UsageError(f"{self.prog}: error: {message}")


# ----------------------------------------------------------------------------- parser
def flag(param: cfg.Param) -> str:
    return "--" + param.name.replace("_", "-")


def _param_help(param: cfg.Param) -> str:
    allowed = ""
    if param.kind in ("int", "float"):
        low, high = (int(param.low), int(param.high)) if param.kind == "int" else (param.low, param.high)
        allowed = f", {low:g} to {high:g}" if param.kind == "float" else f", {low} to {high}"
    default = ",".join(map(str, param.default)) if param.kind in ("widths", "names") else param.default
    text = f"{param.label}{allowed} (default: {default})."
    return f"{text} {param.help}" if param.help else text


def _metavar(param: cfg.Param) -> str:
    if param.kind == "choice":
        return "{" + ",".join(param.choices) + "}"
    if param.kind == "names":
        return "{" + ",".join(param.choices) + "},..."
    return {"int": "N", "float": "X", "widths": "W,W,..."}[param.kind]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, allow_abbrev=False,
                     description="nnplay's pure-NumPy neural-network engine from the command line.")
    commands = parser.add_subparsers(dest="command", metavar="{train,landscape,presets,datasets}")
    train = commands.add_parser(
        "train", allow_abbrev=False, help="train a network and print its loss table",
        description="Train a fully connected network and print its loss table. Explicit flags override "
                    "a --preset's settings.",
        epilog=TRAIN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    run = _add_setting_flags(train, "start from a tutorial preset's settings, table format and logging interval")
    run.add_argument("--log-every", metavar="N", help="print a table row every N epochs (default: about 10 rows)")
    run.add_argument("--save", metavar="FILE", help="save the trained network and config (.json or .npz)")
    run.add_argument("--export-script", metavar="FILE",
                     help="write a standalone NumPy script that replays this run and prints the same table")
    run.add_argument("--export-notebook", metavar="FILE",
                     help="write a Jupyter notebook (.ipynb) whose cells replay this run with NumPy alone, "
                          "ending with its final train loss")
    run.add_argument("--app-url", metavar="URL", default=DEFAULT_APP_URL,
                     help="the app's address, for the notebook's link that reopens this run in the Playground "
                          f"(default: {DEFAULT_APP_URL})")
    run.add_argument("--json", action="store_true", help="print JSON lines (config, log rows, result) instead")
    run.add_argument("--no-diagnostics", action="store_true",
                     help="skip per-layer gradient and unit-health records (faster)")
    commands.add_parser("presets", help="list the tutorial presets", description="List the tutorial presets.")
    commands.add_parser("datasets", help="list the built-in datasets", description="List the built-in datasets.")
    _add_landscape_parser(commands)
    return parser


def _add_setting_flags(command, preset_help: str) -> argparse._ArgumentGroup:
    """A command's run settings: one flag per config setting, --preset and --csv; returns the group
    "run and output" for the command's own flags."""
    groups = {name: command.add_argument_group(title) for name, title in
              (("data", "data"), ("network", "network"), ("training", "training"))}
    for param in cfg.PARAMS:
        groups[param.group].add_argument(flag(param), dest=param.name, metavar=_metavar(param),
                                         help=_param_help(param))
    run = command.add_argument_group("run and output")
    run.add_argument("--preset", metavar="{" + ",".join(PRESETS) + "}", help=preset_help)
    run.add_argument("--csv", metavar="FILE", help="train on your own CSV (columns x1, x2 and label or target)")
    return run


# ----------------------------------------------------------------------------- checking
def _config(args) -> tuple[cfg.RunConfig, set]:
    """The run's config: the preset's (or the defaults) with every explicit flag applied, strictly."""
    base = PRESETS[args.preset].config if args.preset else cfg.RunConfig()
    given = {p.name: getattr(args, p.name) for p in cfg.PARAMS if getattr(args, p.name) is not None}
    try:
        config = cfg.validate(given, base, heads=False)  # the head is fitted once the data's kind is known
    except cfg.SettingError as error:
        raise UsageError(f"{flag(error.param)}: {error.problem}") from None
    if args.csv is not None:
        if "dataset" in given and config.dataset != "csv":
            raise UsageError(f"--csv and --dataset {config.dataset} cannot be used together.")
        return config.replace(dataset="csv"), {*given, "dataset"}
    if config.dataset == "csv":
        raise UsageError("--dataset csv needs --csv FILE.")
    return config, set(given)


def _fit_output(config: cfg.RunConfig, kind: str, explicit: set) -> tuple[cfg.RunConfig, list[str]]:
    """Switch the output head to fit the problem, unless the user chose it: then it is an error."""
    fixed, fixes = cfg.reconcile(config, kind)
    if fixes and "output" in explicit:
        raise UsageError(f"--output: a {kind} problem needs --output {fixed.output}, not {config.output}.")
    return fixed, fixes


def _positive_int(raw: str, where: str) -> int:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value == round(value) and 1 <= value <= cfg.MAX_EPOCHS):
        raise UsageError(f"{where}: {cfg.quote(raw)} is not a whole number from 1 to {cfg.MAX_EPOCHS}.")
    return int(value)


def _check_output_path(path: str | None, where: str, extensions: tuple) -> None:
    if path is None:
        return
    if os.path.splitext(path)[1].lower() not in extensions:
        raise UsageError(f"{where}: {cfg.quote(os.path.basename(path), 60)} must end in {' or '.join(extensions)}.")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UsageError(f"{where}: the folder “{folder[:80]}” does not exist.")


# ----------------------------------------------------------------------------- commands
def _settings(args) -> tuple[cfg.RunConfig, object, list[str]]:
    """What the setting flags describe: the run's config (the head fitted to the data), its data when it
    comes from a CSV (else None: generated from the config), and notes on what was adjusted."""
    if args.preset is not None and args.preset not in PRESETS:
        raise UsageError(f"--preset: {cfg.quote(args.preset)} is not one of {', '.join(PRESETS)}.")
    config, explicit = _config(args)
    data = None
    if config.dataset == "csv":
        try:
            data = load_csv(args.csv, test_ratio=config.test_ratio, seed=config.data_seed)
        except DataError as error:
            raise UsageError(f"--csv: {error}") from None
    config, notes = _fit_output(config, data.kind if data else cfg.kind_of(config), explicit)
    return config, data, notes


def _train(args, out, err) -> int:
    preset = PRESETS.get(args.preset)
    config, data, notes = _settings(args)
    log_every = (_positive_int(args.log_every, "--log-every") if args.log_every is not None
                 else preset.log_every if preset else default_log_every(config.epochs))
    line = preset.line if preset else DEFAULT_LINE
    _check_output_path(args.save, "--save", (".json", ".npz"))
    _check_output_path(args.export_script, "--export-script", (".py",))
    _check_output_path(args.export_notebook, "--export-notebook", (".ipynb",))
    try:
        check_app_url(args.app_url)
    except export.ExportError as error:
        raise UsageError(f"--app-url: {error}") from None

    run = prepare(config, data, log_every=log_every, diagnostics=not args.no_diagnostics)
    notes += run.notes
    classify = HEADS[run.net.output].task == "classification"
    if args.json:
        _emit(out, {"type": "config", "preset": args.preset, "config": run.config.to_dict(),
                    "layer_sizes": run.net.layer_sizes, "log_every": log_every, "notes": notes})
    else:
        for note in notes:
            print(f"note: {note}", file=err)
    shown = 0
    for history in run.trainer.chunks(run.config.epochs, chunk=min(log_every, 1000)):
        for row in history.log[shown:]:
            if args.json:
                _emit(out, {"type": "log", **row})
            else:
                print(line.format(epoch=row["epoch"], loss=row["loss"]), file=out)
        shown = len(history.log)
        out.flush()

    history, evaluation = run.history, run.trainer.evaluate()
    if args.json:
        _emit(out, {"type": "result", "status": history.status, "epochs": run.trainer.epoch,
                    "diverged_at": history.diverged_at, **evaluation})
    else:
        if history.diverged_at is not None:
            print(history.status, file=out)
        for text in result_lines(evaluation, classify):
            print(text, file=out)
        if run.data.n_train <= MAX_PREDICTION_ROWS:
            print("\n".join(prediction_table(run)), file=out)
    _write_files(args, run, log_every, line, err)
    return EXIT_DIVERGED if history.diverged_at is not None else EXIT_OK


def prediction_table(run) -> list[str]:
    """The seed-002 tutorial's final table, for the training points."""
    X, y = run.data.X_train, run.data.y_train
    A = run.net.forward(X)
    regression = run.net.output == "linear"
    if regression:
        predicted = [f"{a:.4f}" for a in A[:, 0]]
    else:
        predicted = [str(int(p)) for p in reference.predicted_class(A)]
    targets = [f"{t:.4g}" if regression else str(int(t)) for t in y.reshape(-1)]
    rows = ["Input | Target | Predicted"]
    for x, t, p in zip(X, targets, predicted):
        point = "[" + " ".join(f"{v:g}" for v in x) + "]"
        rows.append(f"  {point}  |   {t}    |    {p}")
    return rows


def _write_files(args, run, log_every: int, line: str, err) -> None:
    try:
        if args.save:
            export.save(args.save, run.net, run.config, run.history)
            print(f"saved the network and config to {args.save}", file=err)
        if args.export_script:
            source = export_script(run.config, run.data if run.config.dataset == "csv" else None, log_every, line)
            with open(args.export_script, "w", encoding="utf-8") as f:
                f.write(source)
            print(f"wrote a standalone NumPy script to {args.export_script}", file=err)
        if args.export_notebook:
            text = export_notebook(run.config, run.data if run.config.dataset == "csv" else None, log_every, line,
                                   app_url=args.app_url)
            with open(args.export_notebook, "w", encoding="utf-8") as f:
                f.write(text)
            print(f"wrote a notebook that replays the run to {args.export_notebook}", file=err)
    except OSError as error:
        raise UsageError(f"cannot write {cfg.quote(os.path.basename(error.filename or ''), 60)}: "
                         f"{error.strerror or 'write failed'}.") from None
    except export.ExportError as error:
        raise UsageError(str(error)) from None


def _emit(out, record: dict) -> None:
    """One strict-JSON line; NaN (e.g. no test set) and inf (a landscape's overflowed loss) become null."""
    print(json.dumps(_strict(record), allow_nan=False), file=out)


def _strict(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list):
        return [_strict(v) for v in value]
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    return value


def _presets(out) -> int:
    for preset in PRESETS.values():
        print(f"{preset.name}  {preset.title}", file=out)
        for text in textwrap.wrap(preset.summary, 96):
            print(f"          {text}", file=out)
        print(f"          run: {PROG} train --preset {preset.name}", file=out)
    return EXIT_OK


def _datasets(out) -> int:
    width = max(map(len, DATASETS))
    for name, spec in DATASETS.items():
        print(f"{name:<{width}}  {spec.kind:<18}  {spec.label}: {spec.description}", file=out)
    print(f"{'csv':<{width}}  {'from the file':<18}  Your own CSV: use --csv FILE "
          "(columns x1, x2 and label or target).", file=out)
    return EXIT_OK


# ----------------------------------------------------------------------------- landscape
LANDSCAPE_EPILOG = f"""\
Output: the slice L(θ + α·d1 + β·d2) around the trained weights θ as a text heat map
(darker: higher loss), with the training path projected onto it (o) and the trained
weights (X). A projected path does not lie on the slice: the legend says how far off
the plane it gets. With --json, one JSON object instead: alphas, betas, loss (rows are
betas, columns alphas; null where the loss overflows), center and directions ([W1, b1,
W2, b2, ...] as nested lists, W n_in × n_out, b 1 × n_out), path (epoch, alpha, beta,
loss, off_plane; the loss is the snapshot's own training loss), center_loss, rows (the
training rows the slice reads, null for all), note, config (as train --json prints it)
and notes (settings adjusted to fit the data).

Exit status: as train (0 trained; 1 the loss diverged: the slice is around the weights of
the last finite epoch; 2 a bad flag, value or file).

Examples:
  {PROG} landscape
  {PROG} landscape --dataset spiral --hidden 16,16 --epochs 1000 --directions pca
  {PROG} landscape --preset seed-000 --grid 21 --span 2 --json
"""
MAX_GRID = 101
RAMP = " .:-=+*#%@"  # low loss to high
PATH_MARK, CENTER_MARK, OVERFLOW_MARK = "o", "X", "!"


def _add_landscape_parser(commands) -> None:
    command = commands.add_parser(
        "landscape", allow_abbrev=False, help="train, then print the loss landscape around the trained weights",
        description="Train a network as train does, then print a 2-D slice of its loss around the trained "
                    "weights, with the training path on it (Li et al. 2018).",
        epilog=LANDSCAPE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    run = _add_setting_flags(command, "start from a tutorial preset's settings")
    run.add_argument("--json", action="store_true", help="print one JSON object holding the slice instead")
    grid = command.add_argument_group("slice")
    grid.add_argument("--grid", metavar="N", help=f"an N × N grid, 2 to {MAX_GRID} (default: {landscape.GRID_SIZE}, "
                                                  "coarser for big networks)")
    grid.add_argument("--span", metavar="S", help="alphas = betas = linspace(-S, S, N) (default: 1 for random "
                                                  "directions; for pca, the path's reach × 1.2)")
    grid.add_argument("--directions", metavar="{" + ",".join(landscape.KINDS) + "}", default="random",
                      help="filter-normalised random directions, or the path's first two principal components "
                           "(default: random)")


def _landscape(args, out, err) -> int:
    config, data, notes = _settings(args)
    if args.directions not in landscape.KINDS:
        raise UsageError(f"--directions: {cfg.quote(args.directions)} is not one of "
                         f"{', '.join(landscape.KINDS)}.")
    size = None if args.grid is None else _whole(args.grid, "--grid", 2, MAX_GRID)
    span = None if args.span is None else _positive(args.span, "--span")
    if args.directions == "pca" and config.epochs < 2:
        raise UsageError("--directions pca: a path needs at least two snapshots; train for 2 epochs or more.")
    run = prepare(config, data, diagnostics=False)
    notes += run.notes
    if not args.json:
        for note in notes:
            print(f"note: {note}", file=err)
    run.train()
    found = slice_record(landscape.run_slice(run, args.directions, size, span))
    if args.json:
        _emit(out, {**found, "config": run.config.to_dict(), "notes": notes})
    else:
        print("\n".join(slice_map(found, args.directions)), file=out)
    return EXIT_DIVERGED if run.history.diverged_at is not None else EXIT_OK


def slice_record(found: landscape.RunSlice) -> dict:
    """The slice as --json prints it (before the config is added); arrays become nested lists."""
    path = found.path
    return {"alphas": found.alphas.tolist(), "betas": found.betas.tolist(), "loss": found.loss.tolist(),
            "center": [p.tolist() for p in found.center],
            "directions": [[p.tolist() for p in d] for d in (found.d1, found.d2)],
            "path": [{"epoch": e, "alpha": float(a), "beta": float(b), "loss": float(v), "off_plane": float(o)}
                     for e, a, b, v, o in zip(found.epochs, path.alpha, path.beta, found.path_loss, path.off_plane)],
            "center_loss": found.center_loss, "rows": None if found.plan.rows is None else found.plan.rows.tolist(),
            "note": found.plan.note()}


def slice_map(found: dict, kind: str) -> list[str]:
    """The slice as text: one character pair per grid point (RAMP, low to high; log scale when the losses
    span more than a factor landscape.LOG_RATIO), β up and α across, the path's points (o) and the trained weights (X)."""
    loss = np.array([[math.nan if v is None else v for v in row] for row in found["loss"]])
    alphas, betas = np.array(found["alphas"]), np.array(found["betas"])
    finite = loss[np.isfinite(loss)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (math.nan, math.nan)
    log = landscape.wide_range(loss)
    scaled = np.log(loss / low) / np.log(high / low) if log else (loss - low) / ((high - low) or 1.0)
    cells = [[OVERFLOW_MARK if not math.isfinite(v) else RAMP[min(len(RAMP) - 1, int(v * len(RAMP)))]
              for v in row] for row in scaled]
    for point in found["path"]:
        i, j = _nearest(betas, point["beta"]), _nearest(alphas, point["alpha"])
        if i is not None and j is not None:
            cells[i][j] = PATH_MARK
    i, j = _nearest(betas, 0.0), _nearest(alphas, 0.0)
    cells[i][j] = CENTER_MARK
    labels = {0: betas[-1], len(betas) // 2: betas[len(betas) // 2], len(betas) - 1: betas[0]}
    width = max(len(f"{v:.3g}") for v in labels.values())
    rows = [f"{'β':>{width}} ^"]
    for r, i in enumerate(range(len(betas) - 1, -1, -1)):
        label = f"{labels[r]:.3g}" if r in labels else ""
        rows.append(f"{label:>{width}} |" + "".join(c * 2 for c in cells[i]) + "|")
    first, last = f"{alphas[0]:.3g}", f"{alphas[-1]:.3g}"
    axis = first + last.rjust(max(len(last) + 1, 2 * len(alphas) - len(first)))
    rows.append(" " * (width + 2) + axis + "  α")
    path = found["path"]
    off = max(p["off_plane"] for p in path)
    what = "the path's first two principal components" if kind == "pca" else "filter-normalised random directions"
    legend = [f"Loss around the trained weights along {what}. {found['note']}",
              f"Loss from “{RAMP[0]}” {low:.4g} to “{RAMP[-1]}” {high:.4g}" + (", log scale" if log else "")
              + (f"; “{OVERFLOW_MARK}” where it overflows." if finite.size < loss.size else "."),
              f"{CENTER_MARK} the trained weights (epoch {path[-1]['epoch']}, train loss {path[-1]['loss']:.4g}); "
              f"{PATH_MARK} the training path from epoch {path[0]['epoch']}, projected: it lies up to {off:.3g} "
              "off this plane, so its losses are not the slice's."]
    return rows + [line for text in legend for line in textwrap.wrap(text, max(80, len(rows[-1])))]


def _nearest(axis: np.ndarray, value: float) -> int | None:
    """The grid index nearest ``value``, or None when it lies outside the axis."""
    step = (axis[-1] - axis[0]) / max(1, len(axis) - 1)
    if not (axis[0] - step / 2 <= value <= axis[-1] + step / 2):
        return None
    return int(np.argmin(np.abs(axis - value)))


def _whole(raw: str, where: str, low: int, high: int) -> int:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value == round(value) and low <= value <= high):
        raise UsageError(f"{where}: {cfg.quote(raw)} is not a whole number from {low} to {high}.")
    return int(value)


def _positive(raw: str, where: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise UsageError(f"{where}: {cfg.quote(raw)} is not a number above 0.")
    return value


# ----------------------------------------------------------------------------- entry point
def main(argv=None) -> int:
    """Run the CLI with ``argv`` (default: sys.argv[1:]) and return the exit status."""
    out, err = sys.stdout, sys.stderr
    command = "train"  # whose name a check's sentence is prefixed with
    try:
        args = build_parser().parse_args(argv)
        command = args.command or command
        if args.command == "train":
            return _train(args, out, err)
        if args.command == "landscape":
            return _landscape(args, out, err)
        if args.command == "presets":
            return _presets(out)
        if args.command == "datasets":
            return _datasets(out)
        raise UsageError(f"{PROG}: error: choose a command: train, landscape, presets or datasets (see {PROG} --help).")
    except UsageError as error:
        message = str(error)
        if not message.startswith(PROG):
            message = f"{PROG} {command}: error: {message}"
        print(message, file=err)
        return EXIT_USAGE
    except ValueError as error:  # the engine's own one-sentence checks
        print(f"{PROG}: error: {error}", file=err)
        return EXIT_USAGE
    except SystemExit as done:  # --help
        return done.code if isinstance(done.code, int) else EXIT_OK
    except KeyboardInterrupt:
        print("interrupted", file=err)
        return 130
    except BrokenPipeError:  # e.g. piped into `head`: stop quietly
        sys.stdout = open(os.devnull, "w")  # keeps Python's flush at exit from failing again
        return EXIT_DIVERGED
