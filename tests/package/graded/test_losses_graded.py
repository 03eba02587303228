"""Softmax, one-hot and the three losses on random shapes and values, against PyTorch in
float64 and against central differences."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from helpers import assert_close, t64
from hypothesis import given
from hypothesis import strategies as st
from strategies import float_arrays, probability_arrays, sizes

from mytorch import nn
from mytorch.gradcheck import gradient_mismatch, numerical_gradient

pytestmark = pytest.mark.ch05

HUGE = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4], [800.0, 799.0, -800.0]])


def logits_and_labels(data, n, c, elements=None):
    logits = data.draw(float_arrays((n, c)) if elements is None else elements, label="logits")
    labels = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n), label="labels"), dtype=np.int64)
    return logits, labels


# --------------------------------------------------------------------------- softmax
@pytest.mark.question("softmax")
@pytest.mark.parametrize("axis", [0, 1, -1])
@given(st.data(), sizes, sizes)
def test_softmax_matches_torch(axis, data, n, c):
    z = data.draw(float_arrays((n, c)), label="z")
    assert_close(nn.softmax(z, axis=axis), torch.softmax(t64(z), dim=axis))


@pytest.mark.question("softmax")
def test_softmax_is_exact_for_huge_logits():
    out = nn.softmax(HUGE, axis=1)
    assert_close(out, torch.softmax(t64(HUGE), dim=1))


@pytest.mark.question("log_softmax")
@pytest.mark.parametrize("axis", [0, 1, -1])
@given(st.data(), sizes, sizes)
def test_log_softmax_matches_torch(axis, data, n, c):
    z = data.draw(float_arrays((n, c)), label="z")
    assert_close(nn.log_softmax(z, axis=axis), torch.log_softmax(t64(z), dim=axis))


@pytest.mark.question("log_softmax")
def test_log_softmax_is_finite_where_softmax_underflows():
    assert_close(nn.log_softmax(HUGE, axis=1), torch.log_softmax(t64(HUGE), dim=1))


@pytest.mark.question("one_hot")
@given(st.data(), st.integers(0, 6), sizes)
def test_one_hot_matches_torch(data, n, c):
    labels = data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n), label="labels")
    expected = F.one_hot(torch.tensor(labels, dtype=torch.int64), num_classes=c).numpy()
    out = nn.one_hot(np.array(labels, dtype=np.int64), c)
    assert out.shape == (n, c) and out.dtype == np.float64
    np.testing.assert_array_equal(out, expected)


# ---------------------------------------------------------------------- cross-entropy
@pytest.mark.question("CrossEntropyLoss.forward")
@given(st.data(), sizes, sizes)
def test_cross_entropy_matches_torch(data, n, c):
    logits, labels = logits_and_labels(data, n, c)
    loss = nn.CrossEntropyLoss().forward(logits, labels)
    assert abs(loss - F.cross_entropy(t64(logits), torch.tensor(labels)).item()) <= 1e-12 * max(1.0, abs(loss))


@pytest.mark.question("CrossEntropyLoss.forward")
def test_cross_entropy_is_finite_for_huge_logits():
    labels = np.array([2, 0, 2])
    loss = nn.CrossEntropyLoss().forward(HUGE, labels)
    expected = F.cross_entropy(t64(HUGE), torch.tensor(labels)).item()
    assert abs(loss - expected) <= 1e-12 * abs(expected)


@pytest.mark.question("CrossEntropyLoss.backward", points=2)
@given(st.data(), sizes, sizes)
def test_cross_entropy_gradient_matches_torch(data, n, c):
    logits, labels = logits_and_labels(data, n, c)
    loss_fn = nn.CrossEntropyLoss()
    loss_fn.forward(logits, labels)
    lt = t64(logits, True)
    F.cross_entropy(lt, torch.tensor(labels)).backward()
    assert_close(loss_fn.backward(), lt.grad)


@pytest.mark.question("CrossEntropyLoss.backward")
@given(st.data(), sizes, st.integers(2, 6))
def test_cross_entropy_gradient_for_huge_logits_matches_torch(data, n, c):
    huge = st.sampled_from([-1e4, -5e3, 0.0, 5e3, 1e4])
    logits, labels = logits_and_labels(data, n, c, st.lists(
        st.lists(huge, min_size=c, max_size=c), min_size=n, max_size=n).map(np.array))
    loss_fn = nn.CrossEntropyLoss()
    loss_fn.forward(logits, labels)
    lt = t64(logits, True)
    F.cross_entropy(lt, torch.tensor(labels)).backward()
    assert_close(loss_fn.backward(), lt.grad)


@pytest.mark.question("CrossEntropyLoss.backward")
@given(st.data(), sizes, sizes)
def test_cross_entropy_gradient_matches_central_differences(data, n, c):
    logits, labels = logits_and_labels(data, n, c)
    loss_fn = nn.CrossEntropyLoss()
    loss_fn.forward(logits, labels)
    analytic = loss_fn.backward()
    numeric = numerical_gradient(lambda: nn.CrossEntropyLoss().forward(logits, labels), logits)
    assert gradient_mismatch(analytic, numeric) <= 1


# ----------------------------------------------------------------------- MSE and BCE
def torch_loss_and_grad(torch_loss, prediction, target):
    pt = t64(prediction, True)
    loss = torch_loss(pt, t64(target))
    loss.backward()
    return loss.item(), pt.grad.numpy()


def binary_targets(shape):
    return float_arrays(shape).map(lambda a: (a > 0).astype(np.float64))


@pytest.mark.question("MSELoss.forward")
@given(st.data(), sizes, sizes)
def test_mse_matches_torch(data, n, d):
    prediction = data.draw(float_arrays((n, d)), label="prediction")
    target = data.draw(float_arrays((n, d)), label="target")
    expected, _ = torch_loss_and_grad(F.mse_loss, prediction, target)
    assert abs(nn.MSELoss().forward(prediction, target) - expected) <= 1e-12 * max(1.0, expected)


@pytest.mark.question("MSELoss.backward")
@given(st.data(), sizes, sizes)
def test_mse_gradient_matches_torch_and_central_differences(data, n, d):
    prediction = data.draw(float_arrays((n, d)), label="prediction")
    target = data.draw(float_arrays((n, d)), label="target")
    loss_fn = nn.MSELoss()
    loss_fn.forward(prediction, target)
    grad = loss_fn.backward()
    assert_close(grad, torch_loss_and_grad(F.mse_loss, prediction, target)[1])
    numeric = numerical_gradient(lambda: nn.MSELoss().forward(prediction, target), prediction)
    assert gradient_mismatch(grad, numeric) <= 1


@pytest.mark.question("BCELoss.forward")
@given(st.data(), sizes, sizes, st.booleans())
def test_bce_matches_torch(data, n, d, soft_targets):
    p = data.draw(probability_arrays((n, d)), label="p")
    targets = data.draw(probability_arrays((n, d)) if soft_targets else binary_targets((n, d)), label="targets")
    expected, _ = torch_loss_and_grad(F.binary_cross_entropy, p, targets)
    assert abs(nn.BCELoss().forward(p, targets) - expected) <= 1e-12 * max(1.0, expected)


@pytest.mark.question("BCELoss.forward")
def test_bce_clamps_its_logarithms_like_torch():
    p = np.array([0.0, 1.0, 0.0, 1.0, 1e-50, 1 - 1e-16, 0.3])
    targets = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0])
    expected, _ = torch_loss_and_grad(F.binary_cross_entropy, p, targets)
    assert abs(nn.BCELoss().forward(p, targets) - expected) <= 1e-14 * expected


@pytest.mark.question("BCELoss.backward")
@given(st.data(), sizes, sizes, st.booleans())
def test_bce_gradient_matches_torch_and_central_differences(data, n, d, soft_targets):
    p = data.draw(probability_arrays((n, d)), label="p")
    targets = data.draw(probability_arrays((n, d)) if soft_targets else binary_targets((n, d)), label="targets")
    loss_fn = nn.BCELoss()
    loss_fn.forward(p, targets)
    grad = loss_fn.backward()
    assert_close(grad, torch_loss_and_grad(F.binary_cross_entropy, p, targets)[1])
    numeric = numerical_gradient(lambda: nn.BCELoss().forward(p, targets), p)
    assert gradient_mismatch(grad, numeric) <= 1


@pytest.mark.question("BCELoss.backward")
def test_bce_gradient_at_0_and_1_is_finite_like_torch():
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.3])
    targets = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    loss_fn = nn.BCELoss()
    loss_fn.forward(p, targets)
    # PyTorch stores its floor eps = 1e-12 in float32 (9.99999996e-13), hence the
    # relative difference of 4e-9 where the floor applies.
    np.testing.assert_allclose(loss_fn.backward(), torch_loss_and_grad(F.binary_cross_entropy, p, targets)[1], rtol=1e-8)


@pytest.mark.question("MSELoss.backward")
def test_losses_keep_float32():
    prediction = np.array([[0.2, 0.7], [0.4, 0.9]], dtype=np.float32)
    target = np.array([[0.0, 1.0], [1.0, 1.0]], dtype=np.float32)
    loss_fn = nn.MSELoss()
    loss_fn.forward(prediction, target)
    grad = loss_fn.backward()
    assert grad.dtype == np.float32
    pt = torch.tensor(prediction, requires_grad=True)
    F.mse_loss(pt, torch.tensor(target)).backward()
    np.testing.assert_allclose(grad, pt.grad.numpy(), rtol=1e-6)


