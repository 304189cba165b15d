"""The checks the config schema cannot express, in the order they run: the
architectures, each study's own values, each run's keys against each other,
then what relates two studies (a probe cap names another study)."""

import json

from bnlab.errors import BnlabError
from bnlab.spec import studies
from bnlab.spec.architecture import BUILTIN, GROUP_SIZE, architectures, param_shapes
from bnlab.spec.numerics import check_rows
from bnlab.spec.schema import WHERE, fail, raise_first
from bnlab.spec.sweeps import STANDARD_MODEL, cap_study

TRAIN_SIZE = 60_000


def check_architectures(extra):
    """New names only: redefining a built-in model would silently change every
    result filed under that name."""
    shadowed = sorted(set(extra) & set(BUILTIN))
    if shadowed:
        raise BnlabError(
            f"invalid config: architectures.{shadowed[0]} redefines the built-in model "
            f"{shadowed[0]!r}; give your variant a new name (built in: {', '.join(BUILTIN)}). "
            f"{WHERE}"
        )


def check_study_values(config, schema):
    """Each study's models, `set` and grids name known options with valid values."""
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


def _option_schema(schema, option):
    """The schema of one option a study may set, with the root's $defs."""
    section = studies.option_sections()[option]
    if section == "architecture":
        sub = schema["$defs"]["architecture"]["properties"][option]
    else:
        sub = schema["properties"][section]["properties"][option]
    return {**sub, "$defs": schema["$defs"]}


def _check_values(schema, key, option, values, known, listed=True):
    """One option of a study: a list of values (a grid's), or one value (`set`)."""
    if option == "model":
        unknown = [m for m in values if m not in known]
        if unknown:
            fail(key, unknown, f"models built in or defined under `architectures`: {sorted(known)}")
    elif option == "seed":
        raise_first(schema["$defs"]["seeds"], values, tuple(key.split(".")))
    elif option not in studies.option_sections():
        raise BnlabError(
            f"invalid config: {key} is not an option a study can set; choose among training, "
            f"diagnostics and architecture options and pixel_scaling: "
            f"{', '.join(sorted(studies.option_sections()))}. {WHERE}"
        )
    else:
        sub = _option_schema(schema, option)
        for i, value in enumerate(values) if listed else [(None, values)]:
            path = (*key.split("."), i) if listed else tuple(key.split("."))
            raise_first(sub, value, path)


def check_study_runs(config):
    """Each distinct run config of each study passes the checks that relate its keys."""
    for name in config["studies"]:
        checked = set()
        for run in studies.study_runs(config, name):
            run_cfg = studies.config_of(config, run)
            key = json.dumps(run_cfg, sort_keys=True)
            if key not in checked:
                checked.add(key)
                check_run(run_cfg, f"studies.{name}, run {run.name}")


def check_run(run_cfg, where):
    """Checks that relate one run's keys to each other, the data and its model."""
    try:
        _check_task(run_cfg)  # first: what the deep linear network cannot take
        check_run_keys(run_cfg)
        _check_tracked(run_cfg)
        _check_groups(run_cfg["architecture"])
        check_rows(run_cfg)
    except BnlabError as err:
        message = str(err).replace("invalid config: ", f"invalid config ({where}): ", 1)
        raise BnlabError(message) from None


def _check_ordered(key, pair):
    low, high = pair
    if not low < high:
        raise BnlabError(
            f"invalid config: {key} = {list(pair)} must be [low, high] with low < high. {WHERE}"
        )


def check_run_keys(run_cfg):
    """The training and diagnostics sections' keys against each other (the
    config's own sections too, before any study)."""
    train, diag = run_cfg["training"], run_cfg["diagnostics"]
    n_train = train["train_examples"] or TRAIN_SIZE
    if train["batch_size"] > n_train:
        raise BnlabError(
            f"invalid config: training.batch_size = {train['batch_size']} is larger than the "
            f"training set ({n_train} examples); it must be at most {n_train}. {WHERE}"
        )
    for name in ("gradient_epochs", "monitor_epochs"):  # a run without a monitor has none
        late = [e for e in diag.get(name, ()) if e > train["epochs"]]
        if late:
            raise BnlabError(
                f"invalid config: diagnostics.{name} = {diag[name]} includes {late}, beyond "
                f"training.epochs = {train['epochs']}; allowed: 1..{train['epochs']}. {WHERE}"
            )
    if diag.get("monitor_every") and diag["monitor_examples"] > n_train:
        raise BnlabError(
            f"invalid config: diagnostics.monitor_examples = {diag['monitor_examples']} is larger "
            f"than the training set ({n_train} examples); it must be at most {n_train}. {WHERE}"
        )
    _check_ordered("diagnostics.histogram_range", diag["histogram_range"])
    _check_ordered("diagnostics.probe_steps [low, high, count]", diag["probe_steps"][:2])


# What the deep linear network (bnlab.train.dln) takes: A.1's setting.
DEEP_LINEAR = {
    "training.optimizer": ("sgd",),
    "architecture.activation": ("linear",),
    "architecture.normalization": ("none", "batch", "lp_batch"),
}


def _check_task(run_cfg):
    if run_cfg["training"].get("task") != "deep_linear":
        return
    if run_cfg["training"].get("vectorize_seeds"):
        fail("training.vectorize_seeds", True, "false with training.task deep_linear")
    if run_cfg["diagnostics"].get("monitor_every"):
        value = run_cfg["diagnostics"]["monitor_every"]
        fail("diagnostics.monitor_every", value, "0 with training.task deep_linear")
    for key, allowed in DEEP_LINEAR.items():
        section, name = key.split(".")
        value = run_cfg[section][name]
        if value not in allowed:
            fail(key, value, f"{' or '.join(allowed)} with training.task deep_linear")
    train = run_cfg["training"]
    if train["batch_size"] != train["train_examples"]:
        raise BnlabError(
            f"invalid config: training.task deep_linear trains on the full batch, so "
            f"training.batch_size ({train['batch_size']}) must equal training.train_examples "
            f"({train['train_examples']}), the size of its synthetic data set. {WHERE}"
        )


def _check_groups(architecture):
    odd = [w for w in architecture["widths"] if w % GROUP_SIZE]
    if architecture["normalization"] == "group" and odd:
        raise BnlabError(
            f"invalid config: GroupNorm normalizes groups of {GROUP_SIZE} units, but the "
            f"widths {architecture['widths']} include {odd}; make every width a multiple of "
            f"{GROUP_SIZE}. {WHERE}"
        )


def _check_tracked(run_cfg):
    diag = run_cfg["diagnostics"]
    shapes = param_shapes(run_cfg["architecture"])
    if diag["tracked_parameter"] not in shapes:
        fail(
            "diagnostics.tracked_parameter",
            diag["tracked_parameter"],
            f"a parameter of the model: {', '.join(shapes)}",
        )


def check_probe_caps(config):
    """A probe cap reads a sweep (another study) that trains the standard
    network under every optimizer the capped runs measure with."""
    for name in config["studies"]:
        runs = [studies.config_of(config, r) for r in studies.study_runs(config, name)]
        for sweep in {cap_study(cfg) for cfg in runs} - {None}:
            _check_probe_cap(config, name, sweep, runs)


def _check_probe_cap(config, name, sweep, runs):
    key = f"studies.{name}: diagnostics.probe_cap_study"
    others = [s for s in config["studies"] if s != name]
    if sweep not in others:
        fail(key, sweep, f"another study of `studies`: {', '.join(others)}")
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
                f"probe_cap_study: null. {WHERE}"
            )
