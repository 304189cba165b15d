# One rule per entry of the figure registry (bnlab.spec.figures.registry: the
# built-in figures and the config's figures.more). A figure reads one study's
# histories (or mnist.nc) only, and its options (figures.<name> in the config)
# reach it as params, so changing them redraws that figure alone.


for name, fig in FIGURES.items():
    # Each history read, with its study's axes and the config it was trained with.
    runs = figure_runs(CONFIG, name)

    rule:
        name:
            name
        input:
            [paths.MNIST] if fig.reads == "mnist" else list(runs),
        output:
            **figure_outputs(name),
        log:
            paths.LOG.format(path=f"figures/{name}"),
        # On a cluster, figures are bundled (--group-components figures=N).
        group:
            "figures"
        conda:
            ENV
        params:
            figure=name,
            options=options(name, CONFIG),
            coords={path: run.coords for path, run in runs.items()},
            # What each history must have been trained with (the stale guard).
            trained_with={
                path: studies.config_of(CONFIG, run) for path, run in runs.items()
            },
            stale_histories=FIGS["stale_histories"],
        script:
            "../scripts/figure.py"


# A rule for every other target a figures.more entry names.
for target in sorted({fig.target for fig in FIGURES.values()} - {"all", "part2"}):

    rule:
        name:
            target
        input:
            figure_targets(target),
