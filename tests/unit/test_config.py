"""Config validation: each bad value gets one message naming key, value, rule."""

import copy

import pytest
import yaml

from bnlab import schemas
from bnlab.errors import BnlabError
from bnlab.spec.architecture import BUILTIN
from bnlab.spec.config import validate_config
from bnlab.spec.defaults import with_defaults
from bnlab.spec.figures import registry
from tests.conftest import REPO, default_config


@pytest.fixture
def config():
    return default_config()


def test_default_config_is_valid(config):
    resolved = validate_config(config)
    assert resolved["training"]["epochs"] == 20
    assert resolved["studies"]["blog"]["seed"] == [42, 0, 1, 2, 3]
    assert resolved["data"]["pixel_scaling"] == "train"


def test_defaults_fill_missing_keys():
    written = yaml.safe_load((REPO / "config/config.yaml").read_text())
    assert set(written) == {"studies"}  # config.yaml holds the studies; the schema the rest
    assert validate_config(written)["training"]["drop_remainder"] is False


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


def test_monitor_epoch_beyond_training(config):
    config["diagnostics"].update(monitor_every=10, monitor_epochs=[21])
    assert "diagnostics.monitor_epochs = [21] includes [21], beyond" in _error(config)


def test_monitor_larger_than_training_set(config):
    config["training"]["train_examples"] = 1000
    config["diagnostics"].update(monitor_every=10, monitor_examples=1001)
    assert "monitor_examples = 1001 is larger than the training set (1000" in _error(config)


def test_monitor_on_the_deep_linear_network(config):
    config["studies"]["dln"]["set"]["monitor_every"] = 10
    assert "diagnostics.monitor_every = 10 is out of range; allowed: 0 with" in _error(config)


def test_batchnorm_parameter_tracked_in_baseline(config):
    config["diagnostics"]["tracked_parameter"] = "BatchNorm_0/scale"
    assert (
        "invalid config (studies.blog, run model=baseline/seed42): "
        "diagnostics.tracked_parameter = 'BatchNorm_0/scale' is out of range"
    ) in _error(config)


def test_config_yaml_shows_every_default_as_generated():
    """config/config.yaml ends with every option at its default, written from
    the schema (bnlab defaults --write config/config.yaml), not kept by hand."""
    text = (REPO / "config/config.yaml").read_text()
    assert with_defaults(text) == text, "run: bnlab defaults --write config/config.yaml"
    assert validate_config(yaml.safe_load(text))["seeds_per_job"] == 10


def test_the_built_in_models_are_all_named_in_the_schema():
    described = schemas.load("config")["properties"]["architectures"]["description"]
    assert all(name in described for name in BUILTIN), "update architectures' description"


def test_a_study_added_to_config_yaml_works_and_a_default_one_can_go():
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    config["studies"]["mine"] = {"model": ["baseline"], "seed": [1]}
    for study in ("dln", "depth", "batch"):
        del config["studies"][study]
    resolved = validate_config(config)
    assert resolved["studies"]["mine"] == {
        "model": ["baseline"],
        "seed": [1],
        "set": {},
        "grids": [{}],
    }
    drawn = registry(resolved)
    assert "claims_dln" not in drawn and "noise_depth" not in drawn and "claims" in drawn


def test_a_figure_that_names_a_missing_study_is_an_error():
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    del config["studies"]["dln"]
    config["figures"] = {"dln_ics": {"study": "dln"}}
    assert "figures.dln_ics.study = 'dln' is out of range" in _error(config)
