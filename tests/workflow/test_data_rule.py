"""The prepare_data rule through Snakemake, on the real files."""

import shutil

from bnlab.data.mnist import MNIST_FILES
from tests.conftest import snakemake, test_config


def test_missing_data_folder_stops_with_one_message(tmp_path):
    # An empty tfds folder and no manual files: the rule must fail without output.
    config = test_config(tmp_path / "nowhere", tmp_path / "tfds")
    run = snakemake(tmp_path, config, "results/data/mnist.nc", env_offline=True)
    assert run.returncode != 0
    assert "bnlab error: MNIST is not available offline" in run.stdout
    assert not (tmp_path / "results/data/mnist.nc").exists()


def test_corrupt_gzip_stops_with_the_file_named(tmp_path, mnist_dir):
    manual = tmp_path / "manual"
    manual.mkdir()
    for name in MNIST_FILES:
        shutil.copy(mnist_dir / name, manual / name)
    (manual / "train-labels-idx1-ubyte.gz").write_bytes(b"not gzip")
    config = test_config(manual, tmp_path / "tfds")
    run = snakemake(tmp_path, config, "results/data/mnist.nc")
    assert run.returncode != 0
    assert "train-labels-idx1-ubyte.gz is corrupt" in run.stdout
    assert not (tmp_path / "results/data/mnist.nc").exists()
