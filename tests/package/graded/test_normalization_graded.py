"""BatchNorm1d, BatchNorm2d, Dropout and Residual on random shapes, checked against PyTorch
in float64 and against central differences.

Batch normalisation is run for several steps in training mode, then in evaluation mode,
next to ``torch.nn.BatchNorm1d``/``BatchNorm2d`` holding the same parameters, so that the
running estimates are compared after every step: a layer that keeps the biased variance,
forgets the momentum, or normalises with the batch in evaluation mode fails. Dropout
draws a fresh mask at every call, so its gradient is checked with the mask held fixed.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from helpers import TIGHT, t64
from hypothesis import given
from hypothesis import strategies as st
from strategies import batchnorm_cases, channel_scaled_normal, seeds, sizes

from mytorch import nn
from mytorch.gradcheck import check_layer_gradients

pytestmark = pytest.mark.ch08

# BatchNorm1d and BatchNorm2d share one forward and one backward, in _BatchNorm.
BN_FORWARD = pytest.mark.question("_BatchNorm.forward")
BN_BACKWARD = pytest.mark.question("_BatchNorm.backward")
STEPS_TRAINING, STEPS_EVAL = 3, 2


def make_pair(case, rng):
    """A mytorch batch-norm layer with random parameters and the same layer in PyTorch."""
    channels = case["shape"][1]
    ours_cls, theirs_cls = ((nn.BatchNorm1d, torch.nn.BatchNorm1d) if len(case["shape"]) == 2
                            else (nn.BatchNorm2d, torch.nn.BatchNorm2d))
    ours = ours_cls(channels, eps=case["eps"], momentum=case["momentum"])
    ours.weight = rng.uniform(-2, 2, channels)
    ours.bias = rng.standard_normal(channels)
    theirs = theirs_cls(channels, eps=case["eps"], momentum=case["momentum"]).double()
    with torch.no_grad():
        theirs.weight.copy_(t64(ours.weight))
        theirs.bias.copy_(t64(ours.bias))
    return ours, theirs


def run_steps(case):
    """Forward and backward through both layers, STEPS_TRAINING batches in training mode
    then STEPS_EVAL in evaluation mode; yield both sides' results after every step."""
    rng = np.random.default_rng(case["seed"])
    ours, theirs = make_pair(case, rng)
    for step in range(STEPS_TRAINING + STEPS_EVAL):
        if step == STEPS_TRAINING:
            assert ours.eval() is ours
            theirs.eval()
        x = channel_scaled_normal(rng, case["shape"])
        grad = rng.standard_normal(case["shape"])
        out = ours.forward(x)
        grad_x = ours.backward(grad)
        x_t = t64(x, True)
        theirs.weight.grad = theirs.bias.grad = None
        out_t = theirs(x_t)
        out_t.backward(t64(grad))
        yield {
            "step": step, "x": x, "grad": grad, "layer": ours,
            "out": (out, out_t.detach().numpy()),
            "grad_x": (grad_x, x_t.grad.numpy()),
            "grad_weight": (ours.grad_weight, theirs.weight.grad.numpy()),
            "grad_bias": (ours.grad_bias, theirs.bias.grad.numpy()),
            "running_mean": (ours.running_mean, theirs.running_mean.numpy()),
            "running_var": (ours.running_var, theirs.running_var.numpy()),
        }


def gradient_tolerance(result):
    """Tolerances for the input gradient: its training-mode formula subtracts terms of
    size ``|weight| / sqrt(var + eps) * sum |grad|`` that nearly cancel when a channel has
    few values, so rounding errors scale with those terms, not with the result."""
    layer = result["layer"]
    m = result["x"].size // result["x"].shape[1]
    scale = np.max(np.abs(layer.weight) * layer.inv_std) * np.max(np.abs(result["grad"])) * m
    return {"rtol": 1e-9, "atol": 1e-12 * scale}


# ------------------------------------------------------------ batch norm: forward
@pytest.mark.question("_BatchNorm.forward", points=2)
@pytest.mark.parametrize("d", [1, 2])
@given(data=st.data())
def test_batchnorm_outputs_and_running_statistics_match_torch(d, data):
    case = data.draw(batchnorm_cases(d))
    for result in run_steps(case):
        for name in ("out", "running_mean", "running_var"):
            ours, theirs = result[name]
            assert ours.shape == theirs.shape, name
            np.testing.assert_allclose(ours, theirs, **TIGHT, err_msg=f"{name} at step {result['step']}")


@BN_FORWARD
@pytest.mark.parametrize("d", [1, 2])
def test_batchnorm_training_output_has_zero_mean_and_unit_variance_per_channel(d):
    rng = np.random.default_rng(0)
    shape = (6, 3) if d == 1 else (3, 3, 4, 5)
    layer = (nn.BatchNorm1d if d == 1 else nn.BatchNorm2d)(3, eps=1e-12)
    out = layer.forward(channel_scaled_normal(rng, shape))
    axes = (0,) if d == 1 else (0, 2, 3)
    np.testing.assert_allclose(out.mean(axis=axes), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=axes), 1.0, rtol=1e-9)


@BN_FORWARD
def test_batchnorm_eval_mode_uses_and_keeps_the_running_statistics():
    rng = np.random.default_rng(1)
    layer = nn.BatchNorm1d(4)
    for _ in range(3):
        layer.forward(channel_scaled_normal(rng, (8, 4)))
    mean, var = layer.running_mean.copy(), layer.running_var.copy()
    layer.eval()
    x = channel_scaled_normal(rng, (1, 4))     # a single sample: fine in evaluation mode
    out = layer.forward(x)
    np.testing.assert_allclose(out, layer.weight * (x - mean) / np.sqrt(var + layer.eps) + layer.bias, **TIGHT)
    np.testing.assert_array_equal(layer.running_mean, mean)
    np.testing.assert_array_equal(layer.running_var, var)


@BN_FORWARD
@pytest.mark.parametrize("d", [1, 2])
def test_batchnorm_float32_in_float32_out_close_to_float64(d):
    rng = np.random.default_rng(2)
    shape = (16, 5) if d == 1 else (4, 5, 3, 3)
    x = channel_scaled_normal(rng, shape)
    grad = rng.standard_normal(shape)
    cls = nn.BatchNorm1d if d == 1 else nn.BatchNorm2d
    single, double = cls(5, dtype=np.float32), cls(5)
    out32, out64 = single.forward(x.astype(np.float32)), double.forward(x)
    grad32, grad64 = single.backward(grad.astype(np.float32)), double.backward(grad)
    for name, a, b in (("out", out32, out64), ("grad_x", grad32, grad64), ("grad_weight", single.grad_weight, double.grad_weight),
                       ("running_var", single.running_var, double.running_var)):
        assert a.dtype == np.float32, f"{name} left float32: {a.dtype}"
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5 * np.abs(b).max(), err_msg=name)


# ----------------------------------------------------------- batch norm: backward
@pytest.mark.question("_BatchNorm.backward", points=2)
@pytest.mark.parametrize("d", [1, 2])
@given(data=st.data())
def test_batchnorm_gradients_match_torch_in_training_and_eval_mode(d, data):
    case = data.draw(batchnorm_cases(d))
    for result in run_steps(case):
        for name in ("grad_x", "grad_weight", "grad_bias"):
            ours, theirs = result[name]
            assert ours.shape == theirs.shape, name
            tolerance = gradient_tolerance(result) if name == "grad_x" else TIGHT
            np.testing.assert_allclose(ours, theirs, **tolerance, err_msg=f"{name} at step {result['step']}")


@BN_BACKWARD
@pytest.mark.parametrize("d", [1, 2])
@pytest.mark.parametrize("training", [True, False], ids=["training", "eval"])
@given(data=st.data())
def test_batchnorm_central_differences(d, training, data):
    case = data.draw(batchnorm_cases(d, max_batch=4, max_channels=3, max_spatial=3))
    rng = np.random.default_rng(case["seed"])
    layer, _ = make_pair(case, rng)
    # Running estimates away from their initial values, so eval mode is not the identity.
    layer.running_mean = rng.standard_normal(case["shape"][1])
    layer.running_var = rng.uniform(0.1, 4, case["shape"][1])
    layer.train(training)
    errors = check_layer_gradients(layer, channel_scaled_normal(rng, case["shape"]), seed=case["seed"] % 1000)
    assert max(errors.values()) <= 1, errors


@BN_BACKWARD
@given(sizes.filter(lambda n: n >= 2), sizes, seeds)
def test_batchnorm_training_gradient_sums_to_zero_and_is_orthogonal_to_x_hat_up_to_eps(n, c, seed):
    """The output does not change when a channel's inputs are shifted together, so the
    input gradient of each channel sums to 0. Nor, were eps 0, when they are scaled
    together: its product with x_hat is gamma * grad_gamma * eps / (var + eps)^(3/2)."""
    rng = np.random.default_rng(seed)
    layer = nn.BatchNorm1d(c)
    layer.weight = rng.uniform(0.5, 2, c)
    x = channel_scaled_normal(rng, (n, c))
    layer.forward(x)
    grad = rng.standard_normal((n, c))
    grad_x = layer.backward(grad)
    var = x.var(axis=0)
    x_hat = (x - x.mean(axis=0)) / np.sqrt(var + layer.eps)
    grad_gamma = (grad * x_hat).sum(axis=0)
    # Rounding errors follow the terms that cancel, of size |weight| / std * sum |grad|.
    scale = np.max(layer.weight / np.sqrt(var + layer.eps) * np.abs(grad).sum(axis=0))
    np.testing.assert_allclose(grad_x.sum(axis=0), 0.0, atol=1e-12 * scale)
    expected = layer.weight * grad_gamma * layer.eps / (var + layer.eps) ** 1.5
    np.testing.assert_allclose((grad_x * x_hat).sum(axis=0), expected, rtol=1e-6, atol=1e-12 * scale)


@BN_BACKWARD
def test_batchnorm_backward_follows_the_mode_of_its_forward_pass():
    """Switching to eval mode between forward and backward must not change the gradient:
    the forward pass used the batch's statistics, so its backward pass differentiates them."""
    rng = np.random.default_rng(3)
    x, grad = channel_scaled_normal(rng, (5, 3)), rng.standard_normal((5, 3))
    reference = nn.BatchNorm1d(3)
    reference.forward(x)
    expected = reference.backward(grad)
    layer = nn.BatchNorm1d(3)
    layer.forward(x)
    layer.eval()
    np.testing.assert_allclose(layer.backward(grad), expected, **TIGHT)


@pytest.mark.question("_BatchNorm.backward")
@pytest.mark.parametrize("d", [1, 2])
def test_batchnorm_gradient_ignores_edits_to_the_input_after_forward(d):
    rng = np.random.default_rng(4)
    shape = (4, 2) if d == 1 else (2, 2, 3, 3)
    x, grad = channel_scaled_normal(rng, shape), rng.standard_normal(shape)
    cls = nn.BatchNorm1d if d == 1 else nn.BatchNorm2d
    untouched = cls(2)
    untouched.forward(x.copy())
    expected = untouched.backward(grad)
    layer = cls(2)
    layer.forward(x)
    x *= 10.0
    x += 3.0
    np.testing.assert_allclose(layer.backward(grad), expected, **TIGHT)
    np.testing.assert_allclose(layer.grad_weight, untouched.grad_weight, **TIGHT)


# -------------------------------------------------------------------------- dropout
class FixedMaskDropout(nn.Dropout):
    """Dropout that draws the same mask at every call, from a generator seeded anew:
    a deterministic function of its input, which central differences can check."""

    def __init__(self, p, seed):
        super().__init__(p)
        self.seed = seed

    def forward(self, x):
        self.rng = np.random.default_rng(self.seed)
        return super().forward(x)


@pytest.mark.question("Dropout.forward")
@given(st.sampled_from([0.1, 0.25, 0.5, 0.8]), seeds)
def test_dropout_drops_a_fraction_p_and_scales_the_rest_by_1_over_1_minus_p(p, seed):
    layer = nn.Dropout(p, rng=np.random.default_rng(seed))
    x = np.random.default_rng(seed).uniform(1, 2, (200, 50))  # no zeros of its own
    out = layer.forward(x)
    kept = out != 0
    np.testing.assert_allclose(out[kept], x[kept] / (1 - p), rtol=1e-15)
    # 10 000 Bernoulli draws: the dropped fraction is within 5 standard deviations of p.
    assert abs((~kept).mean() - p) <= 5 * np.sqrt(p * (1 - p) / x.size)
    np.testing.assert_array_equal(layer.mask, np.where(kept, 1 / (1 - p), 0.0))


@pytest.mark.question("Dropout.forward")
def test_dropout_draws_a_new_mask_each_call_repeatably_from_its_generator():
    x = np.ones((20, 30))
    first = nn.Dropout(0.5, rng=np.random.default_rng(7))
    second = nn.Dropout(0.5, rng=np.random.default_rng(7))
    a, b = first.forward(x), first.forward(x)
    assert not np.array_equal(a, b), "two training calls drew the same mask"
    np.testing.assert_array_equal(second.forward(x), a)
    np.testing.assert_array_equal(second.forward(x), b)


@pytest.mark.question("Dropout.forward")
@given(st.sampled_from([0.0, 0.3, 0.9]), sizes, sizes, seeds)
def test_dropout_is_the_identity_in_eval_mode_and_for_p_0(p, n, d, seed):
    x = np.random.default_rng(seed).standard_normal((n, d))
    layer = nn.Dropout(p, rng=np.random.default_rng(seed)).eval()
    np.testing.assert_array_equal(layer.forward(x), x)
    np.testing.assert_array_equal(layer.backward(x), x)
    identity = nn.Dropout(0.0, rng=np.random.default_rng(seed))
    np.testing.assert_array_equal(identity.forward(x), x)


@pytest.mark.question("Dropout.forward")
def test_dropout_keeps_float32():
    layer = nn.Dropout(0.3, rng=np.random.default_rng(0))
    out = layer.forward(np.ones((4, 5), dtype=np.float32))
    assert out.dtype == np.float32
    assert layer.backward(np.ones((4, 5), dtype=np.float32)).dtype == np.float32


@pytest.mark.question("Dropout.backward")
@given(st.sampled_from([0.2, 0.5, 0.7]), sizes, sizes, seeds)
def test_dropout_backward_matches_torch_with_the_same_mask(p, n, d, seed):
    """PyTorch draws its own mask; read it off its output (the input has no zeros) and
    compare the gradients of the same masked function."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 2, (n, d)) * rng.choice([-1, 1], (n, d))
    grad = rng.standard_normal((n, d))
    torch.manual_seed(seed)
    x_t = t64(x, True)
    out_t = F.dropout(x_t, p, training=True)
    out_t.backward(t64(grad))
    layer = nn.Dropout(p)
    layer.forward(x)
    layer.mask = (out_t.detach().numpy() / x)   # PyTorch's mask, 0 or 1 / (1 - p)
    np.testing.assert_allclose(layer.backward(grad), x_t.grad.numpy(), **TIGHT)


@pytest.mark.question("Dropout.backward")
@given(st.sampled_from([0.0, 0.3, 0.6]), sizes, sizes, seeds)
def test_dropout_central_differences_with_the_mask_held_fixed(p, n, d, seed):
    layer = FixedMaskDropout(p, seed)
    errors = check_layer_gradients(layer, np.random.default_rng(seed).standard_normal((n, d)))
    assert max(errors.values()) <= 1, errors


@pytest.mark.question("Dropout.backward")
def test_dropout_backward_uses_the_mask_of_the_last_forward_pass():
    layer = nn.Dropout(0.5, rng=np.random.default_rng(1))
    x = np.ones((10, 10))
    out = layer.forward(x)
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)), out)


# ------------------------------------------------------------------------- residual
def residual_pair(d, rng):
    """Residual(Linear -> Tanh -> Linear) in mytorch and the same block in PyTorch."""
    first, second = nn.Linear(d, d, rng=rng), nn.Linear(d, d, rng=rng)
    block = nn.Residual(nn.Sequential(first, nn.Tanh(), second))
    torch_layers = []
    for layer in (first, second):
        copy = torch.nn.Linear(d, d).double()
        with torch.no_grad():
            copy.weight.copy_(t64(layer.weight.T))
            copy.bias.copy_(t64(layer.bias[0]))
        torch_layers.append(copy)
    return block, lambda x: x + torch_layers[1](torch.tanh(torch_layers[0](x))), torch_layers


@pytest.mark.question("Residual.forward")
@given(sizes, sizes, seeds)
def test_residual_output_matches_torch(n, d, seed):
    rng = np.random.default_rng(seed)
    block, torch_block, _ = residual_pair(d, rng)
    x = rng.standard_normal((n, d))
    np.testing.assert_allclose(block.forward(x), torch_block(t64(x)).detach().numpy(), **TIGHT)


@pytest.mark.question("Residual.backward")
@given(sizes, sizes, seeds)
def test_residual_gradients_match_torch(n, d, seed):
    rng = np.random.default_rng(seed)
    block, torch_block, torch_layers = residual_pair(d, rng)
    x, grad = rng.standard_normal((n, d)), rng.standard_normal((n, d))
    block.forward(x)
    grad_x = block.backward(grad)
    x_t = t64(x, True)
    torch_block(x_t).backward(t64(grad))
    np.testing.assert_allclose(grad_x, x_t.grad.numpy(), **TIGHT)
    first, second = block.block.layers[0], block.block.layers[2]
    for ours, theirs in ((first, torch_layers[0]), (second, torch_layers[1])):
        np.testing.assert_allclose(ours.grad_weight, theirs.weight.grad.numpy().T, **TIGHT)
        np.testing.assert_allclose(ours.grad_bias[0], theirs.bias.grad.numpy(), **TIGHT)


@pytest.mark.question("Residual.backward")
@given(sizes, st.integers(2, 5), seeds)
def test_residual_with_batchnorm_inside_central_differences(d, n, seed):
    rng = np.random.default_rng(seed)
    # Tanh rather than ReLU: a central difference across ReLU's kink would disagree.
    block = nn.Residual(nn.Sequential(nn.Linear(d, d, rng=rng), nn.BatchNorm1d(d), nn.Tanh(), nn.Linear(d, d, rng=rng)))
    x = rng.standard_normal((n, d))
    errors = check_layer_gradients(block, x)
    assert set(errors) == {"input", "Linear.weight", "Linear.bias", "BatchNorm1d.weight", "BatchNorm1d.bias",
                           "Linear#2.weight", "Linear#2.bias"}
    assert max(errors.values()) <= 1, errors


@pytest.mark.question("Residual.backward")
def test_residual_passes_the_gradient_on_unchanged_when_the_block_gives_none():
    """With the block's last weight and bias zero, y = x exactly, and the skip path must
    still hand the upstream gradient to the input, unchanged."""
    rng = np.random.default_rng(5)
    last = nn.Linear(4, 4, rng=rng)
    last.weight, last.bias = np.zeros((4, 4)), np.zeros((1, 4))
    block = nn.Residual(nn.Sequential(nn.Linear(4, 4, rng=rng), nn.ReLU(), last))
    x, grad = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    np.testing.assert_array_equal(block.forward(x), x)
    np.testing.assert_array_equal(block.backward(grad), grad)
    assert np.abs(last.grad_weight).max() > 0, "the zero layer still receives a weight gradient"
