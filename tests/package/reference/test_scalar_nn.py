"""mytorch.scalar_nn, the network of scalar Values, against PyTorch in float64 and nn.Linear."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from strategies import seeds, sizes

from mytorch import Value, nn
from mytorch.scalar_nn import MLP, Layer, Neuron, graph_size

pytestmark = pytest.mark.ch03


def _values(array):
    return [[Value(float(v)) for v in row] for row in array]


def _data(rows):
    return np.array([[v.data for v in row] for row in rows])


def _grads(rows):
    return np.array([[v.grad for v in row] for row in rows])


def _weighted_sum(rows, G):
    """The scalar sum_nj G[n, j] Y[n, j], whose gradient with respect to Y is G."""
    total = Value(0.0)
    for row, g_row in zip(rows, G):
        for y, g in zip(row, g_row):
            total = total + y * float(g)
    return total


def _torch_linear(layer):
    """A torch.nn.Linear holding the parameters of a Layer (weight transposed)."""
    out = torch.nn.Linear(*layer.weight.shape, dtype=torch.float64)
    with torch.no_grad():
        out.weight.copy_(torch.from_numpy(layer.weight.T))
        out.bias.copy_(torch.from_numpy(layer.bias[0]))
    return out


def test_neuron_on_hand_computed_numbers():
    neuron = Neuron([2.0, -1.0], 0.5)
    x = [Value(3.0), Value(4.0)]
    y = neuron(x)
    y.backward()
    assert abs(y.data - 2.5) < 1e-15  # 0.5 + 6 - 4
    assert [abs(w.grad - xi.data) < 1e-15 for w, xi in zip(neuron.w, x)] == [True, True]
    assert [abs(xi.grad - w.data) < 1e-15 for w, xi in zip(neuron.w, x)] == [True, True]
    assert abs(neuron.b.grad - 1.0) < 1e-15
    relu_neuron = Neuron([2.0, -1.0], -10.0, relu=True)
    z = relu_neuron(x)
    z.backward()
    assert z.data == 0.0 and relu_neuron.b.grad == 0.0  # the ReLU is off: nothing flows back


def test_layer_holds_the_numbers_of_linear_with_the_same_rng():
    layer = Layer(3, 4, rng=np.random.default_rng(7))
    linear = nn.Linear(3, 4, rng=np.random.default_rng(7))
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (1, 4)
    assert np.max(np.abs(layer.weight - linear.weight)) == 0.0
    assert np.max(np.abs(layer.bias - linear.bias)) == 0.0


@given(n=sizes, d_in=sizes, d_out=sizes, seed=seeds)
def test_layer_gradients_match_torch_linear(n, d_in, d_out, seed):
    rng = np.random.default_rng(seed)
    layer = Layer(d_in, d_out, rng=rng)
    X, G = rng.standard_normal((n, d_in)), rng.standard_normal((n, d_out))
    X_values = _values(X)
    Y = layer(X_values)
    _weighted_sum(Y, G).backward()

    theirs = _torch_linear(layer)
    X_t = torch.from_numpy(X).requires_grad_(True)
    Y_t = theirs(X_t)
    Y_t.backward(torch.from_numpy(G))

    np.testing.assert_allclose(_data(Y), Y_t.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grad_weight, theirs.weight.grad.numpy().T, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grad_bias, theirs.bias.grad.numpy()[None, :], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(_grads(X_values), X_t.grad.numpy(), rtol=1e-12, atol=1e-12)
    # The three formulas of the linear layer, on the same numbers.
    np.testing.assert_allclose(layer.grad_weight, X.T @ G, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grad_bias, G.sum(axis=0, keepdims=True), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(_grads(X_values), G @ layer.weight.T, rtol=1e-12, atol=1e-12)


def test_layer_equals_linear_exactly_on_small_integers():
    # The handout's backward example: integer data, so no rounding anywhere.
    layer = Layer(2, 4, rng=np.random.default_rng(0))
    weight = np.array([[1.0, 2.0, 3.0, 2.0], [-1.0, 4.0, -2.0, 3.0]])
    for j, neuron in enumerate(layer.neurons):
        for i, w in enumerate(neuron.w):
            w.data = weight[i, j]
        neuron.b.data = float(j + 1)
    X = np.array([[1.0, -2.0], [0.0, -6.0]])
    G = np.array([[1.0, 0.0, 3.0, 2.0], [5.0, 5.0, -1.0, 0.0]])
    X_values = _values(X)
    _weighted_sum(layer(X_values), G).backward()
    assert np.array_equal(layer.grad_weight, np.array([[1.0, 0.0, 3.0, 2.0], [-32.0, -30.0, 0.0, -4.0]]))
    assert np.array_equal(layer.grad_bias, np.array([[6.0, 5.0, 2.0, 2.0]]))
    assert np.array_equal(_grads(X_values), np.array([[14.0, -1.0], [12.0, 17.0]]))


def test_mlp_input_gradient_matches_torch():
    rng = np.random.default_rng(3)
    mlp = MLP([3, 5, 4], rng=rng)
    X = rng.standard_normal((2, 3))
    X_values = _values(X)
    out = mlp(X_values)
    # The handout's "gradient of y with respect to y is 1": the upstream gradient is all ones.
    _weighted_sum(out, np.ones((2, 4))).backward()

    first, second = (_torch_linear(layer) for layer in mlp.layers)
    X_t = torch.from_numpy(X).requires_grad_(True)
    Y_t = second(torch.relu(first(X_t)))
    Y_t.backward(torch.ones_like(Y_t))
    np.testing.assert_allclose(_data(out), Y_t.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(_grads(X_values), X_t.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(mlp.layers[0].grad_weight, first.weight.grad.numpy().T, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(mlp.layers[1].grad_bias[0], second.bias.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_mlp_trains_like_torch_step_for_step():
    rng = np.random.default_rng(0)
    mlp = MLP([2, 4, 1], rng=rng)
    X = rng.standard_normal((6, 2))
    y = rng.standard_normal((6, 1))
    first, second = (_torch_linear(layer) for layer in mlp.layers)
    torch_params = [first.weight, first.bias, second.weight, second.bias]
    optimizer = torch.optim.SGD(torch_params, lr=0.1)
    for _ in range(4):
        out = mlp(X)
        loss = sum(((row[0] - t) ** 2 for row, t in zip(out, y[:, 0])), Value(0.0)) / len(y)
        loss.backward()
        for p in mlp.parameters():
            p.data -= 0.1 * p.grad

        optimizer.zero_grad()
        loss_t = torch.nn.functional.mse_loss(second(torch.relu(first(torch.from_numpy(X)))), torch.from_numpy(y))
        loss_t.backward()
        optimizer.step()
        assert abs(loss.data - loss_t.item()) < 1e-12
    np.testing.assert_allclose(mlp.layers[0].weight, first.weight.detach().numpy().T, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(mlp.layers[1].bias[0], second.bias.detach().numpy(), rtol=1e-12, atol=1e-12)


@given(n=st.integers(1, 4), d_in=st.integers(1, 4), d_out=st.integers(1, 4))
def test_graph_size_counts_two_operations_per_multiply_add(n, d_in, d_out):
    layer = Layer(d_in, d_out, rng=np.random.default_rng(0))
    Y = layer(_values(np.ones((n, d_in))))
    leaves, operations = graph_size([y for row in Y for y in row])
    assert operations == 2 * n * d_in * d_out
    assert leaves == n * d_in + d_in * d_out + d_out  # inputs, weights, biases


def test_bad_input_raises_value_error_naming_what_was_expected():
    layer = Layer(3, 2, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="expected an input row of 3 entries, got 2"):
        layer([[1.0, 2.0]])
    with pytest.raises(ValueError, match="expected in_features to be a positive int, got 0"):
        Layer(0, 2)
    with pytest.raises(ValueError, match="expected rng to be a numpy.random.Generator, got int"):
        Layer(2, 2, rng=0)
    with pytest.raises(ValueError, match=r"expected at least two sizes .*got \[3\]"):
        MLP([3])
    with pytest.raises(ValueError, match="expected Values, got float"):
        graph_size([1.0])
    with pytest.raises(ValueError, match="expected at least one weight"):
        Neuron([], 0.0)


def test_from_linear_copies_the_numbers_and_gives_linears_gradients():
    rng = np.random.default_rng(5)
    linear = nn.Linear(3, 2, rng=rng)
    layer = Layer.from_linear(linear)
    assert np.max(np.abs(layer.weight - linear.weight)) == 0.0
    assert np.max(np.abs(layer.bias - linear.bias)) == 0.0
    X, G = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    X_values = _values(X)
    _weighted_sum(layer(X_values), G).backward()
    linear.forward(X)
    grad_x = linear.backward(G)
    np.testing.assert_allclose(layer.grad_weight, linear.grad_weight, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grad_bias, linear.grad_bias, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(_grads(X_values), grad_x, rtol=1e-12, atol=1e-12)
    # Changing the Layer's Values leaves the Linear alone: they are copies.
    layer.neurons[0].w[0].data += 1.0
    assert abs(layer.weight[0, 0] - linear.weight[0, 0] - 1.0) < 1e-15


def test_from_linear_refuses_wrong_shapes():
    class Fake:
        weight = np.zeros((3, 2))
        bias = np.zeros((2,))

    with pytest.raises(ValueError, match=r"expected weight \(D_in, D_out\) and bias \(1, D_out\), got weight \(3, 2\) and bias \(2,\)"):
        Layer.from_linear(Fake())
