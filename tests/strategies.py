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
