"""ReLU, Sigmoid and Tanh on random shapes and values, against PyTorch in float64 and
against central differences."""

import numpy as np
import pytest
import torch
from helpers import assert_close, t64
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from strategies import float_arrays, float_arrays_away_from_zero, sizes

from mytorch import nn
from mytorch.gradcheck import check_layer_gradients

pytestmark = pytest.mark.ch04

ACTIVATIONS = {"ReLU": torch.relu, "Sigmoid": torch.sigmoid, "Tanh": torch.tanh}


def check_backward_against_torch(name, x, upstream):
    """The layer's forward then backward give PyTorch's gradient of the same activation."""
    layer = getattr(nn, name)()
    layer.forward(x)
    grad_x = layer.backward(upstream)
    xt = t64(x, True)
    ACTIVATIONS[name](xt).backward(t64(upstream))
    assert_close(grad_x, xt.grad)


def case(name, method, **kwargs):
    return pytest.param(name, marks=pytest.mark.question(f"{name}.{method}", **kwargs), id=name)


@pytest.mark.parametrize("name", [case(name, "forward") for name in ACTIVATIONS])
@given(st.data(), st.integers(0, 5), sizes)
def test_forward_matches_torch(name, data, n, d):
    x = data.draw(float_arrays((n, d)), label="x")
    assert_close(getattr(nn, name)().forward(x), ACTIVATIONS[name](t64(x)))


@pytest.mark.parametrize("name", [case(name, "backward") for name in ACTIVATIONS])
@given(st.data(), st.integers(0, 5), sizes, sizes)
def test_backward_matches_torch(name, data, n, d, k):
    # Any shape, not only (N, D): an activation acts entry by entry.
    x = data.draw(float_arrays((n, d, k)), label="x")
    upstream = data.draw(float_arrays((n, d, k)), label="upstream")
    check_backward_against_torch(name, x, upstream)


@pytest.mark.parametrize("name", [case(name, "backward") for name in ACTIVATIONS])
@given(st.data(), sizes, sizes)
def test_gradient_matches_central_differences(name, data, n, d):
    x = data.draw(float_arrays_away_from_zero((n, d)), label="x")
    errors = check_layer_gradients(getattr(nn, name)(), x)
    assert errors["input"] <= 1, errors


@pytest.mark.parametrize("name", [case(name, "forward") for name in ACTIVATIONS])
def test_forward_keeps_what_the_backward_pass_reads(name):
    # Only forward is graded here: backward is the reference, which reads what forward
    # kept (x for ReLU, y for Sigmoid and Tanh). Keeping the wrong array gives a wrong
    # gradient even though the output is right.
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 4)) * 2
    check_backward_against_torch(name, x, rng.standard_normal((3, 4)))


@pytest.mark.question("ReLU.backward")
def test_relu_subgradient_at_zero_is_zero_like_torch():
    x = np.array([[-0.0, 0.0, 1e-300, -1e-300]])
    layer = nn.ReLU()
    layer.forward(x)
    grad_x = layer.backward(np.ones_like(x))
    xt = t64(x, True)
    torch.relu(xt).backward(torch.ones_like(xt))
    assert_close(grad_x, xt.grad)


@pytest.mark.question("Sigmoid.forward")
@pytest.mark.parametrize("magnitude", [1e4, 1e3, 800.0, 100.0])
def test_sigmoid_is_exact_for_huge_inputs(magnitude):
    # pytest.ini turns warnings into errors, so an overflow in exp fails here.
    x = np.array([[-magnitude, -1.0, 0.0, 1.0, magnitude]])
    np.testing.assert_allclose(nn.Sigmoid().forward(x), torch.sigmoid(t64(x)).numpy(), rtol=1e-15, atol=1e-300)


@pytest.mark.question("Sigmoid.backward")
def test_sigmoid_gradient_for_huge_inputs_matches_torch():
    x = np.array([[-1e4, -800.0, -30.0, 0.0, 30.0, 800.0, 1e4]])
    layer = nn.Sigmoid()
    layer.forward(x)
    grad_x = layer.backward(np.ones_like(x))
    xt = t64(x, True)
    torch.sigmoid(xt).backward(torch.ones_like(xt))
    np.testing.assert_allclose(grad_x, xt.grad.numpy(), rtol=1e-12, atol=1e-300)


@pytest.mark.question("sigmoid")
@given(st.data(), sizes, sizes)
def test_functional_sigmoid_matches_torch(data, n, d):
    big = st.floats(-1e4, 1e4, allow_nan=False, width=64)
    z = data.draw(arrays(np.float64, (n, d), elements=big), label="z")
    np.testing.assert_allclose(nn.sigmoid(z), torch.sigmoid(t64(z)).numpy(), rtol=1e-14, atol=1e-300)


@pytest.mark.question("sigmoid")
def test_functional_sigmoid_keeps_float32():
    z = np.array([-3.0, 0.0, 2.0], dtype=np.float32)
    s = nn.sigmoid(z)
    assert s.dtype == np.float32
    np.testing.assert_allclose(s, torch.sigmoid(torch.tensor(z)).numpy(), rtol=1e-6)


@pytest.mark.parametrize("name", [case(name, "backward") for name in ACTIVATIONS])
def test_float32_stays_float32_and_matches_torch(name):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 5)).astype(np.float32)
    upstream = rng.standard_normal((4, 5)).astype(np.float32)
    layer = getattr(nn, name)()
    y = layer.forward(x)
    grad_x = layer.backward(upstream)
    assert y.dtype == grad_x.dtype == np.float32
    xt = torch.tensor(x, requires_grad=True)
    yt = ACTIVATIONS[name](xt)
    yt.backward(torch.tensor(upstream))
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(grad_x, xt.grad.numpy(), rtol=1e-5, atol=1e-7)
