"""Input checks shared by the layers: each failure names what was expected and what
arrived, so that a wrong shape never surfaces later as a bare broadcasting error."""

from __future__ import annotations

import numpy as np


def as_array(x, name: str = "input") -> np.ndarray:
    """Return ``x`` as a floating-point array (integers become float64)."""
    if isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating):
        return x
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name}: expected an array of numbers, got {type(x).__name__}") from exc
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f"{name}: expected an array of numbers, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise ValueError(f"{name}: expected real numbers, got dtype {arr.dtype}")
    return arr.astype(np.float64) if not np.issubdtype(arr.dtype, np.floating) else arr


def check_ndim(x: np.ndarray, ndim: int, name: str, layout: str) -> None:
    """Require ``x.ndim == ndim``; ``layout`` spells the dimensions, e.g. ``"(N, C, H, W)"``."""
    if x.ndim != ndim:
        raise ValueError(
            f"{name}: expected a {ndim}-D array of shape {layout}, "
            f"got a {x.ndim}-D array of shape {x.shape}"
        )


def check_size(actual: int, expected: int, name: str, what: str, shape: tuple) -> None:
    """Require one dimension of an array to have the expected size."""
    if actual != expected:
        raise ValueError(
            f"{name}: expected {what} = {expected}, got {actual} (input shape {shape})"
        )


def check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Require two arrays to have exactly the same shape."""
    if a.shape != b.shape:
        raise ValueError(
            f"expected {name_b} to have the shape of {name_a}, {a.shape}, got {b.shape}"
        )


def pair(value, name: str, minimum: int) -> tuple[int, int]:
    """Turn an int or a pair of ints into a pair, as PyTorch does for ``kernel_size``,
    ``stride`` and ``padding``, and check each entry is an integer ``>= minimum``."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(items) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items):
        raise ValueError(f"{name}: expected an int or a pair of ints, got {value!r}")
    if any(v < minimum for v in items):
        raise ValueError(f"{name}: expected values >= {minimum}, got {value!r}")
    return int(items[0]), int(items[1])


def describe(value) -> str:
    """How an error message names what arrived: an array by its shape and dtype."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return type(value).__name__


def check_parameter(module, name: str, ndim: int, layout: str) -> np.ndarray:
    """Return the parameter ``module.<name>`` after checking that it is a floating-point
    NumPy array with ``ndim`` dimensions; ``layout`` spells them, e.g. ``"(C_out,)"``.

    Parameters are plain attributes that chapters and tests assign directly, so a wrong
    assignment is caught at the next ``forward`` instead of deep inside a matrix product.
    """
    value = getattr(module, name)
    if not (isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating) and value.ndim == ndim):
        raise ValueError(
            f"{type(module).__name__}.{name}: expected a floating-point array of shape {layout}, "
            f"got {describe(value)}"
        )
    return value
