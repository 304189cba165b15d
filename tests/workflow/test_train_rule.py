"""rule train through Snakemake on a small real-MNIST subset."""

import re

import pytest

from bnlab.history.read import load_history
from tests.conftest import snakemake, test_config


@pytest.fixture(scope="module")
def trained(tmp_path_factory, prepared_mnist, mnist_dir, tfds_dir):
    import shutil

    workdir = tmp_path_factory.mktemp("train")
    (workdir / "results/data").mkdir(parents=True)
    shutil.copy2(prepared_mnist, workdir / "results/data/mnist.nc")
    config = test_config(mnist_dir, tfds_dir)
    run = snakemake(
        workdir,
        config,
        "results/blog/histories/model=baseline/seed42.nc",
        "results/blog/histories/model=batchnorm/seed42.nc",
    )
    assert run.returncode == 0, run.stdout[-3000:]
    return workdir


@pytest.mark.parametrize("model", ["baseline", "batchnorm"])
def test_history_written_and_valid(trained, model):
    ds = load_history(trained / f"results/blog/histories/model={model}/seed42.nc")
    assert ds.attrs["model"] == model and ds.attrs["seed"] == 42
    assert list(ds.epoch.values) == [0, 1, 2]
    assert float(ds.test_accuracy[-1]) > 0.5 > float(ds.test_accuracy[0])
    assert ds.attrs["n_train"] == 2000 and ds.attrs["git_commit"]
    assert "jax" in ds.attrs["packages"]


def test_log_has_one_line_per_epoch(trained):
    log = (trained / "results/logs/train/blog/model=batchnorm/seed42.log").read_text()
    lines = re.findall(r"seed 42 epoch +(\d+)/2 .*train acc (\S+) +test acc (\S+) +(\S+) s", log)
    assert [int(epoch) for epoch, *_ in lines] == [0, 1, 2]
    assert (trained / "results/benchmarks/train/blog/model=batchnorm/seed42.tsv").is_file()


def test_training_imports_no_tensorflow(trained):
    # The train script runs in its own interpreter; bnlab.train.job must not pull TF in.
    import subprocess
    import sys

    code = (
        "import sys, bnlab.train.job, bnlab.train.loop, bnlab.history.write; "
        "print('tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
