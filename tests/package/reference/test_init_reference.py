"""mytorch.nn.init against torch.nn.init: the same fans, the same scales, the same draws.

torch.nn.init draws with ``tensor.uniform_(-bound, bound, generator=g)`` or
``tensor.normal_(0, std, generator=g)``. Drawing again from a generator seeded the same
way, with the bound or std that mytorch computes, reproduces PyTorch's tensor only if the
two libraries agree on fan_in, fan_out and the formula to the last few bits.
"""

import math
import re

import numpy as np
import pytest
import torch

from mytorch import nn

pytestmark = pytest.mark.ch06

# (mytorch layer, the shape of the same layer's weight in PyTorch's layout)
LAYERS = {
    "Linear(784, 30)": (lambda: nn.Linear(784, 30, rng=np.random.default_rng(0)), (30, 784)),
    "Linear(5, 11)": (lambda: nn.Linear(5, 11, rng=np.random.default_rng(0)), (11, 5)),
    "Conv1d(3, 4, 5)": (lambda: nn.Conv1d(3, 4, 5, rng=np.random.default_rng(0)), (4, 3, 5)),
    "Conv2d(2, 6, (3, 2))": (lambda: nn.Conv2d(2, 6, (3, 2), rng=np.random.default_rng(0)), (6, 2, 3, 2)),
}


def torch_draw(fill, shape, **kwargs):
    """PyTorch's initialiser ``fill`` applied to a float64 tensor of ``shape``, from seed 0."""
    tensor = torch.empty(shape, dtype=torch.float64)
    return fill(tensor, generator=torch.Generator().manual_seed(0), **kwargs)


def same_seed_uniform(shape, bound):
    return torch.empty(shape, dtype=torch.float64).uniform_(-bound, bound, generator=torch.Generator().manual_seed(0))


def same_seed_normal(shape, std):
    return torch.empty(shape, dtype=torch.float64).normal_(0.0, std, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("gain", [1.0, 5 / 3])
def test_xavier_matches_torch(name, gain):
    make, torch_shape = LAYERS[name]
    std = nn.init.xavier_std(*nn.init.fans(make()), gain=gain)
    expected_uniform = torch_draw(torch.nn.init.xavier_uniform_, torch_shape, gain=gain)
    expected_normal = torch_draw(torch.nn.init.xavier_normal_, torch_shape, gain=gain)
    torch.testing.assert_close(same_seed_uniform(torch_shape, math.sqrt(3) * std), expected_uniform,
                               rtol=1e-12, atol=0)
    torch.testing.assert_close(same_seed_normal(torch_shape, std), expected_normal, rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
def test_kaiming_matches_torch(name, mode):
    make, torch_shape = LAYERS[name]
    fan_in, fan_out = nn.init.fans(make())
    std = nn.init.kaiming_std(fan_in if mode == "fan_in" else fan_out)  # gain sqrt(2), for ReLU
    expected_uniform = torch_draw(torch.nn.init.kaiming_uniform_, torch_shape, mode=mode, nonlinearity="relu")
    expected_normal = torch_draw(torch.nn.init.kaiming_normal_, torch_shape, mode=mode, nonlinearity="relu")
    torch.testing.assert_close(same_seed_uniform(torch_shape, math.sqrt(3) * std), expected_uniform,
                               rtol=1e-12, atol=0)
    torch.testing.assert_close(same_seed_normal(torch_shape, std), expected_normal, rtol=1e-12, atol=0)


def test_pytorch_default_linear_is_kaiming_uniform_with_gain_one_over_sqrt3():
    """torch.nn.Linear's default, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), is He's uniform with
    gain 1/sqrt(3): the scale the book uses to explain near-uniform softmax outputs."""
    bound = math.sqrt(3) * nn.init.kaiming_std(784, gain=1 / math.sqrt(3))
    assert abs(bound - 1 / math.sqrt(784)) < 1e-15
    torch.manual_seed(0)
    weight = torch.nn.Linear(784, 30).weight
    assert weight.abs().max().item() <= bound
    assert weight.abs().max().item() > 0.999 * bound


def test_hand_computed_scales():
    assert abs(nn.init.xavier_std(784, 30) - math.sqrt(2 / 814)) < 1e-15
    assert abs(nn.init.kaiming_std(784) - math.sqrt(2 / 784)) < 1e-15
    assert abs(nn.init.kaiming_std(64, gain=1.0) - 0.125) < 1e-15


@pytest.mark.parametrize("draw, std_of", [
    (nn.init.xavier_uniform_, lambda fi, fo: nn.init.xavier_std(fi, fo)),
    (nn.init.xavier_normal_, lambda fi, fo: nn.init.xavier_std(fi, fo)),
    (nn.init.kaiming_uniform_, lambda fi, fo: nn.init.kaiming_std(fi)),
    (nn.init.kaiming_normal_, lambda fi, fo: nn.init.kaiming_std(fi)),
])
def test_draws_have_the_scale_and_keep_shape_dtype_and_bias(draw, std_of):
    layer = nn.Linear(400, 500, rng=np.random.default_rng(0), dtype=np.float32)
    bias = layer.bias.copy()
    weight = draw(layer, np.random.default_rng(1))
    assert weight is layer.weight
    assert weight.shape == (400, 500) and weight.dtype == np.float32
    np.testing.assert_array_equal(layer.bias, bias)
    std = std_of(400, 500)
    # 200 000 draws: the relative standard error of the sample std is 1/sqrt(2 n) = 0.16 %,
    # so 1 % is six standard errors, and a wrong factor such as sqrt(2) is far outside.
    assert abs(weight.std() / std - 1) < 0.01
    assert abs(weight.mean()) < 0.01 * std
    if "uniform" in draw.__name__:
        assert np.abs(weight).max() <= math.sqrt(3) * std * (1 + 1e-6)


def test_same_rng_same_weights():
    a, b = nn.Linear(20, 30, rng=np.random.default_rng(0)), nn.Linear(20, 30, rng=np.random.default_rng(9))
    nn.init.kaiming_normal_(a, np.random.default_rng(5))
    nn.init.kaiming_normal_(b, np.random.default_rng(5))
    np.testing.assert_array_equal(a.weight, b.weight)


def test_initialised_layer_still_trains_forward():
    layer = nn.Linear(3, 2, rng=np.random.default_rng(0))
    nn.init.xavier_uniform_(layer, np.random.default_rng(0))
    x = np.ones((4, 3))
    np.testing.assert_allclose(layer.forward(x), x @ layer.weight + layer.bias, rtol=1e-15, atol=0)


@pytest.mark.parametrize("call, message", [
    (lambda: nn.init.fans(nn.ReLU()), "expected a mytorch Linear, Conv1d or Conv2d layer, got ReLU"),
    (lambda: nn.init.kaiming_normal_(nn.Linear(2, 3), mode="fan"), "expected mode 'fan_in' or 'fan_out', got 'fan'"),
    (lambda: nn.init.xavier_normal_(nn.Linear(2, 3), rng=0), "expected rng to be a numpy.random.Generator"),
    (lambda: nn.init.xavier_std(0, 3), "expected fan_in to be a positive int, got 0"),
    (lambda: nn.init.kaiming_std(3.5), "expected fan to be a positive int, got 3.5"),
    (lambda: nn.init.kaiming_std(3, gain=-1.0), "expected a positive, finite gain, got -1.0"),
    (lambda: nn.init.xavier_std(3, 4, gain=float("nan")), "expected a positive, finite gain, got nan"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()
