"""Input checks shared by the layers.

Each failure names what was expected and what arrived, so that a wrong shape never
surfaces later as a bare broadcasting error. The layers call these from their own
``_check_input`` and ``_check_grad`` methods, which is why a quoted ``forward`` or
``backward`` shows its checks in one line before the mathematics.

Used by every layer of ``mytorch.nn``; book/03_linear.md explains the line of checks.
"""

from __future__ import annotations

from numbers import Real

import numpy as np


def as_array(x, name: str = "input") -> np.ndarray:
    """Return ``x`` as a floating-point array (integers become float64)."""
    if isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating):
        return x
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(
            f"{name}: expected an array of numbers, got {type(x).__name__}"
        ) from exc
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f"{name}: expected an array of numbers, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise ValueError(f"{name}: expected real numbers, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.floating):
        return arr
    return arr.astype(np.float64)


def check_ndim(x: np.ndarray, ndim: int, layout: str, name: str) -> None:
    """Require ``x.ndim == ndim``; ``layout`` spells the axes: ``"(N, C, H, W)"``."""
    if x.ndim != ndim:
        raise ValueError(
            f"{name}: expected a {ndim}-D array of shape {layout}, "
            f"got a {x.ndim}-D array of shape {x.shape}"
        )


def check_size(x: np.ndarray, axis: int, expected: int, what: str, name: str) -> None:
    """Require ``x.shape[axis] == expected``; ``what`` names it: ``"in_features"``."""
    if x.shape[axis] != expected:
        raise ValueError(
            f"{name}: expected {what} = {expected}, got {x.shape[axis]} "
            f"(input shape {x.shape})"
        )


def check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Require two arrays to have exactly the same shape."""
    if a.shape != b.shape:
        raise ValueError(
            f"expected {name_b} to have the shape of {name_a}, {a.shape}, got {b.shape}"
        )


def check_grad_shape(grad, expected: tuple, layout: str, owner: str) -> np.ndarray:
    """Return ``grad`` as a float array after checking it has the ``expected`` shape."""
    grad = as_array(grad, f"{owner}.backward grad")
    if grad.shape != tuple(expected):
        raise ValueError(
            f"{owner}.backward: expected grad of shape {tuple(expected)} {layout}, "
            f"got {grad.shape}"
        )
    return grad


def is_real(value) -> bool:
    """True for a real number (Python's or NumPy's), not a bool."""
    return isinstance(value, Real) and not isinstance(value, bool)


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def positive_int(value, name: str, owner: str) -> int:
    """Return ``value`` as an int ``>= 1``, or say which argument of ``owner`` it is."""
    if not _is_int(value) or value < 1:
        raise ValueError(
            f"{owner}: expected {name} to be a positive int, got {value!r}"
        )
    return int(value)


def int_tuple(value, size: int, minimum: int, name: str) -> tuple[int, ...]:
    """Turn an int, or a sequence of ``size`` ints, into a ``size``-tuple of ints
    ``>= minimum``, as PyTorch reads ``kernel_size``, ``stride`` and ``padding``."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,) * size
    if len(items) != size or not all(_is_int(v) for v in items):
        kind = "pair" if size == 2 else f"{size}-tuple"
        raise ValueError(f"{name}: expected an int or a {kind} of ints, got {value!r}")
    if any(v < minimum for v in items):
        raise ValueError(f"{name}: expected values >= {minimum}, got {value!r}")
    return tuple(int(v) for v in items)


def check_rng(rng, owner: str) -> np.random.Generator:
    """The generator to draw from: ``rng`` itself, or a fresh one for ``None``."""
    if rng is None:
        return np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"{owner}: expected rng to be a numpy.random.Generator such as "
            f"np.random.default_rng(0), got {type(rng).__name__}"
        )
    return rng


def check_dtype(dtype, owner: str) -> np.dtype:
    """``dtype`` as a NumPy floating dtype."""
    if not np.issubdtype(np.dtype(dtype), np.floating):
        raise ValueError(f"{owner}: expected a floating dtype, got {np.dtype(dtype)}")
    return np.dtype(dtype)


def check_bool(value, name: str, owner: str) -> bool:
    """``value`` as a bool, for switches such as ``bias``."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{owner}: expected {name} to be True or False, got {value!r}")
    return bool(value)


def kind_of(value) -> str:
    """How an error names a value given for a module: ``"the class ReLU"`` for the
    class passed in place of an instance (the usual slip), else the type's name."""
    if isinstance(value, type):
        return f"the class {value.__name__}"
    return type(value).__name__


def describe(value) -> str:
    """How an error message names what arrived: an array by its shape and dtype."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return type(value).__name__


def check_parameter(module, name: str, ndim: int, layout: str) -> np.ndarray:
    """Return the parameter ``module.<name>`` after checking that it is a floating-point
    NumPy array with ``ndim`` dimensions; ``layout`` spells them, e.g. ``"(C_out,)"``.

    Parameters are plain attributes that chapters and tests assign directly, so a wrong
    assignment is caught at the next ``forward`` instead of deep inside a matrix
    product.
    """
    value = getattr(module, name)
    if not (
        isinstance(value, np.ndarray)
        and np.issubdtype(value.dtype, np.floating)
        and value.ndim == ndim
    ):
        raise ValueError(
            f"{type(module).__name__}.{name}: expected a floating-point array of shape "
            f"{layout}, got {describe(value)}"
        )
    return value
