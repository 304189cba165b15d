"""A new study is a config entry: the same workflow, with no code changed,
trains its grid and draws its figure and paired table, and open_study opens
it with its axis as a dimension."""

import shutil

import pandas as pd
import pytest

from bnlab.history.study import open_study
from bnlab.spec.config import validate_config
from tests.conftest import snakemake, test_config

BATCH_SIZE = {
    "model": ["batchnorm", "layernorm"],
    "seed": [0, 1],
    "set": {"epochs": 1},
    "grids": [{"batch_size": [8, 32, 128]}],
}
DEPTH = {
    "model": ["baseline", "batchnorm"],
    "seed": [0, 1],
    "set": {"epochs": 1},
    "grids": [{"widths": [[256, 128, 64], [64] * 8]}],
}


def study_config(mnist_dir, tfds_dir, name, study, reference):
    """The smoke config (2,000 training images) plus one study, its accuracy
    figure and its paired table, built by `snakemake <name>`."""
    config = test_config(mnist_dir, tfds_dir)
    config["studies"][name] = study
    config["figures"]["more"] = {
        f"{name}_accuracy": {"like": "accuracy", "study": name, "target": name},
        f"{name}_table": {
            "like": "final_accuracy",
            "study": name,
            "reference": reference,
            "target": name,
        },
    }
    return config


def build(tmp_path, prepared_mnist, config, name):
    (tmp_path / "results/data").mkdir(parents=True)
    shutil.copy2(prepared_mnist, tmp_path / "results/data/mnist.nc")
    run = snakemake(tmp_path, config, name)
    assert run.returncode == 0, run.stdout[-4000:]
    assert (tmp_path / f"results/figures/{name}_accuracy.png").stat().st_size > 10_000
    return pd.read_csv(tmp_path / f"results/tables/{name}_table.csv")


@pytest.mark.parametrize("name, study, reference", [("bs", BATCH_SIZE, "layernorm")])
def test_a_batch_size_study_from_the_config_alone(
    tmp_path, prepared_mnist, mnist_dir, tfds_dir, name, study, reference
):
    config = study_config(mnist_dir, tfds_dir, name, study, reference)
    table = build(tmp_path, prepared_mnist, config, name)
    paired = table[(table.model == "batchnorm - layernorm") & table.seed.str.startswith("mean")]
    assert list(paired.batch_size) == [8, 32, 128]
    assert list(paired.seed) == ["mean over 2 paired seeds"] * 3

    ds = open_study(name, validate_config(config), root=tmp_path)
    assert ds.test_accuracy.dims[:3] == ("batch_size", "model", "seed")
    assert list(ds.batch_size.values) == [8, 32, 128]
    assert ds.sizes["seed"] == 2 and list(ds.model.values) == ["batchnorm", "layernorm"]
    # Each batch size trains its own number of steps: the shorter are padded.
    assert ds.sizes["step"] == 2000 // 8
    steps = ds.step_loss.sel(batch_size=128).notnull().sum("step")
    assert int(steps.max()) == -(-2000 // 128)  # the last, smaller batch is a step too
    final = ds.test_accuracy.sel(epoch=1)
    for b in (8, 32, 128):
        diff = final.sel(batch_size=b, model="batchnorm") - final.sel(
            batch_size=b, model="layernorm"
        )
        row = paired[paired.batch_size == b].iloc[0]
        assert float(diff.mean("seed")) == pytest.approx(row.test_acc_epoch1, abs=5e-5)


def test_a_depth_study_from_the_config_alone(tmp_path, prepared_mnist, mnist_dir, tfds_dir):
    config = study_config(mnist_dir, tfds_dir, "deeper", DEPTH, "baseline")
    table = build(tmp_path, prepared_mnist, config, "deeper")
    paired = table[(table.model == "batchnorm - baseline") & table.seed.str.startswith("mean")]
    assert list(paired.widths) == ["256-128-64", "64-64-64-64-64-64-64-64"]

    ds = open_study("deeper", validate_config(config), root=tmp_path)
    assert list(ds.widths.values) == ["256-128-64", "64-64-64-64-64-64-64-64"]
    deep = ds.sel(widths="64-64-64-64-64-64-64-64", model="batchnorm", seed=0)
    assert "Dense_8" in deep.layer.values and "BatchNorm_7" in deep.layer.values
    assert int(deep.layer_width.sel(layer="Dense_8")) == 10
    assert bool(deep.Dense_8_kernel.notnull().any())
