"""Sequential: a network that is a chain of layers."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from mytorch.nn.module import Module
from mytorch.nn.sharing import share_repeated_layers


class Sequential(Module):
    """Composition ``out = layers[-1](... layers[1](layers[0](x)))``.

    A layer may appear more than once (``Sequential(linear, relu, linear)``): as in
    PyTorch, each use is differentiated with its own input, the parameter gradients of all
    uses add up, and an optimiser steps the parameters once (:mod:`mytorch.nn.sharing`).

    Args:
        *layers: the modules to apply, first to last.

    Attributes:
        layers: the modules, as a list (``model.layers[1]`` is the second one).
    """

    def __init__(self, *layers: Module):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                # Passing the class (nn.ReLU) for an instance (nn.ReLU()) is the usual slip.
                got = f"the class {layer.__name__}" if isinstance(layer, type) else type(layer).__name__
                raise ValueError(
                    f"Sequential: expected every layer to be a mytorch.nn.Module instance, "
                    f"got {got} at position {i}"
                )
        self.layers = list(layers)
        share_repeated_layers(self.layers)

    def forward(self, x) -> np.ndarray:
        """Compute ``out = layers[-1](... layers[0](x))``, each layer keeping what it needs.

        Args:
            x: the input the first layer expects, e.g. ``(N, in_features)``.

        Returns:
            ``out``, the output of the last layer.
        """
        # BEGIN SOLUTION eq-networks-forward
        for layer in self.layers:
            x = layer.forward(x)
        return x
        # END SOLUTION

    def backward(self, loss_fn) -> np.ndarray:
        """Apply the chain rule last layer first: ``grad <- layer.backward(grad)``.

        Each layer's backward stores its parameter gradients and hands back the gradient
        with respect to its input, which is the gradient with respect to the output of the
        layer before it.

        Args:
            loss_fn: a loss whose ``forward`` has been called on this network's output;
                the chain starts from ``loss_fn.backward()``. Alternatively the gradient
                ``dL/d(out)`` itself, an array of the output's shape.

        Returns:
            ``dL/dx``, the gradient with respect to the network's input.
        """
        if not isinstance(loss_fn, np.ndarray) and not callable(getattr(loss_fn, "backward", None)):
            raise ValueError(
                f"Sequential.backward: expected a loss object with backward() or a gradient "
                f"array, got {type(loss_fn).__name__}"
            )
        # BEGIN SOLUTION eq-networks-backward
        grad = loss_fn if isinstance(loss_fn, np.ndarray) else loss_fn.backward()
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad
        # END SOLUTION

    def modules(self) -> Iterator[Module]:
        """Yield this container, then every module inside each layer, in order."""
        yield self
        for layer in self.layers:
            yield from layer.modules()

    def __repr__(self) -> str:
        lines = [f"  ({i}): " + repr(layer).replace("\n", "\n  ") for i, layer in enumerate(self.layers)]
        return "Sequential(\n" + "\n".join(lines) + "\n)" if lines else "Sequential()"
