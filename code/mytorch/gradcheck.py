"""Gradient checking by central differences.

The central difference

.. math::

    \\frac{\\partial f}{\\partial x_i} \\approx
    \\frac{f(x + \\epsilon e_i) - f(x - \\epsilon e_i)}{2\\epsilon}

has an error of order :math:`\\epsilon^2`, against :math:`\\epsilon` for the one-sided
difference. Computed in float64 with :math:`\\epsilon = 10^{-6}`, it agrees with a
correct backward pass to about nine or ten significant digits for a well-scaled
function, the rounding error being about :math:`10^{-16} |f| / \\epsilon` in absolute
terms; a wrong backward pass is off by far more. Two gradients are therefore compared
entry by entry with a mixed tolerance,

.. math:: |a_i - n_i| \\le \\text{atol} + \\text{rtol} \\cdot \\max(|a_i|, |n_i|),

whose relative part follows the gradient's scale and whose absolute part covers entries
that are zero or tiny, where the rounding error dominates.

Derived in book/09_gradient_checking.md; the central difference and the default
tolerances first appear in book/01_chain_rule.md.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

#: Default tolerances of :func:`gradient_mismatch`: a correct float64 gradient of a
#: function of moderate size (``|f|`` up to about 100) stays well inside them.
ATOL = 1e-7
RTOL = 1e-5


def numerical_gradient(f: Callable[[], float], x: np.ndarray,
                       eps: float = 1e-6) -> np.ndarray:
    """Estimate ``df/dx`` by central differences.

    Entry ``i`` of the estimate is ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)``.

    Args:
        f: a function of no arguments returning a scalar; it must read ``x`` afresh
            on every call, because ``x`` is perturbed in place.
        x: float64 array of any shape, perturbed one entry at a time and restored
            afterwards, even when ``f`` raises.
        eps: the step, a positive number.

    Returns:
        The estimate, a float64 array of the shape of ``x``.

    Raises:
        ValueError: if ``x`` is not a float64 NumPy array that can be changed in place.
            In float32 the rounding error ``1e-7 |f| / eps`` swamps the estimate
            (per cent to tens of per cent at ``eps = 1e-6``), and in float16 ``x + eps``
            rounds back to ``x``, so lower precisions are refused rather than silently
            wrong.
    """
    _check_perturbable(x, eps)
    grad = np.zeros_like(x)
    flat_x, flat_grad = x.reshape(-1, order="A"), grad.reshape(-1, order="A")
    # BEGIN SOLUTION eq-gradcheck-numeric
    # One perturbation per entry is the definition of the method: this loop is the
    # point.
    for i in range(flat_x.size):
        original = flat_x[i]
        try:
            flat_x[i] = original + eps
            f_plus = float(f())
            flat_x[i] = original - eps
            f_minus = float(f())
        finally:
            flat_x[i] = original
        flat_grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad
    # END SOLUTION


def _check_perturbable(x, eps) -> None:
    """Refuse what :func:`numerical_gradient` cannot perturb: anything but a writeable,
    contiguous float64 array, or a step ``eps`` that is not positive."""
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        got = (f"an array of dtype {x.dtype}" if isinstance(x, np.ndarray)
               else type(x).__name__)
        raise ValueError(
            "numerical_gradient: expected a float64 NumPy array to perturb in place, "
            f"got {got}; central differences need float64 (convert the array and "
            "everything f computes with, e.g. x.astype(np.float64), before the check)"
        )
    if not x.flags.writeable or not (x.flags.c_contiguous or x.flags.f_contiguous):
        raise ValueError(
            "numerical_gradient: expected a writeable, contiguous array that can be "
            "perturbed in place"
        )
    if not (isinstance(eps, (int, float)) and not isinstance(eps, bool) and eps > 0):
        raise ValueError(
            f"numerical_gradient: expected a positive step eps, got {eps!r}"
        )


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """Relative error ``||a - n|| / (||a|| + ||n||)`` of two gradients, between 0 and 1.

    One number for the whole array, independent of its units. It hides a single wrong
    entry among many right ones, and it is meaningless when both gradients are tiny;
    :func:`gradient_mismatch` is the test the package uses.

    Args:
        analytic: the gradient from a backward pass, any shape.
        numeric: the estimate of the same shape.

    Returns:
        0.0 when both are zero; otherwise the norm of the difference over the sum of
        norms.
    """
    a, n = _pair(analytic, numeric, "relative_error")
    scale = np.linalg.norm(a) + np.linalg.norm(n)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - n) / scale)


def gradient_mismatch(analytic: np.ndarray, numeric: np.ndarray, atol: float = ATOL,
                      rtol: float = RTOL) -> float:
    """Worst entry of ``|a - n| / (atol + rtol * max(|a|, |n|))``; <= 1 if they agree.

    The gradients agree when every entry satisfies the mixed tolerance
    ``|a_i - n_i| <= atol + rtol * max(|a_i|, |n_i|)``; the returned ratio says by how
    much the worst entry meets or misses it (0.01: a hundred times inside; 50: fifty
    times outside).

    Args:
        analytic: the gradient from a backward pass, any shape.
        numeric: the central-difference estimate, the same shape.
        atol: the absolute part of the tolerance, for entries at or near zero.
        rtol: the relative part, for entries of any scale.

    Returns:
        The largest ratio over all entries; 0.0 for empty arrays.
    """
    a, n = _pair(analytic, numeric, "gradient_mismatch", atol, rtol)
    if a.size == 0:
        return 0.0
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(n))):
        return float("inf")
    allowed = atol + rtol * np.maximum(np.abs(a), np.abs(n))
    return float(np.max(np.abs(a - n) / allowed))


def check_layer_gradients(layer, x: np.ndarray, eps: float = 1e-6, seed: int = 0,
                          atol: float = ATOL, rtol: float = RTOL) -> dict[str, float]:
    """Check a layer's backward pass by central differences; a result ``<= 1`` passes.

    The scalar checked is ``f = sum(layer.forward(x) * G)`` for a fixed random upstream
    gradient ``G`` of the output's shape, so that ``df/dx`` is exactly what
    ``layer.backward(G)`` must return, and ``df/dW`` what it must store in ``grad_W``.

    Args:
        layer: a :class:`mytorch.nn.Module` with ``forward(x)`` and ``backward(grad)``,
            whose parameters are float64.
        x: the input, of the shape the layer expects (converted to float64).
        eps: the central-difference step.
        seed: seed of the upstream gradient ``G``.
        atol, rtol: the tolerances of :func:`gradient_mismatch`; ``atol`` is multiplied
            by ``max(1, sum(|layer(x) * G|))``, the scale of the terms ``f`` adds up,
            which the rounding error of the central difference is proportional to.

    Returns:
        A dict from ``"input"`` and each parameter name (``"Linear.weight"`` for a
        parameter of a layer inside a container) to its :func:`gradient_mismatch`.
    """
    x = np.array(x, dtype=np.float64)
    out = layer.forward(x)
    upstream = np.random.default_rng(seed).standard_normal(np.shape(out))
    # Each evaluation of f rounds at the scale of the terms it sums, so the absolute
    # part of the tolerance grows with them (never below atol itself).
    atol = atol * max(1.0, float(np.sum(np.abs(out * upstream))))
    grad_x = layer.backward(upstream)
    analytic = {"input": grad_x}
    arrays = {"input": x}
    seen: dict[str, list] = {}
    for module, name in layer.parameters():
        # Inside a container, a parameter is named after its layer's class, numbered
        # from the second layer of a class on: "Linear.weight", "Linear#2.weight".
        key = name
        if module is not layer:
            same_class = seen.setdefault(type(module).__name__, [])
            if not any(m is module for m in same_class):
                same_class.append(module)
            number = next(i for i, m in enumerate(same_class, 1) if m is module)
            key = (type(module).__name__ + (f"#{number}" if number > 1 else "")
                   + "." + name)
        analytic[key] = getattr(module, "grad_" + name)
        arrays[key] = getattr(module, name)

    def f() -> float:
        return float(np.sum(layer.forward(x) * upstream))

    return {
        key: gradient_mismatch(
            analytic[key], numerical_gradient(f, arrays[key], eps), atol, rtol
        )
        for key in analytic
    }


def _pair(analytic, numeric, name: str, atol: float = 0.0,
          rtol: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Both gradients in float64, of one shape, or a ValueError naming both shapes (or
    the tolerances, which must be ``>= 0`` and not both 0)."""
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        raise ValueError(
            f"{name}: expected two gradients of one shape, got {a.shape} and {n.shape}"
        )
    if not (atol >= 0 and rtol >= 0 and atol + rtol > 0):
        raise ValueError(
            f"{name}: expected atol >= 0 and rtol >= 0, not both 0, "
            f"got {atol!r}, {rtol!r}"
        )
    return a, n
