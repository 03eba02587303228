"""Small helpers shared by the package tests: float64 tensors and the comparisons they use."""

from __future__ import annotations

import numpy as np
import torch

#: Tolerances for comparing float64 results with PyTorch's: the same operations in another
#: order differ in the last few bits, a wrong formula in the first few digits.
TIGHT = {"rtol": 1e-10, "atol": 1e-12}


def t64(a, requires_grad: bool = False) -> torch.Tensor:
    """A float64 torch tensor holding a copy of ``a``."""
    return torch.tensor(np.array(a, dtype=np.float64), dtype=torch.float64, requires_grad=requires_grad)


def assert_close(actual, expected, **tolerances) -> None:
    """``actual`` equals ``expected`` (a NumPy array or a torch tensor) in shape and, to
    ``TIGHT`` tolerances unless others are given, in value."""
    if isinstance(expected, torch.Tensor):
        expected = expected.detach().numpy()
    actual = np.asarray(actual)
    assert actual.shape == np.shape(expected), f"shape {actual.shape}, expected {np.shape(expected)}"
    np.testing.assert_allclose(actual, expected, **(tolerances or TIGHT))


def torch_sgd_step(leaves: list[torch.Tensor], buffers: list, lr: float, momentum: float) -> None:
    """One step of PyTorch's SGD on ``leaves`` (float64 tensors whose ``.grad`` is set),
    with the momentum buffers kept in ``buffers`` (a list of None to start).

    This is ``torch.optim.sgd.sgd``, the function ``torch.optim.SGD.step`` calls for each
    parameter group; called directly it skips the optimizer's one-time import of
    ``torch._dynamo``, several seconds that every grading run would pay again.
    """
    from torch.optim.sgd import sgd

    with torch.no_grad():
        sgd([leaf for leaf in leaves], [leaf.grad for leaf in leaves], buffers, weight_decay=0.0,
            momentum=momentum, lr=lr, dampening=0.0, nesterov=False, maximize=False, foreach=False)
