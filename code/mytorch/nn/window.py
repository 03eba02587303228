"""The sliding window of a convolution or pooling layer: its size, stride and padding.

``Conv2d`` and ``MaxPool2d`` hold ``kernel_size = (kh, kw)``, ``stride = (s_h, s_w)``
and ``padding = (p_h, p_w)`` as pairs, read as PyTorch reads them (an int or a pair).
``Conv1d`` and ``MaxPool1d`` run the same 2-D code on inputs of height 1: they read an
int or a 1-tuple, hold the pairs ``(1, k)``, ``(1, s)`` and ``(0, p)``, view an input
``(N, C, L)`` as ``(N, C, 1, L)``, and word their errors in 1-D terms.

Derived in book/07_convolution.md (equation eq-conv-output-size).
"""

from __future__ import annotations

import numpy as np

from mytorch.nn._checks import as_array, check_grad_shape, check_ndim, int_tuple
from mytorch.nn.im2col import output_size


class Window2d:
    """What ``Conv2d`` and ``MaxPool2d`` share about their window, and their checks.

    A layer sets ``_x_layout`` and ``_grad_layout`` (how errors spell its input and
    output), ``_kept`` (what ``forward`` keeps for ``backward``) and
    ``_out_channels()``, and may check more in ``_check_channels``.
    """

    _ndim = 4  # of the input
    _axes = ("height", "width")  # how errors name the spatial axes
    _x_layout: str
    _grad_layout: str
    _kept: str

    def _check_input(self, x) -> np.ndarray:
        """``x`` as a float image ``(N, C, H, W)`` whose padded size holds a window;
        keeps the shapes ``backward`` checks against."""
        name = f"{type(self).__name__}.forward x"
        x = as_array(x, name)
        check_ndim(x, self._ndim, self._x_layout, name)
        self._check_channels(x, name)
        x = self._as_image(x)
        self._record_shapes(x, name)
        return x

    def _check_channels(self, x: np.ndarray, name: str) -> None:
        """Any number of channels (a convolution checks its ``C_in`` here)."""

    def _check_grad(self, grad) -> np.ndarray:
        """``grad`` as a float image of the output's shape, after a ``forward``."""
        self._saved(self._kept)
        N = self.x_p_shape[0]
        expected = (N, self._out_channels(), *self._shown(self.out_shape))
        grad = check_grad_shape(grad, expected, self._grad_layout, type(self).__name__)
        return self._as_image(grad)

    def _pair(self, value, argument: str, minimum: int) -> tuple[int, int]:
        """``kernel_size``, ``stride`` or ``padding`` as a pair of ints ``>= minimum``.
        """
        return int_tuple(value, 2, minimum, f"{type(self).__name__} {argument}")

    def _shown(self, pair: tuple[int, int]) -> tuple[int, ...]:
        """A pair as the layer's user writes it."""
        return tuple(pair)

    def _as_image(self, a: np.ndarray) -> np.ndarray:
        """An input or a gradient as the ``(N, C, H, W)`` array the 2-D code takes."""
        return a

    def _record_shapes(self, x: np.ndarray, name: str) -> None:
        """Keep ``x_p_shape`` and ``out_shape`` of the image ``x`` (equation
        eq-conv-output-size); ``backward`` checks its ``grad`` against them."""
        N, C, H, W = x.shape
        (kh, kw), (s_h, s_w), (p_h, p_w) = self.kernel_size, self.stride, self.padding
        H_out = output_size(H, kh, s_h, p_h, name, self._axes[0])
        W_out = output_size(W, kw, s_w, p_w, name, self._axes[-1])
        self.out_shape = (H_out, W_out)
        self.x_p_shape = (N, C, H + 2 * p_h, W + 2 * p_w)


class Window1d(Window2d):
    """What ``Conv1d`` and ``MaxPool1d`` change: a window one row high."""

    _ndim = 3
    _axes = ("length",)

    def _pair(self, value, argument: str, minimum: int) -> tuple[int, int]:
        """An int or a 1-tuple, as the pair of the 2-D layer: ``(0, p)`` for the
        padding, ``(1, k)`` and ``(1, s)`` for the kernel and the stride."""
        (length,) = int_tuple(value, 1, minimum, f"{type(self).__name__} {argument}")
        return (0 if argument == "padding" else 1, length)

    def _shown(self, pair: tuple[int, int]) -> tuple[int, ...]:
        return tuple(pair[1:])

    def _as_image(self, a: np.ndarray) -> np.ndarray:
        return a[:, :, None, :]
