"""The figure registry: every figure and table declared once.

An entry names its drawing function, the files it reads, its outputs and its
report category. The workflow makes one rule per entry (workflow/rules/
figures.smk) whose options are `figures.<name>` of the config, so changing one
figure's options redraws that figure alone.
"""

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from bnlab import tables
from bnlab.data import load_mnist
from bnlab.errors import BnlabError
from bnlab.history import load_history
from bnlab.plots import activations, data, gradients, part2, training
from bnlab.tables import write_tables


def load_runs(paths):
    """Histories grouped by model, seeds in the order given: {model: [ds, ...]}."""
    runs = defaultdict(list)
    for path in paths:
        ds = load_history(path)
        runs[ds.attrs["model"]].append(ds)
    return dict(runs)


def load_single(paths):
    """{model: ds} for histories of one seed."""
    return {model: seeds[0] for model, seeds in load_runs(paths).items()}


def load_study(paths):
    """Part 2: {optimizer: {model: [ds per seed]}}, in the order given."""
    study = defaultdict(lambda: defaultdict(list))
    for path in paths:
        ds = load_history(path)
        optimizer = json.loads(ds.attrs["config"])["training"]["optimizer"]
        study[optimizer][ds.attrs["model"]].append(ds)
    return {opt: dict(runs) for opt, runs in study.items()}


def load_study_run(paths):
    """Part 2, one seed: {optimizer: {model: ds}}."""
    return {
        opt: {model: seeds[0] for model, seeds in runs.items()}
        for opt, runs in load_study(paths).items()
    }


# What a figure reads -> how its input files are loaded. The workflow's
# trained_with() maps the same names to file lists.
SOURCES = {
    "mnist": lambda paths: load_mnist(paths[0]),
    "run": load_single,  # Part 1, figures.seed
    "runs": load_runs,  # Part 1, figures.seeds
    "part2_run": load_study_run,  # Part 2, its first seed, every optimizer
    "part2_runs": load_study,  # Part 2, every seed and optimizer
    "sweep": lambda paths: [load_history(p) for p in paths],
}

FIGURE = {"figure": "figures/{name}.{format}"}
TABLE = {"csv": "tables/{name}.csv", "md": "tables/{name}.md"}


@dataclass(frozen=True)
class Figure:
    """One figure or table.

    draw(data, out, **options): `data` is what `reads` loads (see SOURCES),
    `out` the rule's named outputs, options `figures.<options>` of the config
    plus `fixed`, plus `dpi` for pictures.
    """

    draw: Callable
    reads: str
    category: str
    outputs: dict = field(default_factory=lambda: FIGURE)
    reported: tuple = ("figure",)  # outputs shown in the report
    target: str = "all"  # built by `rule all` or by `rule part2`
    options: str = None  # key under `figures` (default: the figure's name)
    fixed: dict = field(default_factory=dict)
    picture: bool = True  # takes figures.dpi
    from_config: dict = field(default_factory=dict)  # option -> dotted key elsewhere in the config


def _activations(runs, out, layers, xlim, rebin, epochs, frame_ms, dpi):
    shared = {"layers": layers, "xlim": xlim, "rebin": rebin}
    activations.activations_grid(runs, out.grid, epochs=epochs, dpi=dpi, **shared)
    activations.activations_gif(runs, out.gif, frame_ms=frame_ms, **shared)


def _gradient_stats(runs, out, **options):
    for stat in ("std", "mean"):
        gradients.gradient_stat(runs, out[stat], stat=stat, **options)


def _lr_sweep(histories, out, dpi):
    table = part2.sweep_table(histories)
    part2.lr_sweep(table, out.figure, epochs=int(histories[0].train_epoch[-1]), dpi=dpi)
    write_tables(table, out.csv, out.md)


def _table(build, reads, category, **kwargs):
    """A table: CSV (in the report) and Markdown of build(data, **options)."""
    draw = lambda data, out, **options: write_tables(build(data, **options), out.csv, out.md)  # noqa: E731
    return Figure(draw, reads, category, outputs=TABLE, reported=("csv",), picture=False, **kwargs)


def _one(plot):
    """A plot drawing one picture: draw(data, out.figure, **options)."""
    return lambda data, out, **options: plot(data, out.figure, **options)


FIGURES = {
    "samples": Figure(_one(data.samples), "mnist", "Data"),
    "input_distribution": Figure(
        _one(data.input_distribution),
        "mnist",
        "Data",
        from_config={"pixel_scaling": "data.pixel_scaling"},
    ),
    "initial_weights": Figure(_one(training.initial_weights), "run", "Training"),
    "accuracy": Figure(_one(training.accuracy), "runs", "Training"),
    "activations": Figure(
        _activations,
        "run",
        "Activations",
        outputs={"gif": "figures/activations.gif", "grid": "figures/activations.{format}"},
        reported=("gif", "grid"),
    ),
    "unit_statistics": Figure(_one(activations.unit_statistics), "run", "Activations"),
    "gradient_trace": Figure(_one(gradients.gradient_trace), "run", "Gradients"),
    "gradient_stats": Figure(
        _gradient_stats,
        "runs",
        "Gradients",
        outputs={"std": "figures/gradient_std.{format}", "mean": "figures/gradient_mean.{format}"},
        reported=("std", "mean"),
    ),
    "final_accuracy": _table(tables.final_accuracy, "runs", "Training"),
    "landscape": Figure(_one(part2.landscape), "part2_runs", "Part 2", target="part2"),
    "ics": Figure(_one(part2.ics), "part2_runs", "Part 2", target="part2"),
    "noisy_bn_accuracy": Figure(
        _one(part2.variant_accuracy),
        "part2_runs",
        "Part 2",
        target="part2",
        fixed={
            "band": "minmax",
            "models": ["baseline", "batchnorm", "noisy_batchnorm", "noisy_baseline"],
        },
    ),
    "unit_percentiles": Figure(_one(part2.unit_percentiles), "part2_run", "Part 2", target="part2"),
    "lr_sweep": Figure(_lr_sweep, "sweep", "Part 2", outputs={**FIGURE, **TABLE}, target="part2"),
    "part2_accuracy": _table(
        tables.part2_accuracy,
        "part2_runs",
        "Part 2",
        target="part2",
        from_config={"comparisons": "part2.comparisons"},
    ),
    "part2_measurements": _table(
        tables.part2_measurements,
        "part2_runs",
        "Part 2",
        target="part2",
        from_config={"comparisons": "part2.comparisons"},
    ),
}


def _lookup(config, dotted):
    for key in dotted.split("."):
        config = config[key]
    return config


def options(name, config):
    """The keyword arguments a figure's rule passes to its draw function."""
    fig, figures = FIGURES[name], config["figures"]
    opts = {**figures.get(fig.options or name, {}), **fig.fixed}
    opts |= {key: _lookup(config, dotted) for key, dotted in fig.from_config.items()}
    if fig.picture:
        opts["dpi"] = figures["dpi"]
    return opts


def output_paths(name, fmt):
    """{output key: path} of a figure, under results/."""
    return {
        key: "results/" + path.format(name=name, format=fmt)
        for key, path in FIGURES[name].outputs.items()
    }


def caption(name, key):
    """Report caption file (workflow/report/): <name>.rst, or <name>_<key>.rst when a
    figure reports several outputs."""
    return f"{name}.rst" if len(FIGURES[name].reported) == 1 else f"{name}_{key}.rst"


def render(name, input_paths, out, opts, trained_with=None, stale_histories="stop", log=print):
    """Load what figure `name` reads and draw it, after checking that every
    history was trained with the config in `trained_with` ({path: config})."""
    for problem in stale(trained_with or {}):
        if stale_histories == "stop":
            raise BnlabError(
                f"{problem}. Retrain it (snakemake --cores all --forcerun <its train rule>, or "
                f"delete it), or set figures.stale_histories: warn to draw it anyway."
            )
        log(f"warning: {problem}")
    fig = FIGURES[name]
    fig.draw(SOURCES[fig.reads](list(input_paths)), out, **opts)


def stale(trained_with):
    """One sentence per history whose recorded training config is not the one
    expected: the file and every differing key."""
    problems = []
    for path, expected in trained_with.items():
        recorded = json.loads(load_history(path).attrs["config"])
        changed = config_differences(recorded, json.loads(json.dumps(expected)))
        if changed:
            problems.append(
                f"{path} was trained with another config than the current one: {'; '.join(changed)}"
            )
    return problems


def config_differences(recorded, expected, prefix=""):
    """'key: <recorded> in the history, <expected> now' for every differing leaf."""
    out = []
    for key in sorted(set(recorded) | set(expected)):
        a, b = recorded.get(key), expected.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out += config_differences(a, b, f"{prefix}{key}.")
        elif a != b:
            out.append(f"{prefix}{key} = {a!r} in the history, {b!r} now")
    return out
