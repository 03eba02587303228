"""Bad input to the linear layer, and the state it keeps: each mistake raises at once with
a message naming what was expected and what arrived, and nothing a caller does after
``forward`` changes what ``backward`` computes."""

import re

import numpy as np
import pytest
import torch
from helpers import assert_close, t64
from hypothesis import given
from strategies import seeds, sizes

from mytorch import nn, optim

pytestmark = pytest.mark.ch03


def linear(fan_in=3, fan_out=4):
    return nn.Linear(fan_in, fan_out, rng=np.random.default_rng(0))


def test_linear_wrong_feature_width():
    with pytest.raises(ValueError, match=re.escape("expected in_features = 3, got 5 (input shape (2, 5))")):
        linear().forward(np.ones((2, 5)))


def test_linear_wrong_rank():
    with pytest.raises(ValueError, match=re.escape("expected a 2-D array of shape (N, in_features), got a 1-D array of shape (3,)")):
        linear().forward(np.ones(3))


def test_linear_wrong_upstream_gradient_shape():
    layer = linear()
    layer.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=re.escape("expected grad of shape (2, 4) (N, out_features), got (4, 2)")):
        layer.backward(np.ones((4, 2)))


def test_linear_backward_before_forward():
    with pytest.raises(RuntimeError, match=r"Linear\.backward\(\) was called before forward\(\): expected the saved 'x'"):
        linear().backward(np.ones((2, 4)))


@pytest.mark.parametrize("fan_in", [0, -1, 2.5, True, "3"])
def test_linear_bad_size(fan_in):
    with pytest.raises(ValueError, match=re.escape(f"expected in_features to be a positive int, got {fan_in!r}")):
        nn.Linear(fan_in, 2)


def test_linear_seed_instead_of_generator():
    with pytest.raises(ValueError, match="expected rng to be a numpy.random.Generator .*, got int"):
        nn.Linear(2, 2, rng=0)


def test_linear_integer_dtype():
    with pytest.raises(ValueError, match="expected a floating dtype, got int64"):
        nn.Linear(2, 2, dtype=np.int64)


def test_non_numeric_input():
    with pytest.raises(ValueError, match="expected an array of numbers, got dtype <U1"):
        linear().forward(np.array([["a", "b", "c"]]))


# ---------------------------------------------------------------------- parameters
@pytest.mark.parametrize("name, value, message", [
    ("weight", np.ones((3, 4, 1)), "Linear.weight: expected a floating-point array of shape (in_features, out_features), got an array of shape (3, 4, 1)"),
    ("weight", [[1.0] * 4] * 3, "Linear.weight: expected a floating-point array of shape (in_features, out_features), got list"),
    ("weight", np.ones((3, 4), dtype=int), "got an array of shape (3, 4) and dtype int64"),
    ("bias", np.ones(4), "Linear.bias: expected a floating-point array of shape (1, 4) (1, out_features), got an array of shape (4,)"),
    ("bias", np.ones((1, 5)), "Linear.bias: expected shape (1, 4) (1, out_features) to match weight of shape (3, 4), got (1, 5)"),
])
def test_a_wrongly_assigned_parameter_is_named_at_the_next_forward(name, value, message):
    layer = linear()
    setattr(layer, name, value)
    with pytest.raises(ValueError, match=re.escape(message)):
        layer.forward(np.ones((2, 3)))


def test_assigning_both_parameters_of_a_new_width_works():
    layer = linear(3, 4)
    layer.weight, layer.bias = np.ones((2, 5)), np.zeros((1, 5))
    assert layer.forward(np.ones((1, 2))).shape == (1, 5)
    assert (layer.in_features, layer.out_features) == (2, 5)


@given(sizes, sizes, seeds)
def test_init_is_uniform_in_pytorch_bounds_and_reproducible(fan_in, fan_out, seed):
    a = nn.Linear(fan_in, fan_out, rng=np.random.default_rng(seed))
    b = nn.Linear(fan_in, fan_out, rng=np.random.default_rng(seed))
    bound = 1 / np.sqrt(fan_in)
    assert a.weight.shape == (fan_in, fan_out) and a.bias.shape == (1, fan_out)
    assert np.all(np.abs(a.weight) <= bound) and np.all(np.abs(a.bias) <= bound)
    np.testing.assert_array_equal(a.weight, b.weight)
    np.testing.assert_array_equal(a.bias, b.bias)


def test_init_spreads_over_the_whole_interval():
    layer = nn.Linear(100, 200, rng=np.random.default_rng(0))
    bound = 0.1
    # 20000 uniform draws: the extremes come within 1% of the bounds, the mean near 0,
    # the variance near bound^2 / 3 (PyTorch's kaiming_uniform_ with a = sqrt(5)).
    assert layer.weight.max() > 0.99 * bound and layer.weight.min() < -0.99 * bound
    assert abs(layer.weight.mean()) < 0.05 * bound
    assert abs(layer.weight.var() - bound**2 / 3) < 0.05 * bound**2 / 3


# ---------------------------------------------------------------------------- state
def test_editing_the_input_in_place_after_forward_does_not_change_the_gradient():
    layer = linear()
    x = np.arange(6.0).reshape(2, 3)
    upstream = np.ones((2, 4))
    layer.forward(x)
    x *= 2  # a common NumPy habit
    layer.backward(upstream)
    xt, wt = t64(np.arange(6.0).reshape(2, 3)), t64(layer.weight, True)
    (xt @ wt).backward(t64(upstream))
    assert_close(layer.grad_weight, wt.grad)


def test_float32_input_and_parameters_give_float32():
    layer = nn.Linear(3, 2, rng=np.random.default_rng(0), dtype=np.float32)
    out = layer.forward(np.ones((2, 3), dtype=np.float32))
    assert out.dtype == np.float32
    expected = torch.ones(2, 3) @ torch.tensor(layer.weight) + torch.tensor(layer.bias)
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-6)


# ------------------------------------------------------------------- without bias
def test_linear_without_bias_matches_torch_and_steps_only_its_weight():
    rng = np.random.default_rng(4)
    layer = nn.Linear(3, 2, bias=False, rng=rng)
    assert layer.bias is None and [name for _, name in layer.parameters()] == ["weight"]
    assert repr(layer) == "Linear(in_features=3, out_features=2, bias=False)"
    x, grad = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    out = layer.forward(x)
    grad_x = layer.backward(grad)
    x_t, w_t = t64(x, True), t64(layer.weight, True)
    (x_t @ w_t).backward(t64(grad))
    assert_close(out, (x_t @ w_t).detach())
    assert_close(grad_x, x_t.grad)
    assert_close(layer.grad_weight, w_t.grad)
    assert layer.grad_bias is None
    before = layer.weight.copy()
    optim.SGD(layer, lr=0.1).step()
    assert_close(layer.weight, before - 0.1 * w_t.grad.numpy())


def test_linear_bias_must_be_a_bool():
    with pytest.raises(ValueError, match=re.escape("Linear: expected bias to be True or False, got 'no'")):
        nn.Linear(2, 3, bias="no")
