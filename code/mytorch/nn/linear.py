"""The fully connected (affine) layer.

Derived in book/03_linear.md.
"""

from __future__ import annotations

import numpy as np

from mytorch.nn._checks import (
    as_array,
    check_bool,
    check_dtype,
    check_grad_shape,
    check_ndim,
    check_parameter,
    check_rng,
    check_size,
    positive_int,
)
from mytorch.nn.module import Module


class Linear(Module):
    """Affine layer ``out = x @ weight + bias``, the bias broadcast over the rows.

    Args:
        in_features: width of each input row.
        out_features: width of each output row.
        bias: whether the layer has a bias (``bias=False``: ``out = x @ weight``, and
            ``bias`` and ``grad_bias`` stay ``None``).
        rng: the ``np.random.Generator`` the initial parameters are drawn from. Omitted,
            a freshly seeded ``np.random.default_rng()`` is used; pass
            ``np.random.default_rng(seed)`` for repeatable runs.
        dtype: floating dtype of ``weight`` and ``bias`` (float64 by default; float32
            for speed).

    Attributes:
        weight: ``(in_features, out_features)``. Both parameters start from
            ``U(-1/sqrt(in_features), 1/sqrt(in_features))``, PyTorch's default, which
            keeps the output's scale independent of ``in_features``.
        bias: ``(1, out_features)``, or ``None``.
        grad_weight: ``(in_features, out_features)``, set by ``backward`` (``None``
            before).
        grad_bias: ``(1, out_features)``, set by ``backward`` (``None`` before).
        x: the last input, ``(N, in_features)``, kept by ``forward`` for ``backward``.
    """

    param_names = ("weight", "bias")

    def __init__(self, in_features: int, out_features: int, bias: bool = True, *,
                 rng: np.random.Generator | None = None, dtype=np.float64):
        in_features = positive_int(in_features, "in_features", "Linear")
        out_features = positive_int(out_features, "out_features", "Linear")
        has_bias = check_bool(bias, "bias", "Linear")
        rng = check_rng(rng, "Linear")
        dtype = check_dtype(dtype, "Linear")
        bound = 1.0 / np.sqrt(in_features)
        shape = (in_features, out_features)
        self.weight = rng.uniform(-bound, bound, shape).astype(dtype, copy=False)
        self.bias = None
        if has_bias:
            bias = rng.uniform(-bound, bound, (1, out_features))
            self.bias = bias.astype(dtype, copy=False)
        else:
            self.param_names = ("weight",)
        self.grad_weight = None
        self.grad_bias = None
        self.x = None

    # The widths are read off the weight, so they stay right when a test or a chapter
    # assigns ``layer.weight`` directly.
    @property
    def in_features(self) -> int:
        """Width of an input row, ``weight.shape[0]``."""
        return self.weight.shape[0]

    @property
    def out_features(self) -> int:
        """Width of an output row, ``weight.shape[1]``."""
        return self.weight.shape[1]

    def forward(self, x) -> np.ndarray:
        """Compute ``out = x @ weight + bias`` (eq-linear-forward) and keep ``x``.

        Args:
            x: ``(N, in_features)``.

        Returns:
            ``out``, ``(N, out_features)``.
        """
        x = self._check_input(x)
        # BEGIN SOLUTION eq-linear-forward
        self.x = x.copy()  # a copy: the caller may change x in place before backward
        out = x @ self.weight
        if self.bias is not None:
            out += self.bias
        return out
        # END SOLUTION

    def backward(self, grad) -> np.ndarray:
        """Return ``grad_x = grad @ weight.T``; store ``grad_weight = x.T @ grad`` and
        ``grad_bias = sum_n grad[n]`` (equation eq-linear-backward).

        Each output row ``out[n]`` depends on ``weight`` and ``bias``, so their
        gradients add up the contributions of all ``N`` rows; ``x[n]`` affects only
        ``out[n]``.

        Args:
            grad: ``dL/d(out)``, the matrix ``G`` of the chapter, ``(N, out_features)``.

        Returns:
            ``grad_x = dL/dx``, ``(N, in_features)``.
        """
        grad = self._check_grad(grad)
        # BEGIN SOLUTION eq-linear-backward
        self.grad_weight = self.x.T @ grad
        if self.bias is not None:
            self.grad_bias = grad.sum(axis=0, keepdims=True)
        return grad @ self.weight.T
        # END SOLUTION

    def _check_input(self, x) -> np.ndarray:
        """``x`` as a float array ``(N, in_features)``, and parameters that fit."""
        name = "Linear.forward x"
        x = as_array(x, name)
        check_ndim(x, 2, "(N, in_features)", name)
        self._check_parameters()
        check_size(x, 1, self.in_features, "in_features", name)
        return x

    def _check_grad(self, grad) -> np.ndarray:
        """``grad`` as a float array ``(N, out_features)``, after a ``forward``."""
        x = self._saved("x")
        expected = (x.shape[0], self.out_features)
        return check_grad_shape(grad, expected, "(N, out_features)", "Linear")

    def _check_parameters(self) -> None:
        """Check that ``weight`` is ``(in_features, out_features)`` and ``bias``
        ``(1, out_features)`` (or ``None`` for a layer without bias)."""
        weight = check_parameter(self, "weight", 2, "(in_features, out_features)")
        if "bias" not in self.param_names:
            return
        layout = f"(1, {weight.shape[1]}) (1, out_features)"
        bias = check_parameter(self, "bias", 2, layout)
        if bias.shape != (1, weight.shape[1]):
            raise ValueError(
                f"Linear.bias: expected shape {layout} to match weight of shape "
                f"{weight.shape}, got {bias.shape}"
            )

    def __repr__(self) -> str:
        extra = "" if self.bias is not None else ", bias=False"
        return (f"Linear(in_features={self.in_features}, "
                f"out_features={self.out_features}{extra})")
