"""numerical_gradient on functions whose derivatives are known by hand."""

import numpy as np
import pytest

from mytorch.gradcheck import numerical_gradient

pytestmark = pytest.mark.ch09


def test_slope_of_a_quadratic():
    # d/dx (x^2 + 3x + 8) = 2x + 3 = 7 at x = 2.
    x = np.array([2.0])
    assert abs(numerical_gradient(lambda: x[0] ** 2 + 3 * x[0] + 8, x)[0] - 7.0) < 1e-8


def test_gradient_of_a_weighted_sum_is_the_weights():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    weights = np.array([[1.0, 2.0], [3.0, 4.0]])
    numeric = numerical_gradient(lambda: float((weights * x).sum()), x)
    np.testing.assert_allclose(numeric, weights, rtol=1e-8)
    np.testing.assert_array_equal(x, [[1.0, -2.0], [0.5, 3.0]])  # restored afterwards
