"""Bad input to the batch-norm, dropout and residual layers and to ``Module.train``: each
raises at once, and its message names what was expected and what arrived."""

import re

import numpy as np
import pytest

from mytorch import nn

pytestmark = pytest.mark.ch08


def raises(message, error=ValueError):
    return pytest.raises(error, match=re.escape(message))


# ---------------------------------------------------------------------- batch norm
@pytest.mark.parametrize("make_layer, layout, shape", [
    (lambda: nn.BatchNorm1d(3), "(N, C)", (4, 3, 5)),
    (lambda: nn.BatchNorm1d(3), "(N, C)", (3,)),
    (lambda: nn.BatchNorm2d(3), "(N, C, H, W)", (4, 3)),
    (lambda: nn.BatchNorm2d(3), "(N, C, H, W)", (4, 3, 5)),
])
def test_batchnorm_wrong_rank(make_layer, layout, shape):
    ndim = len(layout.split(","))
    with raises(f"expected a {ndim}-D array of shape {layout}, got a {len(shape)}-D array of shape {shape}"):
        make_layer().forward(np.ones(shape))


@pytest.mark.parametrize("make_layer, shape", [
    (lambda: nn.BatchNorm1d(3), (4, 5)),
    (lambda: nn.BatchNorm2d(3), (2, 2, 4, 4)),
])
def test_batchnorm_wrong_channel_count(make_layer, shape):
    with raises(f"expected C (num_features) = 3, got {shape[1]} (input shape {shape})"):
        make_layer().forward(np.ones(shape))


@pytest.mark.parametrize("make_layer, shape, values", [
    (lambda: nn.BatchNorm1d(3), (1, 3), "N = 1"),
    (lambda: nn.BatchNorm2d(3), (1, 3, 1, 1), "N * H * W = 1"),
])
def test_batchnorm_needs_two_values_per_channel_in_training_mode(make_layer, shape, values):
    layer = make_layer()
    with raises("expected more than 1 value per channel in training mode"):
        layer.forward(np.ones(shape))
    with raises(f"got {values} (input shape {shape})"):
        layer.forward(np.ones(shape))
    # One sample is fine in evaluation mode, which normalises with the running estimates.
    np.testing.assert_array_equal(layer.eval().forward(np.ones(shape)), np.ones(shape) / np.sqrt(1 + 1e-5))


@pytest.mark.parametrize("cls", [nn.BatchNorm1d, nn.BatchNorm2d])
def test_batchnorm_backward_before_forward(cls):
    with raises(f"{cls.__name__}.backward() was called before forward(): expected the saved 'x_hat'", RuntimeError):
        cls(3).backward(np.ones((2, 3) if cls is nn.BatchNorm1d else (2, 3, 2, 2)))


def test_batchnorm_backward_gradient_of_the_wrong_shape():
    layer = nn.BatchNorm1d(3)
    layer.forward(np.arange(12.0).reshape(4, 3))
    with raises("expected grad to have the shape of BatchNorm1d's input x, (4, 3), got (4, 2)"):
        layer.backward(np.ones((4, 2)))


@pytest.mark.parametrize("attribute, value", [("weight", np.ones((1, 3))), ("bias", np.zeros(4)),
                                              ("running_var", np.ones((3, 1)))])
def test_batchnorm_assigned_parameters_of_the_wrong_shape(attribute, value):
    layer = nn.BatchNorm1d(3)
    setattr(layer, attribute, value)
    with raises(f"BatchNorm1d: expected {attribute} of shape (3,) (num_features,), got {value.shape}"):
        layer.forward(np.ones((4, 3)))


def test_batchnorm_weight_replaced_between_forward_and_backward():
    layer = nn.BatchNorm1d(3)
    layer.forward(np.arange(12.0).reshape(4, 3))
    layer.weight = np.ones(2)
    with raises("BatchNorm1d: expected weight of shape (3,) (num_features,), got (2,)"):
        layer.backward(np.ones((4, 3)))


@pytest.mark.parametrize("kwargs, message", [
    ({"num_features": 0}, "expected num_features to be a positive int, got 0"),
    ({"num_features": 2.0}, "expected num_features to be a positive int, got 2.0"),
    ({"num_features": True}, "expected num_features to be a positive int, got True"),
    ({"num_features": 3, "eps": 0}, "expected eps > 0, got eps=0"),
    ({"num_features": 3, "eps": -1e-5}, "expected eps > 0, got eps=-1e-05"),
    ({"num_features": 3, "eps": float("nan")}, "expected eps > 0, got eps=nan"),
    ({"num_features": 3, "momentum": 1.5}, "expected 0 <= momentum <= 1, got momentum=1.5"),
    ({"num_features": 3, "momentum": -0.1}, "expected 0 <= momentum <= 1, got momentum=-0.1"),
    ({"num_features": 3, "momentum": None}, "expected 0 <= momentum <= 1, got momentum=None"),
    ({"num_features": 3, "dtype": np.int64}, "expected a floating dtype, got int64"),
])
@pytest.mark.parametrize("cls", [nn.BatchNorm1d, nn.BatchNorm2d])
def test_batchnorm_bad_arguments(cls, kwargs, message):
    with raises(f"{cls.__name__}: {message}"):
        cls(**kwargs)


def test_batchnorm_repr():
    assert repr(nn.BatchNorm2d(8, momentum=0.2)) == "BatchNorm2d(8, eps=1e-05, momentum=0.2)"


# -------------------------------------------------------------------------- dropout
@pytest.mark.parametrize("p", [1, 1.0, 1.5, -0.1, float("nan"), True, "0.5", None])
def test_dropout_p_outside_0_1(p):
    with raises(f"Dropout: expected a drop probability 0 <= p < 1, got p={p!r}"):
        nn.Dropout(p)


def test_dropout_p_1_explains_itself():
    with raises("p = 1 would drop every entry, and 1 / (1 - p) is undefined"):
        nn.Dropout(1.0)


def test_dropout_rng_must_be_a_generator():
    with raises("Dropout: expected rng to be a numpy.random.Generator such as np.random.default_rng(0), got int"):
        nn.Dropout(0.5, rng=0)


def test_dropout_backward_before_forward():
    with raises("Dropout.backward() was called before forward(): expected the saved 'mask'", RuntimeError):
        nn.Dropout(0.5).backward(np.ones((2, 3)))


def test_dropout_backward_gradient_of_the_wrong_shape():
    layer = nn.Dropout(0.5, rng=np.random.default_rng(0))
    layer.forward(np.ones((2, 3)))
    with raises("expected grad to have the shape of Dropout's input x, (2, 3), got (3, 2)"):
        layer.backward(np.ones((3, 2)))


# ------------------------------------------------------------------------- residual
def test_residual_block_must_be_a_module_instance():
    with raises("Residual: expected the block to be a mytorch.nn.Module instance, got the class ReLU"):
        nn.Residual(nn.ReLU)


def test_residual_block_must_keep_the_shape():
    block = nn.Residual(nn.Linear(3, 2, rng=np.random.default_rng(0)))
    with raises("expected the block's output to have the shape of Residual's input x, (4, 3), got (4, 2)"):
        block.forward(np.ones((4, 3)))


def test_residual_backward_before_forward():
    with raises("Residual.backward() was called before forward(): expected the saved 'x_shape'", RuntimeError):
        nn.Residual(nn.ReLU()).backward(np.ones((2, 3)))


def test_residual_backward_gradient_of_the_wrong_shape():
    block = nn.Residual(nn.ReLU())
    block.forward(np.ones((2, 3)))
    with raises("Residual.backward: expected grad of the input's shape (2, 3), got (2, 4)"):
        block.backward(np.ones((2, 4)))


# -------------------------------------------------------------------- train / eval
def test_train_and_eval_reach_the_layers_inside_a_residual_block():
    inner = nn.BatchNorm1d(3)
    model = nn.Sequential(nn.Residual(nn.Sequential(nn.Linear(3, 3, rng=np.random.default_rng(0)), inner)),
                          nn.Dropout(0.1))
    assert model.eval() is model
    assert not inner.training and not model.layers[1].training
    model.layers[0].train()
    assert inner.training and not model.layers[1].training
    # The class default is training mode, and eval() sets only the instances it reaches.
    assert nn.Module.training is True and nn.BatchNorm1d(2).training is True


@pytest.mark.parametrize("mode", ["eval", 0, None])
def test_train_mode_must_be_a_bool(mode):
    with raises(f"Sequential.train: expected mode to be True or False, got {mode!r}"):
        nn.Sequential().train(mode)


def test_train_and_eval_switch_every_layer_of_a_sequential():
    model = nn.Sequential(nn.Linear(3, 3, rng=np.random.default_rng(0)), nn.BatchNorm1d(3), nn.Dropout(0.5))
    assert all(module.training for module in model.modules())
    assert model.eval() is model
    assert not any(module.training for module in model.modules())
    assert model.train() is model
    assert all(module.training for module in model.modules())
