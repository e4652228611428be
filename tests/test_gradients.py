"""Every activation × output head × reduction against central differences."""

import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn_core import ACTIVATIONS, HEADS, MLP
from nn_core.analysis.gradcheck import BREAKAGES, check_gradients


def _randomise_biases(net, rng):
    """Non-zero biases keep ReLU units off their kink at exactly z = 0."""
    net.set_parameters([p for W, b in zip(net.weights, net.biases) for p in (W, rng.normal(scale=0.3, size=b.shape))])


def _problem(head: str, n: int, n_out: int, rng):
    X = rng.normal(size=(n, 2))
    if head == "softmax":
        y = rng.integers(0, n_out, size=n)
    elif head == "sigmoid":
        y = rng.integers(0, 2, size=(n, n_out)).astype(float)
    else:
        y = rng.normal(size=(n, n_out))
    return X, y


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("head", list(HEADS))
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_gradient_matches_central_differences(activation, head, reduction):
    rng = np.random.default_rng(zlib.crc32(f"{activation}-{head}-{reduction}".encode()))
    n_out = 3 if head == "softmax" else 1
    sizes = [2, int(rng.integers(1, 5)), int(rng.integers(1, 5)), n_out]
    net = MLP(sizes, activation=activation, output=head, init="xavier", seed=int(rng.integers(1000)))
    _randomise_biases(net, rng)
    X, y = _problem(head, 7, n_out, rng)
    check = check_gradients(net, X, y, reduction=reduction)
    assert check.max_error < 1e-6, [(p.name, p.error) for p in check.params]


@settings(max_examples=25, deadline=None)
@given(hidden=st.lists(st.integers(1, 5), min_size=0, max_size=3),
       activation=st.sampled_from(sorted(ACTIVATIONS)), head=st.sampled_from(sorted(HEADS)),
       l2=st.sampled_from([0.0, 0.1]), l1=st.sampled_from([0.0, 0.05]), seed=st.integers(0, 10_000))
def test_gradient_random_architectures_with_regularisation(hidden, activation, head, l2, l1, seed):
    rng = np.random.default_rng(seed)
    n_out = 3 if head == "softmax" else 2
    net = MLP([2, *hidden, n_out], activation=activation, output=head, init="he", seed=seed)
    _randomise_biases(net, rng)
    X, y = _problem(head, 5, n_out, rng)
    check = check_gradients(net, X, y, l2=l2, l1=l1)
    assert check.passed, [(p.name, p.error) for p in check.params]


def test_per_layer_activations_gradient():
    net = MLP([2, 3, 4, 3, 1], activation=["tanh", "relu", "softplus"], output="sigmoid", seed=3)
    X, y = _problem("sigmoid", 6, 1, np.random.default_rng(0))
    assert check_gradients(net, X, y).passed


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_broken_backward_fails_the_check(breakage):
    net = MLP([2, 4, 1], activation="sigmoid", output="sigmoid", init="normal", seed=42)
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    y = np.array([[0], [1], [1], [0]])
    assert check_gradients(net, X, y).passed
    broken = check_gradients(net, X, y, breakage=breakage)
    assert not broken.passed
    assert broken.max_error > 1e-2


def test_drop_derivative_leaves_output_layer_right():
    net = MLP([2, 4, 1], activation="tanh", output="sigmoid", seed=1)
    X, y = _problem("sigmoid", 5, 1, np.random.default_rng(1))
    check = check_gradients(net, X, y, breakage="drop_activation_derivative")
    errors = {p.name: p.error for p in check.params}
    assert errors["W2"] < 1e-6 and errors["b2"] < 1e-6
    assert errors["W1"] > 1e-3


def test_losses_are_finite_and_silent_for_extreme_logits():
    for head in HEADS:
        n_out = 3 if head == "softmax" else 1
        net = MLP([2, n_out], output=head, activation="relu", seed=0)
        net.set_parameters([np.full_like(net.weights[0], 1e6), net.biases[0]])
        X = np.array([[1e3, -1e3], [-1e3, 1e3]])
        y = np.array([0, 1]) if head == "softmax" else np.array([[0.0], [1.0]])
        loss, grads = net.loss_and_gradients(X, y)
        if head != "linear":
            assert np.isfinite(loss)
            assert all(np.all(np.isfinite(g)) for pair in grads for g in pair)
