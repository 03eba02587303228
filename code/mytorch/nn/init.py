"""Initial weights at the scale that keeps the signal's variance from layer to layer.

An output of a linear layer sums ``fan_in`` products, ``z_j = sum_i x_i W_ij``. With
weights drawn independently, of mean 0 and variance ``s**2``, and independent of the
inputs,

    Var[z_j] = fan_in * s**2 * E[x_i**2],

so the forward pass keeps the scale of the signal when ``fan_in * s**2`` is 1 (2 after a
ReLU, which zeroes half of its inputs). The backward pass ``grad_x = grad_z @ W.T`` sums
``fan_out`` products, and keeps the scale of the gradient when ``fan_out * s**2`` is 1.
Xavier (Glorot) initialisation compromises between the two with
``s = gain * sqrt(2 / (fan_in + fan_out))``; He (Kaiming) initialisation picks one,
``s = gain / sqrt(fan)`` with ``gain = sqrt(2)`` for ReLU.

Each function below draws a new ``layer.weight`` of the old shape and dtype, either
normal with standard deviation ``s`` or uniform on ``(-a, a)`` with ``a = sqrt(3) * s``
(the uniform distribution on ``(-a, a)`` has variance ``a**2 / 3``), and leaves the bias
alone, as :mod:`torch.nn.init` does. Fans are counted as in PyTorch, so the same layer
gets the same scale in both libraries.

Derived in book/04_activations.md.
"""

from __future__ import annotations

import math

import numpy as np

from mytorch.nn._checks import check_rng
from mytorch.nn.conv import Conv1d, Conv2d
from mytorch.nn.linear import Linear

_MODES = ("fan_in", "fan_out")


def fans(layer) -> tuple[int, int]:
    """``(fan_in, fan_out)``: inputs summed by each output, outputs fed by each input.

    Args:
        layer: a ``Linear`` (``weight`` of shape ``(in_features, out_features)``) or a
            ``Conv1d``/``Conv2d`` (``weight`` of shape
            ``(out_channels, in_channels, *kernel)``).

    Returns:
        ``(in_features, out_features)`` for a ``Linear``;
        ``(in_channels * prod(kernel), out_channels * prod(kernel))`` for a convolution.
    """
    if isinstance(layer, Linear):
        fan_in, fan_out = layer.weight.shape
        return int(fan_in), int(fan_out)
    if isinstance(layer, (Conv1d, Conv2d)):
        out_channels, in_channels, *kernel = layer.weight.shape
        window = math.prod(kernel)
        return int(in_channels * window), int(out_channels * window)
    raise ValueError(
        "fans: expected a mytorch Linear, Conv1d or Conv2d layer, "
        f"got {type(layer).__name__}"
    )


def xavier_std(fan_in: int, fan_out: int, gain: float = 1.0) -> float:
    """Xavier (Glorot) scale ``s = gain * sqrt(2 / (fan_in + fan_out))``.

    ``s**2`` is the harmonic mean of ``1 / fan_in``, which keeps the forward scale, and
    ``1 / fan_out``, which keeps the backward one.

    Args:
        fan_in: inputs per output, a positive int.
        fan_out: outputs per input, a positive int.
        gain: a positive factor (1 for linear, sigmoid and tanh layers in this book).

    Returns:
        The standard deviation ``s`` of the weights.
    """
    _check_scale("xavier_std", gain, fan_in=fan_in, fan_out=fan_out)
    return gain * math.sqrt(2.0 / (fan_in + fan_out))


def kaiming_std(fan: int, gain: float = math.sqrt(2.0)) -> float:
    """He (Kaiming) scale ``s = gain / sqrt(fan)``, with ``gain = sqrt(2)`` for ReLU.

    With ``fan = fan_in`` the forward pass keeps the scale of the signal, with
    ``fan = fan_out`` the backward pass keeps that of the gradient.

    Args:
        fan: ``fan_in`` or ``fan_out``, a positive int.
        gain: a positive factor: ``sqrt(2)`` after a ReLU, 1 for a linear layer.

    Returns:
        The standard deviation ``s`` of the weights.
    """
    _check_scale("kaiming_std", gain, fan=fan)
    return gain / math.sqrt(fan)


def xavier_uniform_(layer, rng: np.random.Generator | None = None,
                    gain: float = 1.0) -> np.ndarray:
    """Draw ``layer.weight ~ U(-a, a)``, ``a = gain * sqrt(6 / (fan_in + fan_out))``.

    Args:
        layer: a ``Linear``, ``Conv1d`` or ``Conv2d``; only its ``weight`` changes.
        rng: the generator to draw from (a new ``np.random.default_rng()`` if omitted).
        gain: as in :func:`xavier_std`.

    Returns:
        The new ``weight``, of the old shape and dtype.
    """
    std = xavier_std(*fans(layer), gain=gain)
    return _draw(layer, check_rng(rng, "xavier_uniform_"), "uniform", std)


def xavier_normal_(layer, rng: np.random.Generator | None = None,
                   gain: float = 1.0) -> np.ndarray:
    """Draw ``layer.weight ~ N(0, s^2)``, ``s = gain * sqrt(2 / (fan_in + fan_out))``.

    Args:
        layer: a ``Linear``, ``Conv1d`` or ``Conv2d``; only its ``weight`` changes.
        rng: the generator to draw from (a new ``np.random.default_rng()`` if omitted).
        gain: as in :func:`xavier_std`.

    Returns:
        The new ``weight``, of the old shape and dtype.
    """
    std = xavier_std(*fans(layer), gain=gain)
    return _draw(layer, check_rng(rng, "xavier_normal_"), "normal", std)


def kaiming_uniform_(layer, rng: np.random.Generator | None = None,
                     gain: float = math.sqrt(2.0), mode: str = "fan_in") -> np.ndarray:
    """Draw ``layer.weight ~ U(-a, a)``, ``a = sqrt(3) * gain / sqrt(fan)``.

    Args:
        layer: a ``Linear``, ``Conv1d`` or ``Conv2d``; only its ``weight`` changes.
        rng: the generator to draw from (a new ``np.random.default_rng()`` if omitted).
        gain: as in :func:`kaiming_std` (``sqrt(2)`` for ReLU).
        mode: which fan is ``fan``: ``"fan_in"`` (keep the forward scale) or
            ``"fan_out"`` (the backward one).

    Returns:
        The new ``weight``, of the old shape and dtype.
    """
    std = kaiming_std(_fan(layer, mode, "kaiming_uniform_"), gain=gain)
    return _draw(layer, check_rng(rng, "kaiming_uniform_"), "uniform", std)


def kaiming_normal_(layer, rng: np.random.Generator | None = None,
                    gain: float = math.sqrt(2.0), mode: str = "fan_in") -> np.ndarray:
    """Draw ``layer.weight ~ N(0, s**2)``, ``s = gain / sqrt(fan)``.

    Args:
        layer: a ``Linear``, ``Conv1d`` or ``Conv2d``; only its ``weight`` changes.
        rng: the generator to draw from (a new ``np.random.default_rng()`` if omitted).
        gain: as in :func:`kaiming_std` (``sqrt(2)`` for ReLU).
        mode: which fan is ``fan``: ``"fan_in"`` (keep the forward scale) or
            ``"fan_out"`` (the backward one).

    Returns:
        The new ``weight``, of the old shape and dtype.
    """
    std = kaiming_std(_fan(layer, mode, "kaiming_normal_"), gain=gain)
    return _draw(layer, check_rng(rng, "kaiming_normal_"), "normal", std)


def _draw(layer, rng: np.random.Generator, distribution: str, std: float) -> np.ndarray:
    """Replace ``layer.weight`` by a draw of mean 0 and standard deviation ``std``."""
    shape, dtype = layer.weight.shape, layer.weight.dtype
    if distribution == "uniform":
        bound = math.sqrt(3.0) * std
        weight = rng.uniform(-bound, bound, shape)
    else:
        weight = rng.normal(0.0, std, shape)
    layer.weight = weight.astype(dtype, copy=False)
    return layer.weight


def _fan(layer, mode: str, name: str) -> int:
    """``fan_in`` or ``fan_out`` of ``layer``, as ``mode`` says."""
    if mode not in _MODES:
        raise ValueError(f"{name}: expected mode 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = fans(layer)
    return fan_in if mode == "fan_in" else fan_out


def _check_scale(name: str, gain, **fans) -> None:
    """Require every fan to be a positive int and ``gain`` a positive number."""
    for what, value in fans.items():
        _check_fan(value, name, what)
    _check_gain(gain, name)


def _check_fan(value, name: str, what: str) -> None:
    """Require a positive int."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}: expected {what} to be a positive int, got {value!r}")


def _check_gain(gain, name: str) -> None:
    """Require a positive, finite number."""
    if (isinstance(gain, bool) or not isinstance(gain, (int, float, np.floating))
            or not (math.isfinite(gain) and gain > 0)):
        raise ValueError(f"{name}: expected a positive, finite gain, got {gain!r}")
