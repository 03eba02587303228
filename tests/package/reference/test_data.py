"""The data loaders: scikit-learn's digits, the deterministic split, and MNIST's IDX
format on small files written here (nothing is downloaded)."""

import gzip
import re
import struct
import subprocess
import sys

import numpy as np
import pytest

from mytorch import data

pytestmark = pytest.mark.ch06

# IDX dtype codes, from the format's description on the MNIST page.
CODES = {np.dtype("uint8"): 0x08, np.dtype("int8"): 0x09, np.dtype("int16"): 0x0B,
         np.dtype("int32"): 0x0C, np.dtype("float32"): 0x0D, np.dtype("float64"): 0x0E}


def idx_bytes(array):
    """Encode ``array`` as an IDX file by hand: 0, 0, dtype code, ndim, big-endian sizes, data."""
    array = np.asarray(array)
    header = bytes([0, 0, CODES[array.dtype], array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write(path, payload, compress=False):
    path.write_bytes(gzip.compress(payload) if compress else payload)
    return path


# ---------------------------------------------------------------------------- digits
def test_load_digits_shape_range_dtype():
    X, y = data.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(np.unique(y), np.arange(10))
    # Pixel counts run 0..16, so every scaled value is a multiple of 1/16.
    np.testing.assert_array_equal(X * 16, np.round(X * 16))



def test_load_digits_reads_what_scikit_learn_reads():
    from sklearn.datasets import load_digits as sklearn_load_digits

    X, y = data.load_digits()
    digits = sklearn_load_digits()
    np.testing.assert_array_equal(X * 16, digits.data)
    np.testing.assert_array_equal(y, digits.target)


def test_load_digits_does_not_import_scikit_learn():
    code = "import sys; from mytorch.data import load_digits; load_digits(); print('sklearn' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_split_is_deterministic_and_a_partition():
    X = np.arange(50, dtype=float).reshape(25, 2)
    y = np.arange(25)
    X_train, X_test, y_train, y_test = data.split(X, y, test_fraction=0.2, seed=3)
    assert X_train.shape == (20, 2) and X_test.shape == (5, 2)
    np.testing.assert_array_equal(np.sort(np.concatenate([y_train, y_test])), y)
    np.testing.assert_array_equal(X_test[:, 0], 2 * y_test)  # rows stay with their labels
    again = data.split(X, y, test_fraction=0.2, seed=3)
    np.testing.assert_array_equal(again[3], y_test)
    assert not np.array_equal(data.split(X, y, test_fraction=0.2, seed=4)[3], y_test)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.5, 0.01])
def test_split_bad_fraction(fraction):
    with pytest.raises(ValueError, match=r"expected 0 < test_fraction < 1|expected test_fraction \* N to round"):
        data.split(np.zeros((10, 2)), np.zeros(10), test_fraction=fraction)


def test_split_mismatched_lengths():
    with pytest.raises(ValueError, match=re.escape("got X of shape (10, 2) and y of shape (9,)")):
        data.split(np.zeros((10, 2)), np.zeros(9))


# ------------------------------------------------------------------------------- IDX
@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("dtype", list(CODES))
def test_read_idx_round_trip(tmp_path, dtype, compress):
    # Negative values too, except for the one unsigned type.
    array = (np.arange(24) - (0 if dtype == np.uint8 else 12)).reshape(2, 3, 4).astype(dtype)
    path = write(tmp_path / "a.idx", idx_bytes(array), compress)
    out = data.read_idx(path)
    assert out.shape == array.shape and out.dtype == array.dtype and out.dtype.isnative
    np.testing.assert_array_equal(out, array)


def test_read_idx_knows_big_endian(tmp_path):
    # 0x0102 read big-endian is 258; read little-endian it would be 513.
    path = write(tmp_path / "a.idx", bytes([0, 0, 0x0B, 1, 0, 0, 0, 1, 0x01, 0x02]))
    np.testing.assert_array_equal(data.read_idx(path), [258])


def test_read_idx_wrong_magic_number(tmp_path):
    path = write(tmp_path / "a.idx", b"\x1f\x00\x08\x01" + bytes(8))
    with pytest.raises(ValueError, match="expected an IDX magic number 00 00 <dtype code in 0x08, .*> <ndim> .*got 1F 00 08 01"):
        data.read_idx(path)


def test_read_idx_unknown_dtype_code(tmp_path):
    path = write(tmp_path / "a.idx", bytes([0, 0, 0x07, 1, 0, 0, 0, 1, 5]))
    with pytest.raises(ValueError, match="got 00 00 07 01"):
        data.read_idx(path)


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_truncated_data(tmp_path, compress):
    payload = idx_bytes(np.zeros((3, 4, 4), dtype=np.uint8))[:-5]
    path = write(tmp_path / "a.idx", payload, compress)
    with pytest.raises(ValueError, match=re.escape("is truncated: expected 64 bytes for shape (3, 4, 4) of uint8, got 59")):
        data.read_idx(path)


def test_read_idx_truncated_header(tmp_path):
    path = write(tmp_path / "a.idx", bytes([0, 0, 0x08, 3, 0, 0, 0, 3]))
    with pytest.raises(ValueError, match=re.escape("is truncated: expected a 16-byte header for 3 dimensions, got 8 bytes")):
        data.read_idx(path)


def test_read_idx_extra_bytes(tmp_path):
    path = write(tmp_path / "a.idx", idx_bytes(np.zeros(4, dtype=np.uint8)) + b"\x00")
    with pytest.raises(ValueError, match=re.escape("longer than its header says: expected 12 bytes for shape (4,) of uint8, got 13")):
        data.read_idx(path)


def test_read_idx_empty_file(tmp_path):
    path = write(tmp_path / "a.idx", b"\x00\x00")
    with pytest.raises(ValueError, match="expected at least a 4-byte magic number .*, got 2 bytes"):
        data.read_idx(path)


def test_read_idx_damaged_gzip(tmp_path):
    path = write(tmp_path / "a.idx.gz", gzip.compress(idx_bytes(np.zeros((50, 8), dtype=np.uint8)))[:-10])
    with pytest.raises(ValueError, match="damaged or truncated gzip file"):
        data.read_idx(path)


# ----------------------------------------------------------------------------- MNIST
def write_mnist(folder, prefix, images, labels, compress):
    suffix = ".gz" if compress else ""
    write(folder / f"{prefix}-images-idx3-ubyte{suffix}", idx_bytes(images), compress)
    write(folder / f"{prefix}-labels-idx1-ubyte{suffix}", idx_bytes(labels), compress)


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("kind,prefix", [("train", "train"), ("test", "t10k")])
def test_load_mnist(tmp_path, compress, kind, prefix):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    images[0, 0, 0], images[0, 0, 1] = 0, 255
    labels = np.array([7, 2, 1, 0, 4], dtype=np.uint8)
    write_mnist(tmp_path, prefix, images, labels, compress)
    X, y = data.load_mnist(tmp_path, kind=kind)
    assert X.shape == (5, 784) and X.dtype == np.float64
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, labels)
    np.testing.assert_allclose(X, images.reshape(5, 784) / 255.0, rtol=1e-15)
    assert X.min() == 0.0 and X.max() == 1.0


def test_load_mnist_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="expected one of train-images-idx3-ubyte, .* got none of them"):
        data.load_mnist(tmp_path)


def test_load_mnist_not_a_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="expected a folder holding the MNIST IDX files"):
        data.load_mnist(tmp_path / "nowhere")


def test_load_mnist_bad_kind(tmp_path):
    with pytest.raises(ValueError, match="expected kind 'train' or 'test', got 'validation'"):
        data.load_mnist(tmp_path, kind="validation")


def test_load_mnist_label_count_mismatch(tmp_path):
    write_mnist(tmp_path, "train", np.zeros((3, 28, 28), np.uint8), np.zeros(2, np.uint8), compress=False)
    with pytest.raises(ValueError, match=re.escape("expected 3 labels, one per image, got shape (2,)")):
        data.load_mnist(tmp_path)


def test_load_mnist_images_and_labels_swapped(tmp_path):
    write(tmp_path / "train-images-idx3-ubyte", idx_bytes(np.zeros(3, np.uint8)))
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(np.zeros(3, np.uint8)))
    with pytest.raises(ValueError, match=re.escape("expected images as a 3-D uint8 array (N, rows, cols), got a 1-D uint8 array of shape (3,)")):
        data.load_mnist(tmp_path)


def test_importing_mytorch_does_not_import_sklearn_or_torch():
    import subprocess
    import sys

    code = "import sys, mytorch; print(any(m.split('.')[0] in ('sklearn', 'torch') for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
