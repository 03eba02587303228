"""Layers and losses, each with its forward pass and its hand-derived backward pass.

``init`` draws initial weights at the Xavier and He scales.

Derived in book/03_linear.md to book/08_normalization.md (the mean squared error in
book/02_autograd_pytorch.md); each module names its own chapter.
"""

from mytorch.nn.module import Module
from mytorch.nn.activations import ReLU, Sigmoid, Tanh
from mytorch.nn.container import Sequential
from mytorch.nn.conv import Conv1d, Conv2d
from mytorch.nn.dropout import Dropout
from mytorch.nn.flatten import Flatten
from mytorch.nn.functional import log_softmax, one_hot, sigmoid, softmax
from mytorch.nn.linear import Linear
from mytorch.nn.losses import BCELoss, CrossEntropyLoss, MSELoss
from mytorch.nn.normalization import BatchNorm1d, BatchNorm2d
from mytorch.nn.pooling import MaxPool1d, MaxPool2d
from mytorch.nn.residual import Residual
from mytorch.nn import init

__all__ = [
    "Module",
    "Linear", "ReLU", "Sigmoid", "Tanh", "Sequential", "Flatten",
    "Conv1d", "Conv2d", "MaxPool1d", "MaxPool2d",
    "BatchNorm1d", "BatchNorm2d", "Dropout", "Residual",
    "CrossEntropyLoss", "MSELoss", "BCELoss",
    "softmax", "log_softmax", "sigmoid", "one_hot",
    "init",
]
