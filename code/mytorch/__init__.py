"""mytorch: backpropagation written out by hand in NumPy.

``mytorch.Value`` is a scalar reverse-mode autograd engine; ``mytorch.nn`` holds layers
whose backward passes are derived in the book; ``mytorch.optim`` updates their parameters.
Importing the package has no side effects and needs only NumPy.
"""

from mytorch import data, gradcheck, nn, optim
from mytorch.engine import Value

__version__ = "0.1.0"
__all__ = ["Value", "data", "gradcheck", "nn", "optim"]
