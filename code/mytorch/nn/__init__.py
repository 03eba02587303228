"""Layers and losses, each with its forward pass and its hand-derived backward pass."""

from mytorch.nn.module import Module

__all__ = ["Module"]
