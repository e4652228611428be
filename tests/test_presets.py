"""The presets against their tutorials: the printed tables and the code that printed them.

Each tutorial's code is copied below as a reference function, run with
``np.random.seed(42)`` as the tutorial does, and the engine must reproduce its
weights bit for bit and its logged losses to the last digits.
"""

import numpy as np
import pytest

from nn_core.teaching.presets import PRESETS, run_preset


# ------------------------------------------------ seed 000, copied from its code
def _relu(z):
    return np.maximum(0, z)


def _relu_derivative(z):
    return (z > 0).astype(float)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def tutorial_000():
    """Seed 000's cell, as written. Returns (log, weights, exact_losses): log holds (epoch, loss) as it
    prints them; exact_losses the same BCE without the tutorial's 1e-8 inside the logs."""
    np.random.seed(42)
    X = np.array([[0.5, 0.1], [0.9, 0.8]])
    Y = np.array([[1], [0]])
    W1 = np.random.randn(2, 2)
    b1 = np.zeros((1, 2))
    W2 = np.random.randn(2, 1)
    b2 = np.zeros((1, 1))
    learning_rate = 0.1
    log, exact = [], []
    for epoch in range(1000):
        Z1 = np.dot(X, W1) + b1
        A1 = _relu(Z1)
        Z2 = np.dot(A1, W2) + b2
        A2 = _sigmoid(Z2)
        loss = -np.mean(Y * np.log(A2 + 1e-8) + (1 - Y) * np.log(1 - A2 + 1e-8))
        dZ2 = A2 - Y
        dW2 = np.dot(A1.T, dZ2)
        db2 = np.sum(dZ2, axis=0, keepdims=True)
        dA1 = np.dot(dZ2, W2.T)
        dZ1 = dA1 * _relu_derivative(Z1)
        dW1 = np.dot(X.T, dZ1)
        db1 = np.sum(dZ1, axis=0, keepdims=True)
        W2 -= learning_rate * dW2
        b2 -= learning_rate * db2
        W1 -= learning_rate * dW1
        b1 -= learning_rate * db1
        if epoch % 100 == 0:
            log.append((epoch, loss))
            exact.append(-np.mean(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)))
    return log, [W1, b1, W2, b2], exact


# ------------------------------------------------ seed 002, copied from its code
def _sigmoid_deriv(z):
    s = _sigmoid(z)
    return s * (1 - s)


def _forward(X, W1, b1, W2, b2):
    Z1 = X @ W1 + b1
    A1 = _sigmoid(Z1)
    Z2 = A1 @ W2 + b2
    A2 = _sigmoid(Z2)
    cache = (Z1, A1, Z2, A2)
    return A2, cache


def _compute_loss(y_true, y_pred):
    y_pred = np.clip(y_pred, 1e-9, 1 - 1e-9)
    return -np.mean(y_true * np.log(y_pred) + (1 - y_true) * np.log(1 - y_pred))


def _backward_as_printed(X, y, W1, W2, cache, lr=0.1):
    """The article's backward, verbatim (abridged to the failing line): b2 is assigned here, so it is local."""
    Z1, A1, Z2, A2 = cache
    m = X.shape[0]
    dZ2 = A2 - y
    db2 = np.sum(dZ2, axis=0, keepdims=True) / m
    b2 -= lr * db2  # noqa: F821 - the article's line: b2 was never passed in
    return b2


def _backward(X, y, W1, b1, W2, b2, cache, lr=0.1):
    """The article's backward with b1, b2 passed in: the smallest change that lets it run."""
    Z1, A1, Z2, A2 = cache
    m = X.shape[0]
    dZ2 = A2 - y
    dW2 = A1.T @ dZ2 / m
    db2 = np.sum(dZ2, axis=0, keepdims=True) / m
    dA1 = dZ2 @ W2.T
    dZ1 = dA1 * _sigmoid_deriv(Z1)
    dW1 = X.T @ dZ1 / m
    db1 = np.sum(dZ1, axis=0, keepdims=True) / m
    W2 -= lr * dW2
    b2 -= lr * db2
    W1 -= lr * dW1
    b1 -= lr * db1
    return W1, b1, W2, b2


def tutorial_002():
    """Seed 002's training loop. Returns (log, weights, predictions)."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    y = np.array([[0], [1], [1], [0]])
    np.random.seed(42)
    W1 = np.random.randn(2, 4) * 0.1
    b1 = np.zeros((1, 4))
    W2 = np.random.randn(4, 1) * 0.1
    b2 = np.zeros((1, 1))
    log = []
    for epoch in range(10000):
        A2, cache = _forward(X, W1, b1, W2, b2)
        loss = _compute_loss(y, A2)
        W1, b1, W2, b2 = _backward(X, y, W1, b1, W2, b2, cache, lr=1.0)
        if epoch % 1000 == 0:
            log.append((epoch, loss))
    A2, _ = _forward(X, W1, b1, W2, b2)
    return log, [W1, b1, W2, b2], (A2 > 0.5).astype(int).ravel()


# ---------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def run_000():
    return run_preset("seed-000")


@pytest.fixture(scope="module")
def run_002():
    return run_preset("seed-002")


@pytest.fixture(scope="module")
def ref_002():
    return tutorial_002()


def _lines(preset, log):
    return [preset.line.format(epoch=e, loss=loss) for e, loss in log]


# ------------------------------------------------------------------------- 000
def test_seed_000_prints_the_tutorial_table(run_000):
    preset = PRESETS["seed-000"]
    assert preset.table(run_000.history.log) == preset.claimed_table()
    assert preset.claimed_table()[0] == "Epoch 0 - Loss: 0.6107"
    assert run_000.history.status == "trained 1000 epochs"


def test_seed_000_matches_its_code(run_000):
    log, weights, exact = tutorial_000()
    preset = PRESETS["seed-000"]
    engine_log = run_000.history.log
    assert [row["epoch"] for row in engine_log] == [e for e, _ in log]
    assert preset.table(engine_log) == _lines(preset, log)
    engine_losses = np.array([row["loss"] for row in engine_log])
    # The engine's loss is the exact BCE; the tutorial adds 1e-8 inside its logs, which moves it by < 1e-7.
    np.testing.assert_allclose(engine_losses, exact, rtol=0, atol=1e-12)
    np.testing.assert_allclose(engine_losses, [loss for _, loss in log], rtol=0, atol=1e-7)
    for mine, theirs in zip(run_000.net.parameters(), weights):
        assert np.array_equal(mine, theirs)


# ------------------------------------------------------------------------- 002
def test_seed_002_code_as_printed_raises():
    """The article's backward assigns b2 without receiving it, so its loop stops at epoch 0."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    y = np.array([[0], [1], [1], [0]])
    np.random.seed(42)
    W1, W2 = np.random.randn(2, 4) * 0.1, np.random.randn(4, 1) * 0.1
    _, cache = _forward(X, W1, np.zeros((1, 4)), W2, np.zeros((1, 1)))
    with pytest.raises(UnboundLocalError):
        _backward_as_printed(X, y, W1, W2, cache, lr=1.0)


def test_seed_002_matches_its_code(run_002, ref_002):
    log, weights, _ = ref_002
    preset = PRESETS["seed-002"]
    engine_log = run_002.history.log
    assert [row["epoch"] for row in engine_log] == list(range(0, 10_000, 1000))
    assert preset.table(engine_log) == _lines(preset, log)
    np.testing.assert_allclose([row["loss"] for row in engine_log], [loss for _, loss in log], rtol=0, atol=1e-12)
    for mine, theirs in zip(run_002.net.parameters(), weights):
        assert np.array_equal(mine, theirs)


def test_seed_002_table_is_not_the_claimed_expected_output(run_002):
    preset = PRESETS["seed-002"]
    printed = preset.table(run_002.history.log)
    claimed = preset.claimed_table()
    assert printed != claimed
    assert printed[0] == "Epoch     0 | Loss: 0.6934" and claimed[0] == "Epoch     0 | Loss: 0.6928"
    # The plateau at ln 2 = 0.6931 from epoch 1000 to 7000, a first dent at 8000, learned by 9000.
    assert printed[1:8] == [f"Epoch {e:5d} | Loss: 0.6931" for e in range(1000, 8000, 1000)]
    losses = [row["loss"] for row in run_002.history.log]
    assert all(abs(loss - np.log(2)) < 1e-5 for loss in losses[1:8])
    assert 0.69 < losses[8] < np.log(2)
    assert losses[9] < 0.05


def test_seed_002_final_predictions(run_002, ref_002):
    X = run_002.data.X_train
    predictions = (run_002.net.forward(X) >= 0.5).astype(int).ravel()
    assert predictions.tolist() == [0, 1, 1, 0]
    assert predictions.tolist() == ref_002[2].tolist()
    assert run_002.data.y_train.ravel().tolist() == [0, 1, 1, 0]


def test_preset_tables_format_every_logged_row(run_002):
    preset = PRESETS["seed-002"]
    rows = [{"epoch": 0, "loss": 0.5}, {"epoch": 12000, "loss": 0.01234}]
    assert preset.table(rows) == ["Epoch     0 | Loss: 0.5000", "Epoch 12000 | Loss: 0.0123"]
    assert len(preset.claimed_table()) == 10
