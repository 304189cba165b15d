"""MNIST preparation, its checks, and pixel scaling."""

import numpy as np
import pytest

from bnlab.data.mnist import load_mnist
from bnlab.data.pixels import scale_pixels, scaling_stats
from bnlab.errors import BnlabError

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_prepared_file_holds_mnist(prepared_mnist):
    ds = load_mnist(prepared_mnist)
    assert ds.train_images.shape == (60000, 28, 28)
    assert ds.test_images.shape == (10000, 28, 28)
    assert ds.train_images.dtype == np.uint8
    assert int(ds.train_images.min()) == 0 and int(ds.train_images.max()) == 255
    assert np.bincount(ds.train_labels.values).tolist() == TRAIN_COUNTS
    assert np.bincount(ds.test_labels.values).tolist() == TEST_COUNTS
    # tfds's order, not the raw files' order: its first labels are stable
    assert ds.train_labels.values[:10].tolist() == [4, 1, 0, 7, 8, 1, 2, 7, 1, 6]
    assert ds.attrs["tfds_version"] and "train-images-idx3-ubyte.gz" in ds.attrs["source_sha256"]


def test_truncated_mnist_file_is_an_error(prepared_mnist, tmp_path):
    bad = tmp_path / "mnist.nc"
    bad.write_bytes(prepared_mnist.read_bytes()[:100_000])
    with pytest.raises(BnlabError, match="cannot be read .* truncated or not NetCDF"):
        load_mnist(bad)


def test_train_scaling_uses_train_stats_for_both(prepared_mnist):
    ds = load_mnist(prepared_mnist)
    stats = scaling_stats(ds, "train")
    assert stats["train"] == stats["test"]
    x = scale_pixels(ds.train_images.values, stats["train"])
    assert x.dtype == np.float32 and x.shape == (60000, 784)
    assert abs(float(x.max()) - 1.0) < 1e-6
    assert abs(float(x.mean())) < 1e-3


def test_per_split_scaling_matches_the_blog(prepared_mnist):
    ds = load_mnist(prepared_mnist)
    stats = scaling_stats(ds, "per_split")
    assert stats["train"] != stats["test"]
    x = scale_pixels(ds.test_images.values, stats["test"])
    assert abs(float(x.max()) - 1.0) < 1e-6  # each split's own max maps to 1
