"""The dense layers, losses and SGD on random shapes and values, against PyTorch in
float64 and against central differences."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from strategies import float_arrays, float_arrays_away_from_zero, probability_arrays, seeds, sizes

from mytorch import nn, optim
from mytorch.gradcheck import check_layer_gradients, gradient_mismatch, numerical_gradient

TIGHT = dict(rtol=1e-10, atol=1e-12)


def t64(a, requires_grad=False):
    """A float64 torch tensor holding a copy of ``a``."""
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64, requires_grad=requires_grad)


def assert_gradcheck(errors):
    assert max(errors.values()) <= 1, errors


def assert_matches_central_differences(analytic, numeric):
    assert gradient_mismatch(analytic, numeric) <= 1


# --------------------------------------------------------------------------- Linear
@given(st.data(), sizes, sizes, sizes, seeds)
def test_linear_matches_torch(data, n, fan_in, fan_out, seed):
    x = data.draw(float_arrays((n, fan_in)), label="x")
    upstream = data.draw(float_arrays((n, fan_out)), label="upstream")
    layer = nn.Linear(fan_in, fan_out, rng=np.random.default_rng(seed))

    out = layer.forward(x)
    grad_x = layer.backward(upstream)

    xt, wt, bt = t64(x, True), t64(layer.weight, True), t64(layer.bias, True)
    out_t = xt @ wt + bt
    out_t.backward(t64(upstream))
    np.testing.assert_allclose(out, out_t.detach().numpy(), **TIGHT)
    np.testing.assert_allclose(grad_x, xt.grad.numpy(), **TIGHT)
    np.testing.assert_allclose(layer.grad_weight, wt.grad.numpy(), **TIGHT)
    np.testing.assert_allclose(layer.grad_bias, bt.grad.numpy(), **TIGHT)
    assert layer.grad_weight.shape == (fan_in, fan_out) and layer.grad_bias.shape == (1, fan_out)


@given(st.data(), sizes, sizes, sizes, seeds)
def test_linear_central_differences(data, n, fan_in, fan_out, seed):
    x = data.draw(float_arrays((n, fan_in)), label="x")
    assert_gradcheck(check_layer_gradients(nn.Linear(fan_in, fan_out, rng=np.random.default_rng(seed)), x))


@given(sizes, sizes, seeds)
def test_linear_init_is_uniform_in_pytorch_bounds_and_reproducible(fan_in, fan_out, seed):
    a = nn.Linear(fan_in, fan_out, rng=np.random.default_rng(seed))
    b = nn.Linear(fan_in, fan_out, rng=np.random.default_rng(seed))
    bound = 1 / np.sqrt(fan_in)
    assert a.weight.shape == (fan_in, fan_out) and a.bias.shape == (1, fan_out)
    assert np.all(np.abs(a.weight) <= bound) and np.all(np.abs(a.bias) <= bound)
    np.testing.assert_array_equal(a.weight, b.weight)
    np.testing.assert_array_equal(a.bias, b.bias)


def test_linear_init_spreads_over_the_whole_interval():
    layer = nn.Linear(100, 200, rng=np.random.default_rng(0))
    bound = 0.1
    # 20000 uniform draws: the extremes come within 1% of the bounds, the mean near 0.
    assert layer.weight.max() > 0.99 * bound and layer.weight.min() < -0.99 * bound
    assert abs(layer.weight.mean()) < 0.05 * bound
    assert np.isclose(layer.weight.var(), bound**2 / 3, rtol=0.05)


# ---------------------------------------------------------------------- activations
ACTIVATIONS = {"relu": (nn.ReLU, torch.relu), "sigmoid": (nn.Sigmoid, torch.sigmoid), "tanh": (nn.Tanh, torch.tanh)}


@pytest.mark.parametrize("name", ACTIVATIONS)
@given(st.data(), sizes, sizes)
def test_activation_matches_torch(name, data, n, d):
    layer_cls, torch_fn = ACTIVATIONS[name]
    x = data.draw(float_arrays((n, d)), label="x")
    upstream = data.draw(float_arrays((n, d)), label="upstream")
    layer = layer_cls()
    y = layer.forward(x)
    grad_x = layer.backward(upstream)
    xt = t64(x, True)
    yt = torch_fn(xt)
    yt.backward(t64(upstream))
    np.testing.assert_allclose(y, yt.detach().numpy(), **TIGHT)
    np.testing.assert_allclose(grad_x, xt.grad.numpy(), **TIGHT)


@pytest.mark.parametrize("name", ACTIVATIONS)
@given(st.data(), sizes, sizes)
def test_activation_central_differences(name, data, n, d):
    x = data.draw(float_arrays_away_from_zero((n, d)), label="x")
    assert_gradcheck(check_layer_gradients(ACTIVATIONS[name][0](), x))


@pytest.mark.parametrize("magnitude", [1e4, 1e3, 800.0, 100.0])
def test_sigmoid_is_stable_for_huge_inputs(magnitude):
    # pytest.ini turns warnings into errors, so an overflow in exp would fail here.
    x = np.array([[-magnitude, -1.0, 0.0, 1.0, magnitude]])
    upstream = np.ones_like(x)
    layer = nn.Sigmoid()
    y = layer.forward(x)
    grad_x = layer.backward(upstream)
    xt = t64(x, True)
    torch.sigmoid(xt).backward(t64(upstream))
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(grad_x))
    np.testing.assert_allclose(y, torch.sigmoid(t64(x)).numpy(), rtol=1e-15, atol=1e-300)
    np.testing.assert_allclose(grad_x, xt.grad.numpy(), rtol=1e-12, atol=1e-300)


# ------------------------------------------------------------------------ functional
@pytest.mark.parametrize("axis", [0, 1, -1])
@given(st.data(), sizes, sizes)
def test_softmax_and_log_softmax_match_torch(axis, data, n, c):
    z = data.draw(float_arrays((n, c)), label="z")
    np.testing.assert_allclose(nn.softmax(z, axis=axis), torch.softmax(t64(z), dim=axis).numpy(), **TIGHT)
    np.testing.assert_allclose(nn.log_softmax(z, axis=axis), torch.log_softmax(t64(z), dim=axis).numpy(), **TIGHT)


@pytest.mark.parametrize("fn,torch_fn", [(nn.softmax, torch.softmax), (nn.log_softmax, torch.log_softmax)])
def test_softmax_and_log_softmax_are_stable_for_huge_logits(fn, torch_fn):
    z = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4], [800.0, 799.0, -800.0]])
    out = fn(z)
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, torch_fn(t64(z), dim=1).numpy(), **TIGHT)


@given(st.data(), sizes, sizes)
def test_one_hot_matches_torch(data, n, c):
    labels = data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n), label="labels")
    expected = F.one_hot(torch.tensor(labels), num_classes=c).numpy()
    np.testing.assert_array_equal(nn.one_hot(np.array(labels), c), expected)


# ---------------------------------------------------------------------------- losses
def logits_and_labels(data, n, c, elements=None):
    logits = data.draw(float_arrays((n, c)) if elements is None else elements, label="logits")
    labels = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n), label="labels"))
    return logits, labels


@given(st.data(), sizes, sizes)
def test_cross_entropy_matches_torch(data, n, c):
    logits, labels = logits_and_labels(data, n, c)
    loss_fn = nn.CrossEntropyLoss()
    loss = loss_fn.forward(logits, labels)
    grad = loss_fn.backward()
    lt = t64(logits, True)
    loss_t = F.cross_entropy(lt, torch.tensor(labels))
    loss_t.backward()
    np.testing.assert_allclose(loss, loss_t.item(), **TIGHT)
    np.testing.assert_allclose(grad, lt.grad.numpy(), **TIGHT)


@given(st.data(), sizes, sizes)
def test_cross_entropy_central_differences(data, n, c):
    logits, labels = logits_and_labels(data, n, c)
    loss_fn = nn.CrossEntropyLoss()
    loss_fn.forward(logits, labels)
    analytic = loss_fn.backward()
    numeric = numerical_gradient(lambda: loss_fn.forward(logits, labels), logits)
    assert_matches_central_differences(analytic, numeric)


@given(st.data(), sizes, st.integers(2, 6))
def test_cross_entropy_is_stable_for_logits_of_1e4(data, n, c):
    huge = st.sampled_from([-1e4, -5e3, 0.0, 5e3, 1e4])
    logits, labels = logits_and_labels(data, n, c, st.lists(
        st.lists(huge, min_size=c, max_size=c), min_size=n, max_size=n).map(np.array))
    loss_fn = nn.CrossEntropyLoss()
    loss = loss_fn.forward(logits, labels)
    grad = loss_fn.backward()
    assert np.isfinite(loss) and np.all(np.isfinite(grad))
    lt = t64(logits, True)
    loss_t = F.cross_entropy(lt, torch.tensor(labels))
    loss_t.backward()
    np.testing.assert_allclose(loss, loss_t.item(), **TIGHT)
    np.testing.assert_allclose(grad, lt.grad.numpy(), **TIGHT)


def check_elementwise_loss(loss_fn, torch_loss, prediction, target):
    """The loss and its gradient with respect to ``prediction`` match ``torch_loss``
    and central differences."""
    loss = loss_fn.forward(prediction, target)
    grad = loss_fn.backward()
    pt = t64(prediction, True)
    loss_t = torch_loss(pt, t64(target))
    loss_t.backward()
    np.testing.assert_allclose(loss, loss_t.item(), **TIGHT)
    np.testing.assert_allclose(grad, pt.grad.numpy(), **TIGHT)
    numeric = numerical_gradient(lambda: loss_fn.forward(prediction, target), prediction)
    assert_matches_central_differences(grad, numeric)


@given(st.data(), sizes, sizes)
def test_mse_matches_torch_and_central_differences(data, n, d):
    prediction = data.draw(float_arrays((n, d)), label="prediction")
    target = data.draw(float_arrays((n, d)), label="target")
    check_elementwise_loss(nn.MSELoss(), F.mse_loss, prediction, target)


@given(st.data(), sizes, sizes, st.booleans())
def test_bce_matches_torch_and_central_differences(data, n, d, soft_targets):
    p = data.draw(probability_arrays((n, d)), label="p")
    targets = data.draw(probability_arrays((n, d)) if soft_targets else
                        float_arrays((n, d)).map(lambda a: (a > 0).astype(np.float64)), label="targets")
    check_elementwise_loss(nn.BCELoss(), F.binary_cross_entropy, p, targets)


def test_bce_clamps_like_torch_at_0_and_1():
    p = np.array([0.0, 1.0, 0.0, 1.0, 1e-50, 1 - 1e-16, 0.3])
    targets = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0])
    loss_fn = nn.BCELoss()
    loss = loss_fn.forward(p, targets)
    grad = loss_fn.backward()
    pt = t64(p, True)
    loss_t = F.binary_cross_entropy(pt, t64(targets))
    loss_t.backward()
    assert np.isfinite(loss) and np.all(np.isfinite(grad))
    np.testing.assert_allclose(loss, loss_t.item(), rtol=1e-14)
    # At p = 0 and 1 the gradient is (p - t) / eps / size; PyTorch stores its eps = 1e-12
    # rounded to float32 (9.99999996e-13), hence a relative difference of 4e-9 there.
    np.testing.assert_allclose(grad, pt.grad.numpy(), rtol=1e-8)


# ------------------------------------------------------------------ Flatten, Sequential
@given(st.data(), sizes, st.lists(sizes, min_size=1, max_size=3))
def test_flatten_matches_torch_and_central_differences(data, n, rest):
    x = data.draw(float_arrays((n, *rest)), label="x")
    layer = nn.Flatten()
    out = layer.forward(x)
    np.testing.assert_array_equal(out, torch.flatten(t64(x), 1).numpy())
    upstream = data.draw(float_arrays(out.shape), label="upstream")
    np.testing.assert_array_equal(layer.backward(upstream), upstream.reshape(x.shape))
    assert_gradcheck(check_layer_gradients(layer, x))


def mlp(fan_in, hidden, classes, seed, activation=nn.ReLU):
    rng = np.random.default_rng(seed)
    return nn.Sequential(nn.Linear(fan_in, hidden, rng=rng), activation(), nn.Linear(hidden, classes, rng=rng))


def torch_mlp_loss(model, x, labels, activation):
    """The same network in PyTorch; returns the loss and the leaf tensors (x, W1, b1, W2, b2)."""
    leaves = [t64(x, True)] + [t64(a, True) for a in (model.layers[0].weight, model.layers[0].bias,
                                                      model.layers[2].weight, model.layers[2].bias)]
    xt, w1, b1, w2, b2 = leaves
    return F.cross_entropy(activation(xt @ w1 + b1) @ w2 + b2, torch.tensor(labels)), leaves


@pytest.mark.parametrize("activation,torch_fn", [(nn.ReLU, torch.relu), (nn.Tanh, torch.tanh)])
@given(st.data(), sizes, sizes, sizes, st.integers(2, 5), seeds)
def test_sequential_mlp_matches_torch(activation, torch_fn, data, n, fan_in, hidden, classes, seed):
    model = mlp(fan_in, hidden, classes, seed, activation)
    x = data.draw(float_arrays((n, fan_in)), label="x")
    labels = np.array(data.draw(st.lists(st.integers(0, classes - 1), min_size=n, max_size=n), label="labels"))
    loss_fn = nn.CrossEntropyLoss()
    loss = loss_fn.forward(model.forward(x), labels)
    grad_x = model.backward(loss_fn)

    loss_t, leaves = torch_mlp_loss(model, x, labels, torch_fn)
    loss_t.backward()
    np.testing.assert_allclose(loss, loss_t.item(), **TIGHT)
    mine = [grad_x, model.layers[0].grad_weight, model.layers[0].grad_bias,
            model.layers[2].grad_weight, model.layers[2].grad_bias]
    for a, leaf in zip(mine, leaves):
        np.testing.assert_allclose(a, leaf.grad.numpy(), **TIGHT)


@given(st.data(), sizes, sizes, sizes, seeds)
def test_sequential_central_differences(data, n, fan_in, hidden, seed):
    model = nn.Sequential(*mlp(fan_in, hidden, 3, seed, nn.Tanh).layers, nn.Sigmoid())
    x = data.draw(float_arrays((n, fan_in)), label="x")
    assert_gradcheck(check_layer_gradients(model, x))


def test_sequential_backward_accepts_a_gradient_array():
    model = mlp(3, 4, 2, seed=0, activation=nn.Tanh)
    x = np.random.default_rng(1).standard_normal((5, 3))
    upstream = np.random.default_rng(2).standard_normal((5, 2))
    model.forward(x)
    grad_x = model.backward(upstream)
    expected = model.layers[0].backward(model.layers[1].backward(model.layers[2].backward(upstream)))
    np.testing.assert_allclose(grad_x, expected, rtol=1e-15)


def test_sequential_parameters_are_found_in_nested_containers():
    inner = mlp(2, 3, 2, seed=0)
    model = nn.Sequential(inner, nn.Tanh(), nn.Linear(2, 2))
    found = [(type(m).__name__, name) for m, name in model.parameters()]
    assert found == [("Linear", "weight"), ("Linear", "bias")] * 3
    model.zero_grad()
    assert all(np.all(getattr(m, "grad_" + name) == 0) for m, name in model.parameters())


# ------------------------------------------------------------------------------- SGD
@given(st.data(), st.floats(0.001, 1.0), st.sampled_from([0.0, 0.5, 0.9, 0.99]), seeds)
def test_sgd_matches_torch_over_several_steps(data, lr, momentum, seed):
    rng = np.random.default_rng(seed)
    model = mlp(3, 5, 4, seed, nn.Tanh)
    params = [t64(getattr(m, name), True) for m, name in model.parameters()]
    torch_opt = torch.optim.SGD(params, lr=lr, momentum=momentum)
    optimizer = optim.SGD(model, lr=lr, momentum=momentum)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(4):
        x, labels = rng.standard_normal((6, 3)), rng.integers(0, 4, 6)
        loss_fn.forward(model.forward(x), labels)
        model.backward(loss_fn)
        optimizer.step()

        torch_opt.zero_grad()
        w1, b1, w2, b2 = params
        F.cross_entropy(torch.tanh(t64(x) @ w1 + b1) @ w2 + b2, torch.tensor(labels)).backward()
        torch_opt.step()
        for (m, name), p in zip(model.parameters(), params):
            np.testing.assert_allclose(getattr(m, name), p.detach().numpy(), **TIGHT)


def test_sgd_works_on_a_single_layer_and_rereads_replaced_arrays():
    layer = nn.Linear(2, 2, rng=np.random.default_rng(0))
    optimizer = optim.SGD(layer, lr=0.5, momentum=0.5)
    layer.grad_weight, layer.grad_bias = np.ones((2, 2)), np.ones((1, 2))
    layer.weight = np.zeros((2, 2))
    optimizer.step()
    np.testing.assert_allclose(layer.weight, -0.5 * np.ones((2, 2)))
    optimizer.step()  # v = 0.5 * 1 + 1 = 1.5
    np.testing.assert_allclose(layer.weight, -0.5 - 0.75 * np.ones((2, 2)))
    optimizer.zero_grad()
    np.testing.assert_array_equal(layer.grad_weight, np.zeros((2, 2)))


def test_sgd_skips_parameters_without_gradients():
    layer = nn.Linear(2, 2, rng=np.random.default_rng(0))
    before = layer.weight.copy()
    optim.SGD(layer, lr=0.1).step()
    np.testing.assert_array_equal(layer.weight, before)


# ----------------------------------------------------------------------------- dtypes
def test_float32_stays_float32_through_training():
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(6, 5, rng=rng, dtype=np.float32), nn.ReLU(), nn.Linear(5, 4, rng=rng, dtype=np.float32),
                          nn.Sigmoid(), nn.Linear(4, 3, rng=rng, dtype=np.float32), nn.Tanh())
    x = rng.standard_normal((7, 6)).astype(np.float32)
    loss_fn, optimizer = nn.CrossEntropyLoss(), optim.SGD(model, lr=0.1, momentum=0.9)
    out = model.forward(x)
    assert out.dtype == np.float32
    loss_fn.forward(out, rng.integers(0, 3, 7))
    assert model.backward(loss_fn).dtype == np.float32
    optimizer.step()
    assert all(getattr(m, name).dtype == np.float32 for m, name in model.parameters())
    for loss_fn, target in ((nn.MSELoss(), out), (nn.BCELoss(), np.ones_like(out))):
        loss_fn.forward(np.full_like(out, 0.5), target)
        assert loss_fn.backward().dtype == np.float32
    assert nn.softmax(x).dtype == np.float32 and nn.sigmoid(x).dtype == np.float32
