"""Config validation, once: the JSON schema (package data, with every default),
then the checks it cannot express."""

import copy
import math

import jsonschema

from bnlab import schemas
from bnlab.architecture import BUILTIN, architectures, layer_widths, param_shapes
from bnlab.errors import BnlabError
from bnlab.numerics import check_rows

TRAIN_SIZE = 60_000
TEST_SIZE = 10_000


def _key(path):
    return ".".join(str(p) for p in path) or "<top level>"


_BOUNDS = {
    "minimum": "at least",
    "exclusiveMinimum": "greater than",
    "maximum": "at most",
    "exclusiveMaximum": "less than",
}
# One sentence per JSON-schema rule: {key}, {value} and the rule's {limit}.
_MESSAGES = {
    "required": "'{key}' is missing a required key: {message}",
    "enum": "{key} = {value!r} is not allowed; choose one of {limit}",
    "type": "{key} = {value!r} has the wrong type; expected {limit}",
    "uniqueItems": "{key} = {value!r} has duplicate entries; each must appear once",
    "minItems": "{key} is empty or too short; give at least {limit} item(s)",
    "pattern": "{key} = {value!r} is not a valid name (expected {limit})",
    **{
        rule: "{key} = {value!r} is out of range; it must be " + words + " {limit}"
        for rule, words in _BOUNDS.items()
    },
}


def _describe(error):
    """One sentence for a schema violation: the key, its value, what is allowed."""
    key, value = _key(error.absolute_path), error.instance
    if error.validator == "additionalProperties":
        known = error.schema.get("properties", {})
        extra = sorted(set(value) - set(known))
        return f"unknown key {extra} under '{key}'; allowed keys are: {', '.join(sorted(known))}"
    template = _MESSAGES.get(error.validator, "{key} = {value!r}: {message}")
    return template.format(key=key, value=value, limit=error.validator_value, message=error.message)


def _fill_defaults(config, schema, root=None):
    root = root or schema
    for name, sub in schema.get("properties", {}).items():
        if "$ref" in sub:  # local references only: "#/$defs/<name>"
            sub = root["$defs"][sub["$ref"].rsplit("/", 1)[-1]]
        if name not in config and "default" in sub:
            config[name] = copy.deepcopy(sub["default"])
        if isinstance(config.get(name), dict) and sub.get("type") == "object":
            _fill_defaults(config[name], sub, root)


def _nonfinite(value, path=()):
    """The first NaN or infinite number anywhere in `value`, as (path, number)."""
    if isinstance(value, float) and not math.isfinite(value):
        return path, value
    if isinstance(value, dict | list):
        children = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in children:
            found = _nonfinite(child, (*path, key))
            if found:
                return found
    return None


def validate_config(config, schema=None):
    """Return a copy of `config` with defaults filled in, or raise BnlabError."""
    schema = schema or schemas.load("config")
    config = copy.deepcopy(dict(config))
    found = _nonfinite(config)
    if found:  # NaN passes every minimum/maximum check, so catch it first.
        raise BnlabError(
            f"invalid config: {_key(found[0])} = {found[1]} is not a finite number; "
            f"every number in the config must be finite. {_where()}"
        )
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(config),
        key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))),
    )
    if errors:
        raise BnlabError(f"invalid config: {_describe(errors[0])}. {_where()}")
    _fill_defaults(config, schema)
    _check_architectures(config["architectures"])
    _check_consistency(config)
    check_rows(config)
    _resolve_figures(config)
    _check_figures(config)
    _check_part2(config)
    return config


def _where():
    return "Edit config/config.yaml (every key is described in bnlab/schemas/config.schema.yaml)."


def _check_ordered(key, pair):
    low, high = pair
    if not low < high:
        raise BnlabError(
            f"invalid config: {key} = {list(pair)} must be [low, high] with low < high. {_where()}"
        )


def _check_architectures(extra):
    """New names only: redefining a built-in model would silently change every
    result filed under that name."""
    shadowed = sorted(set(extra) & set(BUILTIN))
    if shadowed:
        raise BnlabError(
            f"invalid config: architectures.{shadowed[0]} redefines the built-in model "
            f"{shadowed[0]!r}; give your variant a new name (built in: {', '.join(BUILTIN)}). "
            f"{_where()}"
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
    _check_ordered("diagnostics.histogram_range", diag["histogram_range"])
    _check_ordered("diagnostics.probe_steps [low, high, count]", diag["probe_steps"][:2])
    known = architectures(config["architectures"])
    for i, model in enumerate(config["models"]):
        if model not in known:
            raise BnlabError(
                f"invalid config: models.{i} = {model!r} is not allowed; choose one of "
                f"{sorted(known)} or define it under `architectures`. {_where()}"
            )
    for model in config["models"]:
        if diag["tracked_parameter"] not in param_shapes(known[model]):
            raise BnlabError(
                f"invalid config: diagnostics.tracked_parameter = {diag['tracked_parameter']!r} "
                f"does not exist in model {model!r}; track a Dense_i/kernel or Dense_i/bias, "
                f"which every model has. {_where()}"
            )


def _fail(key, value, allowed):
    raise BnlabError(
        f"invalid config: {key} = {value!r} is out of range; allowed: {allowed}. {_where()}"
    )


def default_grid_epochs(epochs):
    """0, 1 and four more epochs spread up to the last."""
    return sorted({0, 1, *(round(epochs * k / 4) for k in range(1, 5))})


def _resolve_figures(config):
    """Fill the figure options whose defaults depend on other keys."""
    figs, epochs = config["figures"], config["training"]["epochs"]
    if figs["seeds"] is None:
        figs["seeds"] = list(config["seeds"])
    if figs["activations"]["epochs"] is None:
        figs["activations"]["epochs"] = default_grid_epochs(epochs)
    for key, last in (("final_accuracy", epochs), ("part2_accuracy", config["part2"]["epochs"])):
        if figs[key]["epochs"] is None:
            figs[key]["epochs"] = sorted({1, last})


def _check_figures(config):
    """Indices that JAX would silently clamp, checked against the real shapes."""
    figs, epochs = config["figures"], config["training"]["epochs"]
    models, diag = config["models"], config["diagnostics"]
    unknown = sorted(set(figs["seeds"]) - set(config["seeds"]))
    if unknown:
        _fail("figures.seeds", figs["seeds"], f"a subset of seeds = {config['seeds']}")
    if figs["seed"] not in figs["seeds"]:
        _fail("figures.seed", figs["seed"], f"one of the figure seeds {figs['seeds']}")
    for key, last in (
        ("activations", epochs),
        ("final_accuracy", epochs),
        ("part2_accuracy", config["part2"]["epochs"]),
    ):
        late = [e for e in figs[key]["epochs"] if e > last]
        if late:
            _fail(f"figures.{key}.epochs", figs[key]["epochs"], f"epochs 0..{last}")
    low, high = diag["histogram_range"]
    xlim = figs["activations"]["xlim"]
    if -xlim < low or xlim > high:
        _fail("figures.activations.xlim", xlim, f"within diagnostics.histogram_range {[low, high]}")
    known = architectures(config["architectures"])
    _check_unit(figs["unit_statistics"], [known[m] for m in models], models)
    for key in ("gradient_trace", "gradient_stats"):
        if figs[key]["epoch"] not in diag["gradient_epochs"]:
            _fail(
                f"figures.{key}.epoch",
                figs[key]["epoch"],
                f"one of diagnostics.gradient_epochs = {diag['gradient_epochs']}",
            )
    shape = param_shapes()[diag["tracked_parameter"]]
    trace = figs["gradient_trace"]
    element = (trace["row"], trace["col"])
    rows, cols = shape if len(shape) == 2 else (1, shape[0])
    if not (element[0] < rows and element[1] < cols):
        _fail(
            "figures.gradient_trace (row, col)",
            element,
            f"0 <= row < {rows}, 0 <= col < {cols}: {diag['tracked_parameter']} is {rows} x {cols}",
        )


def _check_unit(options, chosen, models):
    layer, unit = options["layer"], options["unit"]
    widths = {}
    for architecture in chosen:
        widths.update(layer_widths(architecture))
    if layer not in widths:
        _fail(
            "figures.unit_statistics.layer",
            layer,
            f"a layer of the models {models}: {sorted(widths)}",
        )
    if unit >= widths[layer]:
        _fail(
            "figures.unit_statistics.unit",
            unit,
            f"0..{widths[layer] - 1}, since {layer} has {widths[layer]} units",
        )


def default_comparisons(models):
    """Every model against the baseline and against BatchNorm, as [a, b] pairs
    (b - a): this covers after vs before the ReLU and noisy vs clean."""
    pairs = []
    for reference in ("baseline", "batchnorm"):
        if reference in models:
            pairs += [[reference, m] for m in models if m not in (reference, "baseline")]
    return pairs


def _check_part2(config):
    part2 = config["part2"]
    known = architectures(config["architectures"])
    for key, models in (
        ("part2.models", part2["models"]),
        ("part2.sweep.models", part2["sweep"]["models"]),
    ):
        unknown = [m for m in models if m not in known]
        if unknown:
            _fail(
                key, unknown, f"models defined under `architectures` or built in: {sorted(known)}"
            )
    if part2["comparisons"] is None:
        part2["comparisons"] = default_comparisons(part2["models"])
    for i, pair in enumerate(part2["comparisons"]):
        missing = [m for m in pair if m not in part2["models"]]
        if missing or pair[0] == pair[1]:
            _fail(f"part2.comparisons.{i}", pair, "two different models of part2.models")
    options = config["figures"]["unit_percentiles"]
    layer, unit = options["layer"], options["unit"]
    width = layer_widths(known["baseline"])[f"Dense_{layer}"]
    if unit >= width:
        _fail(
            "figures.unit_percentiles.unit",
            unit,
            f"0..{width - 1} (layer {layer} has {width} units)",
        )
