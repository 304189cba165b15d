# Every figure and table is its own rule, reading histories only: a figure's
# options reach it as params, so changing them redraws that figure alone.


rule samples:
    input:
        mnist=MNIST,
    output:
        report(
            figure("samples"),
            caption="../report/samples.rst",
            category="Data",
            labels={"figure": "samples"},
        ),
    log:
        "results/logs/figures/samples.log",
    conda:
        ENV
    params:
        options=FIGS["samples"],
        dpi=FIGS["dpi"],
    script:
        "../scripts/figure.py"


rule input_distribution:
    input:
        mnist=MNIST,
    output:
        report(
            figure("input_distribution"),
            caption="../report/input_distribution.rst",
            category="Data",
            labels={"figure": "input distribution"},
        ),
    log:
        "results/logs/figures/input_distribution.log",
    conda:
        ENV
    params:
        options=FIGS["input_distribution"],
        normalization=CONFIG["data"]["normalization"],
        dpi=FIGS["dpi"],
    script:
        "../scripts/figure.py"


rule initial_weights:
    input:
        histories=histories(seeds=[FIGS["seed"]]),
    output:
        report(
            figure("initial_weights"),
            caption="../report/initial_weights.rst",
            category="Training",
            labels={"figure": "initial weights", "seed": str(FIGS["seed"])},
        ),
    log:
        "results/logs/figures/initial_weights.log",
    conda:
        ENV
    params:
        options=FIGS["initial_weights"],
        dpi=FIGS["dpi"],
    script:
        "../scripts/figure.py"


rule accuracy:
    input:
        histories=histories(seeds=FIGS["seeds"]),
    output:
        report(
            figure("accuracy"),
            caption="../report/accuracy.rst",
            category="Training",
            labels={"figure": "accuracy and loss", "seed": "all"},
        ),
    log:
        "results/logs/figures/accuracy.log",
    conda:
        ENV
    params:
        options=FIGS["accuracy"],
        dpi=FIGS["dpi"],
    script:
        "../scripts/figure.py"


rule activations:
    input:
        histories=histories(seeds=[FIGS["seed"]]),
    output:
        gif=report(
            "results/figures/activations.gif",
            caption="../report/activations_gif.rst",
            category="Activations",
            labels={"figure": "activations (animation)", "seed": str(FIGS["seed"])},
        ),
        grid=report(
            figure("activations"),
            caption="../report/activations.rst",
            category="Activations",
            labels={"figure": "activations (grid)", "seed": str(FIGS["seed"])},
        ),
    log:
        "results/logs/figures/activations.log",
    conda:
        ENV
    params:
        options=FIGS["activations"],
        dpi=FIGS["dpi"],
    script:
        "../scripts/figure.py"


rule unit_statistics:
    input:
        histories=histories(seeds=[FIGS["seed"]]),
    output:
        report(
            figure("unit_statistics"),
            caption="../report/unit_statistics.rst",
            category="Activations",
            labels={"figure": "unit statistics", "seed": str(FIGS["seed"])},
        ),
    log:
        "results/logs/figures/unit_statistics.log",
    conda:
        ENV
    params:
        options=FIGS["unit_statistics"],
        dpi=FIGS["dpi"],
    script:
        "../scripts/figure.py"


rule gradient_trace:
    input:
        histories=histories(seeds=[FIGS["seed"]]),
    output:
        report(
            figure("gradient_trace"),
            caption="../report/gradient_trace.rst",
            category="Gradients",
            labels={"figure": "gradient trace", "seed": str(FIGS["seed"])},
        ),
    log:
        "results/logs/figures/gradient_trace.log",
    conda:
        ENV
    params:
        options=FIGS["gradient_trace"],
        dpi=FIGS["dpi"],
    script:
        "../scripts/figure.py"


rule gradient_stats:
    input:
        histories=histories(seeds=FIGS["seeds"]),
    output:
        std=report(
            figure("gradient_std"),
            caption="../report/gradient_std.rst",
            category="Gradients",
            labels={"figure": "gradient std", "seed": "all"},
        ),
        mean=report(
            figure("gradient_mean"),
            caption="../report/gradient_mean.rst",
            category="Gradients",
            labels={"figure": "gradient mean", "seed": "all"},
        ),
    log:
        "results/logs/figures/gradient_stats.log",
    conda:
        ENV
    params:
        options=FIGS["gradient_stats"],
        dpi=FIGS["dpi"],
    script:
        "../scripts/figure.py"


rule final_accuracy:
    input:
        histories=histories(seeds=FIGS["seeds"]),
    output:
        csv=report(
            "results/tables/final_accuracy.csv",
            caption="../report/final_accuracy.rst",
            category="Training",
            labels={"table": "final accuracy"},
        ),
        md="results/tables/final_accuracy.md",
    log:
        "results/logs/figures/final_accuracy.log",
    conda:
        ENV
    params:
        options=FIGS["table"],
    script:
        "../scripts/figure.py"
