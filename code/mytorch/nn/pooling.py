"""Max pooling layers, built on the same patch matrices as the convolutions.

``im2col`` lays every window out as a column; the forward pass takes the maximum of each
column and remembers which entry won (``argmax``). The maximum passes on the gradient of
the entry that won and nothing of the others, so the backward pass puts each upstream
gradient into the winning row of its column and lets ``col2im`` add the columns back
onto the input, where overlapping windows that share a winner accumulate.
``MaxPool1d`` is ``MaxPool2d`` on inputs of height 1.

Derived in book/07_convolution.md.
"""

from __future__ import annotations

import numpy as np

from mytorch.nn.im2col import col2im, im2col, pad, unpad
from mytorch.nn.module import Module
from mytorch.nn.window import Window1d, Window2d


class MaxPool2d(Window2d, Module):
    """2-D max pooling, as ``torch.nn.MaxPool2d``:
    ``out[n, c, h, w] = max_{i < kh, j < kw} x_p[n, c, s_h h + i, s_w w + j]``.

    Args:
        kernel_size: ``(kh, kw)``, the window, an int or a pair.
        stride: ``(s_h, s_w)``, the steps between windows, an int or a pair; ``None``
            (the default) means ``kernel_size``, so that windows tile the input without
            overlapping.
        padding: ``(p_h, p_w)`` with ``p_h <= kh / 2`` and ``p_w <= kw / 2``, rows and
            columns of ``-inf`` added on each side, an int or a pair.

    Attributes:
        argmax: for every window, the flat offset ``i kw + j`` of its maximum,
            ``(N, C, H_out W_out)``, kept by ``forward`` for ``backward``. Ties go to
            the first maximum in row-major order, as in PyTorch.
        kernel_size, stride, padding: pairs.
    """

    # How error messages spell the arrays.
    _x_layout = "(N, C, H, W)"
    _grad_layout = "(N, C, H_out, W_out)"

    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size = self._pair(kernel_size, "kernel_size", 1)
        if stride is None:
            self.stride = self.kernel_size
        else:
            self.stride = self._pair(stride, "stride", 1)
        self.padding = self._pair(padding, "padding", 0)
        # As in PyTorch: with p <= k / 2 every window holds at least one real entry, so
        # the -inf padding never wins a maximum.
        if any(2 * p > k for p, k in zip(self.padding, self.kernel_size)):
            raise ValueError(
                f"{type(self).__name__} padding: expected at most half the kernel size "
                f"{self._shown(self.kernel_size)}, got {self._shown(self.padding)}"
            )
        self.argmax = None
        self.x_p_shape = None
        self.out_shape = None

    def forward(self, x) -> np.ndarray:
        """Compute ``out[n, c, q] = cols[n, c, argmax[n, c, q], q]``; keep ``argmax``.

        ``argmax`` holds the first maximum of each column of ``cols = im2col(x_p)``
        (equation eq-conv-maxpool).

        Column ``q = h W_out + w`` of ``cols[n, c]`` is the window
        ``x_p[n, c, s_h h : s_h h + kh, s_w w : s_w w + kw]`` flattened row by row.

        Args:
            x: ``(N, C, H, W)`` with ``H + 2 p_h >= kh`` and ``W + 2 p_w >= kw``.

        Returns:
            ``out``, ``(N, C, H_out, W_out)`` with ``H_out = (H + 2 p_h - kh) // s_h +
            1`` and ``W_out = (W + 2 p_w - kw) // s_w + 1``, in the dtype of ``x``.
        """
        x = self._check_input(x)
        # BEGIN SOLUTION eq-conv-maxpool
        N, C = x.shape[:2]
        (kh, kw), (H_out, W_out) = self.kernel_size, self.out_shape
        cols = im2col(pad(x, self.padding, -np.inf), self.kernel_size, self.stride)
        cols = cols.reshape(N, C, kh * kw, H_out * W_out)  # one window per column
        self.argmax = cols.argmax(axis=2)                  # (N, C, H_out W_out)
        out = np.take_along_axis(cols, self.argmax[:, :, None, :], axis=2)
        return out.reshape(N, C, H_out, W_out)
        # END SOLUTION

    def backward(self, grad) -> np.ndarray:
        """Return ``grad_x = unpad(col2im(grad_cols))`` with
        ``grad_cols[n, c, r, q] = grad[n, c, q] if r == argmax[n, c, q] else 0``
        (equation eq-conv-maxpool-backward).

        Only the entry that won a window's maximum moves the output, so it alone
        receives that window's gradient; an entry that wins several overlapping windows
        receives the sum of their gradients, which ``col2im`` adds up.

        Args:
            grad: ``dL/d(out)``, ``(N, C, H_out, W_out)``.

        Returns:
            ``grad_x = dL/dx``, ``(N, C, H, W)``.
        """
        grad = self._check_grad(grad)
        # BEGIN SOLUTION eq-conv-maxpool-backward
        N, C, H_out, W_out = grad.shape
        kh, kw = self.kernel_size
        G = grad.reshape(N, C, 1, H_out * W_out)
        winner = np.arange(kh * kw)[:, None] == self.argmax[:, :, None, :]
        # np.where rather than a product: an infinite upstream gradient times 0 would
        # put NaN on the entries that lost.
        grad_cols = np.where(winner, G, 0).reshape(N, C * kh * kw, H_out * W_out)
        grad_x_p = col2im(grad_cols, self.x_p_shape, self.kernel_size, self.stride)
        return unpad(grad_x_p, self.padding)
        # END SOLUTION

    # ------------------------------------------------------------------ the checks
    # _check_input and _check_grad are those of Window2d, with these two details.
    _kept = "argmax"

    def _out_channels(self) -> int:
        return self.x_p_shape[1]  # pooling keeps the channels

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(kernel_size={self._shown(self.kernel_size)}, "
                f"stride={self._shown(self.stride)}, "
                f"padding={self._shown(self.padding)})")


class MaxPool1d(Window1d, MaxPool2d):
    """1-D max pooling, as ``torch.nn.MaxPool1d``:
    ``out[n, c, l] = max_{0 <= i < k} x_p[n, c, s l + i]``.

    It is :class:`MaxPool2d` on the input viewed as an image of height 1,
    ``(N, C, 1, L)``, with the window ``(1, k)``: the same ``forward`` and ``backward``,
    with errors in 1-D terms.

    Args:
        kernel_size: ``k``, the window length, an int or a 1-tuple.
        stride: ``s``, the step between windows; ``None`` (the default) means ``k``, so
            that windows tile the input without overlapping.
        padding: ``p <= k / 2``, entries of ``-inf`` added at both ends.

    Attributes:
        argmax: for every window, the offset ``i`` of its maximum, ``(N, C, L_out)``,
            kept by ``forward`` for ``backward``. Ties go to the first maximum, as in
            PyTorch.
        kernel_size, stride, padding: the pairs of the 2-D layer it runs, ``(1, k)``,
            ``(1, s)`` and ``(0, p)``.
    """

    _x_layout = "(N, C, L)"
    _grad_layout = "(N, C, L_out)"

    def forward(self, x) -> np.ndarray:
        """``MaxPool2d.forward`` on ``x`` viewed as ``(N, C, 1, L)``.

        Args:
            x: ``(N, C, L)`` with ``L + 2 p >= k``.

        Returns:
            ``out``, ``(N, C, L_out)`` with ``L_out = (L + 2 p - k) // s + 1``.
        """
        return super().forward(x)[:, :, 0, :]

    def backward(self, grad) -> np.ndarray:
        """``MaxPool2d.backward`` on ``grad`` viewed as ``(N, C, 1, L_out)``.

        Args:
            grad: ``dL/d(out)``, ``(N, C, L_out)``.

        Returns:
            ``grad_x = dL/dx``, ``(N, C, L)``.
        """
        return super().backward(grad)[:, :, 0, :]
