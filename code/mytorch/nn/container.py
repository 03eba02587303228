"""Sequential: a network that is a chain of layers.

Derived in book/06_networks.md.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from mytorch.nn._checks import kind_of
from mytorch.nn.module import Module
from mytorch.nn.sharing import share_repeated_layers


class Sequential(Module):
    """Composition ``out = layers[-1](... layers[1](layers[0](x)))``.

    A layer may appear more than once (``Sequential(linear, relu, linear)``): as in
    PyTorch, each use is differentiated with its own input, the parameter gradients of
    all uses add up, and an optimiser steps the parameters once
    (:mod:`mytorch.nn.sharing`).

    Args:
        *layers: the modules to apply, first to last.

    Attributes:
        layers: the modules, as a list (``model.layers[1]`` is the second one).
    """

    def __init__(self, *layers: Module):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise ValueError(
                    f"Sequential: expected every layer to be a mytorch.nn.Module "
                    f"instance, got {kind_of(layer)} at position {i}"
                )
        self.layers = list(layers)
        share_repeated_layers(self.layers)

    def forward(self, x) -> np.ndarray:
        """Compute ``out = layers[-1](... layers[0](x))``; each layer keeps its state.

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
        with respect to its input, which is the gradient with respect to the output of
        the layer before it.

        Args:
            loss_fn: a loss whose ``forward`` has been called on this network's output;
                the chain starts from ``loss_fn.backward()``. Alternatively the gradient
                ``dL/d(out)`` itself, an array of the output's shape.

        Returns:
            ``dL/dx``, the gradient with respect to the network's input.
        """
        grad = self._upstream_gradient(loss_fn)
        # BEGIN SOLUTION eq-networks-backward
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad
        # END SOLUTION

    def _upstream_gradient(self, loss_fn) -> np.ndarray:
        """``dL/d(out)``: ``loss_fn.backward()``, or ``loss_fn`` if it is an array."""
        if isinstance(loss_fn, np.ndarray):
            return loss_fn
        if not callable(getattr(loss_fn, "backward", None)):
            raise ValueError(
                f"Sequential.backward: expected a loss object with backward() or a "
                f"gradient array, got {type(loss_fn).__name__}"
            )
        return loss_fn.backward()

    def modules(self) -> Iterator[Module]:
        """Yield this container, then every module inside each layer, in order."""
        yield self
        for layer in self.layers:
            yield from layer.modules()

    def __repr__(self) -> str:
        lines = [f"  ({i}): " + repr(layer).replace("\n", "\n  ")
                 for i, layer in enumerate(self.layers)]
        return "Sequential(\n" + "\n".join(lines) + "\n)" if lines else "Sequential()"
