"""How fast is mytorch next to PyTorch on the CPU?

1. One training step (forward, cross-entropy, backward, SGD update) of a 784-256-10 ReLU
   MLP on a batch of 128, in float32, timed in mytorch and in PyTorch in this one
   process, with PyTorch allowed the same number of threads as NumPy's BLAS. Before the
   timing, one step from the same parameters must leave both models with the same
   parameters. The goal is a ratio mytorch/PyTorch of at most 1.2.
2. The same kind of MLP trained on scikit-learn's 8x8 digits, from the same initial
   parameters on the same batches in both libraries: seconds per epoch and test accuracy
   (goal: at least 96%).

Run with ``make bench`` or ``.venv/bin/python bench/bench_mlp.py`` (about ten seconds).
Not part of the tests.
"""

from __future__ import annotations

import time

import numpy as np
import torch
import torch.nn.functional as F

# bench/ is the script's folder, so its helper module imports by name.
from _timing import fair_threads, print_ratio, time_calls, verdict

from mytorch import data, nn, optim

DTYPE = np.float32


def mytorch_mlp(sizes, rng):
    """A float32 MLP ``Linear -> ReLU -> ... -> Linear`` with the given layer widths."""
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(fan_in, fan_out, rng=rng, dtype=DTYPE), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def torch_copy(model):
    """The same network in PyTorch, starting from the same parameters.

    PyTorch stores a Linear weight as ``(out_features, in_features)``, the transpose of ours.
    """
    layers = []
    for layer in model.layers:
        if isinstance(layer, nn.Linear):
            copy = torch.nn.Linear(layer.in_features, layer.out_features)
            with torch.no_grad():
                copy.weight.copy_(torch.from_numpy(layer.weight.T.copy()))
                copy.bias.copy_(torch.from_numpy(layer.bias[0].copy()))
            layers.append(copy)
        else:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def mytorch_step_fn(model, lr, momentum=0.0):
    """A function doing one training step of ``model`` on a batch ``(x, labels)``."""
    loss_fn, optimizer = nn.CrossEntropyLoss(), optim.SGD(model, lr=lr, momentum=momentum)

    def step(x, labels):
        loss = loss_fn.forward(model.forward(x), labels)
        model.backward(loss_fn)
        optimizer.step()
        return loss

    return step


def torch_step_fn(model, lr, momentum=0.0):
    """The same training step in PyTorch."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)

    def step(x, labels):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), labels)
        loss.backward()
        optimizer.step()
        return loss

    return step


def check_step_agrees(model, torch_model, x, labels):
    """Take one training step in both libraries and require the same updated parameters.

    This checks the forward pass, the loss, the backward pass and the update at once,
    and that mytorch kept float32 throughout; it leaves both models one step further on.
    """
    mytorch_step_fn(model, lr=0.01)(x, labels)
    torch_step_fn(torch_model, lr=0.01)(torch.from_numpy(x), torch.from_numpy(labels))
    ours = [layer for layer in model.layers if isinstance(layer, nn.Linear)]
    theirs = [layer for layer in torch_model if isinstance(layer, torch.nn.Linear)]
    for layer, copy in zip(ours, theirs):
        assert layer.weight.dtype == layer.bias.dtype == DTYPE, "mytorch left float32"
        np.testing.assert_allclose(layer.weight, copy.weight.detach().numpy().T, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(layer.bias[0], copy.bias.detach().numpy(), rtol=1e-4, atol=1e-6)


def bench_training_step(threads):
    """Time one training step in both libraries and print the ratio."""
    rng = np.random.default_rng(0)
    sizes, batch = (784, 256, 10), 128
    # Several batches of MNIST-like inputs in [0, 1]: cycling through them keeps the
    # model from overfitting one batch during the timing.
    batches = [(rng.random((batch, 784), dtype=DTYPE), rng.integers(0, 10, batch)) for _ in range(8)]
    model = mytorch_mlp(sizes, rng)
    torch_model = torch_copy(model)
    check_step_agrees(model, torch_model, *batches[0])
    torch_batches = [(torch.from_numpy(x), torch.from_numpy(labels)) for x, labels in batches]
    ours, theirs = time_calls(
        [mytorch_step_fn(model, lr=0.01), torch_step_fn(torch_model, lr=0.01)], [batches, torch_batches]
    )
    return print_ratio(f"One training step: MLP 784-256-10 (ReLU), batch {batch}, float32, {threads} thread(s)",
                       ours, theirs, goal=1.2, per="step")


def accuracy(logits, labels):
    """The fraction of rows whose largest logit is at the label."""
    return float(np.mean(np.argmax(logits, axis=1) == labels))


def bench_digits(epochs=30, batch=32, lr=0.05, momentum=0.9):
    """Train the same MLP on the digits in both libraries; print s/epoch and test accuracy."""
    X, y = data.load_digits()
    X_train, X_test, y_train, y_test = data.split(X.astype(DTYPE), y, test_fraction=0.2, seed=0)
    model = mytorch_mlp((64, 128, 10), np.random.default_rng(0))
    torch_model = torch_copy(model)
    steps = {"mytorch": mytorch_step_fn(model, lr, momentum), "PyTorch": torch_step_fn(torch_model, lr, momentum)}
    order_rng = np.random.default_rng(1)
    seconds = {name: 0.0 for name in steps}
    for _ in range(epochs):
        # One shuffle per epoch, shared by both libraries: the same batches in the same order.
        order = order_rng.permutation(len(X_train))
        batches = [order[i:i + batch] for i in range(0, len(order), batch)]
        numpy_batches = [(X_train[idx], y_train[idx]) for idx in batches]
        torch_batches = [(torch.from_numpy(x), torch.from_numpy(labels)) for x, labels in numpy_batches]
        for name, batch_list in (("mytorch", numpy_batches), ("PyTorch", torch_batches)):
            start = time.perf_counter()
            for x, labels in batch_list:
                steps[name](x, labels)
            seconds[name] += time.perf_counter() - start
    with torch.no_grad():
        theirs = accuracy(torch_model(torch.from_numpy(X_test)).numpy(), y_test)
    ours = accuracy(model.forward(X_test), y_test)
    print(f"\nDigits: MLP 64-128-10 (ReLU), {len(X_train)} training / {len(X_test)} test images, "
          f"batch {batch}, SGD lr={lr} momentum={momentum}, {epochs} epochs, float32")
    print(f"  {'':10} {'s/epoch':>9} {'test accuracy':>14}")
    for name, acc in (("mytorch", ours), ("PyTorch", theirs)):
        print(f"  {name:10} {seconds[name] / epochs:9.4f} {acc:14.2%}")
    return ours


def main():
    start = time.perf_counter()
    ratio = bench_training_step(fair_threads())
    digits_accuracy = bench_digits()
    print(f"\nSummary: step ratio {ratio:.2f} (goal <= 1.2: {verdict(ratio <= 1.2)}), "
          f"digits accuracy {digits_accuracy:.2%} (goal >= 96%: {verdict(digits_accuracy >= 0.96)}), "
          f"{time.perf_counter() - start:.0f} s in all")


if __name__ == "__main__":
    main()
