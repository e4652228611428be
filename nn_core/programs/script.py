"""Export a run as one standalone Python file that needs only NumPy.

The generated script trains the same network, from the same seed, on the same
data, and prints the same loss table as the engine, digit for digit. For that
it performs the engine's floating-point operations in the engine's order
(sigmoid as 1 / (1 + exp(-z)), the mean taken after the matmul, p -= lr·g, ...).

Its algorithm is ``nn_core.reference``'s own source (``inspect.getsource``): the
activation pairs, the output and loss, init, forward and backward that its run
uses, and for a classifier the decision rule and accuracy; then small per-name snippets for the targets and
the optimizer. It is generated from validated values only: names are checked against the
registries, numbers are written with ``repr(float(x))`` or ``int(x)``, and the
one free-form string (the table line format) is checked and embedded with
``repr``. No user text reaches the code unescaped.
"""

from __future__ import annotations

import inspect
import string
import textwrap
from dataclasses import dataclass

import numpy as np

from .. import reference
from ..activations import ACTIVATIONS
from ..config import RunConfig, SettingError, validate
from ..datasets import Dataset
from ..features import RAW
from ..files.export import ExportError
from ..heads import HEADS
from ..initializers import get_initializer
from ..network import DROPOUT_STREAM
from ..optimizers import OPTIMIZERS, make_optimizer
from ..runs import prepare
from ..teaching.presets import PRESETS

DEFAULT_LINE = "Epoch {epoch:5d} | Loss: {loss:.6f}"
RESULT_LINES = {  # what the engine's CLI and the script print after the table
    "classification": ("Train accuracy: {train:.2%}", "Test accuracy: {test:.2%}"),
    "regression": ("Train loss: {train:.6g}", "Test loss: {test:.6g}"),
}
MAX_LINE = 120
PREAMBLE = '''import numpy as np

# exp(-z) overflows to inf for very negative z, and 1 / (1 + inf) = 0 is still the right answer;
# a diverging run is caught from its loss instead. So NumPy's warnings are switched off.
np.seterr(all="ignore")
'''  # the code's first lines, before the settings


@dataclass(frozen=True)
class Snippet:
    """Source code for one registry entry, and the engine constants it uses.

    ``constants`` pairs a NAME used in ``code`` with the attribute of the engine's
    optimizer instance that holds its value (the activations' constants are
    ``reference``'s own, listed in ACTIVATION_CONSTANTS).
    """

    code: str
    constants: tuple = ()


ACTIVATION_CONSTANTS = {"leaky_relu": ("LEAKY_SLOPE",), "elu": ("ELU_ALPHA",), "gelu": ("GELU_C", "GELU_K")}
ACTIVATION_HELPERS = {"swish": ("sigmoid",), "gelu": ("sigmoid", "gelu_u")}  # reference functions its pair calls

HEAD_CODE: dict[str, Snippet] = {
    "sigmoid": Snippet('''
def targets(y):
    """Labels 0/1 as a column: shape (n, 1)."""
    return np.asarray(y, dtype=np.float64).reshape(-1, 1)
'''),
    "softmax": Snippet('''
def targets(y):
    """Integer labels 0..K-1 as one-hot rows: shape (n, K)."""
    Y = np.zeros((len(y), LAYER_SIZES[-1]))
    Y[np.arange(len(y)), y] = 1.0
    return Y
'''),
    "linear": Snippet('''
def targets(y):
    """Regression targets as a column: shape (n, 1)."""
    return np.asarray(y, dtype=np.float64).reshape(-1, 1)
'''),
}

ACCURACY_CODE = '''

def accuracy(A, Y):
    """The fraction of samples whose predicted class is the target's (Y: a 0/1 column or one-hot rows)."""
    return int(np.count_nonzero(predicted_class(A) == predicted_class(Y))) / A.shape[0]
'''

OPTIMIZER_CODE: dict[str, Snippet] = {
    "sgd": Snippet('''
def step(params, grads, lr, state):
    """Plain gradient descent, in place: p <- p - lr * g."""
    for p, g in zip(params, grads):
        p -= g * lr
'''),
    "momentum": Snippet('''
def step(params, grads, lr, state):
    """Momentum: a velocity remembers past steps, v <- MOMENTUM v - lr g, then p <- p + v."""
    if not state:
        state["velocity"] = [np.zeros_like(p) for p in params]
    for p, g, v in zip(params, grads, state["velocity"]):
        v *= MOMENTUM
        v -= g * lr
        p += v
''', (("MOMENTUM", "momentum"),)),
    "nesterov": Snippet('''
def step(params, grads, lr, state):
    """Nesterov momentum: v <- MOMENTUM v - lr g, then step along the look-ahead MOMENTUM v - lr g."""
    if not state:
        state["velocity"] = [np.zeros_like(p) for p in params]
    for p, g, v in zip(params, grads, state["velocity"]):
        v *= MOMENTUM
        v -= g * lr
        p += MOMENTUM * v - g * lr
''', (("MOMENTUM", "momentum"),)),
    "rmsprop": Snippet('''
def step(params, grads, lr, state):
    """RMSProp: divide each step by a running root-mean-square of its gradients."""
    if not state:
        state["square"] = [np.zeros_like(p) for p in params]
    for p, g, s in zip(params, grads, state["square"]):
        s *= RHO
        s += (1.0 - RHO) * g * g
        p -= g / (np.sqrt(s) + EPS) * lr
''', (("RHO", "rho"), ("EPS", "eps"))),
    "adam": Snippet('''
def step(params, grads, lr, state):
    """Adam: running means of g (m) and g^2 (v), corrected for their start at zero."""
    if not state:
        state.update(t=0, m=[np.zeros_like(p) for p in params], v=[np.zeros_like(p) for p in params])
    state["t"] += 1
    correction1 = 1.0 - BETA1 ** state["t"]
    correction2 = 1.0 - BETA2 ** state["t"]
    for p, g, m, v in zip(params, grads, state["m"], state["v"]):
        m *= BETA1
        m += (1.0 - BETA1) * g
        v *= BETA2
        v += (1.0 - BETA2) * g * g
        p -= m / (np.sqrt(v / correction2) + EPS) * (lr / correction1)
''', (("BETA1", "beta1"), ("BETA2", "beta2"), ("EPS", "eps"))),
}

assert set(reference.ACTIVATIONS) == set(ACTIVATIONS), "a hidden activation has no reference pair"
assert set(reference.HEADS) == set(HEADS), "an output head has no reference pair"
assert set(HEAD_CODE) == set(HEADS), "an output head has no script snippet"
assert set(OPTIMIZER_CODE) == set(OPTIMIZERS), "an optimizer has no script snippet"


def default_log_every(epochs: int) -> int:
    """About ten table rows."""
    return max(1, int(epochs) // 10)


def preset_for(config: RunConfig):
    """The preset whose settings are exactly ``config``, or None."""
    return next((p for p in PRESETS.values() if p.config == config), None)


def result_lines(evaluation: dict, classify: bool) -> list[str]:
    """The lines printed after the table, from ``Trainer.evaluate()``'s dict."""
    train_fmt, test_fmt = RESULT_LINES["classification" if classify else "regression"]
    key = "accuracy" if classify else "loss"
    lines = [train_fmt.format(train=evaluation[f"train_{key}"])]
    if f"test_{key}" in evaluation:
        lines.append(test_fmt.format(test=evaluation[f"test_{key}"]))
    return lines


# ----------------------------------------------------------------------------- validation
def check_config(config: RunConfig, what: str = "script") -> RunConfig:
    """The config, strictly valid (:func:`nn_core.config.validate`), before any of it is written into code.
    ``what`` names the export in the sentence that refuses it ("script" or "notebook")."""
    if not isinstance(config, RunConfig):
        raise ExportError(f"The {what} export needs a RunConfig.")
    try:
        return validate(config)
    except SettingError as error:
        raise ExportError(f"{str(error).rstrip('.')}; that is not a valid setting, so no {what} was written.") \
            from None


def check_line(line: str) -> str:
    """A table-line format may use only {epoch} and {loss} with plain number formats."""
    if not isinstance(line, str) or not 0 < len(line) <= MAX_LINE or "\n" in line or "\r" in line:
        raise ExportError(f"The table line format must be one line of at most {MAX_LINE} characters.")
    try:
        parts = list(string.Formatter().parse(line))
        fields = {name for _, name, spec, conv in parts if name is not None}
        specs_ok = all(conv is None and "{" not in (spec or "") for _, name, spec, conv in parts if name is not None)
        line.format(epoch=0, loss=0.5)
    except (ValueError, KeyError, IndexError, AttributeError, TypeError):
        fields, specs_ok = set(), False
    if not specs_ok or "loss" not in fields or not fields <= {"epoch", "loss"}:
        raise ExportError("The table line format may only use {epoch} and {loss}, e.g. "
                          "“Epoch {epoch:5d} | Loss: {loss:.4f}”.")
    return line


def _check_data(data, what: str) -> Dataset:
    if not isinstance(data, Dataset):
        raise ExportError(f"The {what} export needs an nn_core Dataset.")
    if not all(np.isfinite(a).all() for a in (data.X_train, data.y_train, data.X_test, data.y_test)):
        raise ExportError(f"The data holds NaN or infinite values, so no {what} was written.")
    return data


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


# ----------------------------------------------------------------------------- generation
def export_script(config: RunConfig, data: Dataset | None = None, log_every: int | None = None,
                  line: str | None = None) -> str:
    """The source of one Python file (NumPy its only import) that replays this run.

    ``data`` defaults to the config's built-in dataset; ``log_every`` and
    ``line`` default to the preset's when ``config`` is a preset's, else to
    about ten rows of :data:`DEFAULT_LINE`.
    """
    return script_parts(config, data, log_every, line).source()


def script_parts(config: RunConfig, data: Dataset | None = None, log_every: int | None = None,
                 line: str | None = None, what: str = "script") -> ScriptParts:
    """The sections of :func:`export_script`'s file, from checked values, for any export that shows the
    same code (the notebook lays them out as cells). ``what`` names that export in its refusals."""
    config = check_config(config, what)
    preset = preset_for(config)
    line = check_line(line if line is not None else (preset.line if preset else DEFAULT_LINE))
    if log_every is None:
        log_every = preset.log_every if preset else default_log_every(config.epochs)
    if not _is_int(log_every) or log_every < 1:
        raise ExportError("log_every must be a whole number of epochs, at least 1.")
    if data is None and config.dataset == "csv":
        raise ExportError(f"A CSV run needs its data to export a {what}.")
    run = prepare(config, _check_data(data, what) if data is not None else None)
    return ScriptParts(run, int(log_every), line)


class ScriptParts:
    """The script's sections, each a piece of source, from a prepared (validated) run.

    :meth:`source` joins them into the script; the training loop and the report
    are written at the left margin (:meth:`training_loop`, :meth:`report`), and
    the script indents them into its ``main()``.
    """

    def __init__(self, run, log_every: int, line: str):
        self.config, self.data, self.net, self.trainer = run.config, run.data, run.net, run.trainer
        self.log_every, self.line = log_every, line
        self.classify = HEADS[self.net.output].task == "classification"
        self.full_batch = self.trainer.batch_size >= self.data.n_train
        self.has_test = self.data.n_test > 0

    def source(self) -> str:
        sections = [self.header(), self.settings(), self.data_section(), *self.feature_section(),
                    self.activation_section(),
                    self.head_section(), self.network_section(), self.optimizer_section(),
                    self.training_section()]
        return "\n\n".join(s.strip("\n") + "\n" for s in sections)

    # --------------------------------------------------------------- pieces
    def header(self) -> str:
        return f'''"""{self.title()}: a standalone export from nnplay.

{self.summary()}

Every operation runs in the same order as in nnplay's engine, so this file prints
the same loss table, digit for digit. Run it with:  python this_file.py
"""

{PREAMBLE}'''

    def title(self) -> str:
        sizes = "-".join(str(int(s)) for s in self.net.layer_sizes)
        return f"Train a {sizes} network with NumPy alone"

    def summary(self) -> str:
        """The run in four or five lines: network, training and data (the embedded data follows them)."""
        c, net = self.config, self.net
        hidden = ", ".join(net.hidden_activations) or "none"
        batch = "full batch" if self.full_batch else f"mini-batches of {int(self.trainer.batch_size)}"
        data = "your CSV data" if c.dataset == "csv" else f"the {c.dataset} dataset"
        return f"""{self._inputs_line()}Hidden activations: {hidden}. Output: {HEADS[net.output].label}.
Training: {self.trainer.optimizer_name}, learning rate {float(c.lr)!r}, {batch}, {int(c.epochs)} epochs,
{c.reduction} of the per-sample gradients, weight seed {int(c.seed)}.
Data: {data}, {self.data.n_train} training and {self.data.n_test} test points, embedded below."""

    def settings(self) -> str:
        c, net = self.config, self.net
        spec = get_initializer(net.init)
        scale = 1.0 if net.init_scale is None else float(net.init_scale)
        factors = [repr(float(spec.std(a, b) * scale)) for a, b in zip(net.layer_sizes[:-1], net.layer_sizes[1:])]
        lines = [
            "# ----------------------------------------------------------------------------- settings",
            f"SEED = {int(c.seed)}",
            f"LAYER_SIZES = {[int(s) for s in net.layer_sizes]!r}  # inputs, hidden layers..., outputs",
            f"# Initial weights: randn(n_in, n_out) * scale, drawn layer by layer (init {net.init!r}, "
            f"init_scale {scale!r}).",
            f"WEIGHT_SCALES = [{', '.join(factors)}]",
            f"HIDDEN_BIAS = {float(net.bias_init)!r}  # starting bias of the hidden units (output biases start at 0)",
            f"LR = {float(c.lr)!r}",
            f"EPOCHS = {int(c.epochs)}",
        ]
        if not self.full_batch:
            lines.append(f"BATCH_SIZE = {int(self.trainer.batch_size)}")
        if c.lr_decay:
            lines.append(f"LR_DECAY = {float(c.lr_decay)!r}  # lr = LR / (1 + LR_DECAY * epoch)")
        lines.append(f"REDUCTION = {c.reduction!r}  # of the per-sample gradients: 'mean' or 'sum'")
        lines.append(f"L2 = {float(c.l2)!r}  # adds L2 / 2 * sum(W^2) to the loss")
        lines.append(f"L1 = {float(c.l1)!r}  # adds L1 * sum(|W|) to the loss")
        if self.net.dropping:
            lines.append(f"DROPOUT = {[float(p) for p in self.net.dropout]!r}  # per hidden layer, in training steps only")
        lines.append(f"LOG_EVERY = {int(self.log_every)}")
        lines.append(f"LINE = {self.line!r}")
        result = RESULT_LINES["classification" if self.classify else "regression"]
        lines.append(f"RESULT_LINES = ({result[0]!r}, {result[1]!r})")
        for used in dict.fromkeys(net.hidden_activations):
            lines += [f"{name} = {float(getattr(reference, name))!r}" for name in ACTIVATION_CONSTANTS.get(used, ())]
        optimizer = make_optimizer(self.trainer.optimizer_name, [np.zeros(1)], momentum=c.momentum)
        lines += [f"{name} = {float(getattr(optimizer, attr))!r}"
                  for name, attr in OPTIMIZER_CODE[self.trainer.optimizer_name].constants]
        return "\n".join(lines)

    def data_section(self) -> str:
        d = self.data
        parts = ["# ----------------------------------------------------------------------------- data",
                 "# Inputs X have shape (n, 2); y holds " +
                 ("integer class labels." if self.classify else "the regression targets."),
                 _matrix("X_train", d.X_train), _vector("y_train", d.y_train, self.classify)]
        if self.has_test:
            parts += [_matrix("X_test", d.X_test), _vector("y_test", d.y_test, self.classify)]
        return "\n".join(parts)

    def _inputs_line(self) -> str:
        names = self.net.features
        return "" if names in (None, RAW) else f"Input features: {', '.join(names)}.\n"

    def feature_section(self) -> list[str]:
        """The input features' functions and the data mapped through them once; nothing for raw (x1, x2)."""
        names = self.net.features
        if names in (None, RAW):
            return []
        functions = [getattr(reference, name) for name in names] + [reference.inputs]
        code = "\n\n\n".join(_source(f) for f in functions)
        mapped = "\n".join(f"{split} = inputs({split}, FEATURES)" for split in
                           (("X_train", "X_test") if self.has_test else ("X_train",)))
        return ["# ----------------------------------------------------------------------------- input features\n"
                + code + f"\n\n\nFEATURES = [{', '.join(names)}]  # one input unit each\n" + mapped + "\n"]

    def activation_section(self) -> str:
        names = self.net.hidden_activations
        code = "\n\n\n".join(_source(f) for f in self._activation_functions())
        pairs = ", ".join(f"({name}, {name}_slope)" for name in names)
        return ("# ----------------------------------------------------------------------------- hidden activations\n"
                "# Each is a pair (f, f'), the slope f' written through the output A = f(Z).\n"
                + code + "\n\n\n# (f, f') for each hidden layer, first to last\n" + f"HIDDEN = [{pairs}]\n")

    def _activation_functions(self) -> list:
        """The reference functions the hidden layers use, each once: helpers first, then each (f, f')."""
        names = dict.fromkeys(self.net.hidden_activations)
        helpers = [getattr(reference, h) for name in names for h in ACTIVATION_HELPERS.get(name, ())]
        return list(dict.fromkeys(helpers + [f for name in names for f in reference.ACTIVATIONS[name]]))

    def head_section(self) -> str:
        output, sample_losses = reference.HEADS[self.net.output]
        shared = output in self._activation_functions()
        code = "\n\n\n".join(([] if shared else [_source(output)]) + [_source(sample_losses)])
        return ("# ----------------------------------------------------------------------------- output and loss\n"
                + code + "\n\n\n" + f"HEAD = ({output.__name__}, {sample_losses.__name__})  "
                "# output activation, per-sample loss\n\n" + HEAD_CODE[self.net.output].code + self._decision())

    def _decision(self) -> str:
        """How a classifier's outputs become classes, and its accuracy: the rule the engine and the app use."""
        if not self.classify:
            return ""
        return "\n\n" + _source(reference.predicted_class) + "\n" + ACCURACY_CODE

    def network_section(self) -> str:
        functions = [reference.init_params] + ([reference.dropout_masks] if self.net.dropping else [])
        functions += [reference.layer_input, reference.forward, reference.backward]
        return ("# ----------------------------------------------------------------------------- network\n"
                + "\n\n\n".join(_source(f) for f in functions))

    def optimizer_section(self) -> str:
        return ("# ----------------------------------------------------------------------------- optimizer\n"
                + OPTIMIZER_CODE[self.trainer.optimizer_name].code)

    def training_section(self) -> str:
        """The script's ``main()``: the training loop, then the report, one indent in."""
        body = textwrap.indent(self.training_loop() + "\n" + self.report(), "    ")
        return ("# ----------------------------------------------------------------------------- training\n"
                "def main():\n" + body + '\n\nif __name__ == "__main__":\n    main()\n')

    def training_loop(self) -> str:
        """Initialise the weights and train EPOCHS epochs, printing a table row every LOG_EVERY; at the margin."""
        lr = "LR / (1.0 + LR_DECAY * epoch)" if self.config.lr_decay else "LR"
        if self.full_batch and self.net.dropping:
            update = '''    masks = dropout_masks(dropout_rng, n, LAYER_SIZES[1:-1], DROPOUT)  # this step's dropped units
    Zs, As = forward(X_train, weights, biases, HIDDEN, HEAD[0], masks)
    grads = backward(Zs, As, Y_train, weights, HIDDEN, REDUCTION, L2, L1, masks)  # 2. backward pass
    step(params, grads, lr, state)  # 3. update the weights in place
'''
        elif self.full_batch:
            update = '''    grads = backward(Zs, As, Y_train, weights, HIDDEN, REDUCTION, L2, L1)  # 2. backward pass
    step(params, grads, lr, state)  # 3. update the weights in place
'''
        else:
            update = '''    order = shuffle.permutation(n)  # a new seeded shuffle every epoch
    for start in range(0, n, BATCH_SIZE):
        idx = order[start:start + BATCH_SIZE]
{draw}        Z_batch, A_batch = forward(X_train[idx], weights, biases, HIDDEN, HEAD[0]{masks})
        grads = backward(Z_batch, A_batch, Y_train[idx], weights, HIDDEN, REDUCTION, L2, L1{masks})  # 2. backward pass on the batch
        step(params, grads, lr, state)  # 3. update the weights in place
'''
            drops = self.net.dropping
            update = update.replace("{draw}", "        masks = dropout_masks(dropout_rng, len(idx), LAYER_SIZES[1:-1], "
                                              "DROPOUT)  # this step's dropped units\n" if drops else "")
            update = update.replace("{masks}", ", masks" if drops else "")
        shuffle = "shuffle = np.random.RandomState(SEED)  # the mini-batch order\n" if not self.full_batch else ""
        if self.net.dropping:
            shuffle += (f"dropout_rng = np.random.RandomState([SEED, {DROPOUT_STREAM}])  "
                        "# the dropout masks' own stream\n")
        return f'''weights, biases = init_params(LAYER_SIZES, WEIGHT_SCALES, SEED, HIDDEN_BIAS)
params = [p for pair in zip(weights, biases) for p in pair]  # [W1, b1, W2, b2, ...]
Y_train = targets(y_train)
n = X_train.shape[0]
state = {{}}  # the optimizer's memory, if it has one
{shuffle}previous = [p.copy() for p in params]
for epoch in range(EPOCHS):
    # 1. Forward pass on all training points. The loss printed is measured before this epoch's update.
    Zs, As = forward(X_train, weights, biases, HIDDEN, HEAD[0])
    loss = float(HEAD[1](Zs[-1], Y_train).sum()) / n  # the mean sample loss (the penalty is not printed)
    if not np.isfinite(loss):
        print(f"diverged at epoch {{epoch}}")
        if epoch > 0:  # go back to the weights of the last epoch whose loss was finite
            for p, saved in zip(params, previous):
                p[...] = saved
        break
    if epoch % LOG_EVERY == 0:
        print(LINE.format(epoch=epoch, loss=loss))
    for p, saved in zip(params, previous):
        saved[...] = p
    lr = {lr}
{update}'''

    def report(self) -> str:
        """The lines printed after the table: train (and test) accuracy, or loss for regression; at the margin."""
        if self.classify:
            report = "_, As = forward(X_train, weights, biases, HIDDEN, HEAD[0])\n" \
                     "print(RESULT_LINES[0].format(train=accuracy(As[-1], Y_train)))\n"
            if self.has_test:
                report += "_, As = forward(X_test, weights, biases, HIDDEN, HEAD[0])\n" \
                          "print(RESULT_LINES[1].format(test=accuracy(As[-1], targets(y_test))))\n"
        else:
            report = "Zs, _ = forward(X_train, weights, biases, HIDDEN, HEAD[0])\n" \
                     "print(RESULT_LINES[0].format(train=float(HEAD[1](Zs[-1], Y_train).mean())))\n"
            if self.has_test:
                report += "Zs, _ = forward(X_test, weights, biases, HIDDEN, HEAD[0])\n" \
                          "print(RESULT_LINES[1].format(test=float(HEAD[1](Zs[-1], targets(y_test)).mean())))\n"
        return report


def _source(function) -> str:
    """A reference function's source, as the file holds it."""
    return inspect.getsource(function).strip("\n")


def _matrix(name: str, X: np.ndarray) -> str:
    rows = "".join(f"    [{', '.join(repr(float(v)) for v in row)}],\n" for row in X.tolist())
    return f"{name} = np.array([\n{rows}]).reshape(-1, {int(X.shape[1])})"


def _vector(name: str, y: np.ndarray, labels: bool) -> str:
    values = [str(int(v)) if labels else repr(float(v)) for v in np.asarray(y).reshape(-1).tolist()]
    lines = [", ".join(values[i:i + 10]) for i in range(0, len(values), 10)]
    body = "".join(f"    {line},\n" for line in lines)
    dtype = "np.int64" if labels else "np.float64"
    return f"{name} = np.array([\n{body}], dtype={dtype})"
