"""mytorch.Value on bad input and at the edges of its functions' domains: a clear error
where a result would be undefined, the exact answer where it is defined."""

import math
import re

import numpy as np
import pytest
import torch

from mytorch import Value

pytestmark = pytest.mark.ch01


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Value("3"), "expected an int or a float, got str"),
        (lambda: Value(True), "expected an int or a float, got bool"),
        (lambda: Value(Value(1.0)), "expected a number, got a Value"),
        (lambda: Value(1.0) + "a", "expected a Value, an int or a float, got str"),
        (lambda: Value(1.0) * [2.0], "expected a Value, an int or a float, got list"),
        (lambda: Value(-1.0).log(), "expected a positive number, got -1.0"),
        (lambda: Value(0.0).log(), "expected a positive number, got 0.0"),
        (lambda: Value(1.0) / 0, "expected a non-zero divisor"),
        (lambda: Value(-2.0) ** 0.5, "undefined for the negative base -2.0"),
        (lambda: Value(-2.0) ** Value(2.0), "expected a positive base"),
        (lambda: Value(0.0) ** -1, "undefined at base 0.0"),
        (lambda: Value(2.0) ** "2", "expected p to be a number or a Value, got str"),
    ],
)
def test_bad_input_names_what_was_expected(make, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make()


def test_square_root_at_zero_is_refused_when_it_is_built_not_in_backward():
    # sqrt(0) = 0 is defined, its derivative 0.5 * 0^-0.5 is not: the error comes from
    # the line that builds the node, not later from backward() as a ZeroDivisionError.
    with pytest.raises(ValueError, match=re.escape("Value ** 0.5: undefined at base 0.0 (the derivative")):
        Value(0.0) ** 0.5


@pytest.mark.parametrize("number", [np.int64(3), np.int32(3), np.float32(3.0), np.float64(3.0), 3, 3.0])
def test_numpy_scalars_are_numbers(number):
    a = Value(number)
    y = a * number + number
    y.backward()
    assert abs(a.data - 3.0) < 1e-15 and abs(y.data - 12.0) < 1e-15 and abs(a.grad - 3.0) < 1e-15
    assert abs((Value(2.0) ** number).data - 8.0) < 1e-15


@pytest.mark.parametrize("u", [1e200, -1e200, 1e155])
def test_atan_of_a_huge_number_has_a_zero_derivative(u):
    a = Value(u)
    y = a.atan()
    y.backward()
    t = torch.tensor(u, dtype=torch.float64, requires_grad=True)
    torch.atan(t).backward()
    assert abs(y.data - math.atan(u)) < 1e-15
    assert abs(a.grad - t.grad.item()) < 1e-300


def test_power_zero_is_constant_even_at_zero():
    for base in (0.0, 2.0):
        a = Value(base)
        y = a**0
        y.backward()
        assert y.data == 1.0 and a.grad == 0.0


@pytest.mark.parametrize("base, exponent", [(-2.0, 3), (-2.0, -2), (0.0, 2), (0.0, 1.5)])
def test_integer_powers_of_negative_numbers_and_powers_of_zero_match_torch(base, exponent):
    a = Value(base)
    y = a**exponent
    y.backward()
    t = torch.tensor(base, dtype=torch.float64, requires_grad=True)
    (t**exponent).backward()
    assert abs(y.data - (base**exponent)) < 1e-15
    assert abs(a.grad - t.grad.item()) < 1e-12


@pytest.mark.parametrize("u, p", [(0.5, -1.5), (2.0, 0.3), (3.0, 2.0)])
def test_power_with_a_value_exponent_matches_torch(u, p):
    # u ** p with p a Value is built from exp, log and a product: not a solution region.
    base, exponent = Value(u), Value(p)
    y = base**exponent
    y.backward()
    bt = torch.tensor(u, dtype=torch.float64, requires_grad=True)
    pt = torch.tensor(p, dtype=torch.float64, requires_grad=True)
    (bt**pt).backward()
    assert abs(y.data - u**p) < 1e-14
    assert abs(base.grad - bt.grad.item()) < 1e-12 and abs(exponent.grad - pt.grad.item()) < 1e-12
