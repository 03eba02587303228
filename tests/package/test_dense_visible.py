"""The dense layers, losses and SGD on the worked examples of the course handout.

Where the handout prints a result it is checked here; where it does not, the expected
numbers come from the same computation written in PyTorch, in float64.
"""

import numpy as np
import torch
import torch.nn.functional as F

from mytorch import nn, optim


def t64(a, requires_grad=False):
    """A float64 torch tensor holding a copy of ``a``."""
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64, requires_grad=requires_grad)


SEED_LOGITS = np.array([[-3.0, 2.0, -1.0, 0.0], [-1.0, 2.0, -3.0, 4.0]])
SEED_LABELS = np.array([3, 1])


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


def test_relu_forward_worked_example():
    out = nn.ReLU().forward(np.array([[-3.0, 1.0, 0.0], [4.0, 2.0, -5.0]]))
    np.testing.assert_array_equal(out, [[0.0, 1.0, 0.0], [4.0, 2.0, 0.0]])


def test_relu_backward_worked_example():
    layer = nn.ReLU()
    layer.x = np.array([[1.0, -2.0, 3.0, -4.0], [5.0, 6.0, -0.0, 0.0]])
    grad = np.array([[-1.0, 2.0, -3.0, 4.0], [0.0, 6.0, -2.0, 8.0]])
    # At x = 0 the subgradient is 0, as in PyTorch.
    np.testing.assert_array_equal(layer.backward(grad), [[-1.0, 0.0, -3.0, 0.0], [0.0, 6.0, 0.0, 0.0]])


def test_sequential_forward_worked_example():
    model = nn.Sequential(nn.ReLU(), nn.Linear(2, 3), nn.ReLU())
    model.layers[1].weight = np.array([[-1.0, 2.0, -3.0], [5.0, -6.0, 7.0]])
    model.layers[1].bias = np.array([[-1.0, 2.0, 3.0]])
    out = model.forward(np.array([[-3.0, 0.0], [4.0, 1.0], [-2.0, -1.0]]))
    np.testing.assert_array_equal(out, [[0.0, 2.0, 3.0], [0.0, 4.0, 0.0], [0.0, 2.0, 3.0]])


def test_cross_entropy_forward_worked_example():
    loss = nn.CrossEntropyLoss().forward(SEED_LOGITS, SEED_LABELS)
    np.testing.assert_allclose(loss, 2.1545793610744024, rtol=1e-14)
    expected = F.cross_entropy(t64(SEED_LOGITS), torch.tensor(SEED_LABELS)).item()
    np.testing.assert_allclose(loss, expected, rtol=1e-14)


def test_cross_entropy_backward_worked_example():
    loss_fn = nn.CrossEntropyLoss()
    loss_fn.forward(SEED_LOGITS, SEED_LABELS)
    grad = loss_fn.backward()
    # The handout prints nine significant digits.
    printed = [
        [2.82665133e-03, 4.19512254e-01, 2.08862853e-02, -4.43225190e-01],
        [2.94752177e-03, -4.40797443e-01, 3.98903693e-04, 4.37451017e-01],
    ]
    np.testing.assert_allclose(grad, printed, rtol=1e-8)
    logits = t64(SEED_LOGITS, requires_grad=True)
    F.cross_entropy(logits, torch.tensor(SEED_LABELS)).backward()
    np.testing.assert_allclose(grad, logits.grad.numpy(), rtol=1e-12, atol=1e-15)


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


def test_sigmoid_tanh_and_mse_small_example():
    x = np.array([[-2.0, -0.5, 0.0], [0.5, 1.0, 3.0]])
    upstream = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])
    for layer, torch_fn in ((nn.Sigmoid(), torch.sigmoid), (nn.Tanh(), torch.tanh)):
        xt = t64(x, True)
        yt = torch_fn(xt)
        yt.backward(t64(upstream))
        np.testing.assert_allclose(layer.forward(x), yt.detach().numpy(), rtol=1e-14)
        np.testing.assert_allclose(layer.backward(upstream), xt.grad.numpy(), rtol=1e-13, atol=1e-16)

    target = np.array([[0.0, 1.0, 0.0], [1.0, 1.0, 2.0]])
    loss_fn = nn.MSELoss()
    loss = loss_fn.forward(x, target)
    xt = t64(x, True)
    loss_t = F.mse_loss(xt, t64(target))
    loss_t.backward()
    np.testing.assert_allclose(loss, loss_t.item(), rtol=1e-14)
    np.testing.assert_allclose(loss_fn.backward(), xt.grad.numpy(), rtol=1e-14)


def test_bce_small_example():
    p = np.array([[0.9, 0.2], [0.5, 0.01]])
    targets = np.array([[1.0, 0.0], [0.0, 1.0]])
    loss_fn = nn.BCELoss()
    loss = loss_fn.forward(p, targets)
    pt = t64(p, True)
    loss_t = F.binary_cross_entropy(pt, t64(targets))
    loss_t.backward()
    np.testing.assert_allclose(loss, loss_t.item(), rtol=1e-14)
    np.testing.assert_allclose(loss_fn.backward(), pt.grad.numpy(), rtol=1e-13)


def test_softmax_rows_are_probabilities():
    p = nn.softmax(SEED_LOGITS)
    np.testing.assert_allclose(p.sum(axis=1), [1.0, 1.0], rtol=1e-15)
    np.testing.assert_allclose(p, torch.softmax(t64(SEED_LOGITS), dim=1).numpy(), rtol=1e-14)
    np.testing.assert_array_equal(nn.one_hot(SEED_LABELS, 4), [[0, 0, 0, 1], [0, 1, 0, 0]])


def test_one_training_step_lowers_the_loss():
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(4, 8, rng=rng), nn.ReLU(), nn.Linear(8, 3, rng=rng))
    loss_fn, optimizer = nn.CrossEntropyLoss(), optim.SGD(model, lr=0.5)
    x, labels = rng.standard_normal((16, 4)), rng.integers(0, 3, 16)
    before = loss_fn.forward(model.forward(x), labels)
    model.backward(loss_fn)
    optimizer.step()
    assert loss_fn.forward(model.forward(x), labels) < before


def test_repr_lists_the_layers():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Flatten())
    assert repr(model) == (
        "Sequential(\n  (0): Linear(in_features=2, out_features=3)\n  (1): ReLU()\n  (2): Flatten()\n)"
    )
