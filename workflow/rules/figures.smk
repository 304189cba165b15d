# One rule per entry of the figure registry (bnlab.figures.FIGURES). A figure
# reads histories (or mnist.nc) only, and its options (figures.<name> in the
# config) reach it as params, so changing them redraws that figure alone.


for name in FIGURES:
    # Each input file, with the training config it must have been made with.
    inputs = trained_with(FIGURES[name].reads)

    rule:
        name:
            name
        input:
            list(inputs),
        output:
            **figure_outputs(name),
        log:
            f"results/logs/figures/{name}.log",
        # On a cluster, figures are bundled (--group-components figures=N).
        group:
            "figures"
        conda:
            ENV
        params:
            figure=name,
            options=options(name, CONFIG),
            # What each history must have been trained with (the stale guard).
            trained_with={path: config for path, config in inputs.items() if config},
            stale_histories=FIGS["stale_histories"],
        script:
            "../scripts/figure.py"
