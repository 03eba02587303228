"""How fast is mytorch's BatchNorm1d next to PyTorch's on the CPU?

One forward pass in training mode (batch statistics, running estimates updated) and one
backward pass of ``BatchNorm1d(256)`` on a batch of 128, in float32: the output, then from
a fixed upstream gradient the input gradient, ``grad_weight`` and ``grad_bias``. Both
libraries run in this one process on the same inputs and parameters, PyTorch with the
same number of threads as NumPy's BLAS. Before the timing, the two must agree on the
output, on all three gradients and on the running estimates. The goal is a ratio
mytorch/PyTorch of at most 1.5.

Run with ``make bench`` or ``.venv/bin/python bench/bench_bn.py`` (about ten seconds).
Not part of the tests.
"""

from __future__ import annotations

import time

import numpy as np
import torch

# bench/ is the script's folder, so its helper module imports by name.
from _timing import fair_threads, print_ratio, time_calls, verdict

from mytorch import nn

DTYPE = np.float32
BATCH, FEATURES = 128, 256


def torch_copy(layer):
    """The same layer in PyTorch, with the same parameters and running estimates."""
    copy = torch.nn.BatchNorm1d(layer.num_features, eps=layer.eps, momentum=layer.momentum)
    with torch.no_grad():
        copy.weight.copy_(torch.from_numpy(layer.weight))
        copy.bias.copy_(torch.from_numpy(layer.bias))
        copy.running_mean.copy_(torch.from_numpy(layer.running_mean))
        copy.running_var.copy_(torch.from_numpy(layer.running_var))
    return copy


def mytorch_pass(layer, x, grad):
    """Forward and backward through ``layer``: the output and the three gradients."""
    out = layer.forward(x)
    grad_x = layer.backward(grad)
    return out, grad_x, layer.grad_weight, layer.grad_bias


def torch_pass(layer, x, grad):
    """The same in PyTorch; gradients are reset first, so they do not accumulate across calls."""
    x.grad = layer.weight.grad = layer.bias.grad = None
    out = layer(x)
    out.backward(grad)
    return out, x.grad, layer.weight.grad, layer.bias.grad


def check_agree(layer, torch_layer, x, grad):
    """Require the same output, gradients and running estimates from both libraries, in float32."""
    ours = mytorch_pass(layer, x, grad)
    theirs = torch_pass(torch_layer, torch.from_numpy(x).requires_grad_(), torch.from_numpy(grad))
    ours += (layer.running_mean, layer.running_var)
    theirs += (torch_layer.running_mean, torch_layer.running_var)
    names = ("out", "grad_x", "grad_weight", "grad_bias", "running_mean", "running_var")
    for name, a, b in zip(names, ours, theirs):
        assert a.dtype == DTYPE, f"mytorch's {name} is {a.dtype}, expected float32"
        b = b.detach().numpy()
        # Sums of 128 float32 terms, in a different order in each library.
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5 * np.abs(b).max(), err_msg=name)


def bench_bn(threads, goal=1.5):
    """Time forward + backward in both libraries and print the ratio against ``goal``."""
    rng = np.random.default_rng(0)
    layer = nn.BatchNorm1d(FEATURES, dtype=DTYPE)
    # Parameters away from their initial ones and zeros, so that both enter the check.
    layer.weight = rng.uniform(0.5, 1.5, FEATURES).astype(DTYPE)
    layer.bias = rng.standard_normal(FEATURES, dtype=DTYPE)
    torch_layer = torch_copy(layer)
    # Pre-activations of different scales and offsets per feature, as after a Linear layer.
    scale, offset = rng.uniform(0.5, 3, FEATURES), rng.standard_normal(FEATURES)
    inputs = [((rng.standard_normal((BATCH, FEATURES)) * scale + offset).astype(DTYPE),
               rng.standard_normal((BATCH, FEATURES), dtype=DTYPE)) for _ in range(4)]
    check_agree(layer, torch_layer, *inputs[0])
    torch_inputs = [(torch.from_numpy(x).requires_grad_(), torch.from_numpy(grad)) for x, grad in inputs]
    # A pass takes a fraction of a millisecond, so a thousand calls each give a stable median.
    ours, theirs = time_calls(
        [lambda x, grad: mytorch_pass(layer, x, grad), lambda x, grad: torch_pass(torch_layer, x, grad)],
        [inputs, torch_inputs], rounds=20, per_round=50,
    )
    return print_ratio(f"BatchNorm1d({FEATURES}) forward (training) + backward, batch {BATCH}, float32, "
                       f"{threads} thread(s)", ours, theirs, goal=goal, per="pass")


def main():
    start = time.perf_counter()
    ratio = bench_bn(fair_threads())
    print(f"\nSummary: BatchNorm1d forward + backward ratio {ratio:.2f} (goal <= 1.5: {verdict(ratio <= 1.5)}); "
          f"{time.perf_counter() - start:.0f} s in all")


if __name__ == "__main__":
    main()
