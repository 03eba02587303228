"""The linear layer on random shapes and values, against PyTorch in float64 and against
central differences."""

import numpy as np
import pytest
from helpers import assert_close, t64
from hypothesis import given
from hypothesis import strategies as st
from strategies import float_arrays, seeds, sizes

from mytorch import nn
from mytorch.gradcheck import check_layer_gradients

pytestmark = pytest.mark.ch03


def torch_linear(layer, x, upstream):
    """Output and gradients of ``x @ W + b`` computed by PyTorch's autograd."""
    xt, wt, bt = t64(x, True), t64(layer.weight, True), t64(layer.bias, True)
    out = xt @ wt + bt
    out.backward(t64(upstream))
    return out, xt.grad, wt.grad, bt.grad


@pytest.mark.question("Linear.forward")
@given(st.data(), st.integers(0, 6), sizes, sizes, seeds)
def test_forward_matches_torch(data, n, fan_in, fan_out, seed):
    x = data.draw(float_arrays((n, fan_in)), label="x")
    layer = nn.Linear(fan_in, fan_out, rng=np.random.default_rng(seed))
    out = layer.forward(x)
    assert_close(out, torch_linear(layer, x, np.zeros((n, fan_out)))[0])


@pytest.mark.question("Linear.forward")
def test_forward_keeps_the_input_for_backward():
    layer = nn.Linear(3, 2, rng=np.random.default_rng(0))
    x = np.arange(6.0).reshape(2, 3)
    layer.forward(x)
    assert_close(layer.x, x)


@pytest.mark.question("Linear.backward", points=2)
@given(st.data(), st.integers(0, 6), sizes, sizes, seeds)
def test_backward_matches_torch(data, n, fan_in, fan_out, seed):
    x = data.draw(float_arrays((n, fan_in)), label="x")
    upstream = data.draw(float_arrays((n, fan_out)), label="upstream")
    layer = nn.Linear(fan_in, fan_out, rng=np.random.default_rng(seed))
    layer.forward(x)
    grad_x = layer.backward(upstream)
    _, expected_x, expected_w, expected_b = torch_linear(layer, x, upstream)
    assert_close(grad_x, expected_x)
    assert_close(layer.grad_weight, expected_w)
    assert_close(layer.grad_bias, expected_b)


@pytest.mark.question("Linear.backward")
def test_backward_on_a_square_batch_is_not_transposed():
    # N = in_features = out_features: every transposed product has the right shape, so
    # only the values can tell a transposed gradient from the right one.
    rng = np.random.default_rng(1)
    layer = nn.Linear(3, 3, rng=rng)
    x, upstream = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    layer.forward(x)
    grad_x = layer.backward(upstream)
    _, expected_x, expected_w, expected_b = torch_linear(layer, x, upstream)
    assert_close(grad_x, expected_x)
    assert_close(layer.grad_weight, expected_w)
    assert_close(layer.grad_bias, expected_b)


@pytest.mark.question("Linear.backward")
@given(st.data(), sizes, sizes, sizes, seeds)
def test_gradients_match_central_differences(data, n, fan_in, fan_out, seed):
    x = data.draw(float_arrays((n, fan_in)), label="x")
    errors = check_layer_gradients(nn.Linear(fan_in, fan_out, rng=np.random.default_rng(seed)), x, seed=seed)
    assert set(errors) == {"input", "weight", "bias"}
    assert max(errors.values()) <= 1, errors


@pytest.mark.question("Linear.backward")
def test_float32_gradients_stay_float32_and_match_torch():
    rng = np.random.default_rng(2)
    layer = nn.Linear(4, 3, rng=rng, dtype=np.float32)
    x = rng.standard_normal((5, 4)).astype(np.float32)
    upstream = rng.standard_normal((5, 3)).astype(np.float32)
    layer.forward(x)
    grad_x = layer.backward(upstream)
    assert grad_x.dtype == layer.grad_weight.dtype == layer.grad_bias.dtype == np.float32
    _, expected_x, expected_w, expected_b = torch_linear(layer, x, upstream)
    for actual, expected in ((grad_x, expected_x), (layer.grad_weight, expected_w), (layer.grad_bias, expected_b)):
        assert_close(actual, expected, rtol=1e-5, atol=1e-6)
