"""The algorithm, written plainly: what a learner should read first.

A fully connected network with weights W_l (n_in, n_out) and biases b_l (1, n_out):

    forward    Z_l = A_{l-1} W_l + b_l,  A_l = f(Z_l),  A_0 = X          (n, width) each
    loss       mean (or sum) over the samples of the head's loss, + l2/2 ΣW² + l1 Σ|W|
    backward   dZ_L = A_L - Y;  dW_l = A_{l-1}ᵀ dZ_l;  db_l = Σ_i dZ_l;  dZ_{l-1} = dZ_l W_lᵀ ⊙ f'(Z_{l-1})
    update     p ← p - lr · g

Each hidden activation is a pair (f, f'); the slope f'(Z, A) reads what the forward pass kept, the output
A = f(Z) where it can (tanh' = 1 - a²) and the weighted sum Z where it must (sine' = cos z), so nothing
is recomputed. Each output is paired with its matching loss so that dL/dZ_L is A_L - Y for all of them.

``nn_core.network.MLP`` computes exactly this, faster (buffers reused, one flat parameter array; see
"Why it is fast" in its module). tests/test_reference.py proves the two equal on random networks, bit for
bit. The script export (``nn_core.programs.script``) and the Backprop page's "The code" show this file's source.
"""

import numpy as np

LEAKY_SLOPE = 0.01
ELU_ALPHA = 1.0
GELU_C, GELU_K = 0.7978845608028654, 0.044715  # sqrt(2 / pi), and the cubic term of GELU's tanh approximation


# ----------------------------------------------------------------------------- input features
# The network does not have to read the raw point (x1, x2): each input unit can be a feature of it.
# A good feature can replace depth: on the circle, x1² and x2² make the classes separable by a line.
def x1(X):
    return X[:, 0]


def x2(X):
    return X[:, 1]


def x1_sq(X):
    return X[:, 0] * X[:, 0]


def x2_sq(X):
    return X[:, 1] * X[:, 1]


def x1_x2(X):
    return X[:, 0] * X[:, 1]


def sin_x1(X):
    return np.sin(X[:, 0])


def sin_x2(X):
    return np.sin(X[:, 1])


FEATURES = {"x1": x1, "x2": x2, "x1_sq": x1_sq, "x2_sq": x2_sq, "x1_x2": x1_x2, "sin_x1": sin_x1, "sin_x2": sin_x2}


def inputs(X, features):
    """The network's input A_0: one column per feature of the points X (n, 2)."""
    return np.stack([f(X) for f in features], axis=1)


# ----------------------------------------------------------------------------- hidden activations: (f, f')
def relu(Z):
    return np.maximum(Z, 0.0)


def relu_slope(Z, A):  # 1 where the unit is on (a > 0), else 0
    return np.where(A > 0.0, 1.0, 0.0)


def leaky_relu(Z):
    return np.maximum(Z * LEAKY_SLOPE, Z)


def leaky_relu_slope(Z, A):
    return np.where(A > 0.0, 1.0, LEAKY_SLOPE)


def sigmoid(Z):
    return 1.0 / (1.0 + np.exp(-Z))


def sigmoid_slope(Z, A):
    """σ'(z) = σ(z) (1 - σ(z)) = a (1 - a)."""
    return A * (1.0 - A)


def tanh(Z):
    """tanh z = 2 / (1 + e^(-2z)) - 1: within 4e-16 of np.tanh, and faster."""
    return 2.0 / (1.0 + np.exp(Z * -2.0)) - 1.0


def tanh_slope(Z, A):
    return 1.0 - A * A


def linear(Z):
    return Z.copy()


def linear_slope(Z, A):
    return np.ones_like(A)


def elu(Z):
    """z for z > 0, ELU_ALPHA (e^z - 1) otherwise."""
    return np.where(Z > 0.0, Z, np.expm1(np.minimum(Z, 0.0)) * ELU_ALPHA)


def elu_slope(Z, A):
    """For z <= 0, a = alpha (e^z - 1), so the slope alpha e^z is a + alpha."""
    return np.where(A > 0.0, 1.0, A + ELU_ALPHA)


def softplus(Z):
    """log(1 + e^z), computed so that it never overflows."""
    return np.logaddexp(Z, 0.0)


def softplus_slope(Z, A):
    """The slope of softplus is sigmoid(z) = 1 - e^(-a)."""
    return -np.expm1(-A)


def swish(Z):
    """Swish, also called SiLU: z σ(z)."""
    return Z * sigmoid(Z)


def swish_slope(Z, A):
    """σ(z) + z σ(z) (1 - σ(z)) = a + σ(z) (1 - a): it needs z, as swish is not one-to-one."""
    return A + sigmoid(Z) * (1.0 - A)


def gelu_u(Z):
    return GELU_C * (Z + GELU_K * (Z * Z * Z))


def gelu(Z):
    """GELU, tanh approximation: ½ z (1 + tanh u) with u = c (z + k z³), written as z σ(2u) (the same)."""
    return Z * sigmoid(2.0 * gelu_u(Z))


def gelu_slope(Z, A):
    """a = z s with s = σ(2u): f'(z) = s + a (1 - s) · 2 du/dz, and du/dz = c (1 + 3k z²)."""
    S = sigmoid(2.0 * gelu_u(Z))
    return S + A * (1.0 - S) * (2.0 * GELU_C * (1.0 + 3.0 * GELU_K * Z * Z))


def sine(Z):
    return np.sin(Z)


def sine_slope(Z, A):  # cos z: the output sin z does not tell its sign
    return np.cos(Z)


ACTIVATIONS = {
    "relu": (relu, relu_slope),
    "leaky_relu": (leaky_relu, leaky_relu_slope),
    "sigmoid": (sigmoid, sigmoid_slope),
    "tanh": (tanh, tanh_slope),
    "linear": (linear, linear_slope),
    "elu": (elu, elu_slope),
    "softplus": (softplus, softplus_slope),
    "swish": (swish, swish_slope),
    "gelu": (gelu, gelu_slope),
    "sine": (sine, sine_slope),
}


# ----------------------------------------------------------------------------- outputs, each with its loss
def binary_cross_entropy(Z, Y):
    """-[y log σ(z) + (1 - y) log(1 - σ(z))] per sample, from the logits Z (no log(0), no overflow)."""
    return (np.maximum(Z, 0.0) - Z * Y + np.log1p(np.exp(-np.abs(Z)))).sum(axis=1)


def softmax(Z):
    """One probability per class; subtracting the row max avoids overflow."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def cross_entropy(Z, Y):
    """log(Σ_k e^z_k) - z_true per sample, from the logits."""
    m = Z.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(Z - m).sum(axis=1, keepdims=True)) + m
    return (Y * (log_sum - Z)).sum(axis=1)


def half_squared_error(Z, Y):
    """½ ‖a - y‖² per sample; the linear output's a is z itself."""
    return 0.5 * ((Z - Y) ** 2).sum(axis=1)


HEADS = {  # output activation, per-sample loss
    "sigmoid": (sigmoid, binary_cross_entropy),
    "softmax": (softmax, cross_entropy),
    "linear": (linear, half_squared_error),
}


# ----------------------------------------------------------------------------- deciding a class
def predicted_class(A):
    """Each row's class: one sigmoid output says 1 where p >= 0.5 (else 0), several outputs their argmax."""
    return (A[..., 0] >= 0.5).astype(np.int64) if A.shape[-1] == 1 else A.argmax(axis=-1)


# ----------------------------------------------------------------------------- the four steps
def init_params(layer_sizes, scales, seed, hidden_bias=0.0):
    """W_l = randn(n_in, n_out) · scales[l], drawn in order W1, W2, ... from one seeded generator;
    hidden biases start at hidden_bias, the output's at 0."""
    rng = np.random.RandomState(seed)
    weights, biases = [], []
    for l, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:])):
        weights.append(rng.randn(n_in, n_out) * scales[l])
        biases.append(np.full((1, n_out), hidden_bias if l < len(layer_sizes) - 2 else 0.0))
    return weights, biases


def dropout_masks(rng, n, widths, rates):
    """Inverted dropout: per hidden layer an (n, width) scale, 0 for a dropped unit (probability p) and
    1 / (1 - p) for a kept one, so each unit's expected output is unchanged; None where p is 0."""
    return [(rng.random_sample((n, w)) >= p) / (1.0 - p) if p > 0 else None for w, p in zip(widths, rates)]


def layer_input(As, masks, l):
    """What layer l + 1 reads: As[l], times its dropout mask if it has one (training only)."""
    if l == 0 or masks is None or masks[l - 1] is None:
        return As[l]
    return As[l] * masks[l - 1]


def forward(X, weights, biases, hidden, output, masks=None):
    """Every layer's Z = A_prev W + b and A = f(Z); As[0] is X. hidden: one (f, f') per hidden layer.

    masks: dropout_masks(...) while training, else None. As keeps the outputs before dropout (the slopes
    read them); layer_input applies the masks."""
    Zs, As = [], [X]
    for l, (W, b) in enumerate(zip(weights, biases)):
        Z = layer_input(As, masks, l) @ W + b
        A = hidden[l][0](Z) if l < len(hidden) else output(Z)
        Zs.append(Z)
        As.append(A)
    return Zs, As


def loss(Z, Y, sample_losses, weights, reduction="mean", l2=0.0, l1=0.0):
    """The head's loss on the output logits Z, averaged (or summed) over the samples, plus the penalty."""
    losses = sample_losses(Z, Y)
    penalty = 0.0
    for W in weights:
        if l2:
            penalty += 0.5 * l2 * float(np.sum(W * W))
        if l1:
            penalty += l1 * float(np.abs(W).sum())
    return float(losses.mean() if reduction == "mean" else losses.sum()) + penalty


def backward(Zs, As, Y, weights, hidden, reduction="mean", l2=0.0, l1=0.0, masks=None):
    """Gradients [dW1, db1, dW2, db2, ...] of the loss, from the last layer to the first.

    It reuses the forward pass's outputs As; nothing is recomputed.
    """
    n = Y.shape[0] if reduction == "mean" else 1  # a mean divides by the batch size
    grads = [None] * (2 * len(weights))
    D = As[-1] - Y  # dL/dZ at the output: A - Y, for every output and its matching loss
    for l in range(len(weights) - 1, -1, -1):
        dW = layer_input(As, masks, l).T @ D / n  # (n_in, n) @ (n, n_out): each weight's share of the error
        db = D.sum(axis=0, keepdims=True) / n
        if l2:
            dW += l2 * weights[l]  # the gradient of l2/2 ΣW²
        if l1:
            dW += l1 * np.sign(weights[l])  # the gradient of l1 Σ|W|
        grads[2 * l], grads[2 * l + 1] = dW, db
        if l > 0:  # send the error back through the weights, the dropout mask, then the activation's slope
            D = D @ weights[l].T
            if masks is not None and masks[l - 1] is not None:
                D = D * masks[l - 1]  # a dropped unit sends no error back
            D = D * hidden[l - 1][1](Zs[l - 1], As[l])
    return grads


def sgd_step(params, grads, lr):
    """Plain gradient descent, in place: p ← p - lr · g."""
    for p, g in zip(params, grads):
        p -= lr * g


def train_step(X, Y, weights, biases, hidden, head, lr, reduction="mean", l2=0.0, l1=0.0):
    """One full-batch step: forward, loss, backward, update. Returns the loss before the update."""
    output, sample_losses = head
    Zs, As = forward(X, weights, biases, hidden, output)
    value = loss(Zs[-1], Y, sample_losses, weights, reduction, l2, l1)
    grads = backward(Zs, As, Y, weights, hidden, reduction, l2, l1)
    sgd_step([p for pair in zip(weights, biases) for p in pair], grads, lr)
    return value
