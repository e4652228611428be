"""The engine computes exactly what nn_core/reference.py writes plainly: forward, loss, backward and the
update, on random networks, for every activation × head × reduction, with and without L1/L2."""

import inspect
import itertools

import numpy as np
import pytest

from nn_core import ACTIVATIONS, HEADS, MLP, Trainer, heads, metrics, reference
from nn_core.activations import ELU_ALPHA, GELU_C, GELU_K, LEAKY_SLOPE, apply, derivative

CASES = list(itertools.product(sorted(ACTIVATIONS), sorted(HEADS), ("mean", "sum"), ((0.0, 0.0), (0.01, 0.003))))


def _problem(activation, head, seed):
    rng = np.random.RandomState(seed)
    n_out = 3 if head == "softmax" else int(rng.randint(1, 3)) if head == "linear" else 1
    sizes = [2, *rng.randint(1, 7, size=rng.randint(1, 4)), n_out]
    hidden = [activation] + list(rng.choice(sorted(ACTIVATIONS), size=len(sizes) - 3))  # mixed layers too
    net = MLP(sizes, activation=hidden, output=head, init="xavier", seed=seed, bias_init=0.1)
    n = int(rng.randint(1, 20))
    X = rng.randn(n, 2) * 2
    if head == "softmax":
        Y = np.eye(n_out)[rng.randint(0, n_out, size=n)]
    elif head == "sigmoid":
        Y = rng.randint(0, 2, size=(n, 1)).astype(float)
    else:
        Y = rng.randn(n, n_out)
    return net, X, Y


def _reference_of(net):
    weights = [W.copy() for W in net.weights]
    biases = [b.copy() for b in net.biases]
    hidden = [reference.ACTIVATIONS[name] for name in net.hidden_activations]
    return weights, biases, hidden, reference.HEADS[net.output]


def _bits(arrays):
    return [np.asarray(a, dtype=np.float64).tobytes() for a in arrays]


@pytest.mark.parametrize("activation, head, reduction, penalty", CASES)
def test_engine_equals_the_reference_bit_for_bit(activation, head, reduction, penalty):
    l2, l1 = penalty
    for seed in range(3):
        net, X, Y = _problem(activation, head, seed)
        weights, biases, hidden, (output, sample_losses) = _reference_of(net)

        Zs, As = reference.forward(X, weights, biases, hidden, output)
        with np.errstate(all="ignore"):
            cache = net.forward_cache(X)
        assert _bits(cache.Z) == _bits(Zs) and _bits(cache.A[1:]) == _bits(As[1:])

        loss, grads = net.loss_and_gradients(X, Y, reduction, l2, l1)
        assert loss == reference.loss(Zs[-1], Y, sample_losses, weights, reduction, l2, l1)
        expected = reference.backward(Zs, As, Y, weights, hidden, reduction, l2, l1)
        assert _bits(g for pair in grads for g in pair) == _bits(expected)

        # One update: the Trainer's SGD step on its flat array against reference.train_step.
        Trainer(net, X, Y, lr=0.1, reduction=reduction, l2=l2, l1=l1, diagnostics=False, snapshots=0).run(1)
        reference.train_step(X, Y, weights, biases, hidden, (output, sample_losses), 0.1, reduction, l2, l1)
        assert _bits(net.parameters()) == _bits(p for pair in zip(weights, biases) for p in pair)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_each_activation_pair_is_the_engines_in_place_pair(name):
    Z = np.concatenate([np.linspace(-40, 40, 801), [-800.0, -1e-300, 0.0, 1e-300, 800.0]]).reshape(-1, 1)
    f, slope = reference.ACTIVATIONS[name]
    with np.errstate(all="ignore"):
        A = f(Z)
        assert apply(name, Z).tobytes() == A.tobytes()
        assert derivative(name, A, Z).tobytes() == slope(Z, A).tobytes()


def test_central_differences_agree_with_each_reference_slope():
    Z = np.linspace(-3, 3, 61).reshape(-1, 1) + 0.013  # off ReLU's corner
    for name, (f, slope) in reference.ACTIVATIONS.items():
        numeric = (f(Z + 1e-6) - f(Z - 1e-6)) / 2e-6
        np.testing.assert_allclose(slope(Z, f(Z)), numeric, atol=1e-6, err_msg=name)


def test_gelu_is_the_tanh_approximation_and_swish_and_sine_their_textbook_forms():
    Z = np.linspace(-8, 8, 161)
    np.testing.assert_allclose(reference.gelu(Z), 0.5 * Z * (1 + np.tanh(np.sqrt(2 / np.pi) * (Z + 0.044715 * Z**3))),
                               rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(reference.swish(Z), Z / (1 + np.exp(-Z)), rtol=1e-15, atol=1e-300)
    assert reference.GELU_C == np.sqrt(2 / np.pi)
    assert reference.sine(Z).tobytes() == np.sin(Z).tobytes()


def test_slopes_that_need_z_say_so():
    with pytest.raises(ValueError, match="needs the weighted sums Z"):
        derivative("sine", np.zeros(3))


def test_reference_constants_are_the_engines_and_the_file_is_small_and_plain():
    assert (reference.LEAKY_SLOPE, reference.ELU_ALPHA, reference.GELU_C, reference.GELU_K) == (
        LEAKY_SLOPE, ELU_ALPHA, GELU_C, GELU_K)
    source = inspect.getsource(reference)
    assert len(source.splitlines()) <= 300  # with the seven input features
    imports = {line.strip() for line in source.splitlines() if line.startswith(("import ", "from "))}
    assert imports == {"import numpy as np"}
    assert set(reference.ACTIVATIONS) == set(ACTIVATIONS) and set(reference.HEADS) == set(HEADS)


def test_one_rule_decides_a_class_from_an_output():
    """p >= 0.5 for one sigmoid output (0.5 itself is class 1), the argmax for several; the metrics and the
    trainer's accuracy decide by the same function."""
    single = np.array([[0.2], [0.5], [0.4999], [0.9]])
    assert reference.predicted_class(single).tolist() == [0, 1, 0, 1]
    several = np.array([[0.1, 0.7, 0.2], [0.6, 0.3, 0.1]])
    assert reference.predicted_class(several).tolist() == [1, 0]
    assert metrics.predicted_labels(single).tolist() == [0, 1, 0, 1]
    assert heads.hits_against(np.array([[0.0], [1.0], [1.0], [1.0]]))(single, slice(None)) == 3
