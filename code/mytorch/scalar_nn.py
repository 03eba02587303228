"""A network built from scalar :class:`~mytorch.Value` nodes: Neuron -> Layer -> MLP.

This module is a demonstration, the bridge from the scalar engine to the layers of
:mod:`mytorch.nn`, in the style of micrograd. A :class:`Neuron` computes one output
entry ``y = b + sum_i w_i x_i`` (optionally through a ReLU) with one ``Value`` per
number; a :class:`Layer` is ``out_features`` neurons reading the same input row; an
:class:`MLP` chains layers. Applied to a batch, the same parameter ``Value`` objects are
used once per example, so ``backward`` adds up their gradients over the batch, one path
per use, which is where the sums in ``grad_weight = x.T @ grad`` and
``grad_bias = sum_n grad[n]`` of :class:`mytorch.nn.Linear` come from.

Nothing here is vectorised, on purpose: the loops over examples, neurons and inputs are
what :class:`mytorch.nn.Linear` replaces by one matrix product, and :func:`graph_size`
counts what they cost, one graph node per multiplication and per addition.

Parameters are laid out as in :class:`mytorch.nn.Linear`: neuron ``j`` of a layer owns
column ``j`` of ``weight`` ``(in_features, out_features)`` and entry ``j`` of ``bias``
``(1, out_features)``, and a layer draws them from its ``rng`` exactly as ``Linear``
does, so ``Layer(3, 4, rng=np.random.default_rng(0))`` and
``Linear(3, 4, rng=np.random.default_rng(0))`` hold the same numbers.

Derived in book/03_linear.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from mytorch.engine import Value


class Neuron:
    """One unit ``y = b + sum_i w_i x_i`` (ReLU optional): one entry of ``x @ W + b``.

    Args:
        w: the ``D_in`` incoming weights, as numbers or ``Value``s.
        b: the bias, a number or a ``Value``.
        relu: apply ``max(0, y)`` to the sum.

    Attributes:
        w (list[Value]): the weights, ``D_in`` of them.
        b (Value): the bias.
    """

    def __init__(self, w: Iterable, b, relu: bool = False):
        self.w = [wi if isinstance(wi, Value) else Value(wi) for wi in w]
        if not self.w:
            raise ValueError("Neuron: expected at least one weight, got none")
        self.b = b if isinstance(b, Value) else Value(b)
        self.relu = bool(relu)

    def __call__(self, x: Sequence) -> Value:
        """``b + w_1 x_1 + ... + w_D x_D`` (then ReLU): ``2 D`` new graph nodes (+1).

        Args:
            x: one input row, ``D_in`` numbers or ``Value``s.
        """
        if len(x) != len(self.w):
            raise ValueError(
                f"Neuron: expected an input row of {len(self.w)} entries, got {len(x)}"
            )
        out = self.b
        for wi, xi in zip(self.w, x):
            out = out + wi * xi
        return out.relu() if self.relu else out

    def parameters(self) -> list[Value]:
        """The weights, then the bias."""
        return self.w + [self.b]


class Layer:
    """``out_features`` neurons on each row: ``Y[n, j] = b_j + sum_i X[n, i] W[i, j]``.

    Args:
        in_features: ``D_in``, the width of an input row.
        out_features: ``D_out``, the number of neurons.
        relu: follow every neuron by a ReLU.
        rng: the ``np.random.Generator`` the parameters are drawn from, in the order and
            from the distribution of :class:`mytorch.nn.Linear`; a fresh one if omitted.

    Attributes:
        neurons (list[Neuron]): neuron ``j`` holds column ``j`` of the weight and bias
            ``j``.
    """

    def __init__(self, in_features: int, out_features: int, *, relu: bool = False,
                 rng: np.random.Generator | None = None):
        for name, size in (("in_features", in_features),
                           ("out_features", out_features)):
            if (isinstance(size, bool) or not isinstance(size, (int, np.integer))
                    or size < 1):
                raise ValueError(
                    f"Layer: expected {name} to be a positive int, got {size!r}"
                )
        if rng is None:
            rng = np.random.default_rng()
        elif not isinstance(rng, np.random.Generator):
            raise ValueError(
                "Layer: expected rng to be a numpy.random.Generator, "
                f"got {type(rng).__name__}"
            )
        bound = 1.0 / np.sqrt(in_features)
        weight = rng.uniform(-bound, bound, (in_features, out_features))
        bias = rng.uniform(-bound, bound, (1, out_features))
        self.neurons = [Neuron(weight[:, j], bias[0, j], relu)
                        for j in range(out_features)]

    @classmethod
    def from_linear(cls, linear, *, relu: bool = False) -> Layer:
        """A layer of neurons holding the numbers of a :class:`mytorch.nn.Linear`.

        Args:
            linear: any object with ``weight`` ``(D_in, D_out)`` and ``bias``
                ``(1, D_out)``.
            relu: follow every neuron by a ReLU.
        """
        weight = np.asarray(getattr(linear, "weight", None), dtype=np.float64)
        bias = np.asarray(getattr(linear, "bias", None), dtype=np.float64)
        if weight.ndim != 2 or bias.shape != (1, weight.shape[1]):
            raise ValueError(
                "Layer.from_linear: expected weight (D_in, D_out) and bias (1, D_out), "
                f"got weight {weight.shape} and bias {bias.shape}"
            )
        layer = cls.__new__(cls)
        layer.neurons = [Neuron(weight[:, j], bias[0, j], relu)
                         for j in range(weight.shape[1])]
        return layer

    def __call__(self, X) -> list[list[Value]]:
        """Apply every neuron to every row: ``N`` rows of ``D_out`` ``Value``s out.

        Args:
            X: ``N`` input rows of ``D_in`` entries each (numbers or ``Value``s), or an
                ``(N, D_in)`` array.
        """
        return [[neuron(row) for neuron in self.neurons] for row in X]

    def parameters(self) -> list[Value]:
        """Every weight and bias, neuron by neuron."""
        return [p for neuron in self.neurons for p in neuron.parameters()]

    @property
    def weight(self) -> np.ndarray:
        """``W``, ``(D_in, D_out)``: column ``j`` is neuron ``j``'s weights."""
        return np.array([[wi.data for wi in neuron.w] for neuron in self.neurons]).T

    @property
    def bias(self) -> np.ndarray:
        """``b``, ``(1, D_out)``."""
        return np.array([[neuron.b.data for neuron in self.neurons]])

    @property
    def grad_weight(self) -> np.ndarray:
        """``dL/dW``, ``(D_in, D_out)``, as left by the last ``backward``."""
        return np.array([[wi.grad for wi in neuron.w] for neuron in self.neurons]).T

    @property
    def grad_bias(self) -> np.ndarray:
        """``dL/db``, ``(1, D_out)``, as left by the last ``backward``."""
        return np.array([[neuron.b.grad for neuron in self.neurons]])


class MLP:
    """Layers of neurons, a ReLU after all but the last: ``sizes = [D_0, ..., D_K]``.

    With the same ``rng``, ``MLP([3, 5, 4], rng=...)`` holds the numbers of
    ``nn.Sequential(nn.Linear(3, 5, rng=...), nn.ReLU(), nn.Linear(5, 4, rng=...))``.

    Args:
        sizes: the widths ``D_0`` (input) to ``D_K`` (output), at least two.
        rng: the ``np.random.Generator`` the layers draw from, first layer first.

    Attributes:
        layers (list[Layer]): the ``K`` layers.
    """

    def __init__(self, sizes: Sequence[int], *, rng: np.random.Generator | None = None):
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(
                f"MLP: expected at least two sizes (input and output), got {sizes}"
            )
        if rng is None:
            rng = np.random.default_rng()
        last = len(sizes) - 2
        self.layers = [Layer(d_in, d_out, relu=k < last, rng=rng)
                       for k, (d_in, d_out) in enumerate(zip(sizes[:-1], sizes[1:]))]

    def __call__(self, X) -> list[list[Value]]:
        """The output rows, ``N`` lists of ``D_K`` ``Value``s."""
        for layer in self.layers:
            X = layer(X)
        return X

    def parameters(self) -> list[Value]:
        """Every parameter of every layer, first layer first."""
        return [p for layer in self.layers for p in layer.parameters()]


def graph_size(outputs: Iterable[Value]) -> tuple[int, int]:
    """Count the distinct nodes the ``outputs`` depend on: ``(leaves, operations)``.

    A leaf is an input or a parameter (a node computed from nothing); an operation is a
    node that one ``Value`` operation created in the forward pass and whose
    ``_backward`` one call runs in the backward pass.

    Args:
        outputs: ``Value``s, e.g. every entry of a layer's output.
    """
    seen: dict[int, Value] = {}
    stack = list(outputs)
    for node in stack:
        if not isinstance(node, Value):
            raise ValueError(
                f"graph_size: expected Values, got {type(node).__name__}"
            )
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen[id(node)] = node
        stack.extend(node._prev)
    leaves = sum(1 for node in seen.values() if not node._prev)
    return leaves, len(seen) - leaves
