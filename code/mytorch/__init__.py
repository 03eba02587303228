"""mytorch: backpropagation written out by hand in NumPy.

``mytorch.Value`` is a scalar reverse-mode autograd engine; ``mytorch.nn`` holds layers
whose backward passes are derived in the book; ``mytorch.optim`` updates their
parameters. Importing the package has no side effects and needs only NumPy.

``Value`` is derived in book/01_chain_rule.md, the layers of ``mytorch.nn`` in
book/03_linear.md to book/08_normalization.md, ``SGD`` in book/06_networks.md and
gradient checking in book/09_gradient_checking.md; each module names its own chapter.
"""

from mytorch import data, gradcheck, nn, optim
from mytorch.engine import Value

__version__ = "0.1.0"
__all__ = ["Value", "data", "gradcheck", "nn", "optim"]
