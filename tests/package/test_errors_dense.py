"""Bad input to the dense layers, losses and SGD: each raises at once, and its message
names what was expected and what arrived."""

import re

import numpy as np
import pytest

from mytorch import nn, optim


def linear(fan_in=3, fan_out=4):
    return nn.Linear(fan_in, fan_out, rng=np.random.default_rng(0))


# ---------------------------------------------------------------------------- Linear
def test_linear_wrong_feature_width():
    with pytest.raises(ValueError, match=re.escape("expected in_features = 3, got 5 (input shape (2, 5))")):
        linear().forward(np.ones((2, 5)))


def test_linear_wrong_rank():
    with pytest.raises(ValueError, match=re.escape("expected a 2-D array of shape (N, in_features), got a 1-D array of shape (3,)")):
        linear().forward(np.ones(3))


def test_linear_wrong_upstream_gradient_shape():
    layer = linear()
    layer.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=re.escape("expected grad of shape (2, 4) (N, out_features), got (4, 2)")):
        layer.backward(np.ones((4, 2)))


def test_linear_backward_before_forward():
    with pytest.raises(RuntimeError, match=r"Linear\.backward\(\) was called before forward\(\): expected the saved 'x'"):
        linear().backward(np.ones((2, 4)))


@pytest.mark.parametrize("fan_in", [0, -1, 2.5, True, "3"])
def test_linear_bad_size(fan_in):
    with pytest.raises(ValueError, match=re.escape(f"expected in_features to be a positive int, got {fan_in!r}")):
        nn.Linear(fan_in, 2)


def test_linear_seed_instead_of_generator():
    with pytest.raises(ValueError, match="expected rng to be a numpy.random.Generator .*, got int"):
        nn.Linear(2, 2, rng=0)


def test_linear_integer_dtype():
    with pytest.raises(ValueError, match="expected a floating dtype, got int64"):
        nn.Linear(2, 2, dtype=np.int64)


def test_non_numeric_input():
    with pytest.raises(ValueError, match="expected an array of numbers, got dtype <U1"):
        linear().forward(np.array([["a", "b", "c"]]))


# ------------------------------------------------------------------------ activations
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


# ---------------------------------------------------------------------- CrossEntropy
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


# ----------------------------------------------------------------------- MSE and BCE
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


# ------------------------------------------------------------------- Flatten, Sequential
def test_flatten_of_a_vector():
    with pytest.raises(ValueError, match=re.escape("with at least 2 dimensions, got a 1-D array of shape (5,)")):
        nn.Flatten().forward(np.zeros(5))


def test_flatten_backward_before_forward():
    with pytest.raises(RuntimeError, match="Flatten.backward\\(\\) was called before forward\\(\\)"):
        nn.Flatten().backward(np.zeros((2, 6)))


def test_sequential_with_a_non_layer():
    with pytest.raises(ValueError, match="expected every layer to be a mytorch.nn.Module instance, got ufunc at position 1"):
        nn.Sequential(nn.ReLU(), np.tanh)


def test_sequential_with_a_class_instead_of_an_instance():
    with pytest.raises(ValueError, match="expected every layer to be a mytorch.nn.Module instance, got the class ReLU at position 0"):
        nn.Sequential(nn.ReLU, linear())


def test_sequential_backward_with_something_else():
    with pytest.raises(ValueError, match="expected a loss object with backward\\(\\) or a gradient array, got float"):
        nn.Sequential(nn.ReLU()).backward(2.0)


def test_sequential_backward_before_forward():
    model = nn.Sequential(linear(), nn.ReLU())
    with pytest.raises(RuntimeError, match="ReLU.backward\\(\\) was called before forward\\(\\)"):
        model.backward(np.ones((2, 4)))


def test_sequential_wrong_width_names_the_layer():
    model = nn.Sequential(linear(3, 4), nn.ReLU(), linear(5, 2))
    with pytest.raises(ValueError, match=re.escape("Linear.forward x: expected in_features = 5, got 4 (input shape (2, 4))")):
        model.forward(np.ones((2, 3)))


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
    with pytest.raises(ValueError, match="expected a mytorch.nn.Module with parameters\\(\\), got list"):
        optim.SGD([linear()], lr=0.1)


def test_sgd_gradient_of_the_wrong_shape():
    layer = linear(2, 3)
    layer.grad_weight, layer.grad_bias = np.ones((3, 2)), np.ones((1, 3))
    with pytest.raises(ValueError, match=re.escape("expected Linear.grad_weight to have the shape of weight, (2, 3), got (3, 2)")):
        optim.SGD(layer, lr=0.1).step()
