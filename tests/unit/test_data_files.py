"""MNIST preparation, its checks, and pixel scaling."""

import shutil

import numpy as np
import pytest

from bnlab.data import mnist as data
from bnlab.data.mnist import MNIST_FILES, check_manual_files, load_mnist
from bnlab.errors import BnlabError

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_checksums_of_real_files(mnist_dir):
    assert check_manual_files(mnist_dir) == MNIST_FILES


def test_corrupt_file_is_named(mnist_dir, tmp_path):
    for name in MNIST_FILES:
        shutil.copy(mnist_dir / name, tmp_path / name)
    bad = tmp_path / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(bad.read_bytes())
    raw[100] ^= 0xFF
    bad.write_bytes(bytes(raw))
    with pytest.raises(BnlabError, match=r"t10k-labels-idx1-ubyte.gz is corrupt: its SHA-256"):
        check_manual_files(tmp_path)


def test_partial_set_names_missing_files(mnist_dir, tmp_path):
    shutil.copy(mnist_dir / "train-images-idx3-ubyte.gz", tmp_path)
    with pytest.raises(BnlabError, match=r"missing from .*t10k-images-idx3-ubyte.gz"):
        check_manual_files(tmp_path)


def test_no_files_and_offline_says_where_to_put_them(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "_online", lambda: False)
    with pytest.raises(BnlabError) as info:
        data.fetch_mnist(tmp_path / "empty", tmp_path / "tfds")
    message = str(info.value)
    assert "no internet connection" in message
    assert all(name in message for name in MNIST_FILES)
    assert str(tmp_path / "empty") in message


def test_foreign_netcdf_is_an_error(tmp_path):
    import xarray as xr

    foreign = tmp_path / "other.nc"
    xr.Dataset({"x": ("t", np.arange(3))}).to_netcdf(foreign)
    with pytest.raises(BnlabError, match="is not a bnlab MNIST file"):
        load_mnist(foreign)
