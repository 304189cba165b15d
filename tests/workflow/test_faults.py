"""Faults through the workflow: bad files given to rules, a killed job rerun."""

import copy
import os
import shutil
import signal
import subprocess
import time

import xarray as xr
import yaml

from bnlab.history.read import differences, load_history
from tests.conftest import BIN, REPO, snakemake, test_config


def _workdir_with(tmp_path, prepared_mnist, mnist_dir, tfds_dir):
    (tmp_path / "results/data").mkdir(parents=True)
    shutil.copy2(prepared_mnist, tmp_path / "results/data/mnist.nc")
    return test_config(mnist_dir, tfds_dir)


def test_figure_rule_given_a_truncated_history(tmp_path, prepared_mnist, mnist_dir, tfds_dir):
    config = _workdir_with(tmp_path, prepared_mnist, mnist_dir, tfds_dir)
    for model in ("baseline", "batchnorm"):
        path = tmp_path / f"results/blog/histories/model={model}/seed42.nc"
        path.parent.mkdir(parents=True)
        path.write_bytes(b"CDF\x01 truncated")
    run = snakemake(tmp_path, config, "results/figures/gradient_trace.png")
    assert run.returncode != 0
    assert (
        "bnlab error: history file results/blog/histories/model=baseline/seed42.nc cannot be read"
        in run.stdout
    )
    assert not (tmp_path / "results/figures/gradient_trace.png").exists()


def test_train_rule_given_a_truncated_mnist_file(tmp_path, prepared_mnist, mnist_dir, tfds_dir):
    config = _workdir_with(tmp_path, prepared_mnist, mnist_dir, tfds_dir)
    data = tmp_path / "results/data/mnist.nc"
    data.write_bytes(data.read_bytes()[:1_000_000])
    run = snakemake(tmp_path, config, "results/blog/histories/model=baseline/seed42.nc")
    assert run.returncode != 0
    assert "prepared MNIST file results/data/mnist.nc cannot be read" in run.stdout
    assert not (tmp_path / "results/blog/histories/model=baseline/seed42.nc").exists()


def test_a_block_killed_mid_way_keeps_its_finished_runs(
    tmp_path, prepared_mnist, mnist_dir, tfds_dir
):
    """kill -9 while a block trains its second seed: the rerun keeps the first
    seed's finished run, trains the second, and both equal a clean run's bit
    for bit."""
    config = test_config(mnist_dir, tfds_dir, training={"train_examples": 20000, "epochs": 3})
    config["studies"]["blog"]["seed"] = [42, 0]
    targets = [f"results/blog/histories/model=batchnorm/seed{s}.nc" for s in (42, 0)]
    runs = {}
    for name in ("killed", "clean"):
        runs[name] = tmp_path / name
        (runs[name] / "results/data").mkdir(parents=True)
        shutil.copy2(prepared_mnist, runs[name] / "results/data/mnist.nc")
        (runs[name] / "config").mkdir()
        (runs[name] / "config/config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))

    workdir = runs["killed"]
    cmd = [str(BIN / "snakemake"), "-s", str(REPO / "Snakefile"), "-d", str(workdir)]
    proc = subprocess.Popen(
        [*cmd, "--cores", "1", *targets],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    log = workdir / "results/logs/train/blog/model=batchnorm/seeds42-0.log"
    deadline = time.time() + 300
    while time.time() < deadline and not (log.exists() and "seed 0 epoch   1/3" in log.read_text()):
        time.sleep(0.2)
    assert "seed 0 epoch   1/3" in log.read_text(), "the block never reached its second seed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not any((workdir / target).exists() for target in targets)

    # A SIGKILLed Snakemake leaves its lock behind: unlock, then rerun.
    assert snakemake(workdir, config, "--unlock").returncode == 0
    rerun = snakemake(workdir, config, "--rerun-incomplete", *targets)
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    log = log.read_text()
    assert "seed 42: finished before the job stopped; kept" in log
    assert "seed 42 epoch" not in log and "seed 0 epoch   3/3" in log  # only seed 0 retrained
    for target in targets:  # no stale temporaries, no unfinished runs
        assert list((workdir / target).parent.glob(".*")) == []
    clean = snakemake(runs["clean"], copy.deepcopy(config), *targets)
    assert clean.returncode == 0, clean.stdout[-3000:]

    for target in targets:
        a, b = load_history(workdir / target), load_history(runs["clean"] / target)
        xr.testing.assert_identical(a.drop_attrs(), b.drop_attrs())
        assert differences(a, b) == []  # bit for bit, NaN padding and provenance included


def test_bad_config_stops_before_any_work(tmp_path, mnist_dir, tfds_dir):
    """Through Snakemake: one message, nothing made (every config error's message
    is a unit test: tests/unit/test_config.py, test_bad_input.py)."""
    config = test_config(mnist_dir, tfds_dir, training={"learning_rate": float("nan")})
    run = snakemake(tmp_path, config)
    assert run.returncode != 0
    assert "bnlab error: invalid config: training.learning_rate = nan is not a" in run.stdout
    assert not (tmp_path / "results").exists()
