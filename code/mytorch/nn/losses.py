"""Loss functions: each ``forward`` returns the batch mean as a Python float and keeps
what ``backward()`` needs to return the gradient with respect to its first argument.

Cross-entropy and binary cross-entropy are derived in book/05_softmax_cross_entropy.md,
the mean squared error in book/02_autograd_pytorch.md.
"""

from __future__ import annotations

import numpy as np

from mytorch.nn._checks import as_array, check_ndim, check_same_shape
from mytorch.nn.functional import check_labels, log_softmax, one_hot
from mytorch.nn.module import Module


class CrossEntropyLoss(Module):
    """Mean cross-entropy ``loss = mean_n(logsumexp(logits[n]) - logits[n, label_n])``.

    This is ``-mean_n log softmax(logits)[n, labels[n]]`` written through
    :func:`~mytorch.nn.functional.log_softmax`, so logits of ±1e4 give a finite loss
    and a finite gradient. Like ``torch.nn.CrossEntropyLoss``, it takes raw logits (no
    softmax layer before it) and integer class indices.

    Attributes:
        probs: ``softmax(logits)``, ``(N, C)``, kept by ``forward`` for ``backward``.
        labels: the class indices of the last call, ``(N,)``.
    """

    def __init__(self):
        self.probs = None
        self.labels = None

    def forward(self, logits, labels) -> float:
        """Compute ``loss = mean_n(logsumexp(logits[n]) - logits[n, labels[n]])``.

        Args:
            logits: ``(N, C)`` unnormalised scores, one row per sample.
            labels: ``(N,)`` integer class indices in ``[0, C)``.

        Returns:
            ``loss``, the mean over the ``N`` samples.
        """
        logits, labels = self._check_input(logits, labels)
        # BEGIN SOLUTION eq-softmax-cross-entropy
        N = logits.shape[0]
        log_probs = log_softmax(logits, axis=1)
        self.probs = np.exp(log_probs)
        self.labels = labels.copy()  # the caller may change labels before backward
        return float(-log_probs[np.arange(N), labels].mean())
        # END SOLUTION

    def backward(self) -> np.ndarray:
        """Return ``grad_logits = (softmax(logits) - one_hot(labels)) / N``.

        The ``1 / N`` comes from the mean over the batch.

        Returns:
            ``grad_logits = d(loss)/d(logits)``, ``(N, C)``, the dtype of the logits.
        """
        probs = self._saved("probs")
        # BEGIN SOLUTION eq-softmax-ce-grad
        N, C = probs.shape
        return (probs - one_hot(self.labels, C, dtype=probs.dtype)) / N
        # END SOLUTION

    def _check_input(self, logits, labels) -> tuple[np.ndarray, np.ndarray]:
        """``logits`` as a float array ``(N, C)`` with ``N, C >= 1``, and ``labels`` as
        ``N`` integer class indices in ``[0, C)``."""
        name = "CrossEntropyLoss.forward logits"
        logits = as_array(logits, name)
        check_ndim(logits, 2, "(N, C)", name)
        if logits.shape[0] == 0 or logits.shape[1] == 0:
            raise ValueError(
                f"{name}: expected N >= 1 samples and C >= 1 classes, "
                f"got shape {logits.shape}"
            )
        N, C = logits.shape
        labels = check_labels(labels, C, "CrossEntropyLoss.forward labels", N)
        return logits, labels


class MSELoss(Module):
    """Mean squared error ``loss = mean((prediction - target)**2)`` over all elements.

    The mean runs over every element, not only the batch, as in PyTorch's default
    ``reduction="mean"``.

    Attributes:
        diff: ``prediction - target``, kept by ``forward`` for ``backward``.
    """

    def __init__(self):
        self.diff = None

    def forward(self, prediction, target) -> float:
        """Compute ``loss = mean((prediction - target)**2)``.

        Args:
            prediction: any shape.
            target: the shape of ``prediction``.

        Returns:
            ``loss``, the mean over all elements.
        """
        prediction, target = self._check_input(prediction, target)
        # BEGIN SOLUTION eq-autograd-mse
        self.diff = prediction - target
        return float(np.mean(self.diff**2))
        # END SOLUTION

    def backward(self) -> np.ndarray:
        """Return ``grad_prediction = 2 * (prediction - target) / size``.

        Returns:
            ``grad_prediction = d(loss)/d(prediction)``, the shape of ``prediction``.
        """
        diff = self._saved("diff")
        # BEGIN SOLUTION eq-autograd-mse
        return 2 * diff / diff.size
        # END SOLUTION

    def _check_input(self, prediction, target) -> tuple[np.ndarray, np.ndarray]:
        """Both as float arrays of one shape, with at least one element."""
        prediction = as_array(prediction, "MSELoss.forward prediction")
        target = as_array(target, "MSELoss.forward target")
        # Otherwise (2, 1) - (2,) would broadcast to (2, 2) and average the wrong thing.
        check_same_shape(prediction, target, "prediction", "target")
        if prediction.size == 0:
            raise ValueError(
                f"MSELoss.forward: expected at least one element, "
                f"got shape {prediction.shape}"
            )
        return prediction, target


class BCELoss(Module):
    """Binary cross-entropy ``loss = -mean(t log(p) + (1 - t) log(1 - p))``.

    ``t`` holds the targets.

    ``p`` holds probabilities (the output of a sigmoid). Following
    ``torch.nn.BCELoss``, each logarithm is clamped at -100 before use, which is the
    same as clipping ``p`` to ``[e**-100, 1 - e**-100]`` inside each logarithm
    separately: a confident wrong answer (``p = 0`` for target 1) costs at most 100
    instead of infinity. For ``p`` in ``(0, 1)`` away from those tiny margins the clamp
    does nothing, so the value equals PyTorch's.

    Attributes:
        p: the probabilities of the last call.
        targets: the targets of the last call.
    """

    # PyTorch's floor for p * (1 - p) in the gradient, which would otherwise divide by
    # 0.
    eps = 1e-12

    def __init__(self):
        self.p = None
        self.targets = None

    def forward(self, probabilities, targets) -> float:
        """Compute ``loss = -mean(t log p + (1 - t) log(1 - p))``, logs clamped at -100.

        Args:
            probabilities: ``p``, any shape, every entry in ``[0, 1]``.
            targets: the shape of ``p``, every entry in ``[0, 1]``: usually 0 or 1 (soft
                targets work too).

        Returns:
            ``loss``, the mean over all elements.
        """
        p, targets = self._check_input(probabilities, targets)
        # BEGIN SOLUTION eq-softmax-bce
        # Copies: the caller may change either array in place before backward.
        self.p, self.targets = p.copy(), targets.copy()
        # log(0) = -inf is expected here and immediately clamped, so its warning is
        # noise.
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), -100)
            log_1mp = np.maximum(np.log1p(-p), -100)
        return float(-np.mean(targets * log_p + (1 - targets) * log_1mp))
        # END SOLUTION

    def backward(self) -> np.ndarray:
        """Return ``grad_p = (p - targets) / max(p * (1 - p), eps) / size``.

        ``(p - targets) / (p (1 - p))`` is the derivative of the unclamped loss; the
        floor ``eps = 1e-12`` (PyTorch's) keeps it finite at ``p = 0`` and ``p = 1``.

        Returns:
            ``grad_p = d(loss)/dp``, the shape of ``p``.
        """
        p = self._saved("p")
        # BEGIN SOLUTION eq-softmax-bce-grad
        return (p - self.targets) / np.maximum(p * (1 - p), self.eps) / p.size
        # END SOLUTION

    def _check_input(self, probabilities, targets) -> tuple[np.ndarray, np.ndarray]:
        """Both as float arrays of one shape, with at least one element, every entry in
        ``[0, 1]``."""
        p = as_array(probabilities, "BCELoss.forward probabilities")
        targets = as_array(targets, "BCELoss.forward targets")
        check_same_shape(p, targets, "probabilities", "targets")
        if p.size == 0:
            raise ValueError(
                f"BCELoss.forward: expected at least one element, got shape {p.shape}"
            )
        if not (np.all(p >= 0) and np.all(p <= 1)):
            raise ValueError(
                "BCELoss.forward: expected probabilities in [0, 1] (apply a sigmoid "
                f"first), got values from {p.min()} to {p.max()}"
            )
        if not (np.all(targets >= 0) and np.all(targets <= 1)):
            raise ValueError(
                "BCELoss.forward: expected targets in [0, 1] (0 or 1, or soft labels), "
                f"got values from {targets.min()} to {targets.max()}"
            )
        return p, targets
