"""Config validation: each bad value gets one message naming key, value, rule."""

import copy

import pytest
import yaml

from bnlab.config import validate_config
from bnlab.errors import BnlabError
from tests.conftest import REPO


@pytest.fixture
def config():
    return yaml.safe_load((REPO / "config/config.yaml").read_text())


def test_default_config_is_valid(config):
    resolved = validate_config(config)
    assert resolved["training"]["epochs"] == 20
    assert resolved["studies"]["blog"]["seed"] == [42, 0, 1, 2, 3]
    assert resolved["data"]["pixel_scaling"] == "train"


def test_defaults_fill_missing_keys(config):
    del config["training"]["drop_remainder"]
    assert validate_config(config)["training"]["drop_remainder"] is False


def _error(config):
    with pytest.raises(BnlabError) as info:
        validate_config(config)
    message = str(info.value)
    assert "\n" not in message  # one paragraph
    return message


BAD = [
    (("training", "epoch"), 5, "unknown key ['epoch'] under 'training'"),
    (("training", "epochs"), "ten", "training.epochs = 'ten' has the wrong type"),
    (("training", "epochs"), 0, "training.epochs = 0 is out of range; it must be at least 1"),
    (("training", "epochs"), -3, "training.epochs = -3 is out of range"),
    (("training", "batch_size"), 0, "training.batch_size = 0 is out of range"),
    (("training", "learning_rate"), 0, "it must be greater than 0"),
    (("training", "learning_rate"), -0.1, "training.learning_rate = -0.1 is out of range"),
    (("studies", "blog", "seed"), [1, 1], "studies.blog.seed = [1, 1] has duplicate entries"),
    (("studies", "blog", "seed"), [-1], "studies.blog.seed.0 = -1 is out of range; it must be"),
    (("studies", "blog", "seed"), [], "studies.blog.seed is empty"),
    (("studies", "blog", "model"), [], "studies.blog.model is empty"),
    (("studies", "blog", "model"), ["resnet"], "studies.blog.model = ['resnet'] is out of range"),
    (("studies", "blog", "grids"), [{"epochs": 3}], "studies.blog.grids.0.epochs = 3 has the"),
    (("data", "pixel_scaling"), "global", "data.pixel_scaling = 'global' is not allowed"),
    (("trainig",), {}, "unknown key ['trainig'] under '<top level>'"),
]


@pytest.mark.parametrize(("path", "value", "expected"), BAD)
def test_bad_values_are_named(config, path, value, expected):
    bad = copy.deepcopy(config)
    target = bad
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    message = _error(bad)
    assert expected in message
    assert "config/config.yaml" in message


def test_batch_larger_than_training_set(config):
    config["training"].update(train_examples=1000, batch_size=1001)
    assert "training.batch_size = 1001 is larger than the training set (1000" in _error(config)


def test_gradient_epoch_beyond_training(config):
    config["diagnostics"]["gradient_epochs"] = [1, 30]
    assert "includes [30], beyond training.epochs = 20" in _error(config)


def test_batchnorm_parameter_tracked_in_baseline(config):
    config["diagnostics"]["tracked_parameter"] = "BatchNorm_0/scale"
    assert (
        "invalid config (studies.blog, run model=baseline/seed42): "
        "diagnostics.tracked_parameter = 'BatchNorm_0/scale' is out of range"
    ) in _error(config)


def test_config_yaml_states_the_schema_defaults():
    """config/config.yaml writes out every default for the reader; it must not
    drift from the schema, the one home of defaults. A study that chooses
    otherwise says so in its own config file (as config/smoke.yaml does)."""
    written = yaml.safe_load((REPO / "config/config.yaml").read_text())
    assert validate_config(written) == validate_config({})


def test_a_study_entry_merges_into_the_default_studies():
    resolved = validate_config(
        {"studies": {"blog": {"seed": [7, 42]}, "mine": {"model": ["baseline"], "seed": [1]}}}
    )
    assert resolved["studies"]["blog"] == {
        "model": ["baseline", "batchnorm"],
        "seed": [7, 42],
        "set": {},
        "grids": [{}],
    }
    assert {"part2", "lr_sweep", "mine"} <= set(resolved["studies"])
