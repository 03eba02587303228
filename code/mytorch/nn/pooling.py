"""Max pooling layers, built on the same patch matrices as the convolutions.

``im2col`` lays every window out as a column; the forward pass takes the maximum of each
column and remembers which entry won (``argmax``). The maximum passes on the gradient of
the entry that won and nothing of the others, so the backward pass puts each upstream
gradient into the winning row of its column and lets ``col2im`` add the columns back
onto the input, where overlapping windows that share a winner accumulate.
"""

from __future__ import annotations

import math

import numpy as np

from mytorch.nn._checks import as_array, check_ndim
from mytorch.nn.im2col import col2im, im2col, ntuple, output_shape, pad, padded_shape, unpad
from mytorch.nn.module import Module


class _MaxPool(Module):
    """What ``MaxPool1d`` and ``MaxPool2d`` share: argument checks, and ``forward`` and
    ``backward`` themselves, which ``im2col`` and ``col2im`` make independent of the
    number of spatial axes. Subclasses set ``_d`` (that number) and the layouts used
    in error messages."""

    _d: int
    _x_layout: str
    _grad_layout: str

    def __init__(self, kernel_size, stride, padding):
        name = type(self).__name__
        self.kernel_size = ntuple(kernel_size, f"{name} kernel_size", 1, self._d)
        self.stride = self.kernel_size if stride is None else ntuple(stride, f"{name} stride", 1, self._d)
        self.padding = ntuple(padding, f"{name} padding", 0, self._d)
        # As in PyTorch: with p <= k / 2 every window holds at least one real entry, so
        # the -inf padding never wins a maximum.
        if any(2 * p > k for p, k in zip(self.padding, self.kernel_size)):
            raise ValueError(
                f"{name} padding: expected at most half the kernel size {self.kernel_size}, "
                f"got {self.padding}"
            )
        self.argmax = None
        self.x_p_shape = None
        self.out_shape = None

    def forward(self, x) -> np.ndarray:
        """Compute ``out[n, c, q] = cols[n, c, argmax[n, c, q], q]`` with ``argmax`` the first maximum of each column of ``cols = im2col(x_p)``; keep ``argmax``.

        Written here for ``MaxPool2d``; ``MaxPool1d`` runs the same code with one spatial
        axis (``L``, ``k``, ``s``, ``p`` and ``L_out`` in place of the pairs).

        Column ``q = h W_out + w`` of ``cols[n, c]`` is the window
        ``x_p[n, c, s_h h : s_h h + kh, s_w w : s_w w + kw]`` flattened row by row.

        Args:
            x: ``(N, C, H, W)`` with ``H + 2 p_h >= kh`` and ``W + 2 p_w >= kw``.

        Returns:
            ``out``, ``(N, C, H_out, W_out)`` with ``H_out = (H + 2 p_h - kh) // s_h + 1``
            and ``W_out = (W + 2 p_w - kw) // s_w + 1``, in the dtype of ``x``.
        """
        x = self._check_input(x)
        N, C = x.shape[:2]
        # BEGIN SOLUTION eq-conv-maxpool
        cols = im2col(pad(x, self.padding, -np.inf), self.kernel_size, self.stride)
        cols = cols.reshape(N, C, math.prod(self.kernel_size), math.prod(self.out_shape))
        self.argmax = cols.argmax(axis=2)
        out = np.take_along_axis(cols, self.argmax[:, :, None, :], axis=2)
        return out.reshape((N, C) + self.out_shape)
        # END SOLUTION

    def backward(self, grad) -> np.ndarray:
        """Return ``grad_x = unpad(col2im(grad_cols))`` with ``grad_cols[n, c, r, q] = grad[n, c, q] if r == argmax[n, c, q] else 0``.

        Written here for ``MaxPool2d``; ``MaxPool1d`` runs the same code with one spatial axis.

        Only the entry that won a window's maximum moves the output, so it alone receives
        that window's gradient; an entry that wins several overlapping windows receives
        the sum of their gradients, which ``col2im`` adds up.

        Args:
            grad: ``dL/d(out)``, ``(N, C, H_out, W_out)``.

        Returns:
            ``grad_x = dL/dx``, ``(N, C, H, W)``.
        """
        argmax = self._saved("argmax")
        grad = self._check_grad(grad)
        N, C = grad.shape[:2]
        # BEGIN SOLUTION eq-conv-maxpool-backward
        K = math.prod(self.kernel_size)
        grad = grad.reshape(N, C, 1, math.prod(self.out_shape))
        winner = np.arange(K)[:, None] == argmax[:, :, None, :]
        # np.where rather than a product: an infinite upstream gradient times 0 would
        # put NaN on the entries that lost.
        grad_cols = np.where(winner, grad, 0).reshape(N, C * K, math.prod(self.out_shape))
        return unpad(col2im(grad_cols, self.x_p_shape, self.kernel_size, self.stride), self.padding)
        # END SOLUTION

    def _check_input(self, x) -> np.ndarray:
        """Return ``x`` as a float array after checking its rank and size, and record
        the padded and output shapes the backward pass checks against."""
        name = f"{type(self).__name__}.forward x"
        x = as_array(x, name)
        check_ndim(x, self._d + 2, name, self._x_layout)
        self.out_shape = output_shape(x.shape[2:], self.kernel_size, self.stride, self.padding, name)
        self.x_p_shape = padded_shape(x.shape, self.padding)
        return x

    def _check_grad(self, grad) -> np.ndarray:
        """Return ``grad`` as a float array after checking it has the output's shape."""
        name = type(self).__name__
        grad = as_array(grad, f"{name}.backward grad")
        expected = self.x_p_shape[:2] + self.out_shape
        if grad.shape != expected:
            raise ValueError(
                f"{name}.backward: expected grad of shape {expected} {self._grad_layout}, got {grad.shape}"
            )
        return grad

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding})")


class MaxPool1d(_MaxPool):
    """1-D max pooling ``out[n, c, l] = max_{0 <= i < k} x_p[n, c, s l + i]``, as ``torch.nn.MaxPool1d``.

    Args:
        kernel_size: ``k``, the window length, an int or a 1-tuple.
        stride: ``s``, the step between windows; ``None`` (the default) means ``k``, so
            that windows tile the input without overlapping.
        padding: ``p <= k / 2``, entries of ``-inf`` added at both ends.

    Attributes:
        argmax: for every window, the offset ``i`` of its maximum, ``(N, C, L_out)``,
            kept by ``forward`` for ``backward``. Ties go to the first maximum, as in
            PyTorch.
        kernel_size, stride, padding: 1-tuples, as PyTorch's functional form takes them.
    """

    _d = 1
    _x_layout = "(N, C, L)"
    _grad_layout = "(N, C, L_out)"

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__(kernel_size, stride, padding)


class MaxPool2d(_MaxPool):
    """2-D max pooling ``out[n, c, h, w] = max_{i < kh, j < kw} x_p[n, c, s_h h + i, s_w w + j]``, as ``torch.nn.MaxPool2d``.

    Args:
        kernel_size: ``(kh, kw)``, the window, an int or a pair.
        stride: ``(s_h, s_w)``, the steps between windows, an int or a pair; ``None``
            (the default) means ``kernel_size``, so that windows tile the input without
            overlapping.
        padding: ``(p_h, p_w)`` with ``p_h <= kh / 2`` and ``p_w <= kw / 2``, rows and
            columns of ``-inf`` added on each side, an int or a pair.

    Attributes:
        argmax: for every window, the flat offset ``i kw + j`` of its maximum,
            ``(N, C, H_out W_out)``, kept by ``forward`` for ``backward``. Ties go to the
            first maximum in row-major order, as in PyTorch.
        kernel_size, stride, padding: pairs.
    """

    _d = 2
    _x_layout = "(N, C, H, W)"
    _grad_layout = "(N, C, H_out, W_out)"

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__(kernel_size, stride, padding)
