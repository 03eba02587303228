"""Conv1d, Conv2d, MaxPool1d and MaxPool2d on random shapes, checked against PyTorch and
against central differences.

The hypothesis cases cover strides above 1, rectangular kernels, padding, several
channels and samples; a layer that convolves instead of correlating, drops the stride in
its backward pass or routes a pooling gradient to the wrong entry fails them.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from strategies import conv_cases, distinct_values

from mytorch import nn
from mytorch.gradcheck import check_layer_gradients

TIGHT = {"rtol": 1e-10, "atol": 1e-12}


def t64(a, requires_grad=False):
    """A float64 torch tensor holding a copy of ``a``."""
    return torch.tensor(np.array(a, dtype=np.float64), dtype=torch.float64, requires_grad=requires_grad)


def make_conv(case, rng):
    layer_cls = nn.Conv1d if len(case["spatial"]) == 1 else nn.Conv2d
    return layer_cls(case["in_channels"], case["out_channels"], case["kernel_size"], case["stride"],
                     case["padding"], rng=rng)


def make_pool(case):
    layer_cls = nn.MaxPool1d if len(case["spatial"]) == 1 else nn.MaxPool2d
    return layer_cls(case["kernel_size"], case["stride"], case["padding"])


def torch_conv(case, x, weight, bias, grad):
    """Output and gradients of the same convolution computed by PyTorch's autograd."""
    conv = F.conv1d if len(case["spatial"]) == 1 else F.conv2d
    x_t, w_t, b_t = t64(x, True), t64(weight, True), t64(bias, True)
    out = conv(x_t, w_t, b_t, stride=case["stride"], padding=case["padding"])
    out.backward(t64(grad))
    return out.detach().numpy(), x_t.grad.numpy(), w_t.grad.numpy(), b_t.grad.numpy()


def torch_pool(case, x, grad):
    """Output and input gradient of the same max pooling computed by PyTorch's autograd."""
    pool = F.max_pool1d if len(case["spatial"]) == 1 else F.max_pool2d
    x_t = t64(x, True)
    out = pool(x_t, case["kernel_size"], case["stride"], case["padding"])
    out.backward(t64(grad))
    return out.detach().numpy(), x_t.grad.numpy()


def check_conv_against_torch(case):
    rng = np.random.default_rng(case["seed"])
    layer = make_conv(case, rng)
    x = rng.standard_normal((case["batch"], case["in_channels"]) + case["spatial"])
    out = layer.forward(x)
    grad = rng.standard_normal(out.shape)
    grad_x = layer.backward(grad)
    expected_out, expected_grad_x, expected_grad_w, expected_grad_b = torch_conv(case, x, layer.weight, layer.bias, grad)
    np.testing.assert_allclose(out, expected_out, **TIGHT)
    np.testing.assert_allclose(grad_x, expected_grad_x, **TIGHT)
    np.testing.assert_allclose(layer.grad_weight, expected_grad_w, **TIGHT)
    np.testing.assert_allclose(layer.grad_bias, expected_grad_b, **TIGHT)
    assert grad_x.shape == x.shape
    assert layer.grad_weight.shape == layer.weight.shape
    assert layer.grad_bias.shape == layer.bias.shape


def check_pool_against_torch(case):
    rng = np.random.default_rng(case["seed"])
    layer = make_pool(case)
    x = distinct_values(rng, (case["batch"], case["in_channels"]) + case["spatial"])
    out = layer.forward(x)
    grad = rng.standard_normal(out.shape)
    grad_x = layer.backward(grad)
    expected_out, expected_grad_x = torch_pool(case, x, grad)
    np.testing.assert_array_equal(out, expected_out)
    np.testing.assert_allclose(grad_x, expected_grad_x, **TIGHT)


# ------------------------------------------------------------------ against PyTorch
@given(conv_cases(d=2))
def test_conv2d_matches_torch(case):
    check_conv_against_torch(case)


@given(conv_cases(d=1))
def test_conv1d_matches_torch(case):
    check_conv_against_torch(case)


@given(conv_cases(d=2, pool=True))
def test_maxpool2d_matches_torch(case):
    check_pool_against_torch(case)


@given(conv_cases(d=1, pool=True))
def test_maxpool1d_matches_torch(case):
    check_pool_against_torch(case)


# Fixed cases that hypothesis might or might not draw in a given run: each one exercises
# a single feature that a plausible wrong implementation gets wrong.
FIXED_CONV2D = [
    # (batch, C_in, C_out, (H, W), kernel_size, stride, padding)
    pytest.param(2, 3, 2, (7, 8), (3, 2), 1, 0, id="rectangular-kernel"),
    pytest.param(2, 2, 3, (9, 7), 3, 2, 1, id="stride-2-with-padding"),
    pytest.param(1, 2, 2, (8, 10), (2, 3), (3, 2), (0, 1), id="different-stride-per-axis"),
    pytest.param(2, 1, 2, (6, 6), 4, 3, 0, id="stride-leaves-pixels-unused"),
    pytest.param(1, 2, 1, (2, 3), 5, 1, 2, id="kernel-wider-than-input"),
]


@pytest.mark.parametrize("batch, in_channels, out_channels, spatial, kernel_size, stride, padding", FIXED_CONV2D)
def test_conv2d_fixed_cases_match_torch(batch, in_channels, out_channels, spatial, kernel_size, stride, padding):
    d = 2
    case = {
        "batch": batch, "in_channels": in_channels, "out_channels": out_channels, "spatial": spatial,
        "kernel_size": kernel_size if isinstance(kernel_size, tuple) else (kernel_size,) * d,
        "stride": stride if isinstance(stride, tuple) else (stride,) * d,
        "padding": padding if isinstance(padding, tuple) else (padding,) * d,
        "seed": 7,
    }
    check_conv_against_torch(case)


def test_conv2d_correlates_rather_than_convolves():
    # An asymmetric kernel tells the two apart: a flipped kernel gives other numbers.
    layer = nn.Conv2d(1, 1, 2, rng=np.random.default_rng(0))
    layer.weight = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    layer.bias = np.array([0.0])
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    # out[0, 0] = 1*0 + 2*1 + 3*3 + 4*4 = 27 (PyTorch gives the same).
    np.testing.assert_allclose(layer.forward(x), [[[[27.0, 37.0], [57.0, 67.0]]]], rtol=1e-15)


def test_conv2d_input_gradient_is_the_full_convolution_of_the_dilated_gradient():
    # The book's formula for grad_x, evaluated independently with PyTorch: dilate the
    # upstream gradient by the stride, pad it by kernel - 1, and correlate it with the
    # kernel flipped in both axes and with in/out channels swapped; then drop the border
    # that corresponds to the layer's padding.
    rng = np.random.default_rng(3)
    stride, padding, (kh, kw) = (2, 3), (1, 2), (3, 4)
    layer = nn.Conv2d(2, 3, (kh, kw), stride, padding, rng=rng)
    x = rng.standard_normal((2, 2, 9, 11))
    out = layer.forward(x)
    grad = rng.standard_normal(out.shape)
    grad_x = layer.backward(grad)

    N, C_out, H_out, W_out = grad.shape
    H_p, W_p = 9 + 2 * padding[0], 11 + 2 * padding[1]
    grad_d = np.zeros((N, C_out, H_p - kh + 1, W_p - kw + 1))
    grad_d[:, :, ::stride[0], ::stride[1]] = grad
    grad_d = np.pad(grad_d, ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
    flipped = layer.weight[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
    grad_x_p = F.conv2d(t64(grad_d), t64(flipped)).numpy()
    expected = grad_x_p[:, :, padding[0]:H_p - padding[0], padding[1]:W_p - padding[1]]
    np.testing.assert_allclose(grad_x, expected, **TIGHT)


def test_conv2d_weight_gradient_is_the_correlation_of_input_and_gradient():
    # The book's formula for grad_weight, evaluated with PyTorch: correlate the padded
    # input with the upstream gradient used as a kernel dilated by the stride, batch
    # playing the role of channels.
    rng = np.random.default_rng(4)
    stride, padding, kernel_size = 2, 1, (3, 2)
    layer = nn.Conv2d(3, 2, kernel_size, stride, padding, rng=rng)
    x = rng.standard_normal((4, 3, 8, 7))
    grad = rng.standard_normal(layer.forward(x).shape)
    layer.backward(grad)
    x_p = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    corr = F.conv2d(t64(x_p.transpose(1, 0, 2, 3)), t64(grad.transpose(1, 0, 2, 3)), dilation=stride).numpy()
    expected = corr.transpose(1, 0, 2, 3)[:, :, :kernel_size[0], :kernel_size[1]]
    np.testing.assert_allclose(layer.grad_weight, expected, **TIGHT)


@pytest.mark.parametrize("layer_cls, shape", [(nn.MaxPool2d, (1, 2, 4, 4)), (nn.MaxPool1d, (2, 2, 6))])
def test_maxpool_ties_go_to_the_first_maximum_like_torch(layer_cls, shape):
    # Constant input with overlapping windows: every window ties everywhere, and PyTorch
    # sends the gradient to the first entry of each window.
    x = np.ones(shape)
    layer = layer_cls(3, 1)
    out = layer.forward(x)
    grad = np.random.default_rng(5).standard_normal(out.shape)
    grad_x = layer.backward(grad)
    x_t = t64(x, True)
    pool = F.max_pool2d if len(shape) == 4 else F.max_pool1d
    pool(x_t, 3, 1).backward(t64(grad))
    np.testing.assert_allclose(grad_x, x_t.grad.numpy(), **TIGHT)


def test_maxpool2d_overlapping_windows_accumulate():
    # The centre pixel is the maximum of all four 2x2 windows at stride 1.
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 5.0
    layer = nn.MaxPool2d(2, stride=1)
    layer.forward(x)
    grad_x = layer.backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
    expected = np.zeros((1, 1, 3, 3))
    expected[0, 0, 1, 1] = 10.0
    np.testing.assert_array_equal(grad_x, expected)


def test_maxpool2d_infinite_upstream_gradient_leaves_losers_at_zero():
    layer = nn.MaxPool2d(2)
    layer.forward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
    grad_x = layer.backward(np.array([[[[np.inf]]]]))
    np.testing.assert_array_equal(grad_x, [[[[0.0, 0.0], [0.0, np.inf]]]])


# ------------------------------------------------------- against central differences
# Small shapes: central differences cost two forward passes per input and parameter entry.
@given(conv_cases(d=2, max_batch=2, max_channels=2, max_kernel=3, max_extra=3))
def test_conv2d_gradients_match_central_differences(case):
    layer = make_conv(case, np.random.default_rng(case["seed"]))
    x = np.random.default_rng(case["seed"] + 1).standard_normal((case["batch"], case["in_channels"]) + case["spatial"])
    errors = check_layer_gradients(layer, x, seed=case["seed"])
    assert set(errors) == {"input", "weight", "bias"}
    assert max(errors.values()) <= 1, errors


@given(conv_cases(d=1, max_batch=2, max_channels=2, max_kernel=3, max_extra=3))
def test_conv1d_gradients_match_central_differences(case):
    layer = make_conv(case, np.random.default_rng(case["seed"]))
    x = np.random.default_rng(case["seed"] + 1).standard_normal((case["batch"], case["in_channels"]) + case["spatial"])
    errors = check_layer_gradients(layer, x, seed=case["seed"])
    assert set(errors) == {"input", "weight", "bias"}
    assert max(errors.values()) <= 1, errors


@given(conv_cases(d=2, pool=True, max_batch=2, max_channels=2, max_kernel=3, max_extra=3))
def test_maxpool2d_gradient_matches_central_differences(case):
    x = distinct_values(np.random.default_rng(case["seed"]), (case["batch"], case["in_channels"]) + case["spatial"])
    errors = check_layer_gradients(make_pool(case), x, seed=case["seed"])
    assert set(errors) == {"input"}
    assert errors["input"] <= 1, errors


@given(conv_cases(d=1, pool=True, max_batch=2, max_channels=2, max_kernel=3, max_extra=3))
def test_maxpool1d_gradient_matches_central_differences(case):
    x = distinct_values(np.random.default_rng(case["seed"]), (case["batch"], case["in_channels"]) + case["spatial"])
    errors = check_layer_gradients(make_pool(case), x, seed=case["seed"])
    assert set(errors) == {"input"}
    assert errors["input"] <= 1, errors


# ------------------------------------------------------------- dtypes and bookkeeping
@pytest.mark.parametrize("layer_cls, x_shape", [(nn.Conv2d, (2, 3, 6, 5)), (nn.Conv1d, (2, 3, 7))])
def test_conv_float32_stays_float32_and_matches_torch(layer_cls, x_shape):
    rng = np.random.default_rng(6)
    layer = layer_cls(3, 4, 3, stride=2, padding=1, rng=rng, dtype=np.float32)
    x = rng.standard_normal(x_shape).astype(np.float32)
    out = layer.forward(x)
    grad = rng.standard_normal(out.shape).astype(np.float32)
    grad_x = layer.backward(grad)
    for array in (layer.weight, layer.bias, out, grad_x, layer.grad_weight, layer.grad_bias):
        assert array.dtype == np.float32
    case = {"spatial": x_shape[2:], "stride": 2, "padding": 1}
    expected = torch_conv(case, x, layer.weight, layer.bias, grad)
    for actual, wanted in zip((out, grad_x, layer.grad_weight, layer.grad_bias), expected):
        np.testing.assert_allclose(actual, wanted, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("layer", [nn.MaxPool2d(2, padding=1), nn.MaxPool1d(3, stride=2, padding=1)])
def test_maxpool_float32_stays_float32(layer):
    shape = (2, 3, 5, 5) if isinstance(layer, nn.MaxPool2d) else (2, 3, 8)
    x = np.random.default_rng(8).standard_normal(shape).astype(np.float32)
    out = layer.forward(x)
    grad_x = layer.backward(np.ones_like(out))
    assert out.dtype == np.float32 and grad_x.dtype == np.float32
    assert np.isfinite(out).all()


def test_conv_defaults_and_initialisation():
    layer = nn.Conv2d(3, 5, (2, 4), rng=np.random.default_rng(0))
    assert layer.weight.shape == (5, 3, 2, 4) and layer.bias.shape == (5,)
    assert layer.weight.dtype == np.float64 and layer.bias.dtype == np.float64
    assert layer.stride == (1, 1) and layer.padding == (0, 0) and layer.kernel_size == (2, 4)
    bound = 1 / np.sqrt(3 * 2 * 4)
    assert np.abs(layer.weight).max() <= bound and np.abs(layer.bias).max() <= bound
    # Uniform on [-bound, bound] has standard deviation bound / sqrt(3).
    assert abs(layer.weight.std() - bound / np.sqrt(3)) < 0.25 * bound
    again = nn.Conv2d(3, 5, (2, 4), rng=np.random.default_rng(0))
    np.testing.assert_array_equal(layer.weight, again.weight)
    assert nn.Conv1d(2, 3, 4).weight.shape == (3, 2, 4)


def test_maxpool_stride_defaults_to_the_kernel_size():
    assert nn.MaxPool2d((2, 3)).stride == (2, 3)
    assert nn.MaxPool1d(4).stride == (4,)
    out = nn.MaxPool2d(2).forward(np.arange(16.0).reshape(1, 1, 4, 4))
    np.testing.assert_array_equal(out, [[[[5.0, 7.0], [13.0, 15.0]]]])


@pytest.mark.parametrize("make_layer, x_shape", [
    (lambda: nn.Conv2d(2, 3, 3, stride=2, padding=1, rng=np.random.default_rng(0)), (2, 2, 5, 6)),
    (lambda: nn.Conv1d(2, 3, 3, stride=2, padding=1, rng=np.random.default_rng(0)), (2, 2, 7)),
    (lambda: nn.MaxPool2d(3, stride=2, padding=1), (2, 2, 5, 6)),
    (lambda: nn.MaxPool1d(3, stride=2, padding=1), (2, 2, 7)),
])
def test_layers_leave_their_arguments_untouched_and_use_the_latest_forward(make_layer, x_shape):
    layer = make_layer()
    rng = np.random.default_rng(1)
    layer.forward(rng.standard_normal((3,) + x_shape[1:]))  # a different batch size first
    x = rng.standard_normal(x_shape)
    x_before = x.copy()
    out = layer.forward(x)
    grad = rng.standard_normal(out.shape)
    grad_before = grad.copy()
    grad_x = layer.backward(grad)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(grad, grad_before)
    assert grad_x.shape == x_shape


def test_conv_accepts_integer_input():
    layer = nn.Conv2d(1, 1, 2, rng=np.random.default_rng(0))
    out = layer.forward(np.arange(9).reshape(1, 1, 3, 3))
    assert out.dtype == np.float64
