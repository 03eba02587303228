"""Sequential and SGD on random networks, against the same networks in PyTorch (float64)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from helpers import assert_close, t64, torch_sgd_step
from hypothesis import given
from hypothesis import strategies as st
from strategies import float_arrays, seeds, sizes

from mytorch import nn, optim

pytestmark = pytest.mark.ch06

TORCH_ACTIVATION = {nn.ReLU: torch.relu, nn.Tanh: torch.tanh, nn.Sigmoid: torch.sigmoid}


def mlp(widths, seed, activation=nn.Tanh):
    """Linear layers of the given widths with ``activation`` between them."""
    rng = np.random.default_rng(seed)
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(widths, widths[1:])):
        layers += [nn.Linear(fan_in, fan_out, rng=rng)] + ([activation()] if i < len(widths) - 2 else [])
    return nn.Sequential(*layers)


def torch_leaves(model):
    """The model's parameters as float64 leaf tensors, in the order of ``parameters()``."""
    return [t64(getattr(m, name), True) for m, name in model.parameters()]


def torch_forward(model, leaves, x):
    """The same network as ``model`` in PyTorch, with the parameters ``leaves``."""
    params = iter(leaves)
    for layer in model.layers:
        if isinstance(layer, nn.Linear):
            x = x @ next(params) + next(params)
        else:
            x = TORCH_ACTIVATION[type(layer)](x)
    return x


@st.composite
def networks(draw):
    widths = draw(st.lists(sizes, min_size=2, max_size=4))
    activation = draw(st.sampled_from([nn.ReLU, nn.Tanh, nn.Sigmoid]))
    return mlp(widths, draw(seeds), activation), widths


@pytest.mark.question("Sequential.forward")
@given(st.data(), networks(), sizes)
def test_forward_matches_torch(data, network, n):
    model, widths = network
    x = data.draw(float_arrays((n, widths[0])), label="x")
    assert_close(model.forward(x), torch_forward(model, torch_leaves(model), t64(x)))


@pytest.mark.question("Sequential.backward", points=2)
@given(st.data(), networks(), sizes)
def test_backward_from_a_loss_matches_torch(data, network, n):
    model, widths = network
    x = data.draw(float_arrays((n, widths[0])), label="x")
    labels = np.array(data.draw(st.lists(st.integers(0, widths[-1] - 1), min_size=n, max_size=n)), dtype=np.int64)
    loss_fn = nn.CrossEntropyLoss()
    loss_fn.forward(model.forward(x), labels)
    grad_x = model.backward(loss_fn)

    leaves, xt = torch_leaves(model), t64(x, True)
    F.cross_entropy(torch_forward(model, leaves, xt), torch.tensor(labels)).backward()
    assert_close(grad_x, xt.grad)
    for (module, name), leaf in zip(model.parameters(), leaves):
        assert_close(getattr(module, "grad_" + name), leaf.grad)


@pytest.mark.question("Sequential.backward")
@given(st.data(), networks(), sizes)
def test_backward_from_a_gradient_array_matches_torch(data, network, n):
    model, widths = network
    x = data.draw(float_arrays((n, widths[0])), label="x")
    upstream = data.draw(float_arrays((n, widths[-1])), label="upstream")
    model.forward(x)
    grad_x = model.backward(upstream)
    leaves, xt = torch_leaves(model), t64(x, True)
    torch_forward(model, leaves, xt).backward(t64(upstream))
    assert_close(grad_x, xt.grad)
    for (module, name), leaf in zip(model.parameters(), leaves):
        assert_close(getattr(module, "grad_" + name), leaf.grad)


@pytest.mark.question("Sequential.backward")
def test_nested_containers_backpropagate_through_every_layer():
    inner = mlp([3, 4, 2], seed=0)
    model = nn.Sequential(inner, nn.Tanh(), nn.Linear(2, 2, rng=np.random.default_rng(1)))
    x = np.random.default_rng(2).standard_normal((5, 3))
    upstream = np.random.default_rng(3).standard_normal((5, 2))
    model.forward(x)
    grad_x = model.backward(upstream)
    w1, b1, w2, b2, w3, b3 = torch_leaves(model)
    xt = t64(x, True)
    (torch.tanh(torch.tanh(xt @ w1 + b1) @ w2 + b2) @ w3 + b3).backward(t64(upstream))
    assert_close(grad_x, xt.grad)
    assert_close(inner.layers[0].grad_weight, w1.grad)


# ------------------------------------------------------------------------------- SGD
@pytest.mark.question("SGD.step", points=2)
@given(st.floats(0.001, 1.0), st.sampled_from([0.0, 0.5, 0.9, 0.99]), seeds)
def test_sgd_matches_torch_over_several_steps(lr, momentum, seed):
    rng = np.random.default_rng(seed)
    model = mlp([3, 5, 4], seed)
    leaves = torch_leaves(model)
    buffers = [None] * len(leaves)
    optimizer = optim.SGD(model, lr=lr, momentum=momentum)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(4):
        x, labels = rng.standard_normal((6, 3)), rng.integers(0, 4, 6)
        loss_fn.forward(model.forward(x), labels)
        model.backward(loss_fn)
        optimizer.step()
        for leaf in leaves:
            leaf.grad = None
        F.cross_entropy(torch_forward(model, leaves, t64(x)), torch.tensor(labels)).backward()
        torch_sgd_step(leaves, buffers, lr, momentum)
        for (module, name), leaf in zip(model.parameters(), leaves):
            assert_close(getattr(module, name), leaf)


@pytest.mark.question("SGD.step")
def test_sgd_keeps_one_velocity_per_parameter():
    # Two layers of the same shape: a velocity shared between them, or keyed by shape,
    # would mix their updates.
    model = nn.Sequential(nn.Linear(2, 2, rng=np.random.default_rng(0)), nn.Linear(2, 2, rng=np.random.default_rng(1)))
    leaves = torch_leaves(model)
    buffers = [None] * len(leaves)
    optimizer = optim.SGD(model, lr=0.1, momentum=0.9)
    for step in range(3):
        for (module, name), leaf in zip(model.parameters(), leaves):
            gradient = np.full(leaf.shape, float(step + 1)) * (1.0 if module is model.layers[0] else -2.0)
            setattr(module, "grad_" + name, gradient)
            leaf.grad = t64(gradient)
        optimizer.step()
        torch_sgd_step(leaves, buffers, 0.1, 0.9)
    for (module, name), leaf in zip(model.parameters(), leaves):
        assert_close(getattr(module, name), leaf)


@pytest.mark.question("SGD.step")
def test_training_run_matches_torch_step_for_step():
    # Ten steps of a 4-8-3 ReLU network on one batch: the same losses, to 1e-10.
    rng = np.random.default_rng(0)
    model = mlp([4, 8, 3], seed=0, activation=nn.ReLU)
    leaves = torch_leaves(model)
    buffers = [None] * len(leaves)
    optimizer = optim.SGD(model, lr=0.5, momentum=0.5)
    loss_fn = nn.CrossEntropyLoss()
    x, labels = rng.standard_normal((16, 4)), rng.integers(0, 3, 16)
    for _ in range(10):
        optimizer.zero_grad()
        loss = loss_fn.forward(model.forward(x), labels)
        model.backward(loss_fn)
        optimizer.step()
        for leaf in leaves:
            leaf.grad = None
        loss_t = F.cross_entropy(torch_forward(model, leaves, t64(x)), torch.tensor(labels))
        loss_t.backward()
        torch_sgd_step(leaves, buffers, 0.5, 0.5)
        assert abs(loss - loss_t.item()) <= 1e-10
