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


# --- Normalisation (tests/package/*/test_normalization_*.py) ----------------------------
@st.composite
def batchnorm_cases(draw, d: int, max_batch: int = 5, max_channels: int = 4, max_spatial: int = 4) -> dict:
    """Shapes and hyperparameters of a ``BatchNorm1d`` (``d = 1``, input ``(N, C)``) or
    ``BatchNorm2d`` (``d = 2``, input ``(N, C, H, W)``) layer.

    There are always at least two values per channel (``N H W >= 2``), as training mode
    requires; batches of one image of several pixels occur. ``momentum`` includes both
    ends of its range, 0 (running estimates frozen) and 1 (the last batch only). ``seed``
    seeds the inputs, the parameters and the upstream gradients.
    """
    spatial = tuple(draw(st.integers(1, max_spatial)) for _ in range(2)) if d == 2 else ()
    per_sample = int(np.prod(spatial)) if spatial else 1
    batch = draw(st.integers(2 if per_sample == 1 else 1, max_batch))
    return {
        "shape": (batch, draw(st.integers(1, max_channels))) + spatial,
        "eps": draw(st.sampled_from([1e-5, 1e-3, 0.1])),
        "momentum": draw(st.sampled_from([0.0, 0.1, 0.5, 1.0])),
        "seed": draw(seeds),
    }


def channel_scaled_normal(rng: np.random.Generator, shape) -> np.ndarray:
    """float64 normal values with a different mean (in [-2, 2]) and standard deviation
    (in [0.2, 3]) per channel (axis 1), as the pre-activations a normalisation layer sees."""
    channel = (1, shape[1]) + (1,) * (len(shape) - 2)
    offset = rng.uniform(-2, 2, channel)
    scale = rng.uniform(0.2, 3, channel)
    return rng.standard_normal(shape) * scale + offset
