"""The figure registry: every figure and table declared once (pure data, no
plotting import, so parsing the workflow stays light).

An entry names its drawing function (imported only when drawing), what it
reads from its study, its outputs and its report category. The workflow makes
one rule per entry (workflow/rules/figures.smk) whose options are
`figures.<name>` of the config, including the study it reads, so changing one
figure's options redraws that figure alone. `figures.more` adds entries like
a registered one (another study's accuracy figure, say) from the config.
"""

from dataclasses import dataclass, field, replace

from bnlab.spec import studies
from bnlab.spec.paths import FIGURE

PICTURE = {"figure": "figures/{name}.{format}"}
TABLE = {"csv": "tables/{name}.csv", "md": "tables/{name}.md"}
# What a figure reads, loaded by bnlab.plots.render.load:
#   mnist      - mnist.nc
#   run        - {model: history} of figures.seed     (a study without axes)
#   runs       - {model: [history per seed]}          (a study without axes)
#   conditions - {condition: {model: [history per seed]}}, a condition per
#                setting of the study's axes (any study)
#   condition_run - {condition: {model: history}} of figures.seed
#   histories  - [history, ...]
READS = ("mnist", "run", "runs", "conditions", "condition_run", "histories")


@dataclass(frozen=True)
class Figure:
    """One figure or table.

    draw(data, out, **options), named "module:function": `data` is what
    `reads` loads, `out` the rule's named outputs, options `figures.<options>`
    of the config (less `study`) plus `fixed`, plus `dpi` for pictures.
    """

    draw: str
    reads: str
    category: str
    outputs: dict = field(default_factory=lambda: PICTURE)
    reported: tuple = ("figure",)  # outputs shown in the report
    target: str = "all"  # built by `rule all`, `rule part2` or the rule named
    options: str = None  # key under `figures` (default: the figure's name)
    fixed: dict = field(default_factory=dict)
    picture: bool = True  # takes figures.dpi
    from_config: dict = field(default_factory=dict)  # option -> dotted key elsewhere in the config
    epochs: str = "ends"  # `epochs: null` draws (bnlab.spec.figure_defaults.EPOCHS): ends | grid


def _table(draw, reads, category, outputs=TABLE, **kwargs):
    """A table: CSV (in the report) and Markdown."""
    return Figure(
        draw, reads, category, outputs=outputs, reported=("csv",), picture=False, **kwargs
    )


def _claims(study, **kwargs):
    """A claims table: the verdicts of the claims declared on `study`."""
    outputs = {**TABLE, "outcomes": "tables/{name}_outcomes.csv"}
    fixed = {"claims_of": study}
    return _table(
        "bnlab.analysis.findings:claims", "conditions", outputs=outputs, fixed=fixed, **kwargs
    )


def _forest(study, **kwargs):
    """The forest plot of a claims table: the same table from the same histories,
    under the table's own options (figures.claims*: its study and alpha)."""
    claims = "claims" if study == "part2" else f"claims_{study}"
    return Figure(
        "bnlab.plots.forest:draw",
        "conditions",
        options=claims,
        fixed={"claims_of": study},
        **kwargs,
    )


def _explorer(study, target, claims=False):
    """A study's interactive explorer (bnlab.explore): one self-contained HTML
    page; with the study's claims table where it has one, at that table's alpha."""
    table = "claims" if study == "part2" else f"claims_{study}"
    return Figure(
        "bnlab.explore.page:write",
        "conditions",
        "Explorer",
        outputs={"html": f"explorer/{study}.html"},
        reported=(),
        target=target,
        fixed={"study_name": study, "claims_of": study if claims else None},
        picture=False,
        from_config={"alpha": f"figures.{table}.alpha"} if claims else {},
    )


D = "bnlab.plots.render:"
PART2 = {"target": "part2", "category": "Part 2"}
DLN = {"target": "dln", "category": "Deep linear network"}
DEPTH = {"target": "depth", "category": "Noise and depth"}
BATCH = {"target": "batch", "category": "Small batches"}
COMPARISONS = {"comparisons": "figures.comparisons"}

FIGURES = {
    "samples": Figure(D + "samples", "mnist", "Data"),
    "input_distribution": Figure(
        D + "input_distribution",
        "mnist",
        "Data",
        from_config={"pixel_scaling": "data.pixel_scaling"},
    ),
    "initial_weights": Figure(D + "initial_weights", "run", "Training"),
    "accuracy": Figure(D + "accuracy", "conditions", "Training"),
    "activations": Figure(
        D + "activations",
        "run",
        "Activations",
        outputs={"gif": "figures/{name}.gif", "grid": "figures/{name}.{format}"},
        reported=("gif", "grid"),
        epochs="grid",
    ),
    "unit_statistics": Figure(D + "unit_statistics", "run", "Activations"),
    "gradient_trace": Figure(D + "gradient_trace", "run", "Gradients"),
    "claims_blog": _claims("blog", category="Gradients"),
    "gradient_stats": Figure(
        D + "gradient_stats",
        "runs",
        "Gradients",
        outputs={"std": "figures/gradient_std.{format}", "mean": "figures/gradient_mean.{format}"},
        reported=("std", "mean"),
    ),
    "final_accuracy": _table(D + "final_accuracy", "conditions", "Training"),
    "landscape": Figure(D + "landscape", "conditions", **PART2),
    "ics": Figure(D + "ics", "conditions", **PART2),
    "noisy_bn_accuracy": Figure(
        D + "variant_accuracy",
        "conditions",
        **PART2,
        fixed={
            "band": "minmax",
            "models": ["baseline", "batchnorm", "noisy_batchnorm", "noisy_baseline"],
        },
    ),
    "unit_percentiles": Figure(D + "unit_percentiles", "condition_run", **PART2),
    "input_drift": Figure(D + "input_drift", "conditions", **PART2),
    "steps_to_threshold": Figure(
        D + "steps_to_threshold", "conditions", **PART2, fixed={"band": "minmax"}
    ),
    "lr_sweep": Figure(D + "lr_sweep", "histories", outputs={**PICTURE, **TABLE}, **PART2),
    "part2_accuracy": _table(D + "part2_accuracy", "conditions", **PART2, from_config=COMPARISONS),
    "part2_measurements": _table(
        D + "part2_measurements", "conditions", **PART2, from_config=COMPARISONS
    ),
    # Every declared claim's verdict (bnlab.spec.claims), and each run's outcomes.
    "claims": _claims("part2", **PART2),
    # The deep linear network; noise against depth; BatchNorm at small batches.
    "dln_training": Figure(D + "dln_training", "conditions", **DLN),
    "dln_ics": Figure(D + "dln_ics", "conditions", **DLN),
    "dln_landscape": Figure(D + "dln_landscape", "conditions", **DLN),
    "claims_dln": _claims("dln", **DLN),
    "noise_depth": _table(D + "noise_depth", "conditions", **DEPTH),
    "claims_depth": _claims("depth", **DEPTH),
    "batch_size": Figure(D + "batch_size", "conditions", **BATCH),
    "claims_batch": _claims("batch", **BATCH),
    # Each claims table as a forest plot: intervals against zero and the margin.
    "forest_blog": _forest("blog", category="Gradients"),
    "forest": _forest("part2", **PART2),
    "forest_dln": _forest("dln", **DLN),
    "forest_depth": _forest("depth", **DEPTH),
    "forest_batch": _forest("batch", **BATCH),
    # One interactive page per study (results/explorer/<study>.html), built by
    # the study's target and by `snakemake --cores all explorer`.
    "explorer_blog": _explorer("blog", "all", claims=True),
    "explorer_part2": _explorer("part2", "part2", claims=True),
    "explorer_lr_sweep": _explorer("lr_sweep", "part2"),
    "explorer_dln": _explorer("dln", "dln", claims=True),
    "explorer_depth": _explorer("depth", "depth", claims=True),
    "explorer_batch": _explorer("batch", "batch", claims=True),
}


def registry(config):
    """The figures a config draws: FIGURES whose study it has (a user may drop a
    study, and its figures go with it), plus its `figures.more` entries, each a
    copy of the registered figure it is like, under its own name and target."""
    more = {
        name: replace(FIGURES[entry["like"]], options=None, target=entry["target"])
        for name, entry in config["figures"]["more"].items()
    }
    drawn = {
        name: fig
        for name, fig in FIGURES.items()
        if fig.reads == "mnist" or study_of(config, name) in config["studies"]
    }
    return {**drawn, **more}


def _lookup(config, dotted):
    for key in dotted.split("."):
        config = config[key]
    return config


def figure_options(config, name):
    """`figures.<name>` of a validated config (a `more` entry's, less like/target)."""
    figures = config["figures"]
    if name in figures["more"]:
        return {k: v for k, v in figures["more"][name].items() if k not in ("like", "target")}
    return figures.get(FIGURES[name].options or name, {})


def study_of(config, name):
    """The study a figure reads (None for mnist.nc)."""
    return figure_options(config, name).get("study")


def options(name, config):
    """The keyword arguments a figure's rule passes to its draw function."""
    fig = registry(config)[name]
    opts = {**figure_options(config, name), **fig.fixed}
    opts.pop("study", None)
    opts |= {key: _lookup(config, dotted) for key, dotted in fig.from_config.items()}
    if fig.picture:
        opts["dpi"] = config["figures"]["dpi"]
    return opts


def output_paths(fig, name, fmt):
    """{output key: path} of a figure, under results/."""
    return {
        key: FIGURE.format(path=path.format(name=name, format=fmt))
        for key, path in fig.outputs.items()
    }


def caption(fig, name, key):
    """Report caption file (workflow/report/): <name>.rst, or <name>_<key>.rst when a
    figure reports several outputs."""
    return f"{name}.rst" if len(fig.reported) == 1 else f"{name}_{key}.rst"


def figure_runs(config, name):
    """{history path: Run} figure `name` reads: its study's runs at figures.seed
    where it draws one run, else at figures.seeds (null: all of the study's)."""
    fig, study = registry(config)[name], study_of(config, name)
    if fig.reads == "mnist":
        return {}
    figs = config["figures"]
    seeds = figs["seeds"] or studies.seeds(config["studies"][study])
    if fig.reads in ("run", "condition_run"):
        seeds = [figs["seed"]]
    runs = studies.study_runs(config, study)
    return {run.path: run for run in runs if run.seed in seeds}


def targets(config, target):
    """{figure name: its output paths} of the figures `rule <target>` builds."""
    fmt = config["figures"]["format"]
    return {
        name: list(output_paths(fig, name, fmt).values())
        for name, fig in registry(config).items()
        if fig.target == target
    }
