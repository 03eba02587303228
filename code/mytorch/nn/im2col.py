"""Patch extraction (im2col) and its adjoint (col2im), shared by the conv and pool layers.

A convolution slides a ``kernel_size`` window over the padded input ``x_p`` and takes a
dot product at every window position. ``im2col`` copies each window into one column of a
matrix ``cols``, so that all of those dot products become a single matrix product.
``col2im`` goes the other way: it adds every column back onto the pixels its window
covered. That is exactly the adjoint of ``im2col``, so it turns a gradient with respect
to ``cols`` into a gradient with respect to ``x_p``.

The functions work for any number ``d`` of spatial axes (the layers use ``d = 1`` and
``d = 2``). An input has shape ``(N, C, *spatial)``; ``kernel_size``, ``stride`` and
``padding`` are tuples of ``d`` ints, one per spatial axis, and ``K = prod(kernel_size)``
and ``P = prod(out_shape)`` count the entries of one window and the window positions.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from mytorch.nn._checks import pair


def ntuple(value, name: str, minimum: int, d: int) -> tuple[int, ...]:
    """Turn an int, or a sequence of ``d`` ints, into a ``d``-tuple of ints ``>= minimum``.

    PyTorch accepts ``kernel_size=3`` as well as ``kernel_size=(3,)`` for a 1-D layer and
    ``kernel_size=(3, 2)`` for a 2-D one; this does the same for ``kernel_size``,
    ``stride`` and ``padding``.

    Args:
        value: an int, or a tuple or list of ``d`` ints.
        name: how error messages refer to ``value``, e.g. ``"Conv2d stride"``.
        minimum: the smallest allowed entry (1 for sizes and strides, 0 for padding).
        d: the number of spatial axes, 1 or 2.

    Returns:
        A tuple of ``d`` Python ints.
    """
    if d == 2:
        return pair(value, name, minimum)
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if len(items) != 1 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items):
        raise ValueError(f"{name}: expected an int or a 1-tuple of ints, got {value!r}")
    if items[0] < minimum:
        raise ValueError(f"{name}: expected values >= {minimum}, got {value!r}")
    return (int(items[0]),)


def output_size(size: int, kernel_size: int, stride: int, padding: int, name: str = "input",
                axis: str = "width") -> int:
    """Number of window positions along one axis, ``out = (size + 2 padding - kernel_size) // stride + 1``.

    The floor drops a last, incomplete window, as PyTorch does.

    Args:
        size: length of the input along the axis, before padding.
        kernel_size: window length along the axis.
        stride: step between consecutive windows.
        padding: entries added on each side of the axis.
        name: how the error message refers to the input, e.g. ``"Conv2d.forward x"``.
        axis: how the error message refers to the axis, e.g. ``"height"``.

    Returns:
        ``out >= 1``.

    Raises:
        ValueError: if the window does not fit even once, ``kernel_size > size + 2 padding``.
    """
    padded = size + 2 * padding
    if kernel_size > padded:
        raise ValueError(
            f"{name}: kernel size {kernel_size} is larger than the padded input {axis} {padded} "
            f"(input {axis} {size} + 2 * padding {padding}); expected a padded {axis} of at least "
            f"{kernel_size}"
        )
    return (padded - kernel_size) // stride + 1


def output_shape(spatial: tuple[int, ...], kernel_size: tuple[int, ...], stride: tuple[int, ...],
                 padding: tuple[int, ...], name: str = "input") -> tuple[int, ...]:
    """Window positions along every spatial axis, ``out[a] = (spatial[a] + 2 padding[a] - kernel_size[a]) // stride[a] + 1``.

    Args:
        spatial: the input's spatial shape, ``(L,)`` or ``(H, W)``.
        kernel_size: ``d`` window lengths.
        stride: ``d`` steps.
        padding: ``d`` paddings.
        name: how error messages refer to the input.

    Returns:
        ``out_shape``, a tuple of ``d`` positive ints: ``(L_out,)`` or ``(H_out, W_out)``.
    """
    axes = ("length",) if len(spatial) == 1 else ("height", "width")
    return tuple(output_size(*args, name=name, axis=axis)
                 for *args, axis in zip(spatial, kernel_size, stride, padding, axes))


def pad(x: np.ndarray, padding: tuple[int, ...], value: float = 0.0) -> np.ndarray:
    """Padded input ``x_p``: ``x`` with ``padding[a]`` entries equal to ``value`` before and after each spatial axis ``a``.

    Args:
        x: ``(N, C, *spatial)``.
        padding: ``d`` non-negative ints.
        value: the fill, ``0`` for convolution and ``-inf`` for max pooling (a padded
            entry then never wins the max).

    Returns:
        ``x_p``, ``(N, C, *(spatial + 2 padding))`` in the dtype of ``x``; ``x`` itself,
        not a copy, when every padding is 0.
    """
    if not any(padding):
        return x
    x_p = np.full(padded_shape(x.shape, padding), value, dtype=x.dtype)
    x_p[_interior(x_p.shape, padding)] = x
    return x_p


def padded_shape(shape: tuple[int, ...], padding: tuple[int, ...]) -> tuple[int, ...]:
    """The shape of ``x_p``, ``(N, C, *(spatial + 2 padding))``, for ``x`` of ``shape`` ``(N, C, *spatial)``."""
    return tuple(shape[:2]) + tuple(s + 2 * p for s, p in zip(shape[2:], padding))


def unpad(x_p: np.ndarray, padding: tuple[int, ...]) -> np.ndarray:
    """Interior ``x_p[..., p:-p]`` of a padded array, the inverse of :func:`pad`.

    Args:
        x_p: ``(N, C, *padded_spatial)``.
        padding: the ``d`` paddings :func:`pad` added.

    Returns:
        A view of shape ``(N, C, *(padded_spatial - 2 padding))``.
    """
    return x_p[_interior(x_p.shape, padding)] if any(padding) else x_p


def _interior(padded_shape: tuple[int, ...], padding: tuple[int, ...]) -> tuple[slice, ...]:
    """The index that selects the unpadded interior of an array of ``padded_shape``."""
    return (slice(None), slice(None)) + tuple(slice(p, s - p) for s, p in zip(padded_shape[2:], padding))


def im2col(x_p: np.ndarray, kernel_size: tuple[int, ...], stride: tuple[int, ...]) -> np.ndarray:
    """Patch matrix ``cols[n, (c, *k), q] = x_p[n, c, *(stride * q + k)]``: column ``q`` of sample ``n`` holds the window at position ``q``.

    With ``cols`` a convolution is a matrix product, ``out[n] = W2 @ cols[n]`` for the
    weight reshaped to ``W2`` of shape ``(C_out, C * K)``. Rows are ordered channel
    first, then kernel offset in row-major order, which is the order of
    ``weight.reshape(C_out, -1)`` for PyTorch's weight layout ``(C_out, C, *kernel_size)``.
    Columns are ordered by window position, row-major, so ``out[n]`` reshapes straight
    to ``(C_out, *out_shape)``.

    Args:
        x_p: the padded input, ``(N, C, *padded_spatial)``.
        kernel_size: ``d`` window lengths, each at most the padded length.
        stride: ``d`` steps.

    Returns:
        ``cols``, ``(N, C * K, P)``, a new array in the dtype of ``x_p``.
    """
    N, C = x_p.shape[:2]
    d = len(kernel_size)
    # BEGIN SOLUTION eq-conv-im2col
    # A read-only view, no copy: windows[n, c, *position, *k] = x_p[n, c, *(position + k)]
    # for every position, then keep every stride-th position.
    windows = sliding_window_view(x_p, kernel_size, axis=tuple(range(2, 2 + d)))
    windows = windows[(slice(None), slice(None)) + tuple(slice(None, None, s) for s in stride)]
    out_shape = windows.shape[2:2 + d]
    # Kernel axes before position axes; reshape must then copy, and this copy is the
    # only one im2col makes. Its innermost loop runs along the output width, contiguous
    # in x_p when the stride is 1, which keeps the copy fast.
    windows = windows.transpose((0, 1) + tuple(range(2 + d, 2 + 2 * d)) + tuple(range(2, 2 + d)))
    cols = windows.reshape(N, C * math.prod(kernel_size), math.prod(out_shape))
    # For a 1x1 kernel at stride 1 the reshape needs no copy and cols would be a view of
    # x_p; the layers keep cols for backward, so it must not change when x_p does.
    return cols.copy() if np.may_share_memory(cols, x_p) else cols
    # END SOLUTION


def col2im(grad_cols: np.ndarray, padded_shape: tuple[int, ...], kernel_size: tuple[int, ...],
           stride: tuple[int, ...]) -> np.ndarray:
    """Adjoint of :func:`im2col`, ``grad_x_p[n, c, *u] = sum of grad_cols[n, (c, *k), q] over all (k, q) with stride * q + k = u``.

    Every entry of ``cols`` is a copy of one entry of ``x_p``, so the gradient of that
    entry of ``x_p`` is the sum of the gradients of all its copies. Where windows
    overlap (stride smaller than the kernel) a pixel has several copies, and they add.

    Args:
        grad_cols: ``dL/d(cols)``, ``(N, C * K, P)``.
        padded_shape: the shape of ``x_p``, ``(N, C, *padded_spatial)``.
        kernel_size: ``d`` window lengths, as given to :func:`im2col`.
        stride: ``d`` steps, as given to :func:`im2col`.

    Returns:
        ``grad_x_p = dL/d(x_p)``, of shape ``padded_shape``, in the dtype of ``grad_cols``.
    """
    N, C = padded_shape[:2]
    out_shape = tuple((s - k) // st + 1 for s, k, st in zip(padded_shape[2:], kernel_size, stride))
    # BEGIN SOLUTION eq-conv-im2col-backward
    grad_windows = grad_cols.reshape((N, C) + tuple(kernel_size) + out_shape)
    grad_x_p = np.zeros(padded_shape, dtype=grad_cols.dtype)
    # One vectorised += per kernel offset k (kh * kw of them), each covering every sample,
    # channel and window position at once. Within one offset the targets stride * q + k
    # are distinct pixels, so a plain += is correct; summing over all offsets in a single
    # fancy-indexed += would silently keep only one of several colliding copies, and
    # np.add.at, which does accumulate them, is unbuffered and many times slower.
    for k in np.ndindex(*kernel_size):
        target = tuple(slice(k_a, k_a + st * (o - 1) + 1, st) for k_a, st, o in zip(k, stride, out_shape))
        grad_x_p[(slice(None), slice(None)) + target] += grad_windows[(slice(None), slice(None)) + k]
    return grad_x_p
    # END SOLUTION
