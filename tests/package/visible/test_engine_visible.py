"""mytorch.Value on the worked examples of the course materials, checked against PyTorch."""

import math

import numpy as np
import pytest
import torch

from mytorch import Value

pytestmark = pytest.mark.ch01


def test_log_exp_sin_example_matches_torch():
    # y = ln((e^(x1 x2))^2 + sin(x3 + x4 + x5) x5) at x = (1, 2, -1, 3, 5).
    point = [1.0, 2.0, -1.0, 3.0, 5.0]
    xs = [Value(v) for v in point]
    y = ((xs[0] * xs[1]).exp() ** 2 + (xs[2] + xs[3] + xs[4]).sin() * xs[4]).log()
    y.backward()

    xt = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    yt = torch.log(torch.exp(xt[0] * xt[1]) ** 2 + torch.sin(xt[2] + xt[3] + xt[4]) * xt[4])
    yt.backward()

    assert abs(y.data - yt.item()) < 1e-12
    np.testing.assert_allclose([x.grad for x in xs], xt.grad.numpy(), rtol=1e-12, atol=1e-14)
    # The values printed in the course material, to its four decimals.
    np.testing.assert_allclose([x.grad for x in xs], [3.7730, 1.8865, 0.0651, 0.0651, 0.0765], atol=5e-5)


def test_sine_neuron_step():
    # y = sin(w.x) - b, L = (y_hat - y)^2, one step with alpha = 0.5.
    w = [Value(math.pi / 2), Value(math.pi)]
    y = (w[0] * 2.0 + w[1] * 1.0).sin() - 1.0
    loss = (2.0 - y) ** 2
    loss.backward()
    assert abs(y.data - (-1.0)) < 1e-12
    assert abs(loss.data - 9.0) < 1e-12
    # dL/dw = -2 (y_hat - y) cos(w.x) x = -6 (2, 1)
    np.testing.assert_allclose([wi.grad for wi in w], [-12.0, -6.0], rtol=1e-12)
    updated = [wi.data - 0.5 * wi.grad for wi in w]
    np.testing.assert_allclose(updated, [math.pi / 2 + 6.0, math.pi + 3.0], rtol=1e-12)


def test_value_used_twice_accumulates():
    a = Value(3.0)
    y = a * a + a
    y.backward()
    assert abs(a.grad - 7.0) < 1e-15  # 2a + 1


def test_backward_twice_gives_the_same_gradient():
    a = Value(1.5)
    y = (a * a).sin()
    y.backward()
    first = a.grad
    y.backward()
    assert abs(a.grad - first) < 1e-15
    assert abs(first - math.cos(1.5**2) * 3.0) < 1e-12


def test_relu_subgradient_at_zero_is_zero_like_torch():
    a = Value(0.0)
    a.relu().backward()
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    torch.relu(t).backward()
    assert a.grad == t.grad.item() == 0.0


def test_sigmoid_does_not_overflow():
    for x in (-1e4, 1e4):
        v = Value(x)
        s = v.sigmoid()
        s.backward()
        assert math.isfinite(s.data) and math.isfinite(v.grad)
        assert abs(s.data - (1.0 if x > 0 else 0.0)) < 1e-300


def test_long_chain_does_not_hit_the_recursion_limit():
    x = Value(1.0)
    total = x
    for _ in range(5000):
        total = total + x
    total.backward()
    assert abs(x.grad - 5001.0) < 1e-9
