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
model=batchnorm/seed42.nc, and become dimensions in bnlab.results.open_study.
"""

import itertools
from dataclasses import dataclass
from functools import cache

from bnlab import schemas
from bnlab.architecture import DEFAULTS as ARCHITECTURE
from bnlab.architecture import architectures, dense_widths, with_options

HISTORY = "results/{study}/histories/{run}.nc"
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
OMITTED_AT_DEFAULT = (("training", "task", "mnist"), ("diagnostics", "train_mode_test", False))


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


# The cost model for cluster requests and `python -m bnlab.plan`, measured on
# one core of a 2-core AMD EPYC VM (blog MLP, 12,000 images, batch sizes 8 to
# 512): an epoch costs 1.23 s per 60,000 images (training and evaluation,
# scaled for other widths by multiply-adds per image, or by the units whose
# outputs evaluation bins, whichever grows more: deep nets) plus 0.17 ms per
# optimizer step, so batch 8 costs 1.6x batch 32; each of Part 2's
# measurements about 0.12 s; start-up (imports, data, compile; the compile
# cache makes later runs cheaper) about 10 s.
IMAGE_SECONDS = 1.23 / 60000
STEP_SECONDS = 0.17e-3
MEASUREMENT_SECONDS = 0.12
START_SECONDS = 10
BLOG_MACS = 784 * 256 + 256 * 128 + 128 * 64 + 64 * 10
BLOG_UNITS = 2 * (256 + 128 + 64) + 10  # the baseline's Dense and ReLU outputs


def recorded_units(architecture):
    """Units of the Dense and ReLU outputs the evaluation bins into histograms
    (a normalization's outputs add about as much at every depth)."""
    relu = architecture["activation"] == "relu"
    return sum(dense_widths(architecture)) + (sum(architecture["widths"]) if relu else 0)


def macs(architecture):
    sizes = (784, *architecture["widths"], 10)
    return sum(a * b for a, b in zip(sizes, sizes[1:], strict=False))


# The deep linear network (bnlab.dln), same machine, 1,000 examples: a
# full-batch step costs about 0.05 ms per layer without normalization and 0.1 ms
# with BatchNorm or lp (25 layers: 1.2, 2.1 and 2.7 ms); a measurement about 45 steps.
DLN_LAYER_STEP_SECONDS = {"none": 0.05e-3, "normalized": 0.1e-3}
DLN_MEASUREMENT_STEPS = 45


def deep_linear_seconds(run_cfg):
    """Estimated wall time of one deep-linear-network job on one core."""
    architecture, every = run_cfg["architecture"], run_cfg["diagnostics"]["measure_every"]
    normalized = "none" if architecture["normalization"] == "none" else "normalized"
    scale = (run_cfg["training"]["train_examples"] or 1000) / 1000
    step = DLN_LAYER_STEP_SECONDS[normalized] * (len(architecture["widths"]) + 1) * scale
    steps = run_cfg["training"]["epochs"]  # one full-batch step per epoch
    measurements = -(-steps // every) if every else 0
    return int(START_SECONDS + (steps + measurements * DLN_MEASUREMENT_STEPS) * step)


def train_seconds(run_cfg):
    """Estimated wall time of one training job on one core."""
    if run_cfg["training"].get("task") == "deep_linear":
        return deep_linear_seconds(run_cfg)
    training, every = run_cfg["training"], run_cfg["diagnostics"]["measure_every"]
    images = training["train_examples"] or 60000
    steps = -(-images // training["batch_size"])
    architecture = run_cfg["architecture"]
    work = max(macs(architecture) / BLOG_MACS, recorded_units(architecture) / BLOG_UNITS, 0.25)
    epoch = images * IMAGE_SECONDS * work + steps * STEP_SECONDS
    epoch += (steps / every) * MEASUREMENT_SECONDS if every else 0
    return int(START_SECONDS + training["epochs"] * epoch)


def train_minutes(run_cfg):
    """SLURM runtime of one job: three times the estimate, plus 5 minutes."""
    return 5 + 3 * train_seconds(run_cfg) // 60
