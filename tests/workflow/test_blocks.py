"""A block of runs per training job (bnlab.spec.blocks, bnlab.train.job):
histories equal those of one run per job bit for bit, for the MLP and the
deep linear network, blocks of one setting and blocks spanning a study's
axes (depth's widths, the network's learning rates), under native and
portable numerics."""

import re

import numpy as np
import pytest

from bnlab.history.read import differences, load_history
from tests.conftest import snakemake, test_config

SEEDS = [42, 0, 1]
HISTORIES = [
    *(
        f"results/blog/histories/model={m}/seed{s}.nc"
        for m in ("baseline", "batchnorm")
        for s in SEEDS
    ),
    *(
        f"results/dln/histories/learning_rate={rate}/model=batchnorm/seed{s}.nc"
        for rate in ("1e-06", "1e-07")
        for s in SEEDS
    ),
    *(
        f"results/depth/histories/widths={widths}/model=batchnorm/seed{s}.nc"
        for widths in ("256-128-64", "256-256-128-128-64-64")
        for s in SEEDS
    ),
]


def trained(workdir, mnist, config):
    (workdir / "results/data").mkdir(parents=True)
    (workdir / "results/data/mnist.nc").symlink_to(mnist)
    run = snakemake(workdir, config, *HISTORIES)
    assert run.returncode == 0, run.stdout[-3000:]
    return run.stdout


@pytest.mark.parametrize("numerics", ["native", "portable"])
def test_a_block_job_writes_the_histories_one_run_jobs_write(
    tmp_path, prepared_mnist, mnist_dir, tfds_dir, numerics
):
    config = test_config(mnist_dir, tfds_dir, training={"cpu_numerics": numerics})
    config["studies"]["blog"]["seed"] = SEEDS
    config["studies"]["dln"]["seed"] = SEEDS
    config["studies"]["depth"]["seed"] = SEEDS
    if numerics == "portable":  # the smoke config's products, portable-sized
        config["diagnostics"] = {"eval_chunk": 250, "probe_examples": 256}
    outputs = {}
    for size in (1, 3):
        blocks = {"seeds_per_job": size, "jobs_span_axes": size > 1}
        out = trained(tmp_path / f"block{size}", prepared_mnist, {**config, **blocks})
        # One run per job, or one job per model spanning the axes.
        for study, jobs in (("blog", (6, 2)), ("dln", (6, 1)), ("depth", (6, 1))):
            count = len(re.findall(rf"rule train_{study}_\d+:", out))  # not dln_sweep's
            assert count == jobs[size > 1], out[-3000:]
        outputs[size] = tmp_path / f"block{size}"
    for path in HISTORIES:
        a, b = load_history(outputs[1] / path), load_history(outputs[3] / path)
        assert differences(a, b) == [], path


def test_a_vectorized_block_matches_the_sequential_one(
    tmp_path, prepared_mnist, mnist_dir, tfds_dir
):
    """training.vectorize_seeds through the workflow: one job per model trains
    its three seeds as one program, and the histories record it. Under Adam on
    MNIST rounding differences grow step by step (tests/unit/test_vectorized.py
    bounds them on synthetic data), so the first steps agree closely and the
    trained runs reach the same accuracy within a point."""
    config = test_config(mnist_dir, tfds_dir)
    config["studies"]["blog"]["seed"] = SEEDS
    blog = [path for path in HISTORIES if "/blog/" in path]
    runs = {}
    for vectorize in (False, True):
        workdir = tmp_path / f"vectorize_{vectorize}"
        (workdir / "results/data").mkdir(parents=True)
        (workdir / "results/data/mnist.nc").symlink_to(prepared_mnist)
        changed = {**config, "training": {**config["training"], "vectorize_seeds": vectorize}}
        run = snakemake(workdir, changed, *blog)
        assert run.returncode == 0, run.stdout[-3000:]
        runs[vectorize] = workdir
    for path in blog:
        a, b = load_history(runs[False] / path), load_history(runs[True] / path)
        assert '"vectorize_seeds": true' in b.attrs["config"]
        assert "vectorize_seeds" not in a.attrs["config"]  # left out at its default
        # The same weights and batch: the first loss differs in its last bit at most.
        np.testing.assert_allclose(b.step_loss[0, 0], a.step_loss[0, 0], rtol=1e-6)
        # Adam's first steps move every weight by about the learning rate,
        # whatever a gradient's size, so rounding in tiny gradients shows at once.
        np.testing.assert_allclose(b.step_loss[0, :5], a.step_loss[0, :5], rtol=1e-3)
        assert abs(float(b.test_accuracy[-1]) - float(a.test_accuracy[-1])) < 0.01
