"""Hypothesis strategies shared by the test modules."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

# Moderate magnitudes: large enough to exercise every branch, small enough that float64
# central differences stay accurate.
finite_floats = st.floats(min_value=-3.0, max_value=3.0, allow_nan=False, allow_infinity=False, width=64)


def float_arrays(shape) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays of the given shape (a tuple, or a strategy of tuples)."""
    return arrays(np.float64, shape, elements=finite_floats)


seeds = st.integers(min_value=0, max_value=2**32 - 1)


# --- Dense layers (tests/package/test_dense_*.py) ---------------------------------------
# Small sizes: enough to catch a transposed matrix or a missing sum, fast to check.
sizes = st.integers(min_value=1, max_value=6)

# For ReLU's kink at 0: a central difference straddling 0 would disagree with any
# subgradient, so gradient checks keep the inputs at least 0.01 away from it.
away_from_zero = st.one_of(
    st.floats(min_value=0.01, max_value=3.0, width=64),
    st.floats(min_value=-3.0, max_value=-0.01, width=64),
)


def float_arrays_away_from_zero(shape) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays whose entries satisfy ``0.01 <= |x| <= 3``."""
    return arrays(np.float64, shape, elements=away_from_zero)


def probability_arrays(shape) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays with entries in ``[0.02, 0.98]``, away from BCE's clamped logs."""
    return arrays(np.float64, shape, elements=st.floats(min_value=0.02, max_value=0.98, width=64))


# --- Convolution and pooling (tests/package/test_conv_*.py) -----------------------------
@st.composite
def conv_cases(draw, d: int, pool: bool = False, max_batch: int = 3, max_channels: int = 3,
               max_kernel: int = 4, max_stride: int = 3, max_extra: int = 5) -> dict:
    """Shapes and hyperparameters of a ``d``-D conv (or, with ``pool``, max-pool) layer.

    Kernels may be rectangular and larger than the unpadded input; the spatial size is
    always at least the kernel minus twice the padding, so that the window fits at least
    once (the error for a window that does not fit has its own tests). Pooling padding
    stays at most half the kernel, as PyTorch requires. ``seed`` seeds the arrays.
    """
    kernel_size = tuple(draw(st.integers(1, max_kernel)) for _ in range(d))
    stride = tuple(draw(st.integers(1, max_stride)) for _ in range(d))
    padding = tuple(draw(st.integers(0, k // 2 if pool else 2)) for k in kernel_size)
    smallest = [max(1, k - 2 * p) for k, p in zip(kernel_size, padding)]
    spatial = tuple(draw(st.integers(lo, lo + max_extra)) for lo in smallest)
    return {
        "batch": draw(st.integers(1, max_batch)),
        "in_channels": draw(st.integers(1, max_channels)),
        "out_channels": draw(st.integers(1, max_channels)),
        "kernel_size": kernel_size,
        "stride": stride,
        "padding": padding,
        "spatial": spatial,
        "seed": draw(seeds),
    }


def distinct_values(rng: np.random.Generator, shape) -> np.ndarray:
    """float64 array of ``shape`` whose entries are distinct and at least 0.1 apart, so a
    max has a unique winner and a central difference never swaps two entries."""
    size = int(np.prod(shape))
    return (rng.permutation(size).astype(np.float64) * 0.1 - 0.05 * size).reshape(shape)
