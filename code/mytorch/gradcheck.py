"""Gradient checking by central differences.

The central difference

.. math:: \\frac{\\partial f}{\\partial x_i} \\approx \\frac{f(x + \\epsilon e_i) - f(x - \\epsilon e_i)}{2\\epsilon}

has an error of order :math:`\\epsilon^2`, against :math:`\\epsilon` for the one-sided
difference. Compared in float64 with :math:`\\epsilon = 10^{-6}`, a correct backward pass
agrees to a relative error near :math:`10^{-8}` or better; a wrong one is off by far more.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Estimate ``df/dx`` by central differences, ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)``.

    Args:
        f: a function of no arguments returning a scalar; it must read ``x`` afresh
            on every call, because ``x`` is perturbed in place (and restored).
        x: float array of any shape, perturbed one entry at a time.
        eps: the step.

    Returns:
        An array of the shape of ``x``.
    """
    if not (isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating)):
        raise ValueError(
            f"numerical_gradient: expected a floating-point NumPy array to perturb in place, "
            f"got {type(x).__name__}" + (f" of dtype {x.dtype}" if isinstance(x, np.ndarray) else "")
        )
    grad = np.zeros_like(x, dtype=np.float64)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat_x, x):
        raise ValueError("numerical_gradient: expected a contiguous array that can be perturbed in place")
    # One perturbation per entry is the definition of the method: this loop is the point.
    for i in range(flat_x.size):
        original = flat_x[i]
        flat_x[i] = original + eps
        f_plus = float(f())
        flat_x[i] = original - eps
        f_minus = float(f())
        flat_x[i] = original
        flat_grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """Relative error ``||a - n|| / (||a|| + ||n||)`` of two gradients, between 0 and 1.

    Args:
        analytic: the gradient from a backward pass, any shape.
        numeric: the estimate of the same shape.

    Returns:
        0.0 when both are zero; otherwise the norm of the difference over the sum of norms.
    """
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        raise ValueError(f"relative_error: expected two gradients of one shape, got {a.shape} and {n.shape}")
    scale = np.linalg.norm(a) + np.linalg.norm(n)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - n) / scale)


def check_layer_gradients(layer, x: np.ndarray, eps: float = 1e-6, seed: int = 0) -> dict[str, float]:
    """Compare a layer's backward pass with central differences.

    The scalar checked is ``f = sum(layer.forward(x) * G)`` for a fixed random upstream
    gradient ``G`` of the output's shape, so that ``df/dx`` is exactly what
    ``layer.backward(G)`` must return, and ``df/dW`` what it must store in ``grad_W``.

    Args:
        layer: a :class:`mytorch.nn.Module` with ``forward(x)`` and ``backward(grad)``.
        x: float64 input of the shape the layer expects.
        eps: the central-difference step.
        seed: seed of the upstream gradient ``G``.

    Returns:
        A dict from ``"input"`` and each parameter name to its relative error.
    """
    x = np.array(x, dtype=np.float64)
    out = layer.forward(x)
    upstream = np.random.default_rng(seed).standard_normal(out.shape)
    grad_x = layer.backward(upstream)
    errors = {"input": relative_error(grad_x, numerical_gradient(lambda: np.sum(layer.forward(x) * upstream), x, eps))}
    for module, name in layer.parameters():
        param = getattr(module, name)
        analytic = getattr(module, "grad_" + name)
        numeric = numerical_gradient(lambda: np.sum(layer.forward(x) * upstream), param, eps)
        errors[name if module is layer else f"{type(module).__name__}.{name}"] = relative_error(analytic, numeric)
    return errors
