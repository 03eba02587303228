"""Convolution layers, computed as matrix products on patch matrices.

Like PyTorch (and every deep-learning library), a "convolution" layer computes a
cross-correlation: the kernel is not flipped. For one output channel ``o`` of a 2-D layer
with stride ``(s_h, s_w)`` and zero-padded input ``x_p``,

    out[n, o, h, w] = b[o] + sum_{c, i, j} W[o, c, i, j] * x_p[n, c, s_h h + i, s_w w + j].

:func:`~mytorch.nn.im2col.im2col` copies every window of ``x_p`` into a column of
``cols``, which turns the triple sum into one matrix product per sample,
``out[n] = W2 @ cols[n] + b`` with ``W2 = W.reshape(C_out, C_in * kh * kw)``. The backward
pass is then two more matrix products and one :func:`~mytorch.nn.im2col.col2im`.
"""

from __future__ import annotations

import math

import numpy as np

from mytorch.nn._checks import as_array, check_ndim, check_parameter, check_size
from mytorch.nn.im2col import col2im, im2col, ntuple, output_shape, pad, padded_shape, unpad
from mytorch.nn.module import Module


class _Conv(Module):
    """What ``Conv1d`` and ``Conv2d`` share: argument checks, initialisation, and
    ``forward`` and ``backward`` themselves, which ``im2col`` and ``col2im`` make
    independent of the number of spatial axes. Subclasses set ``_d`` (that number) and
    the layouts used in error messages."""

    param_names = ("weight", "bias")
    _d: int
    _x_layout: str
    _grad_layout: str
    _weight_layout: str

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, rng, dtype):
        name = type(self).__name__
        in_channels = _positive_int(in_channels, f"{name}: expected in_channels to be a positive int")
        out_channels = _positive_int(out_channels, f"{name}: expected out_channels to be a positive int")
        kernel_size = ntuple(kernel_size, f"{name} kernel_size", 1, self._d)
        self.stride = ntuple(stride, f"{name} stride", 1, self._d)
        self.padding = ntuple(padding, f"{name} padding", 0, self._d)
        if rng is None:
            rng = np.random.default_rng()
        elif not isinstance(rng, np.random.Generator):
            raise ValueError(
                f"{name}: expected rng to be a numpy.random.Generator such as "
                f"np.random.default_rng(0), got {type(rng).__name__}"
            )
        if not np.issubdtype(np.dtype(dtype), np.floating):
            raise ValueError(f"{name}: expected a floating dtype, got {np.dtype(dtype)}")
        # PyTorch's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) keeps the scale of each
        # output independent of how many inputs its window sums over.
        bound = 1.0 / math.sqrt(in_channels * math.prod(kernel_size))
        self.weight = rng.uniform(-bound, bound, (out_channels, in_channels) + kernel_size).astype(dtype, copy=False)
        self.bias = rng.uniform(-bound, bound, (out_channels,)).astype(dtype, copy=False)
        self.grad_weight = None
        self.grad_bias = None
        self.cols = None
        self.x_p_shape = None
        self.out_shape = None

    # Sizes are read off the weight, so they stay right when a chapter or a test assigns
    # ``layer.weight`` directly.
    @property
    def out_channels(self) -> int:
        return self.weight.shape[0]

    @property
    def in_channels(self) -> int:
        return self.weight.shape[1]

    @property
    def kernel_size(self) -> tuple[int, ...]:
        return self.weight.shape[2:]

    def forward(self, x) -> np.ndarray:
        """Compute ``out[n] = W2 @ cols[n] + b`` with ``cols = im2col(x_p)`` and ``W2 = W.reshape(C_out, C_in kh kw)``; keep ``cols``.

        Written here for ``Conv2d``; ``Conv1d`` runs the same code with one spatial axis
        (``L``, ``k``, ``s``, ``p`` and ``L_out`` in place of the pairs).

        ``x_p`` is ``x`` with ``p_h`` rows and ``p_w`` columns of zeros on each side.
        Column ``q = h W_out + w`` of ``cols[n]`` is the window
        ``x_p[n, :, s_h h : s_h h + kh, s_w w : s_w w + kw]`` flattened, in the order of
        ``W2``'s columns, so entry ``(o, q)`` of the product is the sum over ``c, i, j``
        in the formula of ``Conv2d``.

        Args:
            x: ``(N, C_in, H, W)`` with ``H + 2 p_h >= kh`` and ``W + 2 p_w >= kw``.

        Returns:
            ``out``, ``(N, C_out, H_out, W_out)`` with ``H_out = (H + 2 p_h - kh) // s_h + 1``
            and ``W_out = (W + 2 p_w - kw) // s_w + 1``.
        """
        x = self._check_input(x)
        # BEGIN SOLUTION eq-conv-im2col
        cols = im2col(pad(x, self.padding), self.kernel_size, self.stride)
        self.cols = cols
        # One matrix product per sample, broadcast over N; the result is already laid
        # out as (N, C_out, H_out * W_out), so the final reshape copies nothing.
        out = self.weight.reshape(self.out_channels, -1) @ cols
        out += self.bias[:, None]
        return out.reshape((x.shape[0], self.out_channels) + self.out_shape)
        # END SOLUTION

    def backward(self, grad) -> np.ndarray:
        """Return ``grad_x = unpad(col2im(W2.T @ grad))``; store ``grad_weight = sum_n grad[n] @ cols[n].T`` and ``grad_bias = sum_{n, h, w} grad[n, :, h, w]``.

        Written here for ``Conv2d``; ``Conv1d`` runs the same code with one spatial axis.
        Here ``grad`` is viewed as ``(N, C_out, H_out W_out)``, one row per output channel.

        ``grad_weight[o, c, i, j] = sum_{n, h, w} grad[n, o, h, w] x_p[n, c, s_h h + i, s_w w + j]``
        is the correlation of the input with the upstream gradient: the same sum as the
        forward pass, with ``grad`` in the role of the kernel.

        ``grad_x`` is the full convolution of the dilated upstream gradient with the
        kernel (equivalently, the correlation with the kernel flipped in both axes):
        with ``grad_d[n, o, s_h h, s_w w] = grad[n, o, h, w]`` and zeros in between,
        ``grad_x_p[n, c, u, v] = sum_{o, i, j} W[o, c, i, j] grad_d[n, o, u - i, v - j]``,
        and ``grad_x`` drops the padded border of ``grad_x_p``. The code evaluates that
        sum without building ``grad_d``, whose zeros would cost ``s_h s_w`` times the
        work: ``grad_cols = W2.T @ grad`` is the gradient of every entry of ``cols``
        (``grad_cols[n, (c, i, j), (h, w)] = sum_o W[o, c, i, j] grad[n, o, h, w]``), and
        ``col2im`` adds each entry onto the pixel of ``x_p`` it was copied from.

        Args:
            grad: ``dL/d(out)``, ``(N, C_out, H_out, W_out)``.

        Returns:
            ``grad_x = dL/dx``, ``(N, C_in, H, W)``.
        """
        cols = self._saved("cols")
        grad = self._check_grad(grad)
        # BEGIN SOLUTION eq-conv-im2col-backward
        grad = grad.reshape(grad.shape[0], self.out_channels, math.prod(self.out_shape))
        W2 = self.weight.reshape(self.out_channels, -1)
        # One (C_out, C_in kh kw) product per sample, then the sum over the batch.
        self.grad_weight = (grad @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(self.weight.shape)
        self.grad_bias = grad.sum(axis=(0, 2))
        grad_cols = W2.T @ grad
        grad_x_p = col2im(grad_cols, self.x_p_shape, self.kernel_size, self.stride)
        return unpad(grad_x_p, self.padding)
        # END SOLUTION

    def _check_input(self, x) -> np.ndarray:
        """Return ``x`` as a float array after checking its rank, channels and size, and
        record the padded and output shapes the backward pass checks against."""
        name = f"{type(self).__name__}.forward x"
        x = as_array(x, name)
        check_ndim(x, self._d + 2, name, self._x_layout)
        self._check_parameters()
        check_size(x.shape[1], self.in_channels, name, "C_in (in_channels)", x.shape)
        self.out_shape = output_shape(x.shape[2:], self.kernel_size, self.stride, self.padding, name)
        self.x_p_shape = padded_shape(x.shape, self.padding)
        return x

    def _check_parameters(self) -> None:
        """Check that ``weight`` is ``(C_out, C_in, *kernel_size)`` and ``bias`` ``(C_out,)``."""
        name = type(self).__name__
        weight = check_parameter(self, "weight", self._d + 2, self._weight_layout)
        bias = check_parameter(self, "bias", 1, f"({weight.shape[0]},) (C_out,)")
        if bias.shape != weight.shape[:1]:
            raise ValueError(
                f"{name}.bias: expected shape ({weight.shape[0]},) (C_out,) to match weight of "
                f"shape {weight.shape}, got {bias.shape}"
            )

    def _check_grad(self, grad) -> np.ndarray:
        """Return ``grad`` as a float array after checking it has the output's shape."""
        name = type(self).__name__
        grad = as_array(grad, f"{name}.backward grad")
        expected = (self.x_p_shape[0], self.out_channels) + self.out_shape
        if grad.shape != expected:
            raise ValueError(
                f"{name}.backward: expected grad of shape {expected} {self._grad_layout}, got {grad.shape}"
            )
        return grad

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.in_channels}, {self.out_channels}, "
                f"kernel_size={tuple(self.kernel_size)}, stride={self.stride}, padding={self.padding})")


def _positive_int(value, message: str) -> int:
    """Return ``value`` as an int, or raise a ValueError: ``message`` plus the value received."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{message}, got {value!r}")
    return int(value)


class Conv1d(_Conv):
    """1-D cross-correlation ``out[n, o, l] = b[o] + sum_{c, i} W[o, c, i] x_p[n, c, s l + i]``, as ``torch.nn.Conv1d``.

    Args:
        in_channels: ``C_in``, channels of the input.
        out_channels: ``C_out``, channels of the output (one kernel each).
        kernel_size: ``k``, an int or a 1-tuple.
        stride: ``s``, the step between windows, an int or a 1-tuple.
        padding: ``p``, zeros added at both ends, an int or a 1-tuple.
        rng: the ``np.random.Generator`` the initial parameters are drawn from; omitted,
            a freshly seeded ``np.random.default_rng()``.
        dtype: floating dtype of ``weight`` and ``bias`` (float64 by default).

    Attributes:
        weight: ``W``, ``(C_out, C_in, k)``. Both parameters start from
            ``U(-1/sqrt(C_in k), 1/sqrt(C_in k))``, as in PyTorch.
        bias: ``b``, ``(C_out,)``.
        grad_weight: ``(C_out, C_in, k)``, set by ``backward`` (``None`` before).
        grad_bias: ``(C_out,)``, set by ``backward`` (``None`` before).
        cols: the patch matrix of the last input, ``(N, C_in k, L_out)``, kept by
            ``forward`` for ``backward``.
        stride, padding: 1-tuples, as PyTorch stores them.
    """

    _d = 1
    _x_layout = "(N, C_in, L)"
    _grad_layout = "(N, C_out, L_out)"
    _weight_layout = "(C_out, C_in, k)"

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, *,
                 rng: np.random.Generator | None = None, dtype=np.float64):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, rng, dtype)


class Conv2d(_Conv):
    """2-D cross-correlation ``out[n, o, h, w] = b[o] + sum_{c, i, j} W[o, c, i, j] x_p[n, c, s_h h + i, s_w w + j]``, as ``torch.nn.Conv2d``.

    Args:
        in_channels: ``C_in``, channels of the input.
        out_channels: ``C_out``, channels of the output (one kernel each).
        kernel_size: ``(kh, kw)``, an int or a pair.
        stride: ``(s_h, s_w)``, the steps between windows, an int or a pair.
        padding: ``(p_h, p_w)``, rows and columns of zeros added on each side, an int or
            a pair.
        rng: the ``np.random.Generator`` the initial parameters are drawn from; omitted,
            a freshly seeded ``np.random.default_rng()``.
        dtype: floating dtype of ``weight`` and ``bias`` (float64 by default; float32 for
            speed).

    Attributes:
        weight: ``W``, ``(C_out, C_in, kh, kw)``, PyTorch's layout. Both parameters start
            from ``U(-1/sqrt(C_in kh kw), 1/sqrt(C_in kh kw))``, as in PyTorch.
        bias: ``b``, ``(C_out,)``.
        grad_weight: ``(C_out, C_in, kh, kw)``, set by ``backward`` (``None`` before).
        grad_bias: ``(C_out,)``, set by ``backward`` (``None`` before).
        cols: the patch matrix of the last input, ``(N, C_in kh kw, H_out W_out)``, kept
            by ``forward`` for ``backward``.
        stride, padding: pairs, as PyTorch stores them.
    """

    _d = 2
    _x_layout = "(N, C_in, H, W)"
    _grad_layout = "(N, C_out, H_out, W_out)"
    _weight_layout = "(C_out, C_in, kh, kw)"

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, *,
                 rng: np.random.Generator | None = None, dtype=np.float64):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, rng, dtype)
