"""A layer used at several places of one network.

A layer keeps what its backward pass needs from its last ``forward`` (``Linear`` its
input ``x``, ``ReLU`` its input, ``Sigmoid`` its output). Placed twice in a network,
``Sequential(relu, linear, relu)``, its second forward would overwrite what the first
one kept, and the backward pass through the first use would silently use the second
use's input. PyTorch's answer is the one this module gives: each use is differentiated
with its own saved arrays, and a parameter used twice receives the sum of both uses'
gradients,

    dL/dW = sum over uses u of dL/dW|_u,

the multivariate chain rule with one path per use; the optimiser then steps it once.

:func:`share` gives a repeated layer that behaviour without changing its class: its
``forward`` pushes what it saved onto a stack, and its ``backward`` pops the most recent
entry (backward visits uses in the reverse order of forward), restores it, runs the
layer's own backward and adds the parameter gradients of the uses after the first.

Used by ``Sequential`` (book/06_networks.md); no chapter derives it, the sum over uses
being the multivariate chain rule of book/01_chain_rule.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from mytorch.nn.module import Module


def share_repeated_layers(layers: Iterable[Module]) -> None:
    """Make every layer that appears more than once among ``layers`` and their sublayers
    safe to reuse (see :func:`share`); containers are walked, not shared themselves."""
    walk = [m for layer in layers for m in layer.modules()]
    counts = Counter(id(m) for m in walk)
    seen = set()
    for module in walk:
        is_leaf = list(module.modules()) == [module]
        if counts[id(module)] > 1 and is_leaf and id(module) not in seen:
            seen.add(id(module))
            share(module, counts[id(module)])


def share(module: Module, uses: int) -> None:
    """Let ``module`` be used ``uses`` times in each forward pass of a network.

    Args:
        module: a layer whose ``forward`` and ``backward`` keep and read attributes.
        uses: how many times one forward pass of the network calls it.
    """
    cls = type(module)
    kept: list[dict] = []
    state = {"backward_calls": 0}

    def forward(*args, **kwargs):
        out = cls.forward(module, *args, **kwargs)
        if len(kept) == uses:  # a new pass of the network has begun
            kept.clear()
        kept.append(_saved_state(module))
        state["backward_calls"] = 0
        return out

    def backward(*args, **kwargs):
        if not kept:
            raise RuntimeError(
                f"{cls.__name__}.backward() was called more often than forward(): this "
                f"layer is used {uses} times in the network, expected one backward per "
                "use after a forward pass"
            )
        vars(module).update(kept.pop())
        before = {name: getattr(module, "grad_" + name, None)
                  for name in module.param_names}
        grad_input = cls.backward(module, *args, **kwargs)
        if state["backward_calls"] > 0:
            for name, earlier in before.items():
                if earlier is not None:
                    setattr(module, "grad_" + name,
                            earlier + getattr(module, "grad_" + name))
        state["backward_calls"] += 1
        return grad_input

    # Instance attributes shadow the class's methods for this one object only.
    module.forward = forward
    module.backward = backward


def _saved_state(module: Module) -> dict:
    """What ``forward`` left on the module for ``backward``: every attribute but the
    parameters, their gradients, the buffers (running statistics belong to the layer,
    not to one use) and the two methods :func:`share` installed."""
    skip = ({"forward", "backward"} | set(module.param_names) | set(module.buffer_names)
            | {"grad_" + n for n in module.param_names})
    return {k: v for k, v in vars(module).items() if k not in skip}
