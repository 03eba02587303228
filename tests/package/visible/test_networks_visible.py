"""Sequential and SGD on the worked examples of the course handout.

Where the handout prints a result it is checked here; where it does not, the expected
numbers come from the same computation written in PyTorch, in float64.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from helpers import t64

from mytorch import nn, optim

pytestmark = pytest.mark.ch06


def test_sequential_forward_worked_example():
    model = nn.Sequential(nn.ReLU(), nn.Linear(2, 3), nn.ReLU())
    model.layers[1].weight = np.array([[-1.0, 2.0, -3.0], [5.0, -6.0, 7.0]])
    model.layers[1].bias = np.array([[-1.0, 2.0, 3.0]])
    out = model.forward(np.array([[-3.0, 0.0], [4.0, 1.0], [-2.0, -1.0]]))
    np.testing.assert_array_equal(out, [[0.0, 2.0, 3.0], [0.0, 4.0, 0.0], [0.0, 2.0, 3.0]])


def test_sequential_backward_worked_example():
    loss_fn = nn.CrossEntropyLoss()
    model = nn.Sequential(nn.ReLU(), nn.Linear(2, 4), nn.ReLU())
    weight = np.array([[-1.0, 4.0, -1.0, 4.0], [-3.0, 8.0, -5.0, 5.0]])
    bias = np.array([[-2.0, 3.0, 1.0, -2.0]])
    model.layers[1].weight, model.layers[1].bias = weight.copy(), bias.copy()
    x = np.array([[1.0, 5.0], [2.0, -3.0], [4.0, -1.0]])
    labels = np.array([0, 1, 1])

    loss = loss_fn.forward(model.forward(x), labels)
    grad_x = model.backward(loss_fn)

    xt, wt, bt = t64(x, True), t64(weight, True), t64(bias, True)
    loss_t = F.cross_entropy(torch.relu(torch.relu(xt) @ wt + bt), torch.tensor(labels))
    loss_t.backward()
    np.testing.assert_allclose(loss, loss_t.item(), rtol=1e-14)
    np.testing.assert_allclose(model.layers[1].grad_weight, wt.grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(model.layers[1].grad_bias, bt.grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grad_x, xt.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_sgd_worked_example():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    model.layers[0].weight = np.array([[-3.0, 2.0, -1.0], [0.0, -1.0, 2.0]])
    model.layers[0].bias = np.array([[1.0, 0.0, -3.0]])
    model.layers[0].grad_weight = np.array([[-10.0, 9.0, -8.0], [7.0, -6.0, 5.0]])
    model.layers[0].grad_bias = np.array([[-3.0, 3.0, -3.0]])
    optim.SGD(model, 0.15).step()
    # W - 0.15 grad_W and b - 0.15 grad_b, worked out by hand.
    np.testing.assert_allclose(model.layers[0].weight, [[-1.5, 0.65, 0.2], [-1.05, -0.1, 1.25]], rtol=1e-14)
    np.testing.assert_allclose(model.layers[0].bias, [[1.45, -0.45, -2.55]], rtol=1e-14)


def test_one_training_step_matches_torch():
    # One step of SGD on a 4-8-3 network: the updated weights equal PyTorch's, so the
    # loss after the step is PyTorch's too (a wrong gradient that still lowers the loss
    # would not pass).
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(4, 8, rng=rng), nn.ReLU(), nn.Linear(8, 3, rng=rng))
    loss_fn, optimizer = nn.CrossEntropyLoss(), optim.SGD(model, lr=0.5)
    x, labels = rng.standard_normal((16, 4)), rng.integers(0, 3, 16)
    leaves = [t64(getattr(m, name), True) for m, name in model.parameters()]
    w1, b1, w2, b2 = leaves

    loss_fn.forward(model.forward(x), labels)
    model.backward(loss_fn)
    optimizer.step()
    after = loss_fn.forward(model.forward(x), labels)

    F.cross_entropy(torch.relu(t64(x) @ w1 + b1) @ w2 + b2, torch.tensor(labels)).backward()
    with torch.no_grad():
        for leaf in leaves:
            leaf -= 0.5 * leaf.grad
        expected = F.cross_entropy(torch.relu(t64(x) @ w1 + b1) @ w2 + b2, torch.tensor(labels)).item()
    assert abs(after - expected) < 1e-12
    for (module, name), leaf in zip(model.parameters(), leaves):
        np.testing.assert_allclose(getattr(module, name), leaf.detach().numpy(), rtol=1e-12, atol=1e-14)
