"""Conv1d, Conv2d, MaxPool1d and MaxPool2d on the worked examples of the course handout
(seed 003, tasks 2 and 3).

Where the handout prints a result it is checked here; where it does not (the gradients),
the expected numbers were computed with the same operations in PyTorch, in float64.
The handout's layers have no bias, so the bias is set to zero.
"""

import numpy as np
import pytest

from mytorch import nn, optim

pytestmark = pytest.mark.ch07

# Task 2: a 3x3 feature map and a 2x2 kernel, one sample and one channel.
X = np.array([[[[1.0, 0.0, 2.0], [2.0, 1.0, -1.0], [0.0, 0.0, 2.0]]]])
W = np.array([[[[1.0, -1.0], [0.0, 2.0]]]])


def conv2d_with_seed_kernel(stride, padding):
    layer = nn.Conv2d(1, 1, 2, stride=stride, padding=padding, rng=np.random.default_rng(0))
    layer.weight = W.copy()
    layer.bias = np.zeros(1)
    return layer


def test_conv2d_stride_1_no_padding_forward():
    out = conv2d_with_seed_kernel(1, 0).forward(X)
    np.testing.assert_allclose(out, [[[[3.0, -4.0], [1.0, 6.0]]]], rtol=1e-15)


def test_conv2d_stride_3_padding_1_forward():
    # Padded to 5x5, the 2x2 window fits at rows and columns 0 and 3 only.
    out = conv2d_with_seed_kernel(3, 1).forward(X)
    np.testing.assert_allclose(out, [[[[2.0, 0.0], [0.0, 2.0]]]], rtol=1e-15)


def test_conv2d_stride_1_no_padding_backward():
    layer = conv2d_with_seed_kernel(1, 0)
    out = layer.forward(X)
    grad_x = layer.backward(np.ones_like(out))  # the gradient of out.sum()
    np.testing.assert_allclose(grad_x, [[[[1.0, 0.0, -1.0], [1.0, 2.0, 1.0], [0.0, 2.0, 2.0]]]], rtol=1e-15)
    np.testing.assert_allclose(layer.grad_weight, [[[[4.0, 2.0], [3.0, 2.0]]]], rtol=1e-15)
    np.testing.assert_allclose(layer.grad_bias, [4.0], rtol=1e-15)


def test_conv2d_stride_3_padding_1_backward():
    layer = conv2d_with_seed_kernel(3, 1)
    out = layer.forward(X)
    grad_x = layer.backward(np.ones_like(out))
    np.testing.assert_allclose(grad_x, [[[[2.0, 0.0, 0.0], [0.0, 0.0, 0.0], [-1.0, 0.0, 1.0]]]], rtol=1e-15)
    np.testing.assert_allclose(layer.grad_weight, [[[[2.0, 0.0], [2.0, 1.0]]]], rtol=1e-15)
    np.testing.assert_allclose(layer.grad_bias, [4.0], rtol=1e-15)


def test_maxpool2d_2x2_stride_1_forward():
    out = nn.MaxPool2d(2, stride=1).forward(X)
    np.testing.assert_array_equal(out, [[[[2.0, 2.0], [2.0, 2.0]]]])


def test_maxpool2d_2x2_stride_1_backward():
    # Two windows share their maximum, the 2 at row 1, column 0, so its gradients add.
    layer = nn.MaxPool2d(2, stride=1)
    out = layer.forward(X)
    grad_x = layer.backward(np.ones_like(out))
    np.testing.assert_array_equal(grad_x, [[[[0.0, 0.0, 1.0], [2.0, 0.0, 0.0], [0.0, 0.0, 1.0]]]])


# Task 3: f(x, w) = max(conv(x, w), 1x2) with x = [2, 1, 2], w = [1, 0].
def test_conv1d_then_maxpool1d_forward_and_backward():
    conv = nn.Conv1d(1, 1, 2, rng=np.random.default_rng(0))
    conv.weight = np.array([[[1.0, 0.0]]])
    conv.bias = np.zeros(1)
    pool = nn.MaxPool1d(2, stride=1)
    x = np.array([[[2.0, 1.0, 2.0]]])

    hidden = conv.forward(x)
    np.testing.assert_allclose(hidden, [[[2.0, 1.0]]], rtol=1e-15)
    out = pool.forward(hidden)
    np.testing.assert_allclose(out, [[[2.0]]], rtol=1e-15)

    grad_x = conv.backward(pool.backward(np.ones_like(out)))
    np.testing.assert_allclose(conv.grad_weight, [[[2.0, 1.0]]], rtol=1e-15)
    np.testing.assert_allclose(conv.grad_bias, [1.0], rtol=1e-15)
    np.testing.assert_allclose(grad_x, [[[1.0, 0.0, 0.0]]], rtol=1e-15)

    # One step of gradient descent with learning rate 0.5: w - 0.5 * [2, 1].
    optim.SGD(conv, lr=0.5).step()
    np.testing.assert_allclose(conv.weight, [[[0.0, -0.5]]], rtol=1e-15)


def test_im2col_lays_each_window_out_as_a_column():
    from mytorch.nn.im2col import col2im, im2col

    x = np.arange(9.0).reshape(1, 1, 3, 3)
    cols = im2col(x, (2, 2), (1, 1))
    # Column q holds the window at position q, read row by row.
    np.testing.assert_array_equal(cols[0], [[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]])
    # col2im adds every column back where it came from: the centre is in four windows.
    np.testing.assert_array_equal(col2im(np.ones_like(cols), x.shape, (2, 2), (1, 1))[0, 0],
                                  [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


def test_flatten_and_back():
    layer = nn.Flatten()
    x = np.arange(24.0).reshape(2, 3, 2, 2)
    out = layer.forward(x)
    np.testing.assert_array_equal(out, x.reshape(2, 12))
    np.testing.assert_array_equal(layer.backward(out), x)
