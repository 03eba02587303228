"""Softmax and the losses on the worked examples of the course handout.

Where the handout prints a result it is checked here; where it does not, the expected
numbers come from the same computation written in PyTorch, in float64.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from helpers import t64

from mytorch import nn

pytestmark = pytest.mark.ch05


SEED_LOGITS = np.array([[-3.0, 2.0, -1.0, 0.0], [-1.0, 2.0, -3.0, 4.0]])
SEED_LABELS = np.array([3, 1])


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


def test_softmax_rows_are_probabilities():
    p = nn.softmax(SEED_LOGITS)
    np.testing.assert_allclose(p.sum(axis=1), [1.0, 1.0], rtol=1e-15)
    np.testing.assert_allclose(p, torch.softmax(t64(SEED_LOGITS), dim=1).numpy(), rtol=1e-14)
    np.testing.assert_array_equal(nn.one_hot(SEED_LABELS, 4), [[0, 0, 0, 1], [0, 1, 0, 0]])


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


def test_mse_small_example():
    prediction = np.array([[-2.0, -0.5, 0.0], [0.5, 1.0, 3.0]])
    target = np.array([[0.0, 1.0, 0.0], [1.0, 1.0, 2.0]])
    loss_fn = nn.MSELoss()
    loss = loss_fn.forward(prediction, target)
    # (4 + 2.25 + 0 + 0.25 + 0 + 1) / 6 = 1.25, by hand.
    assert abs(loss - 1.25) < 1e-15
    pt = t64(prediction, True)
    F.mse_loss(pt, t64(target)).backward()
    np.testing.assert_allclose(loss_fn.backward(), pt.grad.numpy(), rtol=1e-14)
