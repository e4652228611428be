"""Scores for a trained network: confusion matrix and accuracy, R² and RMSE.

Inputs follow nn_core.datasets: binary targets (n, 1) of 0/1, multiclass labels
(n,), regression targets (n, 1). No function warns: empty or constant inputs
give NaN, never a NumPy RuntimeWarning.
"""

from __future__ import annotations

import math

import numpy as np

from . import reference


def labels(y) -> np.ndarray:
    """Integer class labels (n,) from (n,), (n, 1) 0/1 or one-hot (n, K) targets."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=1)
    return y.reshape(-1).astype(np.int64)


def predicted_labels(probabilities) -> np.ndarray:
    """(n,) labels from network outputs: p ≥ 0.5 for one sigmoid unit, argmax for softmax."""
    P = np.asarray(probabilities, dtype=np.float64)
    return reference.predicted_class(P.reshape(-1, 1) if P.ndim == 1 else P)


def confusion_matrix(y_true, y_pred, n_classes: int) -> np.ndarray:
    """(K, K) counts: row = true class, column = predicted class."""
    t, p = labels(y_true), labels(y_pred)
    if t.shape != p.shape:
        raise ValueError(f"{t.size} true labels but {p.size} predictions.")
    k = int(n_classes)
    ok = (t >= 0) & (t < k) & (p >= 0) & (p < k)
    return np.bincount(t[ok] * k + p[ok], minlength=k * k).reshape(k, k)


def accuracy(y_true, y_pred) -> float:
    """Fraction of equal labels; NaN for no samples."""
    t, p = labels(y_true), labels(y_pred)
    return float(np.mean(t == p)) if t.size else math.nan


def rmse(y_true, y_pred) -> float:
    """Root mean squared error; NaN for no samples or non-finite predictions."""
    t, p = _pair(y_true, y_pred)
    if t.size == 0:
        return math.nan
    with np.errstate(all="ignore"):
        value = float(np.sqrt(np.mean((t - p) ** 2)))
    return value if math.isfinite(value) else math.nan


def r2(y_true, y_pred) -> float:
    """Coefficient of determination 1 − SS_res / SS_tot; NaN when the targets are constant."""
    t, p = _pair(y_true, y_pred)
    if t.size == 0:
        return math.nan
    with np.errstate(all="ignore"):
        ss_tot = float(np.sum((t - t.mean()) ** 2))
        ss_res = float(np.sum((t - p) ** 2))
    if ss_tot == 0.0 or not math.isfinite(ss_res):
        return math.nan
    return 1.0 - ss_res / ss_tot


def _pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(y_true, dtype=np.float64).reshape(-1)
    p = np.asarray(y_pred, dtype=np.float64).reshape(-1)
    if t.shape != p.shape:
        raise ValueError(f"{t.size} targets but {p.size} predictions.")
    return t, p


def scores(net, data) -> dict:
    """What the Playground shows under the boundary, for train and test.

    Classification: {"train_accuracy", "test_accuracy", "confusion" (K, K) on the
    test split, or on train when there is no test data, "confusion_split"}.
    Regression: {"train_r2", "test_r2", "train_rmse", "test_rmse"}.
    """
    out: dict = {}
    splits = {"train": (data.X_train, data.y_train), "test": (data.X_test, data.y_test)}
    if data.kind == "regression":
        for split, (X, y) in splits.items():
            pred = net.forward(X) if len(X) else np.empty((0, 1))
            out[f"{split}_r2"], out[f"{split}_rmse"] = r2(y, pred), rmse(y, pred)
        return out
    k = max(2, data.n_classes)
    for split, (X, y) in splits.items():
        pred = predicted_labels(net.forward(X)) if len(X) else np.empty(0, dtype=np.int64)
        out[f"{split}_accuracy"] = accuracy(y, pred)
        out[f"{split}_confusion"] = confusion_matrix(y, pred, k)
    out["confusion_split"] = "test" if len(data.X_test) else "train"
    out["confusion"] = out[f"{out['confusion_split']}_confusion"]
    return out
