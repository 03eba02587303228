"""The linear layer on the worked examples of the course handout (seed 002).

Where the handout prints a result it is checked here; where it does not, the expected
numbers come from the same computation written in PyTorch, in float64.
"""

import numpy as np
import pytest

from mytorch import nn

pytestmark = pytest.mark.ch03


def test_linear_forward_worked_example():
    layer = nn.Linear(3, 4)
    layer.weight = np.array([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0]])
    layer.bias = np.array([[1.0, 2.0, 3.0, 4.0]])
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    out = layer.forward(x)
    np.testing.assert_allclose(out, [[39.0, 46.0, 53.0, 60.0], [84.0, 100.0, 116.0, 132.0]], rtol=1e-15)
    assert layer.x is x or np.array_equal(layer.x, x)


def test_linear_backward_worked_example():
    layer = nn.Linear(2, 4)
    layer.weight = np.array([[1.0, 2.0, 3.0, 2.0], [-1.0, 4.0, -2.0, 3.0]])
    layer.bias = np.array([[1.0, 2.0, 3.0, 4.0]])
    layer.x = np.array([[1.0, -2.0], [0.0, -6.0]])
    grad = np.array([[1.0, 0.0, 3.0, 2.0], [5.0, 5.0, -1.0, 0.0]])
    grad_x = layer.backward(grad)
    np.testing.assert_allclose(grad_x, [[14.0, -1.0], [12.0, 17.0]], rtol=1e-15)
    np.testing.assert_allclose(layer.grad_weight, [[1.0, 0.0, 3.0, 2.0], [-32.0, -30.0, 0.0, -4.0]], rtol=1e-15)
    assert layer.grad_bias.shape == (1, 4)
    np.testing.assert_allclose(layer.grad_bias, [[6.0, 5.0, 2.0, 2.0]], rtol=1e-15)
