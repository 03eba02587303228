"""Bad input to softmax and the losses, and the state they keep."""

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from helpers import assert_close, t64

from mytorch import nn

pytestmark = pytest.mark.ch05


LOGITS = np.zeros((2, 4))


def test_cross_entropy_label_out_of_range():
    with pytest.raises(ValueError, match=re.escape("expected class indices in [0, 3], got values from 0 to 7")):
        nn.CrossEntropyLoss().forward(LOGITS, np.array([0, 7]))


def test_cross_entropy_negative_label():
    with pytest.raises(ValueError, match=re.escape("expected class indices in [0, 3], got values from -1 to 2")):
        nn.CrossEntropyLoss().forward(LOGITS, np.array([-1, 2]))


def test_cross_entropy_float_labels():
    with pytest.raises(ValueError, match="expected integer class indices, got dtype float64"):
        nn.CrossEntropyLoss().forward(LOGITS, np.array([0.0, 1.0]))


def test_cross_entropy_wrong_number_of_labels():
    with pytest.raises(ValueError, match=re.escape("expected N = 2 labels, one per row, got 3")):
        nn.CrossEntropyLoss().forward(LOGITS, np.array([0, 1, 2]))


def test_cross_entropy_one_hot_labels():
    with pytest.raises(ValueError, match=re.escape("expected a 1-D array of shape (N,), got a 2-D array of shape (2, 4) (pass class indices, not a one-hot matrix)")):
        nn.CrossEntropyLoss().forward(LOGITS, np.eye(4, dtype=int)[[0, 1]])


def test_cross_entropy_logits_of_wrong_rank():
    with pytest.raises(ValueError, match=re.escape("expected a 2-D array of shape (N, C), got a 1-D array of shape (4,)")):
        nn.CrossEntropyLoss().forward(np.zeros(4), np.array([1]))


def test_cross_entropy_empty_batch():
    with pytest.raises(ValueError, match=re.escape("expected N >= 1 samples and C >= 1 classes, got shape (0, 4)")):
        nn.CrossEntropyLoss().forward(np.zeros((0, 4)), np.array([], dtype=int))


def test_cross_entropy_backward_before_forward():
    with pytest.raises(RuntimeError, match="CrossEntropyLoss.backward\\(\\) was called before forward\\(\\): expected the saved 'probs'"):
        nn.CrossEntropyLoss().backward()


def test_one_hot_bad_num_classes():
    with pytest.raises(ValueError, match="expected num_classes to be a positive int, got 0"):
        nn.one_hot(np.array([0]), 0)


def test_mse_mismatched_shapes():
    # (2, 1) against (2,) would silently broadcast to (2, 2) without the check.
    with pytest.raises(ValueError, match=re.escape("expected target to have the shape of prediction, (2, 1), got (2,)")):
        nn.MSELoss().forward(np.zeros((2, 1)), np.zeros(2))


def test_mse_backward_before_forward():
    with pytest.raises(RuntimeError, match="MSELoss.backward\\(\\) was called before forward\\(\\)"):
        nn.MSELoss().backward()


def test_bce_probabilities_outside_0_1():
    with pytest.raises(ValueError, match=re.escape("expected probabilities in [0, 1] (apply a sigmoid first), got values from -0.5 to 2.0")):
        nn.BCELoss().forward(np.array([-0.5, 2.0]), np.array([0.0, 1.0]))


def test_bce_mismatched_shapes():
    with pytest.raises(ValueError, match=re.escape("expected targets to have the shape of probabilities, (3,), got (1, 3)")):
        nn.BCELoss().forward(np.full(3, 0.5), np.ones((1, 3)))


def test_bce_backward_before_forward():
    with pytest.raises(RuntimeError, match="BCELoss.backward\\(\\) was called before forward\\(\\)"):
        nn.BCELoss().backward()


def test_cross_entropy_label_equal_to_the_number_of_classes():
    # One past the last class, the off-by-one of labels counted from 1 (1 to C).
    with pytest.raises(ValueError, match=re.escape("expected class indices in [0, 3], got values from 1 to 4")):
        nn.CrossEntropyLoss().forward(LOGITS, np.array([1, 4]))


def test_bce_targets_outside_0_1():
    with pytest.raises(ValueError, match=re.escape("BCELoss.forward: expected targets in [0, 1] (0 or 1, or soft labels), got values from -1.0 to 1.0")):
        nn.BCELoss().forward(np.array([0.2, 0.7]), np.array([-1.0, 1.0]))


@pytest.mark.parametrize("fn", [nn.softmax, nn.log_softmax])
def test_softmax_over_zero_classes(fn):
    with pytest.raises(ValueError, match=re.escape("expected at least one class along axis -1, got an input of shape (3, 0)")):
        fn(np.zeros((3, 0)))


@pytest.mark.parametrize("fn", [nn.softmax, nn.log_softmax])
def test_softmax_axis_out_of_range(fn):
    with pytest.raises(ValueError, match=re.escape("expected an axis in [-2, 1] for an input of shape (3, 2), got 2")):
        fn(np.zeros((3, 2)), axis=2)


def test_softmax_of_an_empty_batch_is_empty():
    assert nn.softmax(np.zeros((0, 4)), axis=1).shape == (0, 4)


def test_editing_labels_after_forward_does_not_change_the_gradient():
    logits = np.array([[1.0, 2.0, 0.5], [0.1, -1.0, 2.0]])
    labels = np.array([0, 2])
    loss_fn = nn.CrossEntropyLoss()
    loss_fn.forward(logits, labels)
    labels[:] = 1
    lt = t64(logits, True)
    F.cross_entropy(lt, torch.tensor([0, 2])).backward()
    assert_close(loss_fn.backward(), lt.grad)


def test_editing_probabilities_or_targets_after_forward_does_not_change_the_bce_gradient():
    p, targets = np.array([0.2, 0.9, 0.6]), np.array([0.0, 1.0, 1.0])
    loss_fn = nn.BCELoss()
    loss_fn.forward(p, targets)
    p[:] = 0.5
    targets[:] = 0.0
    pt = t64([0.2, 0.9, 0.6], True)
    F.binary_cross_entropy(pt, t64([0.0, 1.0, 1.0])).backward()
    assert_close(loss_fn.backward(), pt.grad)


def test_editing_the_prediction_after_forward_does_not_change_the_mse_gradient():
    prediction, target = np.array([1.0, 2.0]), np.array([0.0, 0.0])
    loss_fn = nn.MSELoss()
    loss_fn.forward(prediction, target)
    prediction += 10
    assert_close(loss_fn.backward(), np.array([1.0, 2.0]))
