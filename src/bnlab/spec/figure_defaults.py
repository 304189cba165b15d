"""Figure options whose defaults depend on the study a figure reads, filled in
once the config is valid: the epochs a figure shows and the model pairs the
tables compare. Keyed on what the registry declares (Figure.epochs,
Figure.from_config), never on a figure's name."""

from bnlab.spec import studies
from bnlab.spec.figures import registry, study_of

# Figure.epochs: the epochs drawn when the option is null, from the last one.
EPOCHS = {
    # 0, 1 and four more epochs spread up to the last (a grid of snapshots)
    "grid": lambda last: sorted({0, 1, *(round(last * k / 4) for k in range(1, 5))}),
    # the first and the last
    "ends": lambda last: sorted({1, last}),
}


def last_epoch(config, study):
    """The epochs every run of a study trains (the shortest run's)."""
    runs = studies.study_runs(config, study)
    return min(studies.config_of(config, r)["training"]["epochs"] for r in runs)


def resolve_figures(config):
    """Fill in, in place, `epochs: null` of every figure and figures.comparisons."""
    figs = config["figures"]
    for name, fig in registry(config).items():
        opts = figs["more"].get(name) or figs.get(fig.options or name, {})
        if opts.get("epochs", 0) is None:
            opts["epochs"] = EPOCHS[fig.epochs](last_epoch(config, study_of(config, name)))
    readers = [
        name
        for name, fig in registry(config).items()
        if "figures.comparisons" in fig.from_config.values()
    ]
    if figs["comparisons"] is None and readers:
        study = config["studies"][study_of(config, readers[0])]
        figs["comparisons"] = default_comparisons(studies.models(study))


def default_comparisons(models):
    """Every model against the baseline and against BatchNorm, as [a, b] pairs
    (b - a): this covers after vs before the ReLU and noisy vs clean."""
    pairs = []
    for reference in ("baseline", "batchnorm"):
        if reference in models:
            pairs += [[reference, m] for m in models if m not in (reference, "baseline")]
    return pairs
