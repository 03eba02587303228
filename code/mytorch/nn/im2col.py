"""Patch extraction (im2col) and its adjoint (col2im), for the conv and pool layers.

A convolution slides a ``kh x kw`` window over the padded input ``x_p`` and takes a dot
product at every window position. ``im2col`` copies each window into one column of a
matrix ``cols``, so that all of those dot products become a single matrix product.
``col2im`` goes the other way: it adds every column back onto the pixels its window
covered. That is exactly the adjoint of ``im2col``, so it turns a gradient with respect
to ``cols`` into a gradient with respect to ``x_p``.

Inputs have shape ``(N, C, H, W)``; ``kernel_size = (kh, kw)``, ``stride = (s_h, s_w)``
and ``padding = (p_h, p_w)`` are pairs, and a window position ``(h, w)`` covers the
pixels ``x_p[n, c, s_h h + i, s_w w + j]`` for ``0 <= i < kh`` and ``0 <= j < kw``.
The 1-D layers use the same functions on inputs of height 1.

Derived in book/07_convolution.md.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def output_size(size: int, kernel_size: int, stride: int, padding: int,
                name: str = "input", axis: str = "width") -> int:
    """Windows along one axis, ``(size + 2 padding - kernel_size) // stride + 1``.

    The floor drops a last, incomplete window, as PyTorch does.

    Args:
        size: length of the input along the axis, before padding.
        kernel_size: window length along the axis.
        stride: step between consecutive windows.
        padding: entries added on each side of the axis.
        name: how the error message refers to the input, e.g. ``"Conv2d.forward x"``.
        axis: how the error message refers to the axis: ``"height"``, ``"width"`` or
            ``"length"``.

    Returns:
        The number of positions, at least 1.

    Raises:
        ValueError: if the window does not fit even once,
            ``kernel_size > size + 2 padding``.
    """
    padded = size + 2 * padding
    if kernel_size > padded:
        raise ValueError(
            f"{name}: kernel size {kernel_size} is larger than the padded input "
            f"{axis} {padded} (input {axis} {size} + 2 * padding {padding}); "
            f"expected a padded {axis} of at least {kernel_size}"
        )
    return (padded - kernel_size) // stride + 1


def pad(x: np.ndarray, padding: tuple[int, int], value: float = 0.0) -> np.ndarray:
    """Padded input ``x_p``: ``x`` with ``p_h`` rows and ``p_w`` columns of ``value`` on
    each side.

    Args:
        x: ``(N, C, H, W)``.
        padding: ``(p_h, p_w)``, non-negative.
        value: the fill, ``0`` for convolution and ``-inf`` for max pooling (a padded
            entry then never wins the max).

    Returns:
        ``x_p``, ``(N, C, H + 2 p_h, W + 2 p_w)`` in the dtype of ``x``; ``x`` itself,
        not a copy, when both paddings are 0.
    """
    p_h, p_w = padding
    if p_h == p_w == 0:
        return x
    N, C, H, W = x.shape
    x_p = np.full((N, C, H + 2 * p_h, W + 2 * p_w), value, dtype=x.dtype)
    x_p[:, :, p_h:p_h + H, p_w:p_w + W] = x
    return x_p


def unpad(x_p: np.ndarray, padding: tuple[int, int]) -> np.ndarray:
    """The interior of a padded array, the inverse of :func:`pad`: a view of shape
    ``(N, C, H_p - 2 p_h, W_p - 2 p_w)``."""
    p_h, p_w = padding
    H_p, W_p = x_p.shape[2:]
    return x_p[:, :, p_h:H_p - p_h, p_w:W_p - p_w]


def im2col(x_p: np.ndarray, kernel_size: tuple[int, int],
           stride: tuple[int, int]) -> np.ndarray:
    """Patch matrix ``cols[n, (c, i, j), (h, w)] = x_p[n, c, s_h h + i, s_w w + j]``.

    Column ``(h, w)`` of ``cols[n]`` is the window at position ``(h, w)``, flattened in
    the order ``(c, i, j)`` of the columns of the weight reshaped to
    ``W2 = weight.reshape(C_out, C kh kw)``, so that a convolution is one matrix product
    per sample, ``out[n] = W2 @ cols[n]`` (equation eq-conv-im2col). Columns run over
    the positions row by row, so ``out[n]`` reshapes straight to ``(C_out, H_out,
    W_out)``.

    Args:
        x_p: the padded input, ``(N, C, H_p, W_p)``.
        kernel_size: ``(kh, kw)``, at most ``(H_p, W_p)``.
        stride: ``(s_h, s_w)``.

    Returns:
        ``cols``, ``(N, C kh kw, H_out W_out)``, a new array in the dtype of ``x_p``.
    """
    N, C = x_p.shape[:2]
    kh, kw = kernel_size
    s_h, s_w = stride
    # BEGIN SOLUTION eq-conv-im2col
    # A read-only view, no copy: windows[n, c, h, w, i, j] = x_p[n, c, s_h h + i, s_w w
    # + j]
    windows = sliding_window_view(x_p, (kh, kw), axis=(2, 3))[:, :, ::s_h, ::s_w]
    H_out, W_out = windows.shape[2:4]
    # The window axes (i, j) before the positions (h, w): the reshape copies here, once.
    cols = windows.transpose(0, 1, 4, 5, 2, 3).reshape(N, C * kh * kw, H_out * W_out)
    # For a 1x1 kernel at stride 1 the reshape copies nothing and cols would be a view
    # of x_p; the layers keep cols for backward, so it must not change when x_p does.
    return cols.copy() if np.may_share_memory(cols, x_p) else cols
    # END SOLUTION


def col2im(grad_cols: np.ndarray, x_p_shape: tuple[int, int, int, int],
           kernel_size: tuple[int, int], stride: tuple[int, int]) -> np.ndarray:
    """Adjoint of :func:`im2col`: ``grad_x_p[n, c, u, v]`` is the sum of
    ``grad_cols[n, (c, i, j), (h, w)]`` over every ``(i, j, h, w)`` with
    ``s_h h + i = u`` and ``s_w w + j = v``.

    Every entry of ``cols`` is a copy of one pixel of ``x_p``, so the gradient of that
    pixel is the sum of the gradients of all its copies (equation
    eq-conv-im2col-backward). Where windows overlap (a stride smaller than the kernel)
    a pixel has several copies, and they add.

    Args:
        grad_cols: ``dL/d(cols)``, ``(N, C kh kw, H_out W_out)``.
        x_p_shape: the shape of ``x_p``, ``(N, C, H_p, W_p)``.
        kernel_size: ``(kh, kw)``, as given to :func:`im2col`.
        stride: ``(s_h, s_w)``, as given to :func:`im2col`.

    Returns:
        ``grad_x_p = dL/d(x_p)``, of shape ``x_p_shape``, in the dtype of ``grad_cols``.
    """
    N, C, H_p, W_p = x_p_shape
    kh, kw = kernel_size
    s_h, s_w = stride
    H_out, W_out = (H_p - kh) // s_h + 1, (W_p - kw) // s_w + 1
    # BEGIN SOLUTION eq-conv-im2col-backward
    grad_windows = grad_cols.reshape(N, C, kh, kw, H_out, W_out)
    grad_x_p = np.zeros(x_p_shape, dtype=grad_cols.dtype)
    # One vectorised += per kernel offset (i, j), each covering every sample, channel
    # and window position at once. For one offset the pixels s_h h + i, s_w w + j are
    # all distinct, so += adds each copy once; the offsets whose windows overlap add up.
    for i in range(kh):
        for j in range(kw):
            rows = slice(i, i + s_h * H_out, s_h)
            columns = slice(j, j + s_w * W_out, s_w)
            grad_x_p[:, :, rows, columns] += grad_windows[:, :, i, j]
    return grad_x_p
    # END SOLUTION
