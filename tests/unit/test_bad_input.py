"""Bad input gets one clear message before work starts; faults leave nothing half-written."""

import gc
import subprocess

import pytest
import xarray as xr

from bnlab.errors import BnlabError
from bnlab.history.read import differences, load_history
from bnlab.history.write import write_history
from bnlab.io import check_writable
from bnlab.spec.config import validate_config
from tests.conftest import default_config
from tests.synthetic import synthetic_history


@pytest.fixture
def config():
    return default_config()


def _message(config):
    with pytest.raises(BnlabError) as info:
        validate_config(config)
    return str(info.value)


def test_unit_beyond_the_layer_width(config):
    config["figures"]["unit_statistics"]["unit"] = 100  # the blog's choice
    assert (
        "figures.unit_statistics.unit = 100 is out of range; allowed: 0..63, since Dense_2 has 64 "
        "units" in _message(config)
    )


def test_gradient_element_outside_the_kernel(config):
    config["figures"]["gradient_trace"].update(row=60, col=10)  # the blog's choice
    assert "figures.gradient_trace (row, col) = (60, 10) is out of range" in _message(config)
    assert "Dense_3/kernel is 64 x 10" in _message(config)


def test_layer_not_in_the_models(config):
    config["studies"]["blog"]["model"] = ["baseline"]
    config["figures"]["unit_statistics"]["layer"] = "BatchNorm_1"
    assert (
        "figures.unit_statistics.layer = 'BatchNorm_1' is out of range; allowed: a layer of every "
        "model drawn: ['Dense_0'"
    ) in _message(config)


def test_layer_name_that_no_model_has(config):
    config["figures"]["unit_statistics"]["layer"] = "Dense_7"
    assert (
        "figures.unit_statistics.layer = 'Dense_7' is out of range; allowed: a layer of every "
        "model drawn"
    ) in _message(config)
    config["figures"]["unit_statistics"]["layer"] = "Dense 7"
    assert "figures.unit_statistics.layer = 'Dense 7' is not a valid name" in _message(config)


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
    assert (
        "figures.seed = 7 is out of range; allowed: one of the seeds of study 'blog': "
        "[42, 0, 1, 2, 3]"
    ) in _message(config)


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


# ---- values the schema alone lets through -----------------------------------


def test_a_built_in_model_cannot_be_redefined(config):
    config["architectures"] = {"baseline": {"normalization": "batch"}}
    assert (
        "architectures.baseline redefines the built-in model 'baseline'; give your variant a new name"
        in _message(config)
    )


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_numbers_are_rejected(config, value):
    config["training"]["learning_rate"] = value
    assert f"training.learning_rate = {value} is not a finite number" in _message(config)


def test_non_finite_number_deep_in_a_list(config):
    config["studies"]["lr_sweep"]["grids"][0]["learning_rate"] = [0.001, float("nan")]
    assert "studies.lr_sweep.grids.0.learning_rate.1 = nan is not a finite number" in _message(
        config
    )


@pytest.mark.parametrize(
    ("path", "value", "key"),
    [
        (
            ("diagnostics", "probe_steps"),
            [0.5, 0.01, 8],
            "diagnostics.probe_steps [low, high, count]",
        ),
        (("diagnostics", "histogram_range"), [100.0, -100.0], "diagnostics.histogram_range"),
    ],
)
def test_reversed_ranges_are_rejected(config, path, value, key):
    config[path[0]][path[1]] = value
    assert f"{key} = {value[:2]} must be [low, high] with low < high" in _message(config)


def test_noise_scale_below_one_is_rejected(config):
    """Algorithm 1 draws unit scales from U(1, n_sigma): n_sigma < 1 is no range."""
    config["architectures"] = {"odd": {"normalization": "noisy_batch", "noise_scale": 0.5}}
    assert "architectures.odd.noise_scale = 0.5 is out of range; it must be at least 1" in _message(
        config
    )
