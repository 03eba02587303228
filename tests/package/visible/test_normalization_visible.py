"""Batch normalisation, dropout and a residual block on small worked examples.

The batch-norm examples use a 4 x 3 batch whose column means and variances are whole
numbers, written out below; the expected outputs are those numbers put into the
formulas, and the gradients come from the same layer in PyTorch, in float64.
"""

import numpy as np
import pytest
import torch

from mytorch import nn

pytestmark = pytest.mark.ch08

# Four samples, three features. Column means (4, 4, 3); biased variances, the mean of
# the squared deviations: (9 + 1 + 1 + 9) / 4 = 5, (4 + 4 + 4 + 4) / 4 = 4,
# (4 + 1 + 1 + 4) / 4 = 2.5.
X = np.array([[1.0, 2.0, 1.0],
              [3.0, 6.0, 2.0],
              [5.0, 2.0, 4.0],
              [7.0, 6.0, 5.0]])
MEAN = np.array([4.0, 4.0, 3.0])
VAR = np.array([5.0, 4.0, 2.5])
GAMMA = np.array([1.0, 2.0, -1.0])
BETA = np.array([0.0, 1.0, 0.5])
G = np.array([[1.0, 0.0, -1.0],
              [2.0, 1.0, 0.0],
              [0.0, -1.0, 1.0],
              [-1.0, 3.0, 2.0]])
EPS = 1e-5


def batchnorm():
    layer = nn.BatchNorm1d(3, eps=EPS, momentum=0.1)
    layer.weight, layer.bias = GAMMA.copy(), BETA.copy()
    return layer


def torch_batchnorm():
    layer = torch.nn.BatchNorm1d(3, eps=EPS, momentum=0.1).double()
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(GAMMA))
        layer.bias.copy_(torch.from_numpy(BETA))
    return layer


def test_batchnorm1d_forward_worked_example():
    out = batchnorm().forward(X)
    x_hat = (X - MEAN) / np.sqrt(VAR + EPS)
    np.testing.assert_allclose(out, GAMMA * x_hat + BETA, rtol=1e-14, atol=1e-15)
    # Without eps, the first column would be (-3, -1, 1, 3) / sqrt(5).
    np.testing.assert_allclose(out[:, 0], np.array([-3.0, -1.0, 1.0, 3.0]) / np.sqrt(5), rtol=1e-5)


def test_batchnorm1d_running_statistics_after_one_step():
    layer = batchnorm()
    layer.forward(X)
    # running <- 0.9 * running + 0.1 * batch statistic, starting from mean 0 and variance
    # 1; the variance enters unbiased, multiplied by m / (m - 1) = 4 / 3.
    np.testing.assert_allclose(layer.running_mean, 0.1 * MEAN, rtol=1e-15)
    np.testing.assert_allclose(layer.running_var, 0.9 + 0.1 * VAR * 4 / 3, rtol=1e-15)


def test_batchnorm1d_backward_worked_example():
    layer = batchnorm()
    layer.forward(X)
    grad_x = layer.backward(G)
    x_t = torch.tensor(X, requires_grad=True)
    theirs = torch_batchnorm()
    theirs(x_t).backward(torch.from_numpy(G))
    np.testing.assert_allclose(layer.grad_bias, G.sum(axis=0), rtol=1e-15)
    np.testing.assert_allclose(layer.grad_weight, theirs.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(grad_x, x_t.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_batchnorm1d_eval_mode_uses_the_running_statistics():
    layer = batchnorm()
    layer.forward(X)
    layer.eval()
    sample = np.array([[4.0, 0.0, 3.0]])
    out = layer.forward(sample)
    expected = GAMMA * (sample - 0.1 * MEAN) / np.sqrt(0.9 + 0.1 * VAR * 4 / 3 + EPS) + BETA
    np.testing.assert_allclose(out, expected, rtol=1e-14)
    # In eval mode the statistics are constants: the gradient is just scaled.
    np.testing.assert_allclose(layer.backward(np.ones((1, 3))), [GAMMA / np.sqrt(0.9 + 0.1 * VAR * 4 / 3 + EPS)],
                               rtol=1e-14)


def test_batchnorm2d_normalises_each_channel_over_the_batch_and_positions():
    # Channel 0 holds 1..8, channel 1 holds 8 copies of 5: mean 4.5 and variance 5.25,
    # then mean 5 and variance 0 (its output is the bias).
    x = np.stack([np.arange(1.0, 9.0).reshape(2, 2, 2), np.full((2, 2, 2), 5.0)], axis=1)  # (2, 2, 2, 2)
    layer = nn.BatchNorm2d(2, eps=EPS)
    layer.bias = np.array([0.0, 7.0])
    out = layer.forward(x)
    np.testing.assert_allclose(out[:, 0], (x[:, 0] - 4.5) / np.sqrt(5.25 + EPS), rtol=1e-14)
    np.testing.assert_allclose(out[:, 1], 7.0, rtol=1e-15)


def test_dropout_worked_example():
    layer = nn.Dropout(0.5, rng=np.random.default_rng(0))
    x = np.arange(1.0, 9.0).reshape(2, 4)
    out = layer.forward(x)
    # Every entry is either dropped or doubled (1 / (1 - 0.5) = 2).
    assert np.all((out == 0) | (out == 2 * x))
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)), np.where(out == 0, 0.0, 2.0))
    layer.eval()
    np.testing.assert_array_equal(layer.forward(x), x)


def test_residual_worked_example():
    linear = nn.Linear(2, 2)
    linear.weight = np.array([[1.0, 2.0], [0.0, -1.0]])
    linear.bias = np.array([[0.5, 0.0]])
    block = nn.Residual(linear)
    x = np.array([[1.0, 1.0], [2.0, -1.0]])
    # y = x + (x @ W + b): x @ W + b = [[1.5, 1], [2.5, 5]].
    np.testing.assert_array_equal(block.forward(x), [[2.5, 2.0], [4.5, 4.0]])
    # grad_x = g + g @ W.T: the skip path adds g itself.
    g = np.array([[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_array_equal(block.backward(g), [[2.0, 0.0], [2.0, 0.0]])
