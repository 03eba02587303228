"""numerical_gradient against derivatives known in closed form."""

import numpy as np
import pytest
import torch
from helpers import t64
from hypothesis import given
from hypothesis import strategies as st
from strategies import float_arrays, sizes

from mytorch.gradcheck import numerical_gradient

pytestmark = [pytest.mark.ch09, pytest.mark.question("numerical_gradient")]


@given(st.data(), sizes, sizes)
def test_matches_torch_on_a_smooth_function_of_a_matrix(data, n, d):
    x = data.draw(float_arrays((n, d)), label="x")
    weights = np.arange(1.0, n * d + 1).reshape(n, d) / (n * d)

    def f(a, w, lib):
        return (lib.sin(a) * w).sum() + (a**2).sum() / 3

    numeric = numerical_gradient(lambda: f(x, weights, np), x)
    xt = t64(x, True)
    f(xt, t64(weights), torch).backward()
    # Central differences at eps = 1e-6 are good to about 1e-9 here.
    np.testing.assert_allclose(numeric, xt.grad.numpy(), rtol=1e-7, atol=1e-8)


def test_central_not_forward_difference():
    # For f(x) = x^3 at 1 the forward difference is off by 3 eps = 3e-6, far more than the
    # central difference's eps^2 = 1e-12.
    x = np.array([1.0])
    assert abs(numerical_gradient(lambda: x[0] ** 3, x)[0] - 3.0) < 1e-8


def test_every_entry_is_perturbed_and_the_input_restored():
    x = np.arange(6.0).reshape(2, 3)
    before = x.copy()
    numeric = numerical_gradient(lambda: float((x * np.arange(1.0, 7.0).reshape(2, 3)).sum()), x)
    np.testing.assert_allclose(numeric, np.arange(1.0, 7.0).reshape(2, 3), rtol=1e-8)
    np.testing.assert_array_equal(x, before)


def test_step_size_is_used():
    # For |x|, a step larger than |x| straddles the kink: the central difference at 0.5
    # with eps = 1 is (1.5 - 0.5) / 2 = 0.5, and 1 with the default step.
    x = np.array([0.5])
    assert abs(numerical_gradient(lambda: abs(x[0]), x, eps=1.0)[0] - 0.5) < 1e-12
    assert abs(numerical_gradient(lambda: abs(x[0]), x)[0] - 1.0) < 1e-8
