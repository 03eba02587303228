"""Bad input to the convolution, pooling and flatten layers: each raises at once, and its
message names what was expected and what arrived. Also their defaults, initialisation and
the state they keep."""

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from helpers import assert_close, t64

from mytorch import nn

pytestmark = pytest.mark.ch07


def conv2d(in_channels=3, out_channels=4, kernel_size=3, **kwargs):
    return nn.Conv2d(in_channels, out_channels, kernel_size, rng=np.random.default_rng(0), **kwargs)


def conv1d(in_channels=3, out_channels=4, kernel_size=3, **kwargs):
    return nn.Conv1d(in_channels, out_channels, kernel_size, rng=np.random.default_rng(0), **kwargs)


# ------------------------------------------------------------------------ wrong rank
@pytest.mark.parametrize("make_layer, layout, shape", [
    (conv2d, "(N, C_in, H, W)", (3, 5, 5)),
    (conv1d, "(N, C_in, L)", (1, 3, 5, 5)),
    (lambda: nn.MaxPool2d(2), "(N, C, H, W)", (5, 5)),
    (lambda: nn.MaxPool1d(2), "(N, C, L)", (2, 5)),
])
def test_wrong_rank(make_layer, layout, shape):
    ndim = len(layout.split(","))
    message = f"expected a {ndim}-D array of shape {layout}, got a {len(shape)}-D array of shape {shape}"
    with pytest.raises(ValueError, match=re.escape(message)):
        make_layer().forward(np.ones(shape))


# ------------------------------------------------------------- wrong channel count
@pytest.mark.parametrize("make_layer, shape", [(conv2d, (2, 5, 6, 6)), (conv1d, (2, 5, 6))])
def test_wrong_channel_count(make_layer, shape):
    with pytest.raises(ValueError, match=re.escape(f"expected C_in (in_channels) = 3, got 5 (input shape {shape})")):
        make_layer().forward(np.ones(shape))


# ------------------------------------------------ kernel larger than the padded input
def test_conv2d_kernel_taller_than_padded_input():
    message = "kernel size 5 is larger than the padded input height 4 (input height 2 + 2 * padding 1)"
    with pytest.raises(ValueError, match=re.escape(message)):
        conv2d(kernel_size=5, padding=1).forward(np.ones((1, 3, 2, 9)))


def test_conv2d_kernel_wider_than_padded_input():
    message = "kernel size 4 is larger than the padded input width 3 (input width 3 + 2 * padding 0)"
    with pytest.raises(ValueError, match=re.escape(message)):
        conv2d(kernel_size=(2, 4)).forward(np.ones((1, 3, 5, 3)))


def test_conv1d_kernel_longer_than_padded_input():
    message = "kernel size 3 is larger than the padded input length 2 (input length 2 + 2 * padding 0)"
    with pytest.raises(ValueError, match=re.escape(message)):
        conv1d().forward(np.ones((1, 3, 2)))


@pytest.mark.parametrize("layer, shape, axis", [
    (nn.MaxPool2d(3), (1, 1, 2, 5), "height"),
    (nn.MaxPool1d(3), (1, 1, 2), "length"),
])
def test_pool_kernel_larger_than_padded_input(layer, shape, axis):
    message = f"kernel size 3 is larger than the padded input {axis} 2 (input {axis} 2 + 2 * padding 0)"
    with pytest.raises(ValueError, match=re.escape(message)):
        layer.forward(np.ones(shape))


# ------------------------------------------------------------- bad hyperparameters
@pytest.mark.parametrize("make_layer", [nn.Conv2d, nn.Conv1d])
@pytest.mark.parametrize("argument, value, message", [
    ("kernel_size", 0, "kernel_size: expected values >= 1, got 0"),
    ("stride", 0, "stride: expected values >= 1, got 0"),
    ("stride", -2, "stride: expected values >= 1, got -2"),
    ("padding", -1, "padding: expected values >= 0, got -1"),
    ("kernel_size", 2.5, "kernel_size: expected an int or a ${kind} of ints, got 2.5"),
    ("stride", True, "stride: expected an int or a ${kind} of ints, got True"),
    ("padding", "1", "padding: expected an int or a ${kind} of ints, got '1'"),
])
def test_conv_bad_hyperparameter(make_layer, argument, value, message):
    kwargs = {"kernel_size": 2, "stride": 1, "padding": 0, argument: value}
    kind = "pair" if make_layer is nn.Conv2d else "1-tuple"
    message = f"{make_layer.__name__} " + message.replace("${kind}", kind)
    with pytest.raises(ValueError, match=re.escape(message)):
        make_layer(2, 3, **kwargs)


@pytest.mark.parametrize("make_layer, kernel_size, kind", [
    (nn.Conv2d, (2, 2, 2), "pair"),
    (nn.Conv1d, (2, 2), "1-tuple"),
])
def test_conv_kernel_size_with_too_many_entries(make_layer, kernel_size, kind):
    message = f"{make_layer.__name__} kernel_size: expected an int or a {kind} of ints, got {kernel_size}"
    with pytest.raises(ValueError, match=re.escape(message)):
        make_layer(2, 3, kernel_size)


@pytest.mark.parametrize("argument", ["in_channels", "out_channels"])
@pytest.mark.parametrize("value", [0, -3, 2.0, True])
def test_conv_bad_channel_count(argument, value):
    sizes = {"in_channels": 2, "out_channels": 3, argument: value}
    with pytest.raises(ValueError, match=re.escape(f"Conv2d: expected {argument} to be a positive int, got {value!r}")):
        nn.Conv2d(sizes["in_channels"], sizes["out_channels"], 2)


def test_conv_seed_instead_of_generator():
    with pytest.raises(ValueError, match="Conv2d: expected rng to be a numpy.random.Generator .*, got int"):
        nn.Conv2d(2, 3, 2, rng=0)


def test_conv_integer_dtype():
    with pytest.raises(ValueError, match="Conv1d: expected a floating dtype, got int64"):
        nn.Conv1d(2, 3, 2, dtype=np.int64)


@pytest.mark.parametrize("make_layer, argument, value, message", [
    (nn.MaxPool2d, "kernel_size", 0, "MaxPool2d kernel_size: expected values >= 1, got 0"),
    (nn.MaxPool2d, "stride", (1, 0), "MaxPool2d stride: expected values >= 1, got (1, 0)"),
    (nn.MaxPool2d, "padding", -1, "MaxPool2d padding: expected values >= 0, got -1"),
    (nn.MaxPool1d, "kernel_size", [2, 2], "MaxPool1d kernel_size: expected an int or a 1-tuple of ints, got [2, 2]"),
    (nn.MaxPool1d, "stride", 1.5, "MaxPool1d stride: expected an int or a 1-tuple of ints, got 1.5"),
])
def test_pool_bad_hyperparameter(make_layer, argument, value, message):
    kwargs = {"kernel_size": 2, "stride": None, "padding": 0, argument: value}
    with pytest.raises(ValueError, match=re.escape(message)):
        make_layer(**kwargs)


@pytest.mark.parametrize("make_layer, kernel_size, padding, message", [
    (nn.MaxPool2d, 3, (1, 2), "MaxPool2d padding: expected at most half the kernel size (3, 3), got (1, 2)"),
    (nn.MaxPool1d, 2, 2, "MaxPool1d padding: expected at most half the kernel size (2,), got (2,)"),
])
def test_pool_padding_more_than_half_the_kernel(make_layer, kernel_size, padding, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make_layer(kernel_size, padding=padding)


# ---------------------------------------------------------- backward before forward
@pytest.mark.parametrize("layer, saved, grad_shape", [
    (conv2d(), "cols", (1, 4, 2, 2)),
    (conv1d(), "cols", (1, 4, 2)),
    (nn.MaxPool2d(2), "argmax", (1, 1, 2, 2)),
    (nn.MaxPool1d(2), "argmax", (1, 1, 2)),
])
def test_backward_before_forward(layer, saved, grad_shape):
    name = type(layer).__name__
    message = rf"{name}\.backward\(\) was called before forward\(\): expected the saved '{saved}' from a forward pass, got nothing"
    with pytest.raises(RuntimeError, match=message):
        layer.backward(np.ones(grad_shape))


# ------------------------------------------------------ upstream gradient wrong shape
@pytest.mark.parametrize("layer, x_shape, expected, layout, received", [
    (conv2d(stride=2, padding=1), (2, 3, 6, 5), (2, 4, 3, 3), "(N, C_out, H_out, W_out)", (2, 4, 6, 5)),
    (conv1d(), (2, 3, 6), (2, 4, 4), "(N, C_out, L_out)", (2, 3, 6)),
    (nn.MaxPool2d(2), (2, 3, 6, 5), (2, 3, 3, 2), "(N, C, H_out, W_out)", (3, 2, 3, 2)),
    (nn.MaxPool1d(3, stride=1), (2, 3, 6), (2, 3, 4), "(N, C, L_out)", (2, 3, 4, 1)),
])
def test_upstream_gradient_of_the_wrong_shape(layer, x_shape, expected, layout, received):
    layer.forward(np.ones(x_shape))
    message = f"{type(layer).__name__}.backward: expected grad of shape {expected} {layout}, got {received}"
    with pytest.raises(ValueError, match=re.escape(message)):
        layer.backward(np.ones(received))


def test_non_numeric_input():
    with pytest.raises(ValueError, match="Conv2d.forward x: expected an array of numbers, got dtype <U1"):
        conv2d().forward(np.array([[["a"]]]))


# ---------------------------------------------------------------------------- Flatten
def test_flatten_of_a_vector():
    with pytest.raises(ValueError, match=re.escape("with at least 2 dimensions, got a 1-D array of shape (5,)")):
        nn.Flatten().forward(np.zeros(5))


def test_flatten_backward_before_forward():
    with pytest.raises(RuntimeError, match="Flatten.backward\\(\\) was called before forward\\(\\)"):
        nn.Flatten().backward(np.zeros((2, 6)))


# ----------------------------------------------------------- defaults, init, state
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
    # A 1-D layer is the 2-D one on inputs of height 1: it holds the pairs (1, k), (1, s).
    assert nn.MaxPool1d(4).stride == (1, 4)
    assert repr(nn.MaxPool1d(4)) == "MaxPool1d(kernel_size=(4,), stride=(4,), padding=(0,))"
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


@pytest.mark.parametrize("make_layer, name, value, message", [
    (lambda: conv2d(), "weight", np.ones((4, 3, 3)), "Conv2d.weight: expected a floating-point array of shape (C_out, C_in, kh, kw), got an array of shape (4, 3, 3)"),
    (lambda: conv2d(), "bias", np.ones((4, 1)), "Conv2d.bias: expected a floating-point array of shape (4,) (C_out,), got an array of shape (4, 1)"),
    (lambda: conv2d(), "bias", np.ones(5), "Conv2d.bias: expected shape (4,) (C_out,) to match weight of shape (4, 3, 3, 3), got (5,)"),
    (lambda: conv1d(), "weight", np.ones((4, 3, 3, 3)), "Conv1d.weight: expected a floating-point array of shape (C_out, C_in, k), got an array of shape (4, 3, 3, 3)"),
])
def test_a_wrongly_assigned_parameter_is_named_at_the_next_forward(make_layer, name, value, message):
    layer = make_layer()
    setattr(layer, name, value)
    shape = (2, 3, 6, 6) if type(layer) is nn.Conv2d else (2, 3, 6)
    with pytest.raises(ValueError, match=re.escape(message)):
        layer.forward(np.ones(shape))


def test_editing_the_input_after_forward_does_not_change_the_gradient_of_a_1x1_convolution():
    # With a 1x1 kernel at stride 1 the patch matrix could be a view of the input itself.
    layer = conv2d(2, 3, 1)
    x = np.random.default_rng(0).standard_normal((2, 2, 3, 3))
    original = x.copy()
    upstream = np.ones((2, 3, 3, 3))
    layer.forward(x)
    x[:] = 0.0
    layer.backward(upstream)
    w = t64(layer.weight, True)
    F.conv2d(t64(original), w).backward(t64(upstream))
    assert_close(layer.grad_weight, w.grad)


@pytest.mark.parametrize("make_layer", [lambda: nn.MaxPool2d(2), lambda: conv2d(2, 3, 2)])
def test_empty_batch_gives_empty_arrays_like_torch(make_layer):
    layer = make_layer()
    out = layer.forward(np.zeros((0, 2, 4, 4)))
    grad_x = layer.backward(np.zeros(out.shape))
    assert out.shape[0] == 0 and grad_x.shape == (0, 2, 4, 4)
    if type(layer) is nn.Conv2d:
        assert_close(layer.grad_weight, np.zeros(layer.weight.shape))
        assert out.shape == F.conv2d(torch.zeros(0, 2, 4, 4), torch.zeros(3, 2, 2, 2)).shape


# ------------------------------------------------------------------- without bias
@pytest.mark.parametrize("d", [1, 2])
def test_conv_without_bias_matches_torch(d):
    rng = np.random.default_rng(5)
    shape = (2, 3, 7) if d == 1 else (2, 3, 7, 6)
    layer = (conv1d if d == 1 else conv2d)(stride=2, padding=1, bias=False)
    assert layer.bias is None and [name for _, name in layer.parameters()] == ["weight"]
    assert repr(layer).endswith("bias=False)")
    x, conv = rng.standard_normal(shape), (F.conv1d if d == 1 else F.conv2d)
    out = layer.forward(x)
    grad = rng.standard_normal(out.shape)
    grad_x = layer.backward(grad)
    x_t, w_t = t64(x, True), t64(layer.weight, True)
    out_t = conv(x_t, w_t, None, stride=2, padding=1)
    out_t.backward(t64(grad))
    assert_close(out, out_t)
    assert_close(grad_x, x_t.grad)
    assert_close(layer.grad_weight, w_t.grad)
    assert layer.grad_bias is None


def test_conv_bias_must_be_a_bool():
    with pytest.raises(ValueError, match=re.escape("Conv2d: expected bias to be True or False, got 0")):
        nn.Conv2d(2, 3, 2, bias=0)
