"""Config validation, once: the JSON schema (package data, with every default),
then the checks it cannot express."""

import copy
import json
import math
from pathlib import Path

import jsonschema
import yaml

from bnlab import schemas, studies
from bnlab.architecture import (
    BUILTIN,
    GROUP_SIZE,
    architectures,
    layer_widths,
    param_shapes,
)
from bnlab.errors import BnlabError
from bnlab.figures import FIGURES, figure_options, registry, study_of
from bnlab.numerics import check_rows
from bnlab.sweeps import STANDARD_MODEL, cap_study

CONFIG = "config/config.yaml"
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
    "minProperties": "{key} is empty; give at least {limit} entry",
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


def load_config(configfiles=(CONFIG,), root="."):
    """The validated config from YAML files merged in order, as Snakemake's
    --configfile merges them (later files' keys win, mappings merge)."""
    merged = {}
    for path in [configfiles] if isinstance(configfiles, str | Path) else configfiles:
        file = Path(root) / path
        if not file.is_file():
            raise BnlabError(
                f"config file {file} not found; run from the repository's folder (where "
                f"{CONFIG} is), or name the file."
            )
        merged = merge_configs(merged, yaml.safe_load(file.read_text()) or {})
    return validate_config(merged)


def merge_configs(base, update):
    """`base` with `update`'s keys over it, mappings merged key by key and
    everything else replaced, as Snakemake merges --configfile files."""
    out = dict(base)
    for key, value in update.items():
        both = isinstance(value, dict) and isinstance(out.get(key), dict)
        out[key] = merge_configs(out[key], value) if both else value
    return out


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
    # The default studies are always there, and a config's entries merge into
    # them (studies.blog.seed alone replaces the blog's seeds), like
    # Snakemake's --configfile: the built-in figures can rely on them.
    if isinstance(config.get("studies", {}), dict):
        default = schema["properties"]["studies"]["default"]
        config["studies"] = merge_configs(copy.deepcopy(default), config.get("studies", {}))
    _raise_first(schema, config)
    _fill_defaults(config, schema)
    _check_architectures(config["architectures"])
    # The sections' own values first, so an error there names no study.
    _check_run_keys(config)
    check_rows(config)
    _check_studies(config, schema)
    _check_more_figures(config, schema)
    _resolve_figures(config)
    _check_figures(config)
    return config


def _raise_first(schema, value, path=()):
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(value),
        key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))),
    )
    if errors:
        errors[0].path.extendleft(reversed(path))
        raise BnlabError(f"invalid config: {_describe(errors[0])}. {_where()}")


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


def _fail(key, value, allowed):
    raise BnlabError(
        f"invalid config: {key} = {value!r} is out of range; allowed: {allowed}. {_where()}"
    )


def _option_schema(schema, option):
    """The schema of one option a study may set, with the root's $defs."""
    props = schema["properties"]
    section = studies.option_sections()[option]
    if section == "architecture":
        sub = schema["$defs"]["architecture"]["properties"][option]
    else:
        sub = props[section]["properties"][option]
    return {**sub, "$defs": schema["$defs"]}


def _check_studies(config, schema):
    """Each study's options exist and are valid, and each run's config passes
    the checks that relate keys (checked once per distinct run)."""
    known = architectures(config["architectures"])
    for name, study in config["studies"].items():
        study.setdefault("set", {})
        study.setdefault("grids", [{}])
        where = f"studies.{name}"
        _check_values(schema, f"{where}.model", "model", study["model"], known)
        for option, value in study["set"].items():
            _check_values(schema, f"{where}.set.{option}", option, value, known, listed=False)
        for g, grid in enumerate(study["grids"]):
            for option, values in grid.items():
                _check_values(schema, f"{where}.grids.{g}.{option}", option, values, known)
        runs = {run: studies.config_of(config, run) for run in studies.study_runs(config, name)}
        _check_probe_cap(config, name, where, runs.values())
        checked = set()
        for run, run_cfg in runs.items():
            key = json.dumps(run_cfg, sort_keys=True)
            if key not in checked:
                checked.add(key)
                _check_run(run_cfg, f"{where}, run {run.name}")


def _check_probe_cap(config, name, where, runs):
    """A probe cap reads a sweep that trains the standard network under every
    optimizer this study (run configs `runs`) measures with."""
    for sweep in {cap_study(cfg) for cfg in runs} - {None}:
        key = f"{where}: diagnostics.probe_cap_study"
        others = [s for s in config["studies"] if s != name]
        if sweep not in others:
            _fail(key, sweep, f"another study of `studies`: {', '.join(others)}")
        swept = {
            (r.model, studies.config_of(config, r)["training"]["optimizer"])
            for r in studies.study_runs(config, sweep)
        }
        for cfg in runs:
            optimizer = cfg["training"]["optimizer"]
            if cap_study(cfg) and (STANDARD_MODEL, optimizer) not in swept:
                raise BnlabError(
                    f"invalid config: {key} = {sweep!r}, but that study trains no "
                    f"{STANDARD_MODEL} under {optimizer}, so its divergence rate is unknown; "
                    f"add {STANDARD_MODEL} and {optimizer} to studies.{sweep}, or set "
                    f"probe_cap_study: null. {_where()}"
                )


def _check_values(schema, key, option, values, known, listed=True):
    """One option of a study: a list of values (a grid's), or one value (`set`)."""
    if option == "model":
        unknown = [m for m in values if m not in known]
        if unknown:
            _fail(
                key, unknown, f"models built in or defined under `architectures`: {sorted(known)}"
            )
    elif option == "seed":
        _raise_first(schema["$defs"]["seeds"], values, tuple(key.split(".")))
    elif option not in studies.option_sections():
        raise BnlabError(
            f"invalid config: {key} is not an option a study can set; choose among training, "
            f"diagnostics and architecture options and pixel_scaling: "
            f"{', '.join(sorted(studies.option_sections()))}. {_where()}"
        )
    else:
        sub = _option_schema(schema, option)
        for i, value in enumerate(values) if listed else [(None, values)]:
            path = (*key.split("."), i) if listed else tuple(key.split("."))
            _raise_first(sub, value, path)


def _check_run(run_cfg, where):
    """Checks that relate one run's keys to each other, the data and its model."""
    try:
        _check_run_keys(run_cfg)
        _check_tracked(run_cfg)
        _check_groups(run_cfg["architecture"])
        _check_task(run_cfg)
        check_rows(run_cfg)
    except BnlabError as err:
        message = str(err).replace("invalid config: ", f"invalid config ({where}): ", 1)
        raise BnlabError(message) from None


def _check_run_keys(run_cfg):
    train, diag = run_cfg["training"], run_cfg["diagnostics"]
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


# What the deep linear network (bnlab.dln) takes: A.1's setting.
DEEP_LINEAR = {
    "training.optimizer": ("sgd",),
    "architecture.activation": ("linear",),
    "architecture.normalization": ("none", "batch", "lp_batch"),
}


def _check_task(run_cfg):
    if run_cfg["training"].get("task") != "deep_linear":
        return
    for key, allowed in DEEP_LINEAR.items():
        section, name = key.split(".")
        value = run_cfg[section][name]
        if value not in allowed:
            _fail(key, value, f"{' or '.join(allowed)} with training.task deep_linear")
    train = run_cfg["training"]
    if train["batch_size"] != train["train_examples"]:
        raise BnlabError(
            f"invalid config: training.task deep_linear trains on the full batch, so "
            f"training.batch_size ({train['batch_size']}) must equal training.train_examples "
            f"({train['train_examples']}), the size of its synthetic data set. {_where()}"
        )


def _check_groups(architecture):
    odd = [w for w in architecture["widths"] if w % GROUP_SIZE]
    if architecture["normalization"] == "group" and odd:
        raise BnlabError(
            f"invalid config: GroupNorm normalizes groups of {GROUP_SIZE} units, but the "
            f"widths {architecture['widths']} include {odd}; make every width a multiple of "
            f"{GROUP_SIZE}. {_where()}"
        )


def _check_tracked(run_cfg):
    diag = run_cfg["diagnostics"]
    shapes = param_shapes(run_cfg["architecture"])
    if diag["tracked_parameter"] not in shapes:
        _fail(
            "diagnostics.tracked_parameter",
            diag["tracked_parameter"],
            f"a parameter of the model: {', '.join(shapes)}",
        )


def _check_more_figures(config, schema):
    """`figures.more` entries: like a registered figure, with its options
    (checked against that figure's schema, defaults filled in)."""
    figures = schema["properties"]["figures"]["properties"]
    for name, entry in config["figures"]["more"].items():
        like = entry["like"]
        if like not in FIGURES:
            _fail(f"figures.more.{name}.like", like, f"a registered figure: {', '.join(FIGURES)}")
        if name in FIGURES:
            _fail(f"figures.more.{name}", name, "a name that no registered figure has")
        if any("{name}" not in path for path in FIGURES[like].outputs.values()):
            _fail(f"figures.more.{name}.like", like, "a figure whose files are named after it")
        taken = ("train", "prepare_data", *FIGURES, *config["figures"]["more"])
        if entry.get("target") in taken:
            _fail(f"figures.more.{name}.target", entry["target"], "a name no rule has")
        sub = figures.get(FIGURES[like].options or like, {"type": "object", "properties": {}})
        if "$ref" in sub:
            sub = schema["$defs"][sub["$ref"].rsplit("/", 1)[-1]]
        sub = {**sub, "properties": {**sub["properties"], "like": {}, "target": {}}}
        _raise_first({**sub, "$defs": schema["$defs"]}, entry, ("figures", "more", name))
        _fill_defaults(entry, sub, schema)
        entry.setdefault("target", "all")


def default_grid_epochs(epochs):
    """0, 1 and four more epochs spread up to the last."""
    return sorted({0, 1, *(round(epochs * k / 4) for k in range(1, 5))})


def _run_configs(config, study):
    return [studies.config_of(config, r) for r in studies.study_runs(config, study)]


def _epochs(config, study):
    """The epochs every run of a study trains (the shortest run's)."""
    return min(c["training"]["epochs"] for c in _run_configs(config, study))


def _resolve_figures(config):
    """Fill the figure options whose defaults depend on the study they read."""
    figs = config["figures"]
    for name, fig in registry(config).items():
        study = study_of(config, name)
        if study not in config["studies"]:
            continue  # reported by _check_figures
        opts = figs["more"].get(name) or figs.get(fig.options or name, {})
        if opts.get("epochs", 0) is None:
            last = _epochs(config, study)
            grid = fig.draw.endswith(":activations")
            opts["epochs"] = default_grid_epochs(last) if grid else sorted({1, last})
    if figs["comparisons"] is None and study_of(config, "part2_accuracy") in config["studies"]:
        study = config["studies"][study_of(config, "part2_accuracy")]
        figs["comparisons"] = default_comparisons(studies.models(study))


def default_comparisons(models):
    """Every model against the baseline and against BatchNorm, as [a, b] pairs
    (b - a): this covers after vs before the ReLU and noisy vs clean."""
    pairs = []
    for reference in ("baseline", "batchnorm"):
        if reference in models:
            pairs += [[reference, m] for m in models if m not in (reference, "baseline")]
    return pairs


def _check_figures(config):
    """Each figure's study exists and suits it; seeds, epochs and indices that
    JAX would silently clamp are checked against every run the figure draws."""
    figs = config["figures"]
    for name, fig in registry(config).items():
        study = study_of(config, name)
        if fig.reads == "mnist":
            continue
        key = f"figures.more.{name}" if name in figs["more"] else f"figures.{fig.options or name}"
        if study not in config["studies"]:
            _fail(f"{key}.study", study, f"a study of `studies`: {', '.join(config['studies'])}")
        _check_figure(config, name, fig, key, study)


def _check_figure(config, name, fig, key, study):
    figs = config["figures"]
    entry = config["studies"][study]
    seeds, axes = studies.seeds(entry), studies.axes(config, entry)
    runs = _run_configs(config, study)
    opts = {**figure_options(config, name)}
    if fig.reads in ("run", "runs") and axes:
        _fail(
            f"{key}.study",
            study,
            f"a study whose runs differ only in model and seed (this figure draws one run per "
            f"model; {study!r} varies {', '.join(axes)})",
        )
    if fig.reads in ("run", "condition_run") and figs["seed"] not in seeds:
        _fail("figures.seed", figs["seed"], f"one of the seeds of study {study!r}: {seeds}")
    if figs["seeds"] is not None and not set(figs["seeds"]) <= set(seeds):
        _fail("figures.seeds", figs["seeds"], f"a subset of the seeds of study {study!r}: {seeds}")
    last = _epochs(config, study)
    late = [e for e in opts.get("epochs") or [] if e > last]
    if late:
        _fail(f"{key}.epochs", opts["epochs"], f"epochs 0..{last} (study {study!r})")
    for run_cfg in runs:
        _check_indices(run_cfg, opts, key)
    models = studies.models(entry)
    if "reference" in opts and opts["reference"] not in models:
        _fail(f"{key}.reference", opts["reference"], f"a model of study {study!r}: {models}")
    for i, pair in enumerate(fig.from_config and figs["comparisons"] or []):
        if any(m not in models for m in pair) or pair[0] == pair[1]:
            _fail(f"figures.comparisons.{i}", pair, f"two different models of study {study!r}")


def _check_indices(run_cfg, opts, key):
    """A figure's layer, unit, epoch and element options against one run."""
    architecture, diag = run_cfg["architecture"], run_cfg["diagnostics"]
    depth = len(architecture["widths"])
    widths = layer_widths(architecture)
    if "xlim" in opts:
        low, high = diag["histogram_range"]
        if -opts["xlim"] < low or opts["xlim"] > high:
            _fail(f"{key}.xlim", opts["xlim"], f"within diagnostics.histogram_range {[low, high]}")
    if "layers" in opts and max(opts["layers"]) >= depth:
        _fail(f"{key}.layers", opts["layers"], f"hidden layers 0..{depth - 1}")
    if "epoch" in opts and opts["epoch"] not in diag["gradient_epochs"]:
        _fail(
            f"{key}.epoch",
            opts["epoch"],
            f"one of diagnostics.gradient_epochs = {diag['gradient_epochs']}",
        )
    if "row" in opts:
        shape = param_shapes(architecture)[diag["tracked_parameter"]]
        rows, cols = shape if len(shape) == 2 else (1, shape[0])
        if not (opts["row"] < rows and opts["col"] < cols):
            _fail(
                f"{key} (row, col)",
                (opts["row"], opts["col"]),
                f"0 <= row < {rows}, 0 <= col < {cols}: {diag['tracked_parameter']} is "
                f"{rows} x {cols}",
            )
    if isinstance(opts.get("layer"), str):
        layer, unit = opts["layer"], opts["unit"]
        if layer not in widths:
            _fail(f"{key}.layer", layer, f"a layer of every model drawn: {sorted(widths)}")
        if unit >= widths[layer]:
            _fail(
                f"{key}.unit",
                unit,
                f"0..{widths[layer] - 1}, since {layer} has {widths[layer]} units",
            )
    if isinstance(opts.get("layer"), int):
        layer, unit = opts["layer"], opts["unit"]
        if layer >= depth:
            _fail(f"{key}.layer", layer, f"hidden layers 0..{depth - 1}")
        if unit >= architecture["widths"][layer]:
            _fail(
                f"{key}.unit",
                unit,
                f"0..{architecture['widths'][layer] - 1} (layer {layer} "
                f"has {architecture['widths'][layer]} units)",
            )
