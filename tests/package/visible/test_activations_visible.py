"""ReLU, Sigmoid and Tanh on small worked examples.

Where the handout prints a result it is checked here; where it does not, the expected
numbers come from the same computation written in PyTorch, in float64.
"""

import numpy as np
import pytest
import torch
from helpers import t64

from mytorch import nn

pytestmark = pytest.mark.ch04


def test_relu_forward_worked_example():
    out = nn.ReLU().forward(np.array([[-3.0, 1.0, 0.0], [4.0, 2.0, -5.0]]))
    np.testing.assert_array_equal(out, [[0.0, 1.0, 0.0], [4.0, 2.0, 0.0]])


def test_relu_backward_worked_example():
    layer = nn.ReLU()
    layer.x = np.array([[1.0, -2.0, 3.0, -4.0], [5.0, 6.0, -0.0, 0.0]])
    grad = np.array([[-1.0, 2.0, -3.0, 4.0], [0.0, 6.0, -2.0, 8.0]])
    # At x = 0 the subgradient is 0, as in PyTorch.
    np.testing.assert_array_equal(layer.backward(grad), [[-1.0, 0.0, -3.0, 0.0], [0.0, 6.0, 0.0, 0.0]])


X = np.array([[-2.0, -0.5, 0.0], [0.5, 1.0, 3.0]])
UPSTREAM = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])


@pytest.mark.parametrize("layer_cls, torch_fn", [(nn.Sigmoid, torch.sigmoid), (nn.Tanh, torch.tanh)])
def test_sigmoid_and_tanh_small_example(layer_cls, torch_fn):
    layer = layer_cls()
    xt = t64(X, True)
    yt = torch_fn(xt)
    yt.backward(t64(UPSTREAM))
    np.testing.assert_allclose(layer.forward(X), yt.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(layer.backward(UPSTREAM), xt.grad.numpy(), rtol=1e-13, atol=1e-16)
