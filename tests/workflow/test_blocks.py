"""A block of runs per training job (bnlab.spec.blocks, bnlab.train.job):
histories equal those of one run per job bit for bit, for the MLP and the
deep linear network, under native and portable numerics."""

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
    *(f"results/dln/histories/learning_rate=1e-06/model=lp1_batchnorm/seed{s}.nc" for s in SEEDS),
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
    if numerics == "portable":  # the smoke config's products, portable-sized
        config["diagnostics"] = {"eval_chunk": 250, "probe_examples": 256}
    outputs = {}
    for size in (1, 3):
        out = trained(tmp_path / f"block{size}", prepared_mnist, {**config, "seeds_per_job": size})
        jobs = out.count("rule train_blog_")
        assert jobs == (6 if size == 1 else 2), out[-3000:]  # one job per block and model
        outputs[size] = tmp_path / f"block{size}"
    for path in HISTORIES:
        a, b = load_history(outputs[1] / path), load_history(outputs[3] / path)
        assert differences(a, b) == [], path
