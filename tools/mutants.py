"""``make mutants``: plant plausible bugs in ``mytorch``, one at a time, and count how many
the package tests catch.

Each mutant is one textual change to the reference source, the kind of slip a student or
a reviewer makes: a transposed weight gradient, a forgotten ``1/N``, ``>=`` for ``>`` in
ReLU, a flipped kernel, a softmax without its max shift, ``=`` for ``+=``... For each, the
package is copied, the change applied (it must match exactly once), and
``pytest tests/package`` runs against the copy, stopping at the first failure. A mutant is
caught when some test fails. Mutants that change a solution region name the region
(``part``): the grader's tests (tools/grade.py) use them as the planted bugs that must
cost exactly that part's points.

Usage: ``python tools/mutants.py [--jobs N] [NAME ...]``; exit status 1 if a mutant
survives.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "code" / "mytorch"


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str  # relative to code/mytorch
    old: str
    new: str
    part: str | None = None  # the solution region it changes, if any


MUTANTS = [
    # --- the scalar engine
    Mutant("Value: = for += in a sum's backward", "engine.py",
           "            self.grad += out.grad\n            other.grad += out.grad",
           "            self.grad = out.grad\n            other.grad = out.grad", "Value.__add__"),
    Mutant("Value: a product's operands not swapped", "engine.py",
           "self.grad += other.data * out.grad", "self.grad += self.data * out.grad", "Value.__mul__"),
    Mutant("Value: power rule without the -1", "engine.py",
           "exponent * self.data ** (exponent - 1) * out.grad", "exponent * self.data ** exponent * out.grad",
           "Value.__pow__"),
    Mutant("Value: the upstream gradient dropped in the chain rule", "engine.py",
           "self.grad += local_grad * out.grad", "self.grad += local_grad", "Value._unary"),
    Mutant("Value: d exp(u) = u", "engine.py", 'return self._unary(y, y, "exp")',
           'return self._unary(y, self.data, "exp")', "Value.exp"),
    Mutant("Value: d log(u) = -1/u", "engine.py", "1.0 / self.data, \"log\"", "-1.0 / self.data, \"log\"",
           "Value.log"),
    Mutant("Value: d sin(u) = -cos(u)", "engine.py", 'math.cos(self.data), "sin"', '-math.cos(self.data), "sin"',
           "Value.sin"),
    Mutant("Value: d cos(u) = sin(u)", "engine.py", '-math.sin(self.data), "cos"', 'math.sin(self.data), "cos"',
           "Value.cos"),
    Mutant("Value: d tan(u) = 1 - tan^2", "engine.py", '1.0 + y * y, "tan"', '1.0 - y * y, "tan"', "Value.tan"),
    Mutant("Value: d atan(u) = 1/(1 + u)", "engine.py", "1.0 / (1.0 + self.data * self.data)",
           "1.0 / (1.0 + self.data)", "Value.atan"),
    Mutant("Value: d tanh(u) = 1 - y", "engine.py", '1.0 - y * y, "tanh"', '1.0 - y, "tanh"', "Value.tanh"),
    Mutant("Value: d sigmoid = y (1 + y)", "engine.py", "y * (1.0 - y), \"sigmoid\"", "y * (1.0 + y), \"sigmoid\"",
           "Value.sigmoid"),
    Mutant("Value: >= for > in relu", "engine.py", "1.0 if self.data > 0 else 0.0", "1.0 if self.data >= 0 else 0.0",
           "Value.relu"),
    Mutant("Value: nodes visited in forward order", "engine.py",
           "        for node in reversed(order):\n            node._backward()",
           "        for node in order:\n            node._backward()", "Value.backward"),
    Mutant("Value: a shared node visited twice", "engine.py", "            visited.add(id(node))\n",
           "            pass\n", "Value.topological_order"),
    # --- gradient checking
    Mutant("gradcheck: the one-sided step of a central difference", "gradcheck.py",
           "(f_plus - f_minus) / (2 * eps)", "(f_plus - f_minus) / eps", "numerical_gradient"),
    Mutant("gradcheck: comparing only norms", "gradcheck.py",
           "    allowed = atol + rtol * np.maximum(np.abs(a), np.abs(n))\n    return float(np.max(np.abs(a - n) / allowed))",
           "    norm_a, norm_n = np.linalg.norm(a), np.linalg.norm(n)\n"
           "    return float(abs(norm_a - norm_n) / (atol + rtol * max(norm_a, norm_n)))"),
    Mutant("gradcheck: the input left perturbed when f raises", "gradcheck.py",
           "        try:\n            flat_x[i] = original + eps\n            f_plus = float(f())\n"
           "            flat_x[i] = original - eps\n            f_minus = float(f())\n        finally:\n"
           "            flat_x[i] = original\n",
           "        flat_x[i] = original + eps\n        f_plus = float(f())\n        flat_x[i] = original - eps\n"
           "        f_minus = float(f())\n        flat_x[i] = original\n"),
    # --- dense layers
    Mutant("Linear: the bias forgotten", "nn/linear.py", "            out += self.bias\n", "            pass\n",
           "Linear.forward"),
    Mutant("Linear: the input kept by reference", "nn/linear.py", "self.x = x.copy()  # a copy", "self.x = x  # a copy"),
    Mutant("Linear: a transposed weight gradient", "nn/linear.py", "self.grad_weight = self.x.T @ grad",
           "self.grad_weight = grad.T @ self.x", "Linear.backward"),
    Mutant("ReLU: max(x, 0) written as |x|", "nn/activations.py", "return np.maximum(x, 0)", "return np.abs(x)",
           "ReLU.forward"),
    Mutant("ReLU: >= for > in backward", "nn/activations.py", "return grad * (self.x > 0)", "return grad * (self.x >= 0)",
           "ReLU.backward"),
    Mutant("Sigmoid: the input kept instead of the output", "nn/activations.py",
           "        y = sigmoid(x)\n        self.y = y.copy()", "        y = sigmoid(x)\n        self.y = x.copy()",
           "Sigmoid.forward"),
    Mutant("Sigmoid: the upstream gradient forgotten", "nn/activations.py", "return grad * y * (1 - y)",
           "return y * (1 - y)", "Sigmoid.backward"),
    Mutant("Tanh: the input kept instead of the output", "nn/activations.py",
           "        y = np.tanh(x)\n        self.y = y.copy()", "        y = np.tanh(x)\n        self.y = x.copy()",
           "Tanh.forward"),
    Mutant("Tanh: derivative 1 - y", "nn/activations.py", "return grad * (1 - y * y)", "return grad * (1 - y)",
           "Tanh.backward"),
    # --- softmax and losses
    Mutant("softmax without the max shift", "nn/functional.py",
           "    e = np.exp(z - z.max(axis=axis, keepdims=True))", "    e = np.exp(z)", "softmax"),
    Mutant("log_softmax: the shift on one side only", "nn/functional.py",
           "np.log(np.exp(shifted).sum(axis=axis, keepdims=True))", "np.log(np.exp(z).sum(axis=axis, keepdims=True))",
           "log_softmax"),
    Mutant("sigmoid: the two branches swapped", "nn/functional.py",
           "np.where(z >= 0, 1 / (1 + e), e / (1 + e))", "np.where(z >= 0, e / (1 + e), 1 / (1 + e))", "sigmoid"),
    Mutant("one_hot: classes counted from 1", "nn/functional.py",
           "T[np.arange(labels.shape[0]), labels] = 1", "T[np.arange(labels.shape[0]), labels - 1] = 1", "one_hot"),
    Mutant("CrossEntropyLoss: the sum for the mean", "nn/losses.py",
           "return float(-log_probs[np.arange(N), labels].mean())", "return float(-log_probs[np.arange(N), labels].sum())",
           "CrossEntropyLoss.forward"),
    Mutant("CrossEntropyLoss: a forgotten 1/N", "nn/losses.py",
           "return (probs - one_hot(self.labels, C, dtype=probs.dtype)) / N",
           "return probs - one_hot(self.labels, C, dtype=probs.dtype)", "CrossEntropyLoss.backward"),
    Mutant("CrossEntropyLoss: the labels kept by reference", "nn/losses.py",
           "self.labels = labels.copy()", "self.labels = labels"),
    Mutant("MSELoss: halved", "nn/losses.py", "return float(np.mean(self.diff**2))",
           "return float(np.mean(self.diff**2) / 2)", "MSELoss.forward"),
    Mutant("MSELoss: divided by N, not by every element", "nn/losses.py", "return 2 * diff / diff.size",
           "return 2 * diff / diff.shape[0]", "MSELoss.backward"),
    Mutant("BCELoss: p clipped at 1e-12 instead of the log at -100", "nn/losses.py",
           "log_p = np.maximum(np.log(p), -100)", "log_p = np.log(np.maximum(p, 1e-12))", "BCELoss.forward"),
    Mutant("BCELoss: divided by N, not by every element", "nn/losses.py",
           "/ np.maximum(p * (1 - p), self.eps) / p.size", "/ np.maximum(p * (1 - p), self.eps) / p.shape[0]",
           "BCELoss.backward"),
    # --- networks and optimisation
    Mutant("Sequential: the last layer skipped", "nn/container.py", "        for layer in self.layers:\n            x = layer.forward(x)",
           "        for layer in self.layers[:-1]:\n            x = layer.forward(x)", "Sequential.forward"),
    Mutant("Sequential: backward in forward order", "nn/container.py", "for layer in reversed(self.layers):",
           "for layer in self.layers:", "Sequential.backward"),
    Mutant("Sequential: a repeated layer not shared", "nn/container.py", "        share_repeated_layers(self.layers)\n", ""),
    Mutant("SGD: momentum applied in the wrong order", "optim.py",
           "v = self.momentum * self.velocity.get((module, name), 0.0) + grad",
           "v = self.momentum * (self.velocity.get((module, name), 0.0) + grad)", "SGD.step"),
    # --- convolution and pooling
    Mutant("im2col: the stride ignored", "nn/im2col.py",
           "axis=(2, 3))[:, :, ::s_h, ::s_w]", "axis=(2, 3))[:, :, ::1, ::1]", "im2col"),
    Mutant("col2im: overlapping windows overwrite instead of adding", "nn/im2col.py",
           "grad_x_p[:, :, rows, columns] += grad_windows", "grad_x_p[:, :, rows, columns] = grad_windows",
           "col2im"),
    Mutant("Conv: a flipped kernel (convolution, not correlation)", "nn/conv.py",
           "W2 = self.weight.reshape(C_out, -1)              # (C_out, C_in kh kw)",
           "W2 = np.flip(self.weight, axis=tuple(range(2, self.weight.ndim))).reshape(C_out, -1)",
           "Conv2d.forward"),
    Mutant("Conv: the weight gradient averaged over the batch", "nn/conv.py",
           "(G @ self.cols.transpose(0, 2, 1)).sum(axis=0)", "(G @ self.cols.transpose(0, 2, 1)).mean(axis=0)",
           "Conv2d.backward"),
    Mutant("MaxPool: a wrong stride (the kernel size)", "nn/pooling.py",
           "cols = im2col(pad(x, self.padding, -np.inf), self.kernel_size, self.stride)",
           "cols = im2col(pad(x, self.padding, -np.inf), self.kernel_size, self.kernel_size)", "MaxPool2d.forward"),
    Mutant("MaxPool: the gradient routed to every entry after the winner", "nn/pooling.py",
           "winner = np.arange(kh * kw)[:, None] == self.argmax[:, :, None, :]",
           "winner = np.arange(kh * kw)[:, None] >= self.argmax[:, :, None, :]",
           "MaxPool2d.backward"),
    # --- normalisation, dropout, residual connections
    Mutant("BatchNorm: the biased variance in the running estimate", "nn/normalization.py",
           "k * (m / (m - 1)) * var", "k * var", "_BatchNorm.forward"),
    Mutant("BatchNorm: the correction along x_hat dropped", "nn/normalization.py",
           "(m * grad - sum_g - x_hat * sum_g_x_hat)", "(m * grad - sum_g)", "_BatchNorm.backward"),
    Mutant("Dropout: kept units not scaled by 1/(1 - p)", "nn/dropout.py",
           "self.mask = keep * x.dtype.type(1 / (1 - self.p))", "self.mask = keep * x.dtype.type(1)", "Dropout.forward"),
    Mutant("Dropout: backward ignores the mask", "nn/dropout.py", "        return grad * self.mask\n",
           "        return grad\n", "Dropout.backward"),
    Mutant("Residual: the skip path forgotten", "nn/residual.py", "        return x + fx\n", "        return fx\n",
           "Residual.forward"),
    Mutant("Residual: the gradient of the skip path forgotten", "nn/residual.py",
           "return grad + self.block.backward(grad)", "return self.block.backward(grad)", "Residual.backward"),
    Mutant("Flatten: features in the wrong order", "nn/flatten.py",
           "return x.reshape(x.shape[0], math.prod(x.shape[1:]))",
           "return np.moveaxis(x, 1, -1).reshape(x.shape[0], math.prod(x.shape[1:]))", "Flatten.forward"),
    Mutant("Flatten: backward reshapes in the wrong order", "nn/flatten.py", "return grad.reshape(self.input_shape)",
           "return np.moveaxis(grad.reshape(self.input_shape[:1] + self.input_shape[2:] + self.input_shape[1:2]), -1, 1)",
           "Flatten.backward"),
]


def planted_copy(mutant: Mutant, target: Path) -> Path:
    """A copy of the package at ``target/mytorch`` with ``mutant`` applied."""
    package = target / "mytorch"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    path = package / mutant.file
    text = path.read_text(encoding="utf-8")
    if text.count(mutant.old) != 1:
        raise ValueError(f"mutant {mutant.name!r}: expected its text once in {mutant.file}, found it {text.count(mutant.old)} times")
    path.write_text(text.replace(mutant.old, mutant.new), encoding="utf-8")
    return package


# The chapter whose tests look at each file first: a mutant is usually caught there, and
# pytest -x then stops long before the whole suite has run.
CHAPTER = {"engine.py": "ch01", "gradcheck.py": "ch09", "nn/linear.py": "ch03", "nn/activations.py": "ch04",
           "nn/functional.py": "ch05", "nn/losses.py": "ch05", "nn/container.py": "ch06", "optim.py": "ch06",
           "nn/im2col.py": "ch07", "nn/conv.py": "ch07", "nn/pooling.py": "ch07", "nn/flatten.py": "ch07",
           "nn/normalization.py": "ch08", "nn/dropout.py": "ch08", "nn/residual.py": "ch08"}


def run(mutant: Mutant) -> tuple[Mutant, bool, str, float]:
    """Run the package tests against the mutant, its chapter's first; returns whether a
    test failed, which one, and the time taken."""
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
        planted_copy(mutant, Path(tmp))
        env = {**os.environ, "PYTHONPATH": tmp, "MYTORCH_SUBMISSION": tmp, "PYTHONDONTWRITEBYTECODE": "1",
               "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        selections = [["-m", CHAPTER[mutant.file]], []] if mutant.file in CHAPTER else [[]]
        for selection in selections:
            result = subprocess.run([sys.executable, "-m", "pytest", "tests/package", "-x", "-q", "-p", "no:cacheprovider",
                                     "--no-header", "-rfE", *selection], cwd=ROOT, env=env, capture_output=True, text=True)
            if result.returncode != 0:
                break
    failed = [line for line in result.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
    first = failed[0].split(" ", 1)[1].split(" - ")[0] if failed else ""
    if result.returncode not in (0, 1):
        first = first or f"pytest exited with {result.returncode}: {result.stdout[-300:]}"
    return mutant, result.returncode != 0, first, time.monotonic() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Plant plausible bugs one at a time and count the caught ones.")
    parser.add_argument("names", nargs="*", help="run only the mutants whose name contains one of these")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args(argv)
    mutants = [m for m in MUTANTS if not args.names or any(n.lower() in m.name.lower() for n in args.names)]
    caught = 0
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for mutant, was_caught, by, seconds in pool.map(run, mutants):
            caught += was_caught
            verdict = f"caught by {by}" if was_caught else "SURVIVED"
            print(f"{'ok ' if was_caught else '!! '} {mutant.name} ({seconds:.0f} s): {verdict}", flush=True)
    print(f"\n{caught} of {len(mutants)} planted bugs caught by the package tests")
    return 0 if caught == len(mutants) else 1


if __name__ == "__main__":
    sys.exit(main())
