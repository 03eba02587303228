"""Data sets for the chapters: scikit-learn's bundled 8x8 digits, and MNIST read from
IDX files already on disk. Nothing is ever downloaded.

:func:`load_digits` reads the digits file that scikit-learn ships without importing
scikit-learn, so that importing ``mytorch`` needs nothing but NumPy.

Used by book/04_activations.md, book/06_networks.md, book/07_convolution.md and
book/08_normalization.md; no chapter derives it.
"""

from __future__ import annotations

import gzip
import importlib.util
import math
import os
from pathlib import Path

import numpy as np

# The third byte of an IDX file's magic number names the element type; all are
# big-endian.
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1797 handwritten 8x8 digits bundled with scikit-learn, ``X = pixels / 16``.

    The digits are read from the file that scikit-learn ships,
    ``datasets/data/digits.csv.gz`` (one row per image: 64 pixel counts, then the
    label), the way ``sklearn.datasets.load_digits`` reads it, but without importing
    scikit-learn: that import brings in SciPy and takes seconds, a large part of a
    chapter's time budget. A scikit-learn that keeps the file elsewhere is asked through
    its own loader.

    Returns:
        ``X``, float64 ``(1797, 64)`` with values in ``[0, 1]`` (each 8x8 image as one
        row; the raw pixel counts run from 0 to 16), and ``y``, int64 ``(1797,)`` in
        ``0..9``.
    """
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise ImportError(
            "mytorch.data.load_digits needs scikit-learn, which bundles the digits: "
            "pip install scikit-learn"
        )
    path = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"
    if path.is_file():
        with gzip.open(path, "rt") as stream:
            table = np.loadtxt(stream, delimiter=",")
        pixels, labels = table[:, :-1], table[:, -1]
    else:
        from sklearn.datasets import load_digits as sklearn_load_digits

        digits = sklearn_load_digits()
        pixels, labels = digits.data, digits.target
    X = pixels.astype(np.float64) / 16.0
    y = labels.astype(np.int64)
    return X, y


def split(X, y, test_fraction: float = 0.2, seed: int = 0):
    """Shuffle and hold out ``round(test_fraction * N)`` samples.

    The same ``seed`` always gives the same split, so chapter outputs are reproducible.

    Args:
        X: ``(N, ...)`` samples.
        y: ``(N,)`` labels (or targets of any trailing shape).
        test_fraction: the share of samples held out, strictly between 0 and 1.
        seed: the seed of the shuffle, drawn with ``np.random.default_rng(seed)``.

    Returns:
        ``(X_train, X_test, y_train, y_test)``, in scikit-learn's order.
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or X.shape[0] != y.shape[0]:
        raise ValueError(
            "split: expected X and y with the same number of samples N, "
            f"got X of shape {X.shape} and y of shape {y.shape}"
        )
    if isinstance(test_fraction, bool) or not 0 < test_fraction < 1:
        raise ValueError(
            f"split: expected 0 < test_fraction < 1, got {test_fraction!r}"
        )
    n = X.shape[0]
    n_test = int(round(test_fraction * n))
    if not 1 <= n_test <= n - 1:
        raise ValueError(
            "split: expected test_fraction * N to round to between 1 and "
            f"N - 1 = {n - 1}, got {n_test} (test_fraction={test_fraction}, N={n})"
        )
    order = np.random.default_rng(seed).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def read_idx(path) -> np.ndarray:
    """Read an IDX file (the format of MNIST): ``magic, dims, data``, all big-endian.

    The magic number is four bytes ``0, 0, dtype code, ndim``; ``ndim`` 32-bit sizes
    follow, then the ``prod(dims)`` elements. A gzip-compressed file (``.gz``,
    recognised by its content) is decompressed first.

    Args:
        path: the file to read.

    Returns:
        An array of shape ``dims`` in the file's element type, in native byte order.
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError) as exc:
            raise ValueError(
                f"read_idx: {path} is a damaged or truncated gzip file: {exc}"
            ) from exc
    if len(raw) < 4:
        raise ValueError(
            f"read_idx: expected at least a 4-byte magic number in {path}, "
            f"got {len(raw)} bytes"
        )
    zero, code, ndim = raw[:2], raw[2], raw[3]
    if zero != b"\x00\x00" or code not in _IDX_DTYPES:
        codes = ", ".join(f"0x{c:02X}" for c in _IDX_DTYPES)
        raise ValueError(
            f"read_idx: expected an IDX magic number 00 00 <dtype code in {codes}> "
            f"<ndim> in {path}, got {raw[:4].hex(' ').upper()}"
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(
            f"read_idx: {path} is truncated: expected a {header}-byte header for "
            f"{ndim} dimensions, got {len(raw)} bytes"
        )
    dims = tuple(int(d)
                 for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = _IDX_DTYPES[code]
    expected = header + math.prod(dims) * dtype.itemsize
    if len(raw) != expected:
        state = "truncated" if len(raw) < expected else "longer than its header says"
        raise ValueError(
            f"read_idx: {path} is {state}: expected {expected} bytes for shape "
            f"{dims} of {dtype.name}, got {len(raw)}"
        )
    data = np.frombuffer(raw, dtype=dtype, count=math.prod(dims), offset=header)
    return data.astype(dtype.newbyteorder("="), copy=True).reshape(dims)


def _find_idx(directory: Path, stem: str) -> Path:
    """The first existing file among the usual spellings of an MNIST file name."""
    names = [stem, stem + ".gz", stem.replace("-idx", ".idx"),
             stem.replace("-idx", ".idx") + ".gz"]
    for name in names:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"load_mnist: expected one of {', '.join(names)} in {directory}, "
        "got none of them"
    )


def load_mnist(path, kind: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Load MNIST from its IDX files in a folder, ``X = pixels / 255``.

    The folder holds the four files as distributed, e.g. ``train-images-idx3-ubyte`` and
    ``train-labels-idx1-ubyte`` (optionally gzip-compressed with ``.gz``), and
    ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte`` for the test set.

    Args:
        path: the folder.
        kind: ``"train"``, or ``"test"`` (also accepted as ``"t10k"``).

    Returns:
        ``X``, float64 ``(N, rows * cols)`` in ``[0, 1]`` (each image as one row), and
        ``y``, int64 ``(N,)``.
    """
    prefixes = {"train": "train", "test": "t10k", "t10k": "t10k"}
    if kind not in prefixes:
        raise ValueError(
            f"load_mnist: expected kind 'train' or 'test', got {kind!r}"
        )
    directory = Path(os.fspath(path))
    if not directory.is_dir():
        raise FileNotFoundError(
            "load_mnist: expected a folder holding the MNIST IDX files, "
            f"got {directory}"
        )
    prefix = prefixes[kind]
    images = read_idx(_find_idx(directory, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(_find_idx(directory, f"{prefix}-labels-idx1-ubyte"))
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(
            "load_mnist: expected images as a 3-D uint8 array (N, rows, cols), "
            f"got a {images.ndim}-D {images.dtype} array of shape {images.shape}"
        )
    if labels.shape != (images.shape[0],):
        raise ValueError(
            f"load_mnist: expected {images.shape[0]} labels, one per image, "
            f"got shape {labels.shape}"
        )
    X = images.reshape(images.shape[0],
                       images.shape[1] * images.shape[2]).astype(np.float64) / 255.0
    return X, labels.astype(np.int64)
