"""MLP: shapes, validation, forward passes, initialisation and per-layer activations."""

import math

import numpy as np
import pytest

from nn_core import ACTIVATIONS, MLP, Trainer

X = np.random.default_rng(0).normal(size=(7, 2))


@pytest.mark.parametrize("sizes", [[2, 1], [2, 4, 1], [2, 5, 3, 3], [3, 256, 2], [2] + [1] * 8 + [1]])
def test_shapes(sizes):
    net = MLP(sizes, output="softmax" if sizes[-1] > 1 else "sigmoid", seed=1)
    assert net.n_layers == len(sizes) - 1
    assert [W.shape for W in net.weights] == list(zip(sizes[:-1], sizes[1:]))
    assert [b.shape for b in net.biases] == [(1, s) for s in sizes[1:]]
    assert net.n_parameters() == sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    Xn = np.random.default_rng(1).normal(size=(5, sizes[0]))
    assert [A.shape for A in net.layer_outputs(Xn)] == [(5, s) for s in sizes[1:]]
    assert net.forward(Xn).shape == (5, sizes[-1])
    assert len(net.parameters()) == 2 * net.n_layers


def test_zero_to_eight_hidden_layers_allowed():
    assert MLP([2, 1]).hidden_activations == ()
    assert len(MLP([2] + [3] * 8 + [1]).hidden_activations) == 8
    with pytest.raises(ValueError, match="At most 8 hidden layers"):
        MLP([2] + [3] * 9 + [1])


def test_width_limits():
    MLP([2, 256, 1])
    for bad in ([2, 257, 1], [2, 0, 1], [2, 4, -1]):
        with pytest.raises(ValueError, match="1 to 256 units"):
            MLP(bad)
    for bad in ([2], "abc", None, [2, "x", 1]):
        with pytest.raises(ValueError):
            MLP(bad)


def test_bad_names_list_the_valid_ones():
    with pytest.raises(ValueError) as info:
        MLP([2, 3, 1], activation="mish")
    assert "mish" in str(info.value)
    for name in ACTIVATIONS:
        assert name in str(info.value)
    with pytest.raises(ValueError, match="sigmoid.*softmax.*linear"):
        MLP([2, 3, 1], output="tanh")
    with pytest.raises(ValueError, match="normal.*xavier.*he"):
        MLP([2, 3, 1], init="uniform")
    with pytest.raises(ValueError, match="softmax output needs at least 2"):
        MLP([2, 3, 1], output="softmax")


def test_one_activation_per_hidden_layer():
    with pytest.raises(ValueError, match="2 needed, 1 given"):
        MLP([2, 3, 3, 1], activation=["tanh"])


@pytest.mark.parametrize("output", ["sigmoid", "softmax", "linear"])
def test_forward_equals_last_layer_output_and_cache(output):
    net = MLP([2, 6, 5, 3], activation="tanh", output=output, seed=3)
    outputs = net.layer_outputs(X)
    assert np.array_equal(net.forward(X), outputs[-1])
    assert np.array_equal(net.predict(X), outputs[-1])
    with np.errstate(all="ignore"):
        cache = net.forward_cache(X)
    for A, cached in zip(outputs, cache.A[1:]):
        assert np.array_equal(A, cached)
    # layer_outputs hands out fresh arrays, never the reusable buffers.
    outputs[-1][...] = 0.0
    assert not np.array_equal(net.forward(X), outputs[-1])


def test_softmax_rows_sum_to_one_even_for_huge_logits():
    net = MLP([2, 4, 5], activation="relu", output="softmax", seed=2)
    P = net.forward(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert np.all(P > 0)
    *hidden, W, b = net.parameters()
    net.set_parameters([*hidden, W * 1e6, b])
    P = net.forward(X * 1e3)
    assert np.all(np.isfinite(P))
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=1e-12)


def test_sigmoid_output_is_a_probability():
    net = MLP([2, 4, 1], activation="relu", output="sigmoid", seed=2)
    P = net.forward(X * 1e4)
    assert P.shape == (7, 1)
    assert np.all((P >= 0) & (P <= 1))


def test_parameters_are_read_only_views_that_only_training_and_set_parameters_change():
    net = MLP([2, 3, 1], activation="tanh", output="sigmoid", seed=0)
    assert not any(p.flags.writeable for p in net.parameters())
    with pytest.raises(ValueError, match="read-only"):
        net.weights[0][0, 0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        net.biases[0] += 1.0
    before = [p.copy() for p in net.parameters()]
    Trainer(net, X, (X[:, :1] > 0).astype(float), lr=0.5).run(3)
    assert not np.array_equal(before[0], net.weights[0])  # the engine's own updates still land
    net.set_parameters(before)
    assert all(np.array_equal(a, b) for a, b in zip(before, net.parameters()))
    with pytest.raises(ValueError, match=r"Expected 4 arrays shaped"):
        net.set_parameters(before[:3])


def test_copy_is_independent():
    net = MLP([2, 4, 3, 1], activation=["tanh", "relu"], init="xavier", init_scale=0.5, seed=9, bias_init=0.1)
    W1 = net.weights[0].copy()
    W1[0, 0] = 42.0
    net.set_parameters([W1, *net.parameters()[1:]])
    clone = net.copy()
    assert clone.config() == net.config()
    for a, b in zip(net.parameters(), clone.parameters()):
        assert np.array_equal(a, b) and a is not b
    W1, b1, W2, b2, W3, b3 = clone.parameters()
    clone.set_parameters([np.zeros_like(W1), b1, W2, np.full_like(b2, 7.0), W3, b3])
    assert net.weights[0][0, 0] == 42.0
    assert not np.any(net.biases[1] == 7.0)
    assert not np.array_equal(net.forward(X), clone.forward(X))


def test_repr_and_config():
    net = MLP([2, 4, 1], activation="sigmoid", output="sigmoid", seed=0)
    assert repr(net) == "MLP(2-4-1, hidden=sigmoid, output=sigmoid, params=17)"
    assert repr(MLP([2, 1])) == "MLP(2-1, hidden=none, output=sigmoid, params=3)"
    assert repr(MLP([2, 3, 3, 1], activation=["tanh", "relu"])).startswith("MLP(2-3-3-1, hidden=tanh/relu,")
    assert net.config() == {"layer_sizes": [2, 4, 1], "activation": "sigmoid", "output": "sigmoid", "init": "he",
                            "init_scale": None, "seed": 0, "bias_init": 0.0, "dropout": 0.0,
                            "features": None}


def test_normal_init_is_the_tutorials_randn():
    net = MLP([2, 4, 1], activation="sigmoid", init="normal", init_scale=0.1, seed=42)
    np.random.seed(42)
    W1 = np.random.randn(2, 4) * 0.1
    W2 = np.random.randn(4, 1) * 0.1
    assert np.array_equal(net.weights[0], W1)
    assert np.array_equal(net.weights[1], W2)
    assert all(np.array_equal(b, np.zeros_like(b)) for b in net.biases)


def test_weights_are_drawn_layer_by_layer_in_order():
    sizes = [2, 5, 3, 4, 2]
    net = MLP(sizes, activation="tanh", output="softmax", init="normal", seed=7)
    np.random.seed(7)
    for W, (a, b) in zip(net.weights, zip(sizes[:-1], sizes[1:])):
        assert np.array_equal(W, np.random.randn(a, b))


@pytest.mark.parametrize("init, std", [("xavier", lambda a, b: math.sqrt(2.0 / (a + b))),
                                       ("he", lambda a, b: math.sqrt(2.0 / a)),
                                       ("normal", lambda a, b: 1.0)])
@pytest.mark.parametrize("scale", [None, 0.5])
def test_init_scale_factors(init, std, scale):
    sizes = [2, 6, 3, 1]
    net = MLP(sizes, activation="relu", init=init, init_scale=scale, seed=11)
    rng = np.random.RandomState(11)
    for W, (a, b) in zip(net.weights, zip(sizes[:-1], sizes[1:])):
        assert np.array_equal(W, rng.randn(a, b) * (std(a, b) * (1.0 if scale is None else scale)))


def test_different_seeds_differ_same_seed_repeats():
    a, b, c = MLP([2, 4, 1], seed=1), MLP([2, 4, 1], seed=1), MLP([2, 4, 1], seed=2)
    assert np.array_equal(a.weights[0], b.weights[0])
    assert not np.array_equal(a.weights[0], c.weights[0])


def test_bias_init_shifts_hidden_layers_only():
    net = MLP([2, 3, 3, 1], bias_init=-2.0)
    assert np.all(net.biases[0] == -2.0) and np.all(net.biases[1] == -2.0)
    assert np.all(net.biases[2] == 0.0)


def test_per_layer_activations():
    net = MLP([2, 4, 4, 4, 1], activation=["tanh", "relu", "sigmoid"], output="linear", seed=5, bias_init=0.1)
    assert net.hidden_activations == ("tanh", "relu", "sigmoid")
    assert net.activation == ["tanh", "relu", "sigmoid"]
    A1, A2, A3, out = net.layer_outputs(X)
    W, b = net.weights, net.biases
    assert np.allclose(A1, np.tanh(X @ W[0] + b[0]), rtol=0, atol=1e-15)  # tanh via exp: within 4e-16
    assert np.array_equal(A2, np.maximum(A1 @ W[1] + b[1], 0.0))
    assert np.array_equal(A3, 1 / (1 + np.exp(-(A2 @ W[2] + b[2]))))
    assert np.array_equal(out, A3 @ W[3] + b[3])
    assert MLP([2, 3, 3, 1], activation=["relu", "relu"]).activation == "relu"


def test_bad_input_shape_is_one_sentence():
    net = MLP([2, 3, 1])
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        net.forward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="rows"):
        net.loss_and_gradients(np.zeros((4, 2)), [0, 1, 1])


def test_loss_and_gradients_returns_copies():
    net = MLP([2, 3, 1], activation="tanh", seed=0)
    y = np.array([0, 1, 1, 0, 1, 0, 1])
    loss, grads = net.loss_and_gradients(X, y)
    assert math.isfinite(loss) and loss == net.loss(X, y)
    assert [(dW.shape, db.shape) for dW, db in grads] == [((2, 3), (1, 3)), ((3, 1), (1, 1))]
    saved = [dW.copy() for dW, _ in grads]
    net.loss_and_gradients(X * 2, 1 - y)
    assert all(np.array_equal(a, dW) for a, (dW, _) in zip(saved, grads))
    _, summed = net.loss_and_gradients(X, y, reduction="sum")
    np.testing.assert_allclose(summed[0][0], grads[0][0] * len(y), rtol=1e-12)


def test_tanh_is_within_4e16_of_numpy_and_saturates_exactly():
    """nnplay computes tanh through exp (faster on CPUs without a SIMD tanh): this is the price, bounded."""
    from nn_core.activations import apply

    z = np.concatenate([np.linspace(-400.0, 400.0, 200_001), [-1e300, 1e300, 0.0]])
    a = apply("tanh", z.reshape(-1, 1)).ravel()
    assert np.max(np.abs(a - np.tanh(z))) <= 4.5e-16
    assert a[-3] == -1.0 and a[-2] == 1.0 and a[-1] == 0.0
    assert np.all(np.abs(a) <= 1.0)
