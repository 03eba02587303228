"""The base class every layer and loss in :mod:`mytorch.nn` derives from.

A module computes ``forward`` and keeps what its ``backward`` will need. Parameters are
plain NumPy arrays held as attributes; a module lists their names in ``param_names`` and
stores the gradient of each in the attribute named ``grad_<name>`` (``weight`` ->
``grad_weight``), the convention the optimisers rely on.

Every module is in training mode (``training = True``) until ``eval()`` switches it and
every module inside it to evaluation mode; only layers that behave differently in the
two modes (batch normalisation, dropout) read the flag.

Each layer checks its arguments in ``_check_input`` and ``_check_grad``, so that its
``forward`` and ``backward`` start with one line of checks and go on with the
mathematics. ``_check_grad`` also refuses a ``backward`` that comes before any
``forward`` (:meth:`Module._saved`).

The pattern is introduced in book/03_linear.md; ``train``/``eval`` in
book/08_normalization.md.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from mytorch.nn._checks import as_array, check_bool, check_same_shape


class Module:
    """A differentiable building block with ``forward`` and ``backward``.

    Subclasses that own parameters set ``param_names`` (for example
    ``("weight", "bias")``) and fill ``grad_<name>`` in ``backward``.

    Attributes:
        training: ``True`` in training mode (the default), ``False`` after ``eval()``.
    """

    param_names: tuple[str, ...] = ()
    #: State that ``forward`` updates and that is not a parameter (running statistics).
    buffer_names: tuple[str, ...] = ()
    training: bool = True

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not implement forward()")

    def backward(self, *args, **kwargs):
        name = type(self).__name__
        raise NotImplementedError(f"{name} does not implement backward()")

    def modules(self) -> Iterator[Module]:
        """Yield this module and every module inside it (containers override this)."""
        yield self

    def train(self, mode: bool = True) -> Module:
        """Set ``training = mode`` here and in every module inside; return ``self``.

        In training mode batch normalisation normalises with the statistics of the batch
        and updates its running estimates, and dropout drops; in evaluation mode
        (``mode=False``) both are fixed functions of their input.
        """
        mode = check_bool(mode, "mode", f"{type(self).__name__}.train")
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        """Switch this module and those inside it to evaluation: ``train(False)``."""
        return self.train(False)

    def parameters(self) -> Iterator[tuple[Module, str]]:
        """Yield ``(module, name)`` for every parameter, so that both
        ``getattr(module, name)`` and ``getattr(module, "grad_" + name)`` can be read
        fresh at each step, even after a parameter array was replaced. A layer used at
        several places of a network is yielded once, so an optimiser steps it once."""
        seen = set()
        for module in self.modules():
            if id(module) in seen:
                continue
            seen.add(id(module))
            for name in module.param_names:
                yield module, name

    def zero_grad(self) -> None:
        """Set every stored parameter gradient to zeros of the parameter's shape."""
        for module, name in self.parameters():
            setattr(module, "grad_" + name, np.zeros_like(getattr(module, name)))

    def _saved(self, name: str):
        """Return the attribute ``name`` saved by ``forward``, or explain that
        ``backward`` was called before ``forward``."""
        value = getattr(self, name, None)
        if value is None:
            raise RuntimeError(
                f"{type(self).__name__}.backward() was called before forward(): "
                f"expected the saved '{name}' from a forward pass, got nothing."
            )
        return value

    def _grad_like(self, grad, name: str, what: str) -> np.ndarray:
        """Return ``grad`` as a float array after checking that ``forward`` saved the
        array ``name`` and that ``grad`` has its shape; ``what`` names that array."""
        saved = self._saved(name)
        grad = as_array(grad, f"{type(self).__name__}.backward grad")
        check_same_shape(saved, grad, what, "grad")
        return grad

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
