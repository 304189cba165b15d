"""Bad input gets one clear message before work starts; faults leave nothing half-written."""

import copy
import gc
import os
import shutil
import signal
import subprocess
import time

import pytest
import xarray as xr
import yaml

from bnlab.config import validate_config
from bnlab.errors import BnlabError
from bnlab.history import differences, load_history, write_history
from bnlab.io import check_writable

from .conftest import BIN, REPO, snakemake, test_config
from .synthetic import synthetic_history


@pytest.fixture
def config():
    return yaml.safe_load((REPO / "config/config.yaml").read_text())


def _message(config):
    with pytest.raises(BnlabError) as info:
        validate_config(config)
    return str(info.value)


# ---- indices that JAX would silently clamp ----------------------------------


def test_unit_beyond_the_layer_width(config):
    config["figures"]["unit_statistics"]["unit"] = 100  # the blog's choice
    assert (
        "figures.unit_statistics.unit = 100 is out of range; allowed: 0..63, since Dense_2 has 64 units"
        in _message(config)
    )


def test_gradient_element_outside_the_kernel(config):
    config["figures"]["gradient_trace"].update(row=60, col=10)  # the blog's choice
    assert "figures.gradient_trace (row, col) = (60, 10) is out of range" in _message(config)
    assert "Dense_3/kernel is 64 x 10" in _message(config)


def test_layer_not_in_the_models(config):
    config["models"] = ["baseline"]
    config["figures"]["unit_statistics"]["layer"] = "BatchNorm_1"
    assert (
        "figures.unit_statistics.layer = 'BatchNorm_1' is out of range; allowed: a layer of the models ['baseline']"
        in _message(config)
    )


def test_layer_name_that_no_model_has(config):
    config["figures"]["unit_statistics"]["layer"] = "Dense_7"
    assert "figures.unit_statistics.layer = 'Dense_7' is not a valid name" in _message(config)


def test_epoch_to_show_beyond_training(config):
    config["figures"]["activations"]["epochs"] = [0, 5, 25]
    assert (
        "figures.activations.epochs = [0, 5, 25] is out of range; allowed: epochs 0..20"
        in _message(config)
    )


def test_gradient_figure_of_an_unrecorded_epoch(config):
    config["figures"]["gradient_trace"]["epoch"] = 2
    assert (
        "figures.gradient_trace.epoch = 2 is out of range; allowed: one of diagnostics.gradient_epochs = [1]"
        in _message(config)
    )


def test_x_range_beyond_the_recorded_histograms(config):
    config["figures"]["activations"]["xlim"] = 150
    assert "within diagnostics.histogram_range [-100.0, 100.0]" in _message(config)


def test_figure_seed_that_was_not_trained(config):
    config["figures"]["seed"] = 7
    assert "figures.seed = 7 is out of range; allowed: one of the figure seeds" in _message(config)


# ---- bad files -----------------------------------------------------------------


def test_truncated_history_is_named(tmp_path):
    path = tmp_path / "seed1.nc"
    write_history(synthetic_history("baseline", 1), path)
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(BnlabError, match="history file .*seed1.nc cannot be read .* truncated"):
        load_history(path)


def test_differences_finds_a_changed_value():
    a = synthetic_history("baseline", 1)
    b = a.copy(deep=True)
    assert differences(a, b) == []
    b["test_loss"][0] += 1e-3
    b.attrs["seed"] = 2
    assert differences(a, b) == ["variable test_loss", "attribute seed"]


def test_foreign_netcdf_is_not_a_history(tmp_path):
    path = tmp_path / "other.nc"
    xr.Dataset({"x": ("t", [1, 2])}).to_netcdf(path)
    with pytest.raises(BnlabError, match="is not a bnlab history"):
        load_history(path)


def test_history_missing_a_variable(tmp_path):
    path = tmp_path / "seed1.nc"
    write_history(synthetic_history("baseline", 1).drop_vars("tracked_grad"), path)
    with pytest.raises(BnlabError, match="variable 'tracked_grad' should have dims"):
        load_history(path)


def _workdir_with(tmp_path, prepared_mnist, mnist_dir, tfds_dir):
    (tmp_path / "results/data").mkdir(parents=True)
    shutil.copy2(prepared_mnist, tmp_path / "results/data/mnist.nc")
    return test_config(mnist_dir, tfds_dir)


def test_figure_rule_given_a_truncated_history(tmp_path, prepared_mnist, mnist_dir, tfds_dir):
    config = _workdir_with(tmp_path, prepared_mnist, mnist_dir, tfds_dir)
    for model in ("baseline", "batchnorm"):
        path = tmp_path / f"results/histories/{model}/seed42.nc"
        path.parent.mkdir(parents=True)
        path.write_bytes(b"CDF\x01 truncated")
    run = snakemake(tmp_path, config, "results/figures/gradient_trace.png")
    assert run.returncode != 0
    assert (
        "bnlab error: history file results/histories/baseline/seed42.nc cannot be read"
        in run.stdout
    )
    assert not (tmp_path / "results/figures/gradient_trace.png").exists()


def test_train_rule_given_a_truncated_mnist_file(tmp_path, prepared_mnist, mnist_dir, tfds_dir):
    config = _workdir_with(tmp_path, prepared_mnist, mnist_dir, tfds_dir)
    data = tmp_path / "results/data/mnist.nc"
    data.write_bytes(data.read_bytes()[:1_000_000])
    run = snakemake(tmp_path, config, "results/histories/baseline/seed42.nc")
    assert run.returncode != 0
    assert "prepared MNIST file results/data/mnist.nc cannot be read" in run.stdout
    assert not (tmp_path / "results/histories/baseline/seed42.nc").exists()


# ---- read-only and full disks --------------------------------------------------


@pytest.fixture
def mounted(tmp_path):
    """Mount a tiny tmpfs with the given options; unmount afterwards."""
    mounts = []

    def mount(options):
        target = tmp_path / f"mnt{len(mounts)}"
        target.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], capture_output=True
        )
        assert done.returncode == 0, f"tests need to mount a tmpfs (run as root): {done.stderr}"
        mounts.append(target)
        return target

    yield mount
    gc.collect()  # a failed netCDF write may hold its file open until collected
    for target in mounts:
        subprocess.run(["umount", "--lazy", str(target)], check=True)


def test_read_only_results_fail_before_training(mounted):
    target = mounted("ro,size=1m") / "histories/baseline/seed42.nc"
    with pytest.raises(BnlabError, match="cannot write .*seed42.nc: Read-only file system"):
        check_writable(target)


def test_full_disk_leaves_no_partial_history(mounted):
    folder = mounted("size=64k")
    with pytest.raises(BnlabError, match="cannot write .*seed1.nc"):
        write_history(synthetic_history("baseline", 1), folder / "seed1.nc")
    assert list(folder.iterdir()) == []


# ---- kill, rerun, compare ------------------------------------------------------


def test_killed_job_reruns_to_the_same_history(tmp_path, prepared_mnist, mnist_dir, tfds_dir):
    target = "results/histories/batchnorm/seed42.nc"
    config = test_config(mnist_dir, tfds_dir, training={"train_examples": 20000, "epochs": 3})
    runs = {}
    for name in ("killed", "clean"):
        runs[name] = tmp_path / name
        (runs[name] / "results/data").mkdir(parents=True)
        shutil.copy2(prepared_mnist, runs[name] / "results/data/mnist.nc")
        (runs[name] / "config").mkdir()
        (runs[name] / "config/config.yaml").write_text(yaml.safe_dump(config))

    workdir = runs["killed"]
    cmd = [
        str(BIN / "snakemake"),
        "-s",
        str(REPO / "Snakefile"),
        "-d",
        str(workdir),
        "--cores",
        "1",
        target,
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    log = workdir / "results/logs/train/batchnorm/seed42.log"
    deadline = time.time() + 300
    while time.time() < deadline and not (log.exists() and "epoch   1/3" in log.read_text()):
        time.sleep(0.2)
    assert "epoch   1/3" in log.read_text(), "training never reached epoch 1"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (workdir / target).exists()

    # A SIGKILLed Snakemake leaves its lock behind: unlock, then rerun.
    assert snakemake(workdir, config, "--unlock").returncode == 0
    rerun = snakemake(workdir, config, "--rerun-incomplete", target)
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    assert list((workdir / target).parent.glob(".*")) == []  # no stale temporaries
    clean = snakemake(runs["clean"], copy.deepcopy(config), target)
    assert clean.returncode == 0, clean.stdout[-3000:]

    a, b = load_history(workdir / target), load_history(runs["clean"] / target)
    xr.testing.assert_identical(a.drop_attrs(), b.drop_attrs())
    assert differences(a, b) == []  # bit for bit, NaN padding and provenance included
