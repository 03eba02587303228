"""The gradient check itself: it passes correct gradients at every scale, flags wrong ones,
refuses what it cannot check honestly, and leaves its input as it found it."""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import float_arrays, seeds, sizes

from mytorch import nn
from mytorch.gradcheck import ATOL, RTOL, check_layer_gradients, gradient_mismatch, numerical_gradient, relative_error

pytestmark = pytest.mark.ch09


# ------------------------------------------------------------------ the mixed tolerance
def test_mismatch_is_the_worst_entry_against_the_mixed_tolerance():
    a = np.array([1.0, 100.0, 0.0])
    n = np.array([1.0 + 2e-5, 100.0, 5e-8])
    # entry 0: 2e-5 / (1e-7 + 1e-5 * (1 + 2e-5)); entry 2: 5e-8 / 1e-7 = 0.5
    expected = 2e-5 / (ATOL + RTOL * (1.0 + 2e-5))
    assert abs(gradient_mismatch(a, n) - expected) < 1e-9 * expected
    assert gradient_mismatch(a, a) == 0.0
    assert gradient_mismatch(np.zeros(0), np.zeros(0)) == 0.0


def test_mismatch_of_non_finite_gradients_is_infinite():
    assert gradient_mismatch(np.array([np.nan]), np.array([1.0])) == float("inf")
    assert gradient_mismatch(np.array([1.0]), np.array([np.inf])) == float("inf")


def test_relative_error_alone_fails_a_correct_layer_at_tiny_inputs_and_the_mixed_check_passes_it():
    # At inputs near 1e-7 the weight gradient x.T @ G is about 1e-7, and the central
    # difference's rounding error, about 1e-10, is 1e-3 of it.
    rng = np.random.default_rng(0)
    layer = nn.Linear(3, 4, rng=rng)
    x = 1e-7 * rng.standard_normal((5, 3))
    errors = check_layer_gradients(layer, x)
    assert max(errors.values()) <= 1, errors
    layer.forward(x)
    upstream = np.random.default_rng(0).standard_normal((5, 4))
    layer.backward(upstream)
    numeric = numerical_gradient(lambda: float(np.sum(layer.forward(x) * upstream)), layer.weight)
    assert relative_error(layer.grad_weight, numeric) > 1e-6


@given(st.data(), sizes, sizes, sizes, seeds, st.sampled_from([1e-7, 1e-3, 1.0, 1e3]))
def test_a_correct_linear_layer_passes_at_every_scale(data, n, fan_in, fan_out, seed, scale):
    x = scale * data.draw(float_arrays((n, fan_in)), label="x")
    errors = check_layer_gradients(nn.Linear(fan_in, fan_out, rng=np.random.default_rng(seed)), x, seed=seed)
    assert max(errors.values()) <= 1, errors


# ------------------------------------------------------------------ wrong gradients
def _broken_linear(mistake):
    """A Linear whose weight gradient is wrong in the way ``mistake`` describes."""

    class Broken(nn.Linear):
        def backward(self, grad):
            grad_x = super().backward(grad)
            self.grad_weight = mistake(self.grad_weight)
            return grad_x

    return Broken(4, 4, rng=np.random.default_rng(1))


MISTAKES = {
    "scaled by 2": lambda g: 2 * g,
    "scaled by 1/N": lambda g: g / 5,
    "off by 1%": lambda g: 1.01 * g,
    "transposed": lambda g: g.T,
    "rows permuted": lambda g: g[[1, 0, 2, 3]],
    "sign flipped": lambda g: -g,
    "one entry wrong": lambda g: g + np.eye(4)[0] * 1e-3 * np.abs(g).max(),
}


@pytest.mark.parametrize("name", MISTAKES)
def test_a_wrong_weight_gradient_is_flagged(name):
    x = np.random.default_rng(2).standard_normal((5, 4))
    errors = check_layer_gradients(_broken_linear(MISTAKES[name]), x)
    assert errors["weight"] > 1, errors
    assert errors["input"] <= 1 and errors["bias"] <= 1, errors


def test_a_check_comparing_only_norms_would_miss_a_permutation():
    # The reason the check compares entries: a permuted gradient has the right norm.
    g = np.random.default_rng(3).standard_normal((4, 4))
    assert abs(np.linalg.norm(g[[1, 0, 2, 3]]) - np.linalg.norm(g)) < 1e-12
    assert gradient_mismatch(g[[1, 0, 2, 3]], g) > 1


# ------------------------------------------------------- what numerical_gradient refuses
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_low_precision_is_refused_with_the_reason(dtype):
    x = np.ones(3, dtype=dtype)
    message = f"numerical_gradient: expected a float64 NumPy array to perturb in place, got an array of dtype {np.dtype(dtype)}"
    with pytest.raises(ValueError, match=re.escape(message)):
        numerical_gradient(lambda: float(x.sum()), x)


@pytest.mark.parametrize("x, got", [([1.0, 2.0], "list"), (np.arange(3), "an array of dtype int64")])
def test_a_non_float_array_is_refused(x, got):
    with pytest.raises(ValueError, match=re.escape(f"got {got}")):
        numerical_gradient(lambda: 0.0, x)


def test_a_strided_view_is_refused():
    x = np.ones((4, 4))[:, ::2]
    with pytest.raises(ValueError, match="expected a writeable, contiguous array"):
        numerical_gradient(lambda: float(x.sum()), x)


@pytest.mark.parametrize("eps", [0.0, -1e-6, "1e-6"])
def test_a_bad_step_is_refused(eps):
    with pytest.raises(ValueError, match=re.escape(f"expected a positive step eps, got {eps!r}")):
        numerical_gradient(lambda: 0.0, np.ones(2), eps=eps)


def test_the_input_is_restored_when_f_raises():
    x = np.array([1.0, 2.0, 3.0])
    calls = []

    def f():
        calls.append(x.copy())
        if len(calls) == 4:
            raise ArithmeticError("f failed on the second entry")
        return float(x.sum())

    with pytest.raises(ArithmeticError):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])


def test_fortran_ordered_arrays_are_perturbed_in_place():
    x = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    weights = np.arange(1.0, 7.0).reshape(2, 3)
    numeric = numerical_gradient(lambda: float((x * weights).sum()), x)
    np.testing.assert_allclose(numeric, weights, rtol=1e-8)


def test_gradients_of_two_layers_of_one_class_are_reported_separately():
    rng = np.random.default_rng(4)
    model = nn.Sequential(nn.Linear(3, 3, rng=rng), nn.Tanh(), nn.Linear(3, 2, rng=rng))
    errors = check_layer_gradients(model, rng.standard_normal((4, 3)))
    assert sorted(errors) == ["Linear#2.bias", "Linear#2.weight", "Linear.bias", "Linear.weight", "input"]
    assert max(errors.values()) <= 1, errors
