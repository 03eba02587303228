"""Bad input to the activations, and the state they keep."""

import re

import numpy as np
import pytest
import torch
from helpers import assert_close, t64

from mytorch import nn

pytestmark = pytest.mark.ch04


@pytest.mark.parametrize("layer_cls,saved", [(nn.ReLU, "x"), (nn.Sigmoid, "y"), (nn.Tanh, "y")])
def test_activation_backward_before_forward(layer_cls, saved):
    with pytest.raises(RuntimeError, match=f"before forward\\(\\): expected the saved '{saved}' from a forward pass, got nothing"):
        layer_cls().backward(np.ones((2, 2)))


@pytest.mark.parametrize("layer_cls", [nn.ReLU, nn.Sigmoid, nn.Tanh])
def test_activation_gradient_of_the_wrong_shape(layer_cls):
    layer = layer_cls()
    layer.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=re.escape("expected grad to have the shape of") + r".*\(2, 3\), got \(3, 2\)"):
        layer.backward(np.ones((3, 2)))


TORCH = {nn.ReLU: torch.relu, nn.Sigmoid: torch.sigmoid, nn.Tanh: torch.tanh}


@pytest.mark.parametrize("layer_cls", [nn.ReLU, nn.Sigmoid, nn.Tanh])
def test_editing_the_input_or_the_output_in_place_does_not_change_the_gradient(layer_cls):
    x = np.array([[-1.5, -0.2, 0.3, 2.0]])
    upstream = np.array([[1.0, -2.0, 3.0, 0.5]])
    layer = layer_cls()
    y = layer.forward(x)
    x *= -1  # flips every sign: ReLU would keep the wrong entries
    y *= 3  # Sigmoid and Tanh read their output in backward
    grad_x = layer.backward(upstream)
    xt = t64(-x, True)
    TORCH[layer_cls](xt).backward(t64(upstream))
    assert_close(grad_x, xt.grad)


@pytest.mark.parametrize("layer_cls", [nn.ReLU, nn.Sigmoid, nn.Tanh])
def test_empty_batch_gives_empty_arrays(layer_cls):
    layer = layer_cls()
    assert layer.forward(np.zeros((0, 3))).shape == (0, 3)
    assert layer.backward(np.zeros((0, 3))).shape == (0, 3)
