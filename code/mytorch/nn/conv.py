"""Convolution layers, computed as matrix products on patch matrices.

Like PyTorch (and every deep-learning library), a "convolution" layer computes a
cross-correlation: the kernel is not flipped. For one output channel ``o``, with stride
``(s_h, s_w)`` and zero-padded input ``x_p``,

    out[n, o, h, w] = b[o] + sum_{c,i,j} W[o, c, i, j] x_p[n, c, s_h h + i, s_w w + j].

:func:`~mytorch.nn.im2col.im2col` copies every window of ``x_p`` into a column of
``cols``, which turns the triple sum into one matrix product per sample,
``out[n] = W2 @ cols[n] + b`` with ``W2 = W.reshape(C_out, C_in kh kw)``. The backward
pass is then two more matrix products and one :func:`~mytorch.nn.im2col.col2im`.
``Conv1d`` is ``Conv2d`` on inputs of height 1.

Derived in book/07_convolution.md.
"""

from __future__ import annotations

import numpy as np

from mytorch.nn._checks import (
    check_bool,
    check_dtype,
    check_parameter,
    check_rng,
    check_size,
    positive_int,
)
from mytorch.nn.im2col import col2im, im2col, pad, unpad
from mytorch.nn.module import Module
from mytorch.nn.window import Window1d, Window2d


class Conv2d(Window2d, Module):
    """2-D cross-correlation ``out[n, o] = b[o] + sum_c W[o, c] (*) x_p[n, c]``.

    ``(*)`` slides the kernel ``W[o, c]`` over the image ``x_p[n, c]`` with stride
    ``(s_h, s_w)``: ``out[n, o, h, w] = b[o] + sum_{c, i, j} W[o, c, i, j] *
    x_p[n, c, s_h h + i, s_w w + j]``, where ``x_p`` is ``x`` padded with zeros, as
    ``torch.nn.Conv2d`` computes it.

    Args:
        in_channels: ``C_in``, channels of the input.
        out_channels: ``C_out``, channels of the output (one kernel each).
        kernel_size: ``(kh, kw)``, an int or a pair.
        stride: ``(s_h, s_w)``, the steps between windows, an int or a pair.
        padding: ``(p_h, p_w)``, rows and columns of zeros added on each side, an int or
            a pair.
        bias: whether the layer adds a bias ``b`` (``bias=False``: ``bias`` and
            ``grad_bias`` stay ``None``).
        rng: the ``np.random.Generator`` the initial parameters are drawn from; omitted,
            a freshly seeded ``np.random.default_rng()``.
        dtype: floating dtype of ``weight`` and ``bias`` (float64 by default; float32
            for speed).

    Attributes:
        weight: ``W``, ``(C_out, C_in, kh, kw)``, PyTorch's layout. Both parameters
            start from ``U(-1/sqrt(C_in kh kw), 1/sqrt(C_in kh kw))``, as in PyTorch.
        bias: ``b``, ``(C_out,)``, or ``None``.
        grad_weight: ``(C_out, C_in, kh, kw)``, set by ``backward`` (``None`` before).
        grad_bias: ``(C_out,)``, set by ``backward`` (``None`` before).
        cols: the patch matrix of the last input, ``(N, C_in kh kw, H_out W_out)``, kept
            by ``forward`` for ``backward``.
        stride, padding: pairs, as PyTorch stores them.
    """

    param_names = ("weight", "bias")
    # How error messages spell the arrays, and the names of the spatial axes.
    _x_layout = "(N, C_in, H, W)"
    _grad_layout = "(N, C_out, H_out, W_out)"
    _weight_layout = "(C_out, C_in, kh, kw)"

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1,
                 padding=0, bias: bool = True, *,
                 rng: np.random.Generator | None = None, dtype=np.float64):
        name = type(self).__name__
        in_channels = positive_int(in_channels, "in_channels", name)
        out_channels = positive_int(out_channels, "out_channels", name)
        kh, kw = self._pair(kernel_size, "kernel_size", 1)
        self.stride = self._pair(stride, "stride", 1)
        self.padding = self._pair(padding, "padding", 0)
        has_bias = check_bool(bias, "bias", name)
        rng = check_rng(rng, name)
        dtype = check_dtype(dtype, name)
        # PyTorch's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) keeps the scale of each
        # output independent of how many inputs its window sums over.
        bound = 1.0 / np.sqrt(in_channels * kh * kw)
        shape = (out_channels, in_channels, *self._shown((kh, kw)))
        self.weight = rng.uniform(-bound, bound, shape).astype(dtype, copy=False)
        self.bias = None
        if has_bias:
            bias = rng.uniform(-bound, bound, out_channels)
            self.bias = bias.astype(dtype, copy=False)
        else:
            self.param_names = ("weight",)
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
    def kernel_size(self) -> tuple[int, int]:
        """``(kh, kw)``, the last two axes of ``weight``."""
        return self.weight.shape[2:]

    def forward(self, x) -> np.ndarray:
        """Compute ``out[n] = W2 @ cols[n] + b`` with ``cols = im2col(x_p)`` and
        ``W2 = W.reshape(C_out, C_in kh kw)`` (equation eq-conv-im2col); keep ``cols``.

        Column ``h W_out + w`` of ``cols[n]`` is the window
        ``x_p[n, :, s_h h : s_h h + kh, s_w w : s_w w + kw]`` flattened in the order of
        ``W2``'s columns, so entry ``(o, h W_out + w)`` of ``W2 @ cols[n]`` is the sum
        over ``c, i, j`` in the formula of the class.

        Args:
            x: ``(N, C_in, H, W)`` with ``H + 2 p_h >= kh`` and ``W + 2 p_w >= kw``.

        Returns:
            ``out``, ``(N, C_out, H_out, W_out)`` with
            ``H_out = (H + 2 p_h - kh) // s_h + 1`` and
            ``W_out = (W + 2 p_w - kw) // s_w + 1``.
        """
        x = self._check_input(x)
        # BEGIN SOLUTION eq-conv-im2col
        N, C_out = x.shape[0], self.out_channels
        H_out, W_out = self.out_shape
        self.cols = im2col(pad(x, self.padding), self.kernel_size, self.stride)
        W2 = self.weight.reshape(C_out, -1)              # (C_out, C_in kh kw)
        out = W2 @ self.cols                             # (N, C_out, H_out W_out)
        if self.bias is not None:
            out += self.bias[:, None]
        return out.reshape(N, C_out, H_out, W_out)
        # END SOLUTION

    def backward(self, grad) -> np.ndarray:
        """Return ``grad_x = unpad(col2im(W2.T @ G))``; store
        ``grad_weight = sum_n G[n] @ cols[n].T`` and ``grad_bias = sum_{n, h, w} G[n, :,
        h, w]`` (equation eq-conv-im2col-backward).

        ``G`` is ``grad`` viewed as ``(N, C_out, H_out W_out)``, one row per output
        channel. The weight gradient correlates the input with ``G``: the sum of the
        forward pass, with ``G`` in the role of the kernel. ``W2.T @ G`` is the gradient
        of every entry of ``cols``, and ``col2im`` adds each onto the pixel of ``x_p``
        it was copied from. That evaluates the full convolution of the dilated ``G``
        with the flipped kernel (equation eq-conv-grad-x) without building the dilated
        ``G``.

        Args:
            grad: ``dL/d(out)``, ``(N, C_out, H_out, W_out)``.

        Returns:
            ``grad_x = dL/dx``, ``(N, C_in, H, W)``.
        """
        grad = self._check_grad(grad)
        # BEGIN SOLUTION eq-conv-im2col-backward
        N, C_out, H_out, W_out = grad.shape
        G = grad.reshape(N, C_out, H_out * W_out)
        W2 = self.weight.reshape(C_out, -1)
        # One (C_out, C_in kh kw) product per sample, then the sum over the batch.
        grad_W2 = (G @ self.cols.transpose(0, 2, 1)).sum(axis=0)
        self.grad_weight = grad_W2.reshape(self.weight.shape)
        if self.bias is not None:
            self.grad_bias = G.sum(axis=(0, 2))
        grad_cols = W2.T @ G                             # (N, C_in kh kw, H_out W_out)
        grad_x_p = col2im(grad_cols, self.x_p_shape, self.kernel_size, self.stride)
        return unpad(grad_x_p, self.padding)
        # END SOLUTION

    # ------------------------------------------------------------------ the checks
    # _check_input and _check_grad are those of Window2d, with these three details.
    _kept = "cols"

    def _out_channels(self) -> int:
        return self.out_channels

    def _check_channels(self, x: np.ndarray, name: str) -> None:
        """The parameters, then ``x.shape[1] == C_in``."""
        self._check_parameters()
        check_size(x, 1, self.in_channels, "C_in (in_channels)", name)

    def _check_parameters(self) -> None:
        """Check that ``weight`` has the layer's layout and ``bias`` is ``(C_out,)`` (or
        ``None`` for a layer without bias)."""
        name = type(self).__name__
        weight = check_parameter(self, "weight", self._ndim, self._weight_layout)
        if "bias" not in self.param_names:
            return
        layout = f"({weight.shape[0]},) (C_out,)"
        bias = check_parameter(self, "bias", 1, layout)
        if bias.shape != weight.shape[:1]:
            raise ValueError(
                f"{name}.bias: expected shape {layout} to match weight of "
                f"shape {weight.shape}, got {bias.shape}"
            )

    def __repr__(self) -> str:
        extra = "" if self.bias is not None else ", bias=False"
        return (f"{type(self).__name__}({self.in_channels}, {self.out_channels}, "
                f"kernel_size={self._shown(self.kernel_size)}, "
                f"stride={self._shown(self.stride)}, "
                f"padding={self._shown(self.padding)}{extra})")


class Conv1d(Window1d, Conv2d):
    """1-D cross-correlation, as ``torch.nn.Conv1d``:
    ``out[n, o, l] = b[o] + sum_{c, i} W[o, c, i] x_p[n, c, s l + i]``.

    It is :class:`Conv2d` on the input viewed as an image of height 1, ``(N, C_in, 1,
    L)``, with the kernel ``(1, k)``: the same ``forward`` and ``backward``, with errors
    in 1-D terms.

    Args:
        in_channels: ``C_in``, channels of the input.
        out_channels: ``C_out``, channels of the output (one kernel each).
        kernel_size: ``k``, an int or a 1-tuple.
        stride: ``s``, the step between windows, an int or a 1-tuple.
        padding: ``p``, zeros added at both ends, an int or a 1-tuple.
        bias: whether the layer adds a bias ``b``.
        rng: the ``np.random.Generator`` the initial parameters are drawn from; omitted,
            a freshly seeded ``np.random.default_rng()``.
        dtype: floating dtype of ``weight`` and ``bias`` (float64 by default).

    Attributes:
        weight: ``W``, ``(C_out, C_in, k)``, PyTorch's layout. Both parameters start
            from ``U(-1/sqrt(C_in k), 1/sqrt(C_in k))``, as in PyTorch.
        bias: ``b``, ``(C_out,)``, or ``None``.
        grad_weight: ``(C_out, C_in, k)``, set by ``backward`` (``None`` before).
        grad_bias: ``(C_out,)``, set by ``backward`` (``None`` before).
        cols: the patch matrix of the last input, ``(N, C_in k, L_out)``, kept by
            ``forward`` for ``backward``.
        kernel_size, stride, padding: the pairs of the 2-D layer it runs, ``(1, k)``,
            ``(1, s)`` and ``(0, p)``.
    """

    _x_layout = "(N, C_in, L)"
    _grad_layout = "(N, C_out, L_out)"
    _weight_layout = "(C_out, C_in, k)"

    @property
    def kernel_size(self) -> tuple[int, int]:
        """``(1, k)``: a window one row high."""
        return (1, self.weight.shape[2])

    def forward(self, x) -> np.ndarray:
        """``Conv2d.forward`` on ``x`` viewed as ``(N, C_in, 1, L)``.

        Args:
            x: ``(N, C_in, L)`` with ``L + 2 p >= k``.

        Returns:
            ``out``, ``(N, C_out, L_out)`` with ``L_out = (L + 2 p - k) // s + 1``.
        """
        return super().forward(x)[:, :, 0, :]

    def backward(self, grad) -> np.ndarray:
        """``Conv2d.backward`` on ``grad`` viewed as ``(N, C_out, 1, L_out)``.

        Args:
            grad: ``dL/d(out)``, ``(N, C_out, L_out)``.

        Returns:
            ``grad_x = dL/dx``, ``(N, C_in, L)``.
        """
        return super().backward(grad)[:, :, 0, :]
