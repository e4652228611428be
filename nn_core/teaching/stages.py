"""One training step, broken into named stages for the teaching pages.

Every number comes from the engine itself: the forward values from
``MLP.forward_cache``, the deltas dZ and the gradients dW, db from
``MLP.backward``, the update from the SGD step the trainer uses. The stages
only copy them out and name them, so what a learner reads is what the engine
computes. Works for any depth: layer l has Z_l = A_{l-1}·W_l + b_l, A_l = f(Z_l).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..activations import derivative, get_activation
from ..heads import get_head
from ..network import MLP

PHASES = ("forward", "loss", "backward", "update")

OUTPUT_LATEX = {  # the output head's activation, written for a stage equation
    "sigmoid": r"\sigma(Z_{L}) = \frac{1}{1 + e^{-Z_{L}}}",
    "softmax": r"\operatorname{softmax}(Z_{L})_k = \frac{e^{Z_{Lk}}}{\sum_j e^{Z_{Lj}}}",
    "linear": r"Z_{L}",
}


@dataclass(frozen=True)
class Stage:
    """One step of the lesson.

    ``arrays`` are (name, value) pairs, the stage's result first; ``reuses``
    names the forward-pass values (cached, not recomputed) that it reads.
    """

    key: str  # "Z1", "A1", ..., "loss", "dZ2", ..., "update"
    phase: str  # one of PHASES
    title: str
    latex: str
    arrays: tuple
    reuses: tuple
    explanation: str

    @property
    def result(self) -> np.ndarray:
        return self.arrays[0][1]


def _sub(template: str, **names) -> str:
    """Fill {l}, {p} placeholders in a LaTeX template without fighting its braces."""
    for key, value in names.items():
        template = template.replace("{" + key + "}", str(value))
    return template


def training_step(net: MLP, X, y, lr: float, reduction: str = "mean") -> list[Stage]:
    """The stages of one full-batch SGD step on (X, y); ``net`` itself is not changed.

    X : (n, n_in); y as the network's targets accept it. Returns forward stages
    (Z_l, A_l per layer), the loss, backward stages (dZ_L, then dW_l, db_l,
    dA_{l-1}, dZ_{l-1} walking down) and the update.
    """
    X = net.inputs(X)
    Y = net.targets(y)
    n, L = X.shape[0], net.n_layers
    with np.errstate(all="ignore"):
        cache = net.forward_cache(X)
        Z = [z.copy() for z in cache.Z]
        A = [X.copy()] + [a.copy() for a in cache.A[1:]]
        losses = net.sample_losses(cache, Y).reshape(-1, 1)
        loss = float(losses.mean() if reduction == "mean" else losses.sum())
        net.backward(cache, Y, reduction)
        dZ = [d.copy() for d in cache.D]
        dW = [g.copy() for g in cache.dW]
        db = [g.copy() for g in cache.db]
    head = get_head(net.output)
    scale = r"\frac{1}{n}" if reduction == "mean" else ""
    per = f"averaged over the n = {n} samples" if reduction == "mean" else f"summed over the n = {n} samples"
    stages = []
    for l in range(1, L + 1):
        prev = "X" if l == 1 else f"A{l - 1}"
        W, b = net.weights[l - 1], net.biases[l - 1]
        stages.append(Stage(
            f"Z{l}", "forward", f"Layer {l}: weighted sums",
            _sub(r"Z_{l} = {prev}\,W_{l} + b_{l}", l=l, prev=_tex(prev)),
            ((f"Z{l}", Z[l - 1]), (prev, A[l - 1]), (f"W{l}", W.copy()), (f"b{l}", b.copy())), (),
            f"Each of the {Z[l - 1].shape[1]} units of layer {l} adds up its inputs times its weights, plus its "
            f"bias: one row per sample, one column per unit."))
        if l < L:
            act = get_activation(net.hidden_activations[l - 1])
            stages.append(Stage(
                f"A{l}", "forward", f"Layer {l}: activation ({act.label})",
                _sub(r"A_{l} = f(Z_{l}),\quad f(z) = ", l=l) + act.latex,
                ((f"A{l}", A[l]), (f"Z{l}", Z[l - 1])), (),
                f"{act.label} bends each weighted sum; the result is kept in the cache because the backward pass "
                f"needs it."))
        else:
            stages.append(Stage(
                f"A{l}", "forward", f"Output: {head.label.split(' + ')[0]}",
                _sub(r"A_{l} = ", l=l) + _sub(OUTPUT_LATEX[head.name], L=l),
                ((f"A{l}", A[l]), (f"Z{l}", Z[l - 1])), (),
                "The network's prediction for each sample" +
                (", a probability." if head.name != "linear" else ", a number.")))
    stages.append(Stage(
        "loss", "loss", f"Loss: {head.loss_name}",
        head.loss_latex if reduction == "mean" else head.loss_latex.replace(r"\frac{1}{n}", ""),
        (("loss", np.array([[loss]])), ("per-sample loss", losses), (f"A{L}", A[L]), ("Y", Y)), (f"A{L}",),
        f"One number that says how wrong the predictions are ({'mean' if reduction == 'mean' else 'sum'} of the "
        f"per-sample losses). Training lowers it."))
    stages.append(Stage(
        f"dZ{L}", "backward", "Error at the output",
        _sub(r"dZ_{L} = \frac{\partial L_i}{\partial Z_{L}} = A_{L} - Y", L=L),
        ((f"dZ{L}", dZ[L - 1]), (f"A{L}", A[L]), ("Y", Y)), (f"A{L}",),
        f"The {head.loss_name} loss is paired with its output so that the error signal is simply prediction "
        f"minus target."))
    for l in range(L, 0, -1):
        prev = "X" if l == 1 else f"A{l - 1}"
        stages.append(Stage(
            f"dW{l}", "backward", f"Gradient of W{l}",
            _sub(r"dW_{l} = {s}\,{prev}^{\top} dZ_{l}", l=l, s=scale, prev=_tex(prev)),
            ((f"dW{l}", dW[l - 1]), (prev, A[l - 1]), (f"dZ{l}", dZ[l - 1])), (prev,),
            f"How the loss changes with each weight of layer {l}: inputs times errors, {per}."))
        stages.append(Stage(
            f"db{l}", "backward", f"Gradient of b{l}",
            _sub(r"db_{l} = {s}\sum_{i} dZ_{l}[i]", l=l, s=scale),
            ((f"db{l}", db[l - 1]), (f"dZ{l}", dZ[l - 1])), (),
            f"A bias feeds its unit with weight 1, so its gradient is the unit's error, {per}."))
        if l > 1:
            act = get_activation(net.hidden_activations[l - 2])
            W = net.weights[l - 1]
            with np.errstate(all="ignore"):
                dA = np.dot(dZ[l - 1], W.T)  # the engine's own product
            slope = derivative(act.name, A[l - 1], Z[l - 2])
            stages.append(Stage(
                f"dA{l - 1}", "backward", f"Error sent back to layer {l - 1}",
                _sub(r"dA_{k} = dZ_{l}\,W_{l}^{\top}", k=l - 1, l=l),
                ((f"dA{l - 1}", dA), (f"dZ{l}", dZ[l - 1]), (f"W{l}", W.copy())), (),
                f"Each unit of layer {l - 1} receives the errors of the units it feeds, weighted by the same "
                f"weights the forward pass used."))
            stages.append(Stage(
                f"dZ{l - 1}", "backward", f"Through the activation of layer {l - 1}",
                _sub(r"dZ_{k} = dA_{k} \odot f'(Z_{k}),\quad f'(z) = ", k=l - 1) + act.derivative_latex,
                ((f"dZ{l - 1}", dZ[l - 2]), (f"dA{l - 1}", dA), (f"f'(Z{l - 1})", slope)),
                (f"Z{l - 1}",) if act.reads_z else (f"A{l - 1}",),
                f"The chain rule multiplies by the slope of {act.label} at each unit, computed from the cached "
                + ("weighted sum z" if act.reads_z else "output a = f(z)") + ", so nothing is recomputed."))
    stages.append(_update_stage(net, dW, db, lr))
    return stages


def _update_stage(net: MLP, dW: list, db: list, lr: float) -> Stage:
    """new W_l = W_l − η dW_l (the trainer's SGD step, same arithmetic); arrays per layer:
    new W, W, dW, new b, b, db."""
    arrays = []
    for l, (W, b, gW, gb) in enumerate(zip(net.weights, net.biases, dW, db), start=1):
        arrays += [(f"new W{l}", W - lr * gW), (f"W{l}", W.copy()), (f"dW{l}", gW),
                   (f"new b{l}", b - lr * gb), (f"b{l}", b.copy()), (f"db{l}", gb)]
    return Stage(
        "update", "update", "Gradient-descent update",
        _sub(r"W_{l} \leftarrow W_{l} - \eta\, dW_{l},\quad b_{l} \leftarrow b_{l} - \eta\, db_{l},"
             r"\quad \eta = {lr}", lr=f"{lr:g}"),
        tuple(arrays), (),
        "Every weight takes a small step against its gradient, downhill on the loss. Then the next step begins.")


def _tex(name: str) -> str:
    """A1 -> A_{1} for LaTeX; X stays X."""
    return name if len(name) == 1 else f"{name[0]}_{{{name[1:]}}}"


def stage_keys(n_layers: int) -> list[str]:
    """The stage keys for a network of ``n_layers`` weight layers, in order."""
    keys = [k for l in range(1, n_layers + 1) for k in (f"Z{l}", f"A{l}")] + ["loss", f"dZ{n_layers}"]
    for l in range(n_layers, 0, -1):
        keys += [f"dW{l}", f"db{l}"] + ([f"dA{l - 1}", f"dZ{l - 1}"] if l > 1 else [])
    return keys + ["update"]
