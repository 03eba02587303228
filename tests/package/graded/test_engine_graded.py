"""mytorch.Value against PyTorch and central differences on random inputs."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from mytorch import Value

pytestmark = pytest.mark.ch01

# Each entry: the operation on Values, the same on torch tensors, and the domain of u.
FUNCTIONS = {
    "exp": (lambda u: u.exp(), torch.exp, (-3.0, 3.0)),
    "log": (lambda u: u.log(), torch.log, (0.1, 5.0)),
    "sin": (lambda u: u.sin(), torch.sin, (-3.0, 3.0)),
    "cos": (lambda u: u.cos(), torch.cos, (-3.0, 3.0)),
    "tan": (lambda u: u.tan(), torch.tan, (-1.2, 1.2)),
    "atan": (lambda u: u.atan(), torch.atan, (-3.0, 3.0)),
    "tanh": (lambda u: u.tanh(), torch.tanh, (-3.0, 3.0)),
    "sigmoid": (lambda u: u.sigmoid(), torch.sigmoid, (-6.0, 6.0)),
    "relu": (lambda u: u.relu(), torch.relu, (-3.0, 3.0)),
}


def check_against_torch(expression, point):
    """The value and the gradient of ``expression`` at ``point``, in mytorch and in torch."""
    xs = [Value(v) for v in point]
    y = expression(xs)
    y.backward()
    xt = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    yt = expression(list(xt))
    yt.backward()
    assert abs(y.data - yt.item()) <= 1e-12 * max(1.0, abs(yt.item()))
    np.testing.assert_allclose([x.grad for x in xs], xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def function_case(name):
    return pytest.param(name, marks=pytest.mark.question("Value functions", parts=(f"Value.{name}",)), id=name)


@pytest.mark.parametrize("name", [function_case(name) for name in FUNCTIONS])
@given(data=st.data())
def test_function_value_and_local_derivative_match_torch(name, data):
    op, torch_op, (low, high) = FUNCTIONS[name]
    u = data.draw(st.floats(low, high, allow_nan=False))
    if name == "relu" and abs(u) < 1e-3:
        u = 0.5  # away from the kink, where the derivative is one-sided
    x = Value(u)
    y = op(x)
    y.backward()
    xt = torch.tensor(u, dtype=torch.float64, requires_grad=True)
    torch_op(xt).backward()
    assert abs(y.data - torch_op(torch.tensor(u, dtype=torch.float64)).item()) <= 1e-12 * max(1.0, abs(y.data))
    assert abs(x.grad - xt.grad.item()) <= 1e-10 * max(1.0, abs(xt.grad.item()))


@pytest.mark.question("Value functions", parts=("Value.relu",))
def test_relu_subgradient_at_zero_is_zero_like_torch():
    a = Value(0.0)
    a.relu().backward()
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    torch.relu(t).backward()
    assert a.grad == t.grad.item() == 0.0


@pytest.mark.question("Value functions", parts=("Value.sigmoid",))
@pytest.mark.parametrize("u", [-1e4, -800.0, 800.0, 1e4])
def test_sigmoid_of_huge_inputs_is_finite_and_exact(u):
    v = Value(u)
    s = v.sigmoid()
    s.backward()
    assert abs(s.data - (1.0 if u > 0 else 0.0)) == 0.0
    assert v.grad == 0.0


BINARY = {
    "add": (lambda u, v: u + v, "Value.__add__"),
    "mul": (lambda u, v: u * v, "Value.__mul__"),
    "pow_constant": (lambda u, v: u**3 + v**-2 + u**0.5, "Value.__pow__"),
    "sub": (lambda u, v: u - v - 2.0, "Value.__add__"),
    "div": (lambda u, v: u / v + 3.0 / v, "Value.__pow__"),
    "rsub": (lambda u, v: 2.0 - v + u, "Value.__add__"),
}


def binary_case(name):
    part = BINARY[name][1]
    return pytest.param(name, marks=pytest.mark.question("Value arithmetic", parts=(part,)), id=name)


@pytest.mark.parametrize("name", [binary_case(name) for name in BINARY])
@given(st.floats(0.3, 3.0), st.floats(0.3, 3.0))
def test_arithmetic_matches_torch(name, u, v):
    op = BINARY[name][0]
    check_against_torch(lambda xs: op(xs[0], xs[1]), [u, v])


@pytest.mark.question("Value arithmetic", parts=("Value.__add__",))
@given(st.floats(0.3, 3.0), st.floats(0.3, 3.0))
def test_a_value_added_twice_or_also_used_elsewhere_collects_every_contribution(u, v):
    # d(a + a)/da = 2, and in a * b + a the sum adds 1 to what the product gave a: a sum
    # that sets its operands' gradients instead of adding to them loses a contribution.
    check_against_torch(lambda xs: xs[0] + xs[0], [u])
    check_against_torch(lambda xs: xs[0] * xs[1] + xs[0], [u, v])


@pytest.mark.question("Value arithmetic", parts=("Value.__mul__",))
def test_product_of_a_value_with_itself_counts_both_factors():
    # d(a * a)/da = 2a: both operands are a, and each receives its own contribution.
    a = Value(3.0)
    (a * a).backward()
    assert abs(a.grad - 6.0) < 1e-15


@pytest.mark.question("Value._unary")
@given(st.floats(-1.5, 1.5))
def test_chain_of_functions_multiplies_local_derivatives(u):
    # y = tanh(sin(exp(u))): dy/du = (1 - y^2) cos(e^u) e^u, one factor per node.
    check_against_torch(lambda xs: xs[0].exp().sin().tanh(), [u])


@pytest.mark.question("Value._unary")
def test_function_applied_to_an_intermediate_result_scales_its_gradient():
    x = Value(0.5)
    y = (x * 3.0).sin()
    y.backward()
    assert abs(x.grad - 3.0 * math.cos(1.5)) < 1e-14


@pytest.mark.question("Value.backward", parts=("Value.backward", "Value.topological_order"))
@given(st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=5, max_size=5))
def test_composite_expression_matches_torch(point):
    def expression(x):
        inner = (x[0] * x[1]).tanh() + (x[2] - x[3]).sigmoid() * x[4]
        return inner * x[0] + (x[4] * x[4] + 1.0).log() - (x[1] + x[2]).sin() / (x[3] * x[3] + 1.0)

    check_against_torch(expression, point)


@pytest.mark.question("Value.backward", parts=("Value.backward", "Value.topological_order"))
def test_value_used_in_a_function_and_elsewhere_gets_both_contributions():
    # y = sin(a) * a + a: three paths from a; dy/da = cos(a) a + sin(a) + 1.
    a = Value(0.7)
    y = a.sin() * a + a
    y.backward()
    assert abs(a.grad - (math.cos(0.7) * 0.7 + math.sin(0.7) + 1.0)) < 1e-14


@pytest.mark.question("Value.backward", parts=("Value.backward", "Value.topological_order"))
def test_diamond_passes_a_gradient_on_only_after_both_uses_added_theirs():
    # b and c both use a; d uses b and c. Visiting a before c has added its share would
    # pass on half the gradient: dd/da = 2 * 3 + 3 * 2 = 12 at a = 1.
    a = Value(1.0)
    b = a * 2.0
    c = a * 3.0
    d = b * c
    d.backward()
    assert abs(a.grad - 12.0) < 1e-15
    assert abs(b.grad - 3.0) < 1e-15 and abs(c.grad - 2.0) < 1e-15


@pytest.mark.question("Value.backward", parts=("Value.backward", "Value.topological_order"))
def test_backward_twice_gives_the_same_gradient():
    a = Value(1.5)
    y = (a * a).sin()
    y.backward()
    first = a.grad
    y.backward()
    assert abs(a.grad - first) < 1e-15
    assert abs(first - math.cos(1.5**2) * 3.0) < 1e-12


@pytest.mark.question("Value.backward", parts=("Value.backward", "Value.topological_order"))
def test_long_chain_does_not_hit_the_recursion_limit():
    x = Value(1.0)
    total = x
    for _ in range(5000):
        total = total + x
    total.backward()
    assert abs(x.grad - 5001.0) < 1e-9


@pytest.mark.question("Value.backward", parts=("Value.backward", "Value.topological_order"))
def test_topological_order_puts_every_node_after_its_inputs():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = e.topological_order()
    assert len(order) == len({id(node) for node in order}) == 5
    position = {id(node): i for i, node in enumerate(order)}
    for node in order:
        for child in node._prev:
            assert position[id(child)] < position[id(node)]
    assert order[-1] is e
