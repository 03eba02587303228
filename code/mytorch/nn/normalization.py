"""Batch normalisation of vectors (``BatchNorm1d``) and images (``BatchNorm2d``).

In training mode each channel ``c`` is normalised with the mean and variance of its
``m`` values in the batch (``m = N`` for ``(N, C)``, ``m = N H W`` for ``(N, C, H,
W)``), then scaled and shifted by learned parameters:

    x_hat = (x - mu[c]) / sqrt(var[c] + eps),    y = weight[c] * x_hat + bias[c].

The layer also keeps running estimates of the mean and the variance, which evaluation
mode uses in place of the batch's statistics, so that a sample's output no longer
depends on the other samples of its batch. Both layers run the same code; only the axes
that make up a channel differ.

Derived in book/08_normalization.md.
"""

from __future__ import annotations

import math

import numpy as np

from mytorch.nn._checks import (
    as_array,
    check_dtype,
    check_ndim,
    check_size,
    is_real,
    positive_int,
)
from mytorch.nn.module import Module


class _BatchNorm(Module):
    """What ``BatchNorm1d`` and ``BatchNorm2d`` share: argument checks, the parameters
    and running statistics, and ``forward`` and ``backward`` themselves, written once
    for the sums over the batch axis and any spatial axes. Subclasses set ``_ndim``
    (the rank of the input) and ``_layout`` (its axes, for error messages)."""

    param_names = ("weight", "bias")
    buffer_names = ("running_mean", "running_var")
    _ndim: int
    _layout: str

    def __init__(self, num_features, eps=1e-5, momentum=0.1, *, dtype=np.float64):
        name = type(self).__name__
        num_features = positive_int(num_features, "num_features", name)
        if not (is_real(eps) and math.isfinite(eps) and eps > 0):
            raise ValueError(f"{name}: expected eps > 0, got eps={eps!r}")
        if not (is_real(momentum) and 0 <= momentum <= 1):
            raise ValueError(
                f"{name}: expected 0 <= momentum <= 1, got momentum={momentum!r}"
            )
        dtype = check_dtype(dtype, name)
        self.num_features = int(num_features)
        self.eps = float(eps)
        self.momentum = float(momentum)
        # PyTorch's initial values: the layer starts as the plain normalisation, and the
        # running estimates as those of a standard normal input.
        self.weight = np.ones(self.num_features, dtype=dtype)
        self.bias = np.zeros(self.num_features, dtype=dtype)
        self.running_mean = np.zeros(self.num_features, dtype=dtype)
        self.running_var = np.ones(self.num_features, dtype=dtype)
        self.grad_weight = None
        self.grad_bias = None
        self.x_hat = None
        self.inv_std = None
        self.batch_statistics = None

    @property
    def _axes(self) -> tuple[int, ...]:
        """The axes summed over within a channel: the batch, then any spatial axes."""
        return (0,) + tuple(range(2, self._ndim))

    @property
    def _shape(self) -> tuple[int, ...]:
        """The shape that broadcasts a ``(C,)`` vector along axis 1 of the input."""
        return (-1,) + (1,) * (self._ndim - 2)

    def forward(self, x) -> np.ndarray:
        """Compute ``y = weight * x_hat + bias`` per channel (equation eq-bn-forward).

        ``x_hat = (x - mu) / sqrt(var + eps)``; ``x_hat`` and ``inv_std = 1 / sqrt(var +
        eps)`` are kept for ``backward``.

        Written here for ``BatchNorm1d``; ``BatchNorm2d`` runs the same code with the
        sums over ``n, h, w`` instead of ``n`` and ``m = N H W`` instead of ``N``.

        In training mode ``mu`` and ``var`` are the mean and the biased variance
        (divided by ``m``) of each channel's ``m`` values in the batch, and the running
        estimates
        move towards them: ``running_mean <- (1 - momentum) running_mean + momentum mu``
        and ``running_var <- (1 - momentum) running_var + momentum var m / (m - 1)``,
        the unbiased variance, as in PyTorch. In evaluation mode ``mu`` and ``var`` are
        the running estimates, which stay unchanged.

        Args:
            x: ``(N, C)``; in training mode ``N >= 2`` (``BatchNorm2d``: ``(N, C, H,
                W)`` with ``N H W >= 2``).

        Returns:
            ``y``, the shape of ``x``.
        """
        x = self._check_input(x)
        axes, shape = self._axes, self._shape  # sums within a channel; (C,) broadcast
        # BEGIN SOLUTION eq-bn-forward
        if self.training:
            m = x.size // x.shape[1]             # values per channel
            mu = x.mean(axis=axes)               # (C,)
            x_c = x - mu.reshape(shape)          # centred, the shape of x
            var = np.mean(x_c * x_c, axis=axes)  # (C,), biased: divided by m
            k = self.momentum
            self.running_mean = (1 - k) * self.running_mean + k * mu
            self.running_var = (1 - k) * self.running_var + k * (m / (m - 1)) * var
        else:
            x_c = x - self.running_mean.reshape(shape)
            var = self.running_var
        self.inv_std = 1 / np.sqrt(var + self.eps)  # (C,)
        self.x_hat = x_c * self.inv_std.reshape(shape)
        return self.weight.reshape(shape) * self.x_hat + self.bias.reshape(shape)
        # END SOLUTION

    def backward(self, grad) -> np.ndarray:
        """Return ``grad_x`` (eq-bn-backward); store ``grad_weight`` and ``grad_bias``.

        ``grad_x = weight inv_std / m * (m grad - sum grad - x_hat sum(grad x_hat))``,
        ``grad_weight = sum(grad x_hat)`` and ``grad_bias = sum grad``.

        Written here for ``BatchNorm1d``; ``BatchNorm2d`` runs the same code with the
        sums over ``n, h, w`` instead of ``n`` and ``m = N H W`` instead of ``N``. Every
        sum runs over the ``m`` values of one channel and gives a ``(C,)`` vector.

        In training mode ``mu`` and ``var`` depend on every value of the channel, so
        the input gradient has the two correction terms, which remove from ``grad`` its
        mean and its component along ``x_hat``. After a forward pass in evaluation mode
        they are constants and ``grad_x = weight / sqrt(running_var + eps) * grad``.

        Args:
            grad: ``dL/dy``, the shape of ``x``.

        Returns:
            ``grad_x = dL/dx``, the shape of ``x``.
        """
        grad = self._check_grad(grad)
        axes, shape = self._axes, self._shape  # sums within a channel; (C,) broadcast
        # BEGIN SOLUTION eq-bn-backward
        x_hat = self.x_hat
        self.grad_bias = grad.sum(axis=axes)              # (C,)
        self.grad_weight = (grad * x_hat).sum(axis=axes)  # (C,)
        scale = (self.weight * self.inv_std).reshape(shape)  # weight / sqrt(var + eps)
        if not self.batch_statistics:
            return scale * grad
        m = grad.size // grad.shape[1]
        sum_g = self.grad_bias.reshape(shape)
        sum_g_x_hat = self.grad_weight.reshape(shape)
        return (scale / m) * (m * grad - sum_g - x_hat * sum_g_x_hat)
        # END SOLUTION

    def _check_input(self, x) -> np.ndarray:
        """Return ``x`` as a float array after checking its rank, its channels, that a
        training batch has two values per channel or more, and the parameters."""
        name = f"{type(self).__name__}.forward x"
        x = as_array(x, name)
        check_ndim(x, self._ndim, self._layout, name)
        check_size(x, 1, self.num_features, "C (num_features)", name)
        m = x.size // x.shape[1]
        if self.training and m < 2:
            values = "N" if self._ndim == 2 else "N * H * W"
            raise ValueError(
                f"{name}: expected more than 1 value per channel in training mode "
                f"({values} >= 2), got {values} = {m} (input shape {x.shape}); a "
                f"single sample is normalised by the running statistics, in evaluation "
                f"mode (call .eval())"
            )
        self._check_parameters()
        # backward must know which statistics the forward pass used.
        self.batch_statistics = self.training
        return x

    def _check_grad(self, grad) -> np.ndarray:
        """``grad`` as a float array of the input's shape, after a ``forward``."""
        grad = self._grad_like(grad, "x_hat", f"{type(self).__name__}'s input x")
        self._saved("inv_std")
        self._check_parameters()
        return grad

    def _check_parameters(self) -> None:
        """Require ``weight``, ``bias`` and the running statistics to be ``(C,)``."""
        expected = (self.num_features,)
        for attribute in ("weight", "bias", "running_mean", "running_var"):
            shape = np.shape(getattr(self, attribute))
            if shape != expected:
                raise ValueError(
                    f"{type(self).__name__}: expected {attribute} of shape {expected} "
                    f"(num_features,), got {shape}"
                )

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.num_features}, eps={self.eps}, "
                f"momentum={self.momentum})")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of vectors: ``y = weight (x - mu) / sqrt(var + eps) + bias``.

    Each feature is normalised with the statistics of its ``N`` values in the batch.

    Args:
        num_features: ``C``, the number of features of each input row.
        eps: added to the variance before the square root, ``> 0``.
        momentum: the weight of the newest batch in the running estimates,
            ``0 <= momentum <= 1`` (PyTorch's convention: ``0.1`` keeps 90 % of the old
            estimate at each step).
        dtype: floating dtype of the parameters and running estimates (float64 by
            default; float32 for speed).

    Attributes:
        weight: ``(C,)``, the scale ``gamma``, initially ones.
        bias: ``(C,)``, the shift ``beta``, initially zeros.
        grad_weight: ``(C,)``, set by ``backward`` (``None`` before).
        grad_bias: ``(C,)``, set by ``backward`` (``None`` before).
        running_mean: ``(C,)``, initially zeros, updated by each forward pass in
            training mode.
        running_var: ``(C,)``, initially ones, updated with the unbiased batch variance.
        x_hat: ``(N, C)``, the last normalised input, kept by ``forward`` for
            ``backward``.
        inv_std: ``(C,)``, the last ``1 / sqrt(var + eps)``, kept for ``backward``.
        batch_statistics: whether the last forward pass normalised with the batch's
            statistics (training mode) or with the running estimates.
    """

    _ndim = 2
    _layout = "(N, C)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of images: ``y = weight (x - mu) / sqrt(var + eps) + bias``.

    The statistics of channel ``c`` are taken over the whole batch and every position,
    ``m = N H W`` values, so that a channel is normalised the same way wherever a
    feature appears in the image, as a convolution treats every position alike.

    Args:
        num_features: ``C``, the number of channels.
        eps: added to the variance before the square root, ``> 0``.
        momentum: the weight of the newest batch in the running estimates, ``0 <=
            momentum <= 1``.
        dtype: floating dtype of the parameters and running estimates (float64 by
            default).

    Attributes:
        weight: ``(C,)``, the scale ``gamma``, initially ones.
        bias: ``(C,)``, the shift ``beta``, initially zeros.
        grad_weight: ``(C,)``, set by ``backward`` (``None`` before).
        grad_bias: ``(C,)``, set by ``backward`` (``None`` before).
        running_mean: ``(C,)``, initially zeros, updated by each forward pass in
            training mode.
        running_var: ``(C,)``, initially ones, updated with the unbiased batch variance.
        x_hat: ``(N, C, H, W)``, the last normalised input, kept for ``backward``.
        inv_std: ``(C,)``, the last ``1 / sqrt(var + eps)``, kept for ``backward``.
        batch_statistics: whether the last forward pass normalised with the batch's
            statistics (training mode) or with the running estimates.
    """

    _ndim = 4
    _layout = "(N, C, H, W)"
