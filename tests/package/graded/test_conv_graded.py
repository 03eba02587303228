"""Conv1d, Conv2d, MaxPool1d, MaxPool2d, Flatten and the patch matrices on random shapes,
checked against PyTorch and against central differences.

The hypothesis cases cover strides above 1, rectangular kernels, padding, several
channels and samples; a layer that convolves instead of correlating, drops the stride in
its backward pass or routes a pooling gradient to the wrong entry fails them.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from helpers import TIGHT, assert_close, t64
from hypothesis import given
from hypothesis import strategies as st
from strategies import conv_cases, distinct_values, float_arrays, sizes

from mytorch import nn
from mytorch.gradcheck import check_layer_gradients
from mytorch.nn.im2col import col2im, im2col, pad

pytestmark = pytest.mark.ch07


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


def conv_run(case):
    """A layer, an input, its output and an upstream gradient for ``case``."""
    rng = np.random.default_rng(case["seed"])
    layer = make_conv(case, rng)
    x = rng.standard_normal((case["batch"], case["in_channels"]) + case["spatial"])
    out = layer.forward(x)
    return layer, x, out, rng.standard_normal(out.shape)


def check_conv_forward(case):
    layer, x, out, grad = conv_run(case)
    assert_close(out, torch_conv(case, x, layer.weight, layer.bias, grad)[0])


def check_conv_backward(case):
    layer, x, out, grad = conv_run(case)
    grad_x = layer.backward(grad)
    _, expected_x, expected_w, expected_b = torch_conv(case, x, layer.weight, layer.bias, grad)
    assert_close(grad_x, expected_x)
    assert_close(layer.grad_weight, expected_w)
    assert_close(layer.grad_bias, expected_b)


def check_pool(case, backward):
    rng = np.random.default_rng(case["seed"])
    layer = make_pool(case)
    x = distinct_values(rng, (case["batch"], case["in_channels"]) + case["spatial"])
    out = layer.forward(x)
    grad = rng.standard_normal(out.shape)
    expected_out, expected_grad_x = torch_pool(case, x, grad)
    if backward:
        assert_close(layer.backward(grad), expected_grad_x)
    else:
        np.testing.assert_array_equal(out, expected_out)


CONV_FORWARD = pytest.mark.question("Conv2d.forward")
CONV_BACKWARD = pytest.mark.question("Conv2d.backward")
POOL_FORWARD = pytest.mark.question("MaxPool2d.forward")
POOL_BACKWARD = pytest.mark.question("MaxPool2d.backward")


# ---------------------------------------------------------------- im2col and col2im
def torch_unfold(x_p, kernel_size, stride):
    """PyTorch's im2col: F.unfold."""
    return F.unfold(t64(x_p), kernel_size, stride=stride)


@pytest.mark.question("im2col", points=2)
@given(data=st.data())
def test_im2col_matches_torch_unfold(data):
    case = data.draw(conv_cases(d=2))
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal((case["batch"], case["in_channels"]) + case["spatial"])
    x_p = pad(x, case["padding"])
    assert_close(im2col(x_p, case["kernel_size"], case["stride"]), torch_unfold(x_p, case["kernel_size"], case["stride"]))


@pytest.mark.question("im2col")
def test_im2col_copies_so_that_later_edits_of_the_input_do_not_reach_it():
    x_p = np.arange(12.0).reshape(1, 3, 2, 2)
    cols = im2col(x_p, (1, 1), (1, 1))
    x_p += 100.0
    assert_close(cols, np.arange(12.0).reshape(1, 3, 4))


@pytest.mark.question("col2im", points=2)
@given(data=st.data())
def test_col2im_matches_torch_fold(data):
    # col2im is the adjoint of im2col: PyTorch's F.fold, which adds overlapping windows.
    case = data.draw(conv_cases(d=2))
    rng = np.random.default_rng(case["seed"])
    shape = (case["batch"], case["in_channels"]) + tuple(s + 2 * p for s, p in zip(case["spatial"], case["padding"]))
    cols_shape = im2col(np.zeros(shape), case["kernel_size"], case["stride"]).shape
    grad_cols = rng.standard_normal(cols_shape)
    grad_x_p = col2im(grad_cols, shape, case["kernel_size"], case["stride"])
    expected = F.fold(t64(grad_cols), shape[2:], case["kernel_size"], stride=case["stride"])
    assert_close(grad_x_p, expected)


@pytest.mark.question("col2im")
def test_col2im_adds_the_copies_of_a_pixel_that_overlapping_windows_share():
    # 3x3 input, 2x2 windows at stride 1: the centre pixel is in all four windows.
    grad_x_p = col2im(np.ones((1, 4, 4)), (1, 1, 3, 3), (2, 2), (1, 1))
    assert_close(grad_x_p, np.array([[[[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]]]))


# ------------------------------------------------------------------ against PyTorch
@CONV_FORWARD
@pytest.mark.parametrize("d", [1, 2])
@given(data=st.data())
def test_conv_forward_matches_torch(d, data):
    check_conv_forward(data.draw(conv_cases(d=d)))


@pytest.mark.question("Conv2d.backward", points=2)
@pytest.mark.parametrize("d", [1, 2])
@given(data=st.data())
def test_conv_backward_matches_torch(d, data):
    check_conv_backward(data.draw(conv_cases(d=d)))


@POOL_FORWARD
@pytest.mark.parametrize("d", [1, 2])
@given(data=st.data())
def test_maxpool_forward_matches_torch(d, data):
    check_pool(data.draw(conv_cases(d=d, pool=True)), backward=False)


@pytest.mark.question("MaxPool2d.backward", points=2)
@pytest.mark.parametrize("d", [1, 2])
@given(data=st.data())
def test_maxpool_backward_matches_torch(d, data):
    check_pool(data.draw(conv_cases(d=d, pool=True)), backward=True)


@CONV_BACKWARD
@pytest.mark.parametrize("d", [1, 2])
def test_empty_batch_matches_torch(d):
    case = {"spatial": (5,) * d, "kernel_size": (3,) * d, "stride": (2,) * d, "padding": (1,) * d,
            "batch": 0, "in_channels": 2, "out_channels": 3, "seed": 0}
    check_conv_backward(case)


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


@CONV_BACKWARD
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
    check_conv_backward(case)


@CONV_FORWARD
def test_conv2d_correlates_rather_than_convolves():
    # An asymmetric kernel tells the two apart: a flipped kernel gives other numbers.
    layer = nn.Conv2d(1, 1, 2, rng=np.random.default_rng(0))
    layer.weight = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    layer.bias = np.array([0.0])
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    # out[0, 0] = 1*0 + 2*1 + 3*3 + 4*4 = 27 (PyTorch gives the same).
    np.testing.assert_allclose(layer.forward(x), [[[[27.0, 37.0], [57.0, 67.0]]]], rtol=1e-15)


@CONV_BACKWARD
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


@CONV_BACKWARD
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


@POOL_BACKWARD
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


@POOL_BACKWARD
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


@POOL_BACKWARD
def test_maxpool2d_infinite_upstream_gradient_leaves_losers_at_zero():
    layer = nn.MaxPool2d(2)
    layer.forward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
    grad_x = layer.backward(np.array([[[[np.inf]]]]))
    np.testing.assert_array_equal(grad_x, [[[[0.0, 0.0], [0.0, np.inf]]]])


# ------------------------------------------------------- against central differences
# Small shapes: central differences cost two forward passes per input and parameter entry.
SMALL = {"max_batch": 2, "max_channels": 2, "max_kernel": 3, "max_extra": 3}


@CONV_BACKWARD
@pytest.mark.parametrize("d", [1, 2])
@given(data=st.data())
def test_conv_gradients_match_central_differences(d, data):
    case = data.draw(conv_cases(d=d, **SMALL))
    layer = make_conv(case, np.random.default_rng(case["seed"]))
    x = np.random.default_rng(case["seed"] + 1).standard_normal((case["batch"], case["in_channels"]) + case["spatial"])
    errors = check_layer_gradients(layer, x, seed=case["seed"])
    assert set(errors) == {"input", "weight", "bias"}
    assert max(errors.values()) <= 1, errors


@POOL_BACKWARD
@pytest.mark.parametrize("d", [1, 2])
@given(data=st.data())
def test_maxpool_gradient_matches_central_differences(d, data):
    case = data.draw(conv_cases(d=d, pool=True, **SMALL))
    x = distinct_values(np.random.default_rng(case["seed"]), (case["batch"], case["in_channels"]) + case["spatial"])
    errors = check_layer_gradients(make_pool(case), x, seed=case["seed"])
    assert set(errors) == {"input"}
    assert errors["input"] <= 1, errors


# ------------------------------------------------------------- dtypes and bookkeeping
@CONV_BACKWARD
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


@POOL_BACKWARD
@pytest.mark.parametrize("layer, torch_args", [
    (nn.MaxPool2d(2, padding=1), (2, 2, 1)),
    (nn.MaxPool1d(3, stride=2, padding=1), (3, 2, 1)),
])
def test_maxpool_float32_stays_float32_and_matches_torch(layer, torch_args):
    shape = (2, 3, 5, 5) if type(layer) is nn.MaxPool2d else (2, 3, 8)
    rng = np.random.default_rng(8)
    x = rng.standard_normal(shape).astype(np.float32)
    out = layer.forward(x)
    grad = rng.standard_normal(out.shape).astype(np.float32)
    grad_x = layer.backward(grad)
    assert out.dtype == np.float32 and grad_x.dtype == np.float32
    pool = F.max_pool2d if len(shape) == 4 else F.max_pool1d
    x_t = torch.tensor(x, requires_grad=True)
    out_t = pool(x_t, *torch_args)
    out_t.backward(torch.tensor(grad))
    np.testing.assert_array_equal(out, out_t.detach().numpy())
    np.testing.assert_allclose(grad_x, x_t.grad.numpy(), rtol=1e-6, atol=1e-7)


@POOL_FORWARD
@pytest.mark.parametrize("d", [1, 2])
def test_maxpool_of_an_empty_batch_is_empty(d):
    x = np.zeros((0, 2) + (6,) * d)
    layer = (nn.MaxPool1d if d == 1 else nn.MaxPool2d)(2)
    out = layer.forward(x)
    assert out.shape == (0, 2) + (3,) * d


# ------------------------------------------------------------------------------ Flatten
@pytest.mark.question("Flatten.forward")
@given(st.data(), st.integers(0, 4), st.lists(sizes, min_size=1, max_size=3))
def test_flatten_forward_matches_torch(data, n, rest):
    x = data.draw(float_arrays((n, *rest)), label="x")
    np.testing.assert_array_equal(nn.Flatten().forward(x), torch.flatten(t64(x), 1).numpy())


@pytest.mark.question("Flatten.backward")
@given(st.data(), sizes, st.lists(sizes, min_size=1, max_size=3))
def test_flatten_backward_matches_torch(data, n, rest):
    x = data.draw(float_arrays((n, *rest)), label="x")
    layer = nn.Flatten()
    out = layer.forward(x)
    upstream = data.draw(float_arrays(out.shape), label="upstream")
    xt = t64(x, True)
    torch.flatten(xt, 1).backward(t64(upstream))
    np.testing.assert_array_equal(layer.backward(upstream), xt.grad.numpy())
