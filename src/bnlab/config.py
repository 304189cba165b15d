"""Config validation: the JSON schema first, then the checks it cannot express."""

import copy
from pathlib import Path

import jsonschema
import yaml

from bnlab.errors import BnlabError

TRAIN_SIZE = 60_000
TEST_SIZE = 10_000
SCHEMA = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"


def load_schema(path=SCHEMA):
    return yaml.safe_load(Path(path).read_text())


def _key(path):
    return ".".join(str(p) for p in path) or "<top level>"


def _describe(error):
    """One sentence for a schema violation: the key, its value, what is allowed."""
    key, value, schema = _key(error.absolute_path), error.instance, error.schema
    kind = error.validator
    if kind == "additionalProperties":
        allowed = ", ".join(sorted(schema.get("properties", {})))
        extra = sorted(set(value) - set(schema.get("properties", {})))
        return f"unknown key {extra} under '{key}'; allowed keys are: {allowed}"
    if kind == "required":
        return f"'{key}' is missing a required key: {error.message}"
    if kind == "enum":
        return f"{key} = {value!r} is not allowed; choose one of {error.validator_value}"
    if kind == "type":
        return f"{key} = {value!r} has the wrong type; expected {error.validator_value}"
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        words = {
            "minimum": "at least",
            "exclusiveMinimum": "greater than",
            "maximum": "at most",
            "exclusiveMaximum": "less than",
        }
        return (
            f"{key} = {value!r} is out of range; it must be {words[kind]} {error.validator_value}"
        )
    if kind == "uniqueItems":
        return f"{key} = {value!r} has duplicate entries; each must appear once"
    if kind == "minItems":
        return f"{key} is empty or too short; give at least {error.validator_value} item(s)"
    if kind == "pattern":
        return f"{key} = {value!r} is not a valid name (expected {error.validator_value})"
    return f"{key} = {value!r}: {error.message}"


def _fill_defaults(config, schema):
    for name, sub in schema.get("properties", {}).items():
        if name not in config and "default" in sub:
            config[name] = copy.deepcopy(sub["default"])
        if isinstance(config.get(name), dict) and sub.get("type") == "object":
            _fill_defaults(config[name], sub)


def validate_config(config, schema=None):
    """Return a copy of `config` with defaults filled in, or raise BnlabError."""
    schema = schema or load_schema()
    config = copy.deepcopy(dict(config))
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(config),
        key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))),
    )
    if errors:
        raise BnlabError(f"invalid config: {_describe(errors[0])}. {_where()}")
    _fill_defaults(config, schema)
    _check_consistency(config)
    return config


def _where():
    return (
        "Edit config/config.yaml (every key is described in workflow/schemas/config.schema.yaml)."
    )


def _check_consistency(config):
    """Checks that relate keys to each other or to the data and the models."""
    train, diag = config["training"], config["diagnostics"]
    n_train = train["train_examples"] or TRAIN_SIZE
    if train["batch_size"] > n_train:
        raise BnlabError(
            f"invalid config: training.batch_size = {train['batch_size']} is larger than the "
            f"training set ({n_train} examples); it must be at most {n_train}. {_where()}"
        )
    late = [e for e in diag["gradient_epochs"] if e > train["epochs"]]
    if late:
        raise BnlabError(
            f"invalid config: diagnostics.gradient_epochs = {diag['gradient_epochs']} includes "
            f"{late}, beyond training.epochs = {train['epochs']}; allowed: 1..{train['epochs']}. "
            f"{_where()}"
        )
    low, high = diag["histogram_range"]
    if not low < high:
        raise BnlabError(
            f"invalid config: diagnostics.histogram_range = {[low, high]} must be "
            f"[low, high] with low < high. {_where()}"
        )
    layer = diag["tracked_parameter"].split("/")[0]
    if layer.startswith("BatchNorm") and "baseline" in config["models"]:
        raise BnlabError(
            f"invalid config: diagnostics.tracked_parameter = {diag['tracked_parameter']!r} "
            f"does not exist in model 'baseline', which has no BatchNorm layers; track a "
            f"Dense_i/kernel or Dense_i/bias. {_where()}"
        )
