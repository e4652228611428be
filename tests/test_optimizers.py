"""Each optimizer's update written out by hand, compared with exact equality."""

import numpy as np
import pytest

from nn_core import MLP, OPTIMIZERS, Trainer
from nn_core.optimizers import make_optimizer

LR = 0.05


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=(3, 2)), rng.normal(size=(1, 2))]
    grads = [[rng.normal(size=p.shape) for p in params] for _ in range(3)]
    return params, grads


def _step(name, steps, **hyper):
    params, grads = _problem()
    start = [p.copy() for p in params]
    opt = make_optimizer(name, params, **hyper)
    for g in grads[:steps]:
        opt.step(params, g, LR)
    return start, grads, params


def _assert_equal(got, expected):
    for a, b in zip(got, expected):
        assert np.array_equal(a, b), np.max(np.abs(a - b))


def test_sgd_one_step():
    start, grads, got = _step("sgd", 1)
    _assert_equal(got, [p - LR * g for p, g in zip(start, grads[0])])


def test_momentum_two_steps():
    start, grads, got = _step("momentum", 2, momentum=0.9)
    expected = []
    for p, g0, g1 in zip(start, grads[0], grads[1]):
        v = 0.9 * np.zeros_like(p) - LR * g0
        p = p + v
        v = 0.9 * v - LR * g1
        expected.append(p + v)
    _assert_equal(got, expected)


def test_nesterov_two_steps():
    start, grads, got = _step("nesterov", 2, momentum=0.9)
    expected = []
    for p, g0, g1 in zip(start, grads[0], grads[1]):
        v = 0.9 * np.zeros_like(p) - LR * g0
        p = p + (0.9 * v - LR * g0)
        v = 0.9 * v - LR * g1
        expected.append(p + (0.9 * v - LR * g1))
    _assert_equal(got, expected)
    _, _, plain = _step("momentum", 2, momentum=0.9)
    assert not np.array_equal(got[0], plain[0])


def test_rmsprop_two_steps():
    start, grads, got = _step("rmsprop", 2)
    rho, eps = 0.9, 1e-8
    expected = []
    for p, g0, g1 in zip(start, grads[0], grads[1]):
        s = np.zeros_like(p)
        for g in (g0, g1):
            s = rho * s + (1 - rho) * g * g
            p = p - g / (np.sqrt(s) + eps) * LR
        expected.append(p)
    _assert_equal(got, expected)


def test_adam_two_steps_with_bias_correction():
    start, grads, got = _step("adam", 2)
    b1, b2, eps = 0.9, 0.999, 1e-8
    expected, textbook = [], []
    for p, g0, g1 in zip(start, grads[0], grads[1]):
        m, v, q = np.zeros_like(p), np.zeros_like(p), p.copy()
        for t, g in ((1, g0), (2, g1)):
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            c1, c2 = 1 - b1**t, 1 - b2**t
            # Kingma & Ba's update, with lr / (1 - b1^t) folded into one scalar.
            p = p - m / (np.sqrt(v / c2) + eps) * (LR / c1)
            q = q - LR * (m / c1) / (np.sqrt(v / c2) + eps)
        expected.append(p)
        textbook.append(q)
    _assert_equal(got, expected)
    np.testing.assert_allclose(got[0], textbook[0], rtol=1e-14, atol=0)
    # Bias correction makes Adam's first step about lr·sign(g) for every parameter.
    _, grads, first = _step("adam", 1)
    params, _ = _problem()
    np.testing.assert_allclose(first[0] - params[0], -LR * np.sign(grads[0][0]), rtol=1e-6)


def test_optimizer_state_is_per_instance():
    params, grads = _problem()
    a = make_optimizer("adam", [p.copy() for p in params])
    b = make_optimizer("adam", [p.copy() for p in params])
    a.step([p.copy() for p in params], grads[0], LR)
    assert a.t == 1 and b.t == 0
    assert not np.array_equal(a.m[0], b.m[0])


def test_unknown_optimizer_lists_the_names():
    with pytest.raises(ValueError) as info:
        make_optimizer("adagrad", [np.zeros(2)])
    for name in OPTIMIZERS:
        assert name in str(info.value)
    net = MLP([2, 1], seed=0)
    with pytest.raises(ValueError, match="adam"):
        Trainer(net, np.zeros((2, 2)), [0, 1], optimizer="bogus")


def test_lr_decay_schedule_is_recorded_and_applied():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    net = MLP([2, 3, 1], activation="tanh", seed=4)
    by_hand = net.copy()
    trainer = Trainer(net, X, y, lr=0.5, lr_decay=0.25, diagnostics=False)
    trainer.run(4)
    assert trainer.history["lr"] == [0.5 / (1 + 0.25 * e) for e in range(4)]
    for epoch in range(4):
        _, grads = by_hand.loss_and_gradients(X, y)
        by_hand.set_parameters([p - g * (0.5 / (1.0 + 0.25 * epoch))
                                for p, g in zip(by_hand.parameters(), [g for pair in grads for g in pair])])
    _assert_equal(net.parameters(), by_hand.parameters())


def test_no_decay_keeps_lr_constant():
    net = MLP([2, 1], seed=0)
    trainer = Trainer(net, np.zeros((2, 2)), [0, 1], lr=0.3, diagnostics=False)
    trainer.run(3)
    assert trainer.history["lr"] == [0.3, 0.3, 0.3]


def test_a_misspelt_optimizer_setting_is_an_error():
    with pytest.raises(ValueError) as info:
        make_optimizer("momentum", [np.zeros(2)], momentun=0.5)
    assert str(info.value) == ("Unknown optimizer setting 'momentun'; the settings are: "
                               "momentum, rho, eps, beta1, beta2.")


def test_a_setting_another_optimizer_reads_is_passed_over():
    """The trainer gives momentum to every optimizer, so a switch to Adam mid-run needs no special case."""
    assert make_optimizer("adam", [np.zeros(2)], momentum=0.5, beta1=0.8).beta1 == 0.8
    assert make_optimizer("nesterov", [np.zeros(2)], momentum=0.5).nesterov is True
