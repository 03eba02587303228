"""Sequential and SGD: bad input raises at once with a message naming what was expected
and what arrived, and a layer used at several places of a network behaves as in PyTorch."""

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from helpers import assert_close, t64

from mytorch import nn, optim

pytestmark = pytest.mark.ch06


def linear(fan_in=3, fan_out=4, seed=0):
    return nn.Linear(fan_in, fan_out, rng=np.random.default_rng(seed))


# ------------------------------------------------------------------------ Sequential
def test_sequential_with_a_non_layer():
    with pytest.raises(ValueError, match="expected every layer to be a mytorch.nn.Module instance, got ufunc at position 1"):
        nn.Sequential(nn.ReLU(), np.tanh)


def test_sequential_with_a_class_instead_of_an_instance():
    with pytest.raises(ValueError, match="expected every layer to be a mytorch.nn.Module instance, got the class ReLU at position 0"):
        nn.Sequential(nn.ReLU, linear())


def test_sequential_backward_with_something_else():
    with pytest.raises(ValueError, match=re.escape("expected a loss object with backward() or a gradient array, got float")):
        nn.Sequential(nn.ReLU()).backward(2.0)


def test_sequential_backward_before_forward():
    model = nn.Sequential(linear(), nn.ReLU())
    with pytest.raises(RuntimeError, match=re.escape("ReLU.backward() was called before forward()")):
        model.backward(np.ones((2, 4)))


def test_sequential_wrong_width_names_the_layer():
    model = nn.Sequential(linear(3, 4), nn.ReLU(), linear(5, 2))
    with pytest.raises(ValueError, match=re.escape("Linear.forward x: expected in_features = 5, got 4 (input shape (2, 4))")):
        model.forward(np.ones((2, 3)))


def test_repr_lists_the_layers():
    model = nn.Sequential(linear(2, 3), nn.ReLU(), nn.Flatten())
    assert repr(model) == (
        "Sequential(\n  (0): Linear(in_features=2, out_features=3)\n  (1): ReLU()\n  (2): Flatten()\n)"
    )


def test_parameters_are_found_in_nested_containers_and_zeroed():
    inner = nn.Sequential(linear(2, 3), nn.ReLU(), linear(3, 2, seed=1))
    model = nn.Sequential(inner, nn.Tanh(), linear(2, 2, seed=2))
    found = [(type(m).__name__, name) for m, name in model.parameters()]
    assert found == [("Linear", "weight"), ("Linear", "bias")] * 3
    model.zero_grad()
    for module, name in model.parameters():
        gradient = getattr(module, "grad_" + name)
        assert gradient.shape == getattr(module, name).shape and not gradient.any()


# ------------------------------------------------------------ a layer used several times
def test_a_layer_used_twice_gets_the_sum_of_both_uses_gradients_like_torch():
    shared, relu = linear(3, 3), nn.ReLU()
    head = linear(3, 2, seed=1)
    model = nn.Sequential(shared, relu, shared, relu, head)
    rng = np.random.default_rng(2)
    x, labels = rng.standard_normal((5, 3)), np.array([0, 1, 1, 0, 1])
    loss_fn = nn.CrossEntropyLoss()
    loss = loss_fn.forward(model.forward(x), labels)
    grad_x = model.backward(loss_fn)

    w, b, w2, b2 = (t64(a, True) for a in (shared.weight, shared.bias, head.weight, head.bias))
    xt = t64(x, True)
    loss_t = F.cross_entropy(torch.relu(torch.relu(xt @ w + b) @ w + b) @ w2 + b2, torch.tensor(labels))
    loss_t.backward()
    assert abs(loss - loss_t.item()) < 1e-12
    assert_close(grad_x, xt.grad)
    assert_close(shared.grad_weight, w.grad)
    assert_close(shared.grad_bias, b.grad)
    assert_close(head.grad_weight, w2.grad)


def test_a_layer_used_twice_is_stepped_once_per_step():
    shared = linear(2, 2)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    assert len(list(model.parameters())) == 2
    shared.grad_weight, shared.grad_bias = np.ones((2, 2)), np.ones((1, 2))
    before = shared.weight.copy()
    optim.SGD(model, lr=0.1).step()
    assert_close(shared.weight, before - 0.1)


def test_a_layer_shared_between_nested_containers_matches_torch_over_two_passes():
    shared = linear(2, 2)
    model = nn.Sequential(shared, nn.Tanh(), nn.Sequential(shared, nn.Sigmoid()))
    rng = np.random.default_rng(3)
    for _ in range(2):  # the second pass must not see the first one's saved inputs
        x, upstream = rng.standard_normal((4, 2)), rng.standard_normal((4, 2))
        model.forward(x)
        grad_x = model.backward(upstream)
        w, b, xt = t64(shared.weight, True), t64(shared.bias, True), t64(x, True)
        torch.sigmoid(torch.tanh(xt @ w + b) @ w + b).backward(t64(upstream))
        assert_close(grad_x, xt.grad)
        assert_close(shared.grad_weight, w.grad)


def test_a_shared_layer_backpropagated_once_too_often_says_so():
    shared = nn.ReLU()
    model = nn.Sequential(shared, shared)
    model.forward(np.ones((1, 2)))
    model.backward(np.ones((1, 2)))
    with pytest.raises(RuntimeError, match=re.escape("ReLU.backward() was called more often than forward(): this layer is used 2 times")):
        model.backward(np.ones((1, 2)))


# ------------------------------------------------------------------------------- SGD
@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), float("inf"), "0.1", None, True])
def test_sgd_bad_learning_rate(lr):
    with pytest.raises(ValueError, match=re.escape(f"expected a learning rate lr > 0, got lr={lr!r}")):
        optim.SGD(linear(), lr=lr)


@pytest.mark.parametrize("momentum", [-0.1, 1.0, 1.5, "0.9"])
def test_sgd_bad_momentum(momentum):
    with pytest.raises(ValueError, match=re.escape(f"expected 0 <= momentum < 1, got momentum={momentum!r}")):
        optim.SGD(linear(), lr=0.1, momentum=momentum)


def test_sgd_on_something_without_parameters():
    with pytest.raises(ValueError, match=re.escape("expected a mytorch.nn.Module with parameters(), got list")):
        optim.SGD([linear()], lr=0.1)


def test_sgd_gradient_of_the_wrong_shape():
    layer = linear(2, 3)
    layer.grad_weight, layer.grad_bias = np.ones((3, 2)), np.ones((1, 3))
    with pytest.raises(ValueError, match=re.escape("expected Linear.grad_weight to have the shape of weight, (2, 3), got (3, 2)")):
        optim.SGD(layer, lr=0.1).step()


def test_sgd_gradient_given_as_a_list_is_used_as_an_array():
    layer = linear(1, 2)
    layer.weight, layer.bias = np.zeros((1, 2)), np.zeros((1, 2))
    layer.grad_weight, layer.grad_bias = [[1.0, 2.0]], [[3.0, 4.0]]
    optim.SGD(layer, lr=0.5).step()
    assert_close(layer.weight, np.array([[-0.5, -1.0]]))
    assert_close(layer.bias, np.array([[-1.5, -2.0]]))


def test_sgd_gradient_that_is_not_numbers():
    layer = linear(1, 2)
    layer.grad_weight = [["a", "b"]]
    with pytest.raises(ValueError, match=re.escape("SGD.step: Linear.grad_weight: expected an array of numbers, got dtype <U1")):
        optim.SGD(layer, lr=0.5).step()


def test_sgd_skips_parameters_without_gradients_and_rereads_replaced_arrays():
    layer = linear(2, 2)
    before = layer.weight.copy()
    optimizer = optim.SGD(layer, lr=0.5, momentum=0.5)
    optimizer.step()
    assert_close(layer.weight, before)
    layer.grad_weight, layer.grad_bias = np.ones((2, 2)), np.ones((1, 2))
    layer.weight = np.zeros((2, 2))
    optimizer.step()
    assert_close(layer.weight, np.full((2, 2), -0.5))
    optimizer.step()  # v = 0.5 * 1 + 1 = 1.5
    assert_close(layer.weight, np.full((2, 2), -1.25))
    optimizer.zero_grad()
    assert not layer.grad_weight.any() and layer.grad_weight.shape == (2, 2)
