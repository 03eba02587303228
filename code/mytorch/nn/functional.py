"""Stateless functions the layers and losses are built from.

Each one is written so that no intermediate overflows: the softmax family shifts the
logits by their maximum before exponentiating, and the sigmoid only ever exponentiates a
non-positive number. Inputs of magnitude 1e4 therefore give exact, finite results.

The softmax family and ``one_hot`` are derived in book/05_softmax_cross_entropy.md, the
sigmoid in book/04_activations.md.
"""

from __future__ import annotations

import numpy as np

from mytorch.nn._checks import as_array


def _check_axis(z: np.ndarray, axis: int, name: str) -> None:
    """Require the class axis to exist and to hold at least one entry."""
    if not -z.ndim <= axis < z.ndim:
        raise ValueError(
            f"{name}: expected an axis in [{-z.ndim}, {z.ndim - 1}] for an input of "
            f"shape {z.shape}, got {axis}"
        )
    if z.shape[axis] == 0:
        raise ValueError(
            f"{name}: expected at least one class along axis {axis}, got an input of "
            f"shape {z.shape}"
        )


def softmax(z, axis: int = -1) -> np.ndarray:
    """Softmax ``p = exp(z - m) / sum(exp(z - m), axis)`` with ``m = max(z, axis)``.

    Subtracting ``m`` changes nothing mathematically (it cancels between numerator and
    denominator) but makes every exponent ``<= 0``, so ``exp`` cannot overflow.

    Args:
        z: logits of any shape, typically ``(N, C)``.
        axis: the axis along which ``p`` sums to one.

    Returns:
        ``p``, probabilities with the shape and floating dtype of ``z``.
    """
    z = as_array(z, "softmax z")
    _check_axis(z, axis, "softmax")
    # BEGIN SOLUTION eq-softmax-shift
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
    # END SOLUTION


def log_softmax(z, axis: int = -1) -> np.ndarray:
    """``log p = (z - m) - log(sum(exp(z - m), axis))`` with ``m = max(z, axis)``.

    Computing ``log p`` directly, rather than ``np.log(softmax(z))``, keeps it finite
    where ``p`` itself underflows to 0 (a logit 1e4 below the largest one).

    Args:
        z: logits of any shape, typically ``(N, C)``.
        axis: the class axis.

    Returns:
        ``log p``, with the shape and floating dtype of ``z``; every entry is ``<= 0``.
    """
    z = as_array(z, "log_softmax z")
    _check_axis(z, axis, "log_softmax")
    # BEGIN SOLUTION eq-softmax-log-softmax
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    # END SOLUTION


def sigmoid(z) -> np.ndarray:
    """Logistic sigmoid ``s = 1 / (1 + exp(-z))``, evaluated without overflow.

    With ``e = exp(-|z|)``, which lies in ``(0, 1]``, the identity
    ``s = 1 / (1 + e)`` holds for ``z >= 0`` and ``s = e / (1 + e)`` for ``z < 0``.
    Neither branch exponentiates a positive number, so ``z = -1e4`` gives 0 and
    ``z = 1e4`` gives 1 with no warning.

    Args:
        z: any shape.

    Returns:
        ``s`` in ``[0, 1]``, with the shape and floating dtype of ``z``.
    """
    z = as_array(z, "sigmoid z")
    # BEGIN SOLUTION eq-act-sigmoid-stable
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    # END SOLUTION


def one_hot(labels, num_classes: int, dtype=np.float64) -> np.ndarray:
    """One-hot matrix ``T[n, c] = 1 if labels[n] == c else 0``.

    Args:
        labels: integer class indices of shape ``(N,)``, each in ``[0, num_classes)``.
        num_classes: ``C``, the number of columns.
        dtype: floating dtype of the result.

    Returns:
        ``T`` of shape ``(N, C)``; each row holds a single 1.
    """
    if (isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer))
            or num_classes < 1):
        raise ValueError(
            f"one_hot: expected num_classes to be a positive int, got {num_classes!r}"
        )
    labels = check_labels(labels, num_classes, "one_hot labels")
    # BEGIN SOLUTION eq-softmax-one-hot
    T = np.zeros((labels.shape[0], num_classes), dtype=dtype)
    T[np.arange(labels.shape[0]), labels] = 1
    return T
    # END SOLUTION


def check_labels(labels, num_classes: int, name: str,
                 batch_size: int | None = None) -> np.ndarray:
    """Return ``labels`` as a 1-D integer array, or explain what is wrong with it.

    Args:
        labels: class indices, expected of shape ``(N,)`` with values in ``[0, C)``.
        num_classes: ``C``.
        name: how the error messages refer to ``labels``.
        batch_size: ``N`` when the length is fixed by another argument, else ``None``.

    Returns:
        ``labels`` as an integer array of shape ``(N,)``.
    """
    labels = np.asarray(labels)
    if labels.dtype == bool or not np.issubdtype(labels.dtype, np.integer):
        # An empty Python list arrives as float64; it is still a valid, empty batch.
        if not (labels.size == 0 and labels.ndim == 1):
            raise ValueError(
                f"{name}: expected integer class indices, got dtype {labels.dtype}"
            )
        labels = labels.astype(np.int64)
    if labels.ndim != 1:
        hint = " (pass class indices, not a one-hot matrix)" if labels.ndim == 2 else ""
        raise ValueError(
            f"{name}: expected a 1-D array of shape (N,), got a {labels.ndim}-D array "
            f"of shape {labels.shape}{hint}"
        )
    if batch_size is not None and labels.shape[0] != batch_size:
        raise ValueError(
            f"{name}: expected N = {batch_size} labels, one per row, "
            f"got {labels.shape[0]}"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"{name}: expected class indices in [0, {num_classes - 1}], "
            f"got values from {labels.min()} to {labels.max()}"
        )
    return labels
