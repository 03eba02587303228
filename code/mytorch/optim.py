"""Optimisers read each parameter and its gradient by name and write the update back.

Derived in book/06_networks.md.
"""

from __future__ import annotations

import math

import numpy as np

from mytorch.nn._checks import as_array, is_real


class SGD:
    """SGD with momentum: ``v <- momentum * v + grad``, ``param <- param - lr * v``.

    With ``momentum = 0`` this is plain ``param <- param - lr * grad``. The velocity
    ``v`` follows PyTorch's convention (``torch.optim.SGD`` with no dampening): ``lr``
    scales the velocity at each step rather than entering it, so a run matches PyTorch's
    step for step, and ``v`` starts at 0, which makes the first step ``v = grad``.

    Args:
        model: a :class:`mytorch.nn.Module` (a ``Sequential`` or a single layer).
        lr: the learning rate, a finite number ``> 0``.
        momentum: the fraction of the previous velocity kept, ``0 <= momentum < 1``.

    Attributes:
        velocity: ``v`` for each parameter, keyed by ``(module, name)``.
    """

    def __init__(self, model, lr: float, momentum: float = 0.0):
        if not callable(getattr(model, "parameters", None)):
            raise ValueError(
                "SGD: expected a mytorch.nn.Module with parameters(), "
                f"got {type(model).__name__}"
            )
        if not (is_real(lr) and math.isfinite(lr) and lr > 0):
            raise ValueError(f"SGD: expected a learning rate lr > 0, got lr={lr!r}")
        if not (is_real(momentum) and 0 <= momentum < 1):
            raise ValueError(
                f"SGD: expected 0 <= momentum < 1, got momentum={momentum!r}"
            )
        self.model = model
        self.lr = float(lr)
        self.momentum = float(momentum)
        self.velocity: dict = {}

    def step(self) -> None:
        """``v <- momentum * v + grad``, ``param <- param - lr * v`` for each parameter.

        The updated parameter is a new array that replaces the old one on its module.

        A parameter whose gradient is still ``None`` (never backpropagated) is skipped,
        as PyTorch skips parameters whose ``.grad`` is ``None``.
        """
        # Parameters are looked up by name at every step: a chapter may have replaced
        # ``layer.weight`` with a new array since the optimiser was built.
        for module, name in self.model.parameters():
            param, grad = getattr(module, name), self._check_grad(module, name)
            if grad is None:
                continue  # never backpropagated
            # BEGIN SOLUTION eq-networks-momentum
            v = grad
            if self.momentum:
                v = self.momentum * self.velocity.get((module, name), 0.0) + grad
                self.velocity[(module, name)] = v
            setattr(module, name, param - self.lr * v)
            # END SOLUTION

    def _check_grad(self, module, name: str) -> np.ndarray | None:
        """``module.grad_<name>`` as a float array of the parameter's shape, or None."""
        grad = getattr(module, "grad_" + name, None)
        if grad is None:
            return None
        param = getattr(module, name)
        grad = as_array(grad, f"SGD.step: {type(module).__name__}.grad_{name}")
        if np.shape(grad) != np.shape(param):
            raise ValueError(
                f"SGD.step: expected {type(module).__name__}.grad_{name} to have "
                f"the shape of {name}, {np.shape(param)}, got {np.shape(grad)}"
            )
        return grad

    def zero_grad(self) -> None:
        """Set every parameter gradient to zeros, before the next backward pass."""
        self.model.zero_grad()
