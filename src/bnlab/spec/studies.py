"""Studies: each experiment is a config entry listing its runs (pure data, no JAX).

    studies:
      part2:
        model: [baseline, batchnorm]
        seed: [42, 0, 1, 2, 3]
        set: {epochs: 3, measure_every: 100}
        grids:
          - {optimizer: [sgd], learning_rate: [0.3]}
          - {optimizer: [adam], learning_rate: [0.001]}

A study's runs are the union of its grids; each grid is the product of its
lists, times the study's `model` and `seed` lists unless the grid gives its
own. `set` fixes options for every run, and every option not named takes the
value of the config's top-level section. An option is any key of `training`,
`diagnostics`, `data.pixel_scaling` or an architecture, named without its
section (the names are unique). The keys whose value differs between a
study's runs are its axes: they name the history's folders, like Snakemake's
Paramspace, e.g. results/part2/histories/optimizer=sgd/learning_rate=0.3/
model=batchnorm/seed42.nc, and become dimensions in bnlab.history.study.open_study.
"""

import itertools
from dataclasses import dataclass
from functools import cache

from bnlab import schemas
from bnlab.spec.architecture import DEFAULTS as ARCHITECTURE
from bnlab.spec.architecture import architectures, with_options
from bnlab.spec.paths import HISTORY

# Data options that change a history (the file locations only change how
# mnist.nc is found).
DATA_OPTIONS = ("pixel_scaling",)


@cache
def option_sections():
    """{option: section} for every option a study may set."""
    properties = schemas.load("config")["properties"]
    sections = {key: "architecture" for key in ARCHITECTURE}
    for section in ("training", "diagnostics"):
        sections |= {key: section for key in properties[section]["properties"]}
    return sections | {key: "data" for key in DATA_OPTIONS}


@dataclass(frozen=True)
class Run:
    """One training job: a model and seed under one setting of the study's axes."""

    study: str
    model: str
    seed: int
    coords: tuple  # ((axis, value), ...) in the study's axis order
    options: tuple  # ((option, value), ...) every option the study sets for this run

    @property
    def name(self):
        """The run's path below its study's histories/ folder, without .nc."""
        folders = [f"{axis}={label(value)}" for axis, value in self.coords]
        return "/".join([*folders, f"model={self.model}", f"seed{self.seed}"])

    @property
    def path(self):
        return HISTORY.format(study=self.study, run=self.name)


def label(value):
    """A value as it appears in a path: exact (repr for floats), lists joined by '-'."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | tuple):
        return "-".join(label(v) for v in value)
    return repr(value) if isinstance(value, float) else str(value)


def freeze(value):
    return tuple(freeze(v) for v in value) if isinstance(value, list | tuple) else value


def _product(grid, study):
    """Every combination of one grid's lists, each as {option: value}."""
    lists = {**grid, "model": grid.get("model", study["model"])}
    lists["seed"] = grid.get("seed", study["seed"])  # model, seed vary fastest, as in paths
    keys = list(lists)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*lists.values())]


def _combos(config, study):
    """Every run of a study as (model, seed, {option: value}, its run config)."""
    out = []
    for grid in study["grids"]:
        for combo in _product(grid, study):
            options = {**study["set"], **combo}
            model, seed = options.pop("model"), options.pop("seed")
            out.append((model, seed, options, run_config(config, model, options)))
    return out


def _value(run_cfg, option):
    return freeze(run_cfg[option_sections()[option]][option])


def axes(config, study):
    """The options whose value differs between a study's runs, in the order the
    grids first name them (model and seed, always axes, are not listed)."""
    return _axes(study, _combos(config, study))


def _axes(study, combos):
    named = dict.fromkeys(key for grid in study["grids"] for key in grid)
    return [
        key
        for key in named
        if key not in ("model", "seed") and len({_value(c[3], key) for c in combos}) > 1
    ]


def study_runs(config, name):
    """A study's runs, in grid order, each once."""
    study = config["studies"][name]
    combos = _combos(config, study)
    varying = _axes(study, combos)
    runs = {}
    for model, seed, options, run_cfg in combos:
        coords = tuple((axis, _value(run_cfg, axis)) for axis in varying)
        frozen = tuple(sorted((k, freeze(v)) for k, v in options.items()))
        run = Run(name, model, seed, coords, frozen)
        runs.setdefault(run.path, run)
    return list(runs.values())


def all_runs(config):
    """{history path: Run} over every study of a validated config."""
    return {run.path: run for name in config["studies"] for run in study_runs(config, name)}


# Keys added after histories were first recorded: at their default they are
# left out of a run's config, so those histories keep theirs and are not retrained.
OMITTED_AT_DEFAULT = (
    ("training", "task", "mnist"),
    ("training", "vectorize_seeds", False),
    ("diagnostics", "train_mode_test", False),
)


def run_config(config, model, options):
    """What determines a run's history (histories record it; figures check it):
    its architecture, data scaling, training and diagnostics options."""
    options = _lists(dict(options))
    sections = option_sections()
    pick = lambda section: {k: v for k, v in options.items() if sections[k] == section}  # noqa: E731
    data = {key: config["data"][key] for key in DATA_OPTIONS}
    diagnostics = {**config["diagnostics"], **pick("diagnostics")}
    if not (diagnostics["measure_every"] and diagnostics["probe_cap_study"]):
        # No cap, no say in the history: runs recorded before the cap existed
        # (the blog's) keep their config, and so are not retrained.
        del diagnostics["probe_cap_study"], diagnostics["probe_cap_margin"]
    if not diagnostics["monitor_every"]:  # added later too: runs without a monitor keep theirs
        for key in ("monitor_every", "monitor_epochs", "monitor_examples"):
            del diagnostics[key]
    training = {**config["training"], **pick("training")}
    for section, key, default in OMITTED_AT_DEFAULT:
        part = training if section == "training" else diagnostics
        if part[key] == default:
            del part[key]
    return {
        "architecture": with_options(architectures(config["architectures"])[model], options),
        "data": {**data, **pick("data")},
        "training": training,
        "diagnostics": diagnostics,
    }


def config_of(config, run):
    return run_config(config, run.model, dict(run.options))


def _lists(options):
    """Frozen (tuple) values back to lists, as the config writes them."""
    return {k: _thaw(v) for k, v in options.items()}


def _thaw(value):
    return [_thaw(v) for v in value] if isinstance(value, tuple) else value


def seeds(study):
    """Every seed a study trains, in first-use order."""
    return _first_uses(study, "seed")


def models(study):
    """Every model a study trains, in first-use order."""
    return _first_uses(study, "model")


def _first_uses(study, key):
    return list(dict.fromkeys(c[key] for grid in study["grids"] for c in _product(grid, study)))
