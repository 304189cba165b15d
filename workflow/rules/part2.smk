# Part 2: why does BatchNorm help? Model variants trained with Santurkar et
# al.'s and Ioffe & Szegedy's measurements on, and a learning-rate sweep.
# Build with: snakemake --cores all part2


rule train_part2:
    input:
        mnist=MNIST,
    output:
        "results/part2/histories/{model}/seed{seed}.nc",
    log:
        "results/logs/part2/train/{model}/seed{seed}.log",
    benchmark:
        "results/benchmarks/part2/train/{model}/seed{seed}.tsv"
    conda:
        ENV
    threads: CONFIG["training"]["threads"]
    resources:
        # Measured: the measurements raise peak RSS to ~1.06 GB.
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=lambda wildcards, attempt: 2 * train_minutes(PART2["epochs"]) * attempt,
        cpus_per_task=lambda wildcards, threads: threads,
    params:
        config=lambda wildcards: training_config(
            wildcards.model,
            training={"epochs": PART2["epochs"]},
            diagnostics={"measure_every": PART2["measure_every"]},
        ),
    script:
        "../scripts/train.py"


rule train_sweep:
    input:
        mnist=MNIST,
    output:
        "results/part2/sweep/{model}/lr{lr}/seed{seed}.nc",
    log:
        "results/logs/part2/sweep/{model}/lr{lr}/seed{seed}.log",
    benchmark:
        "results/benchmarks/part2/sweep/{model}/lr{lr}/seed{seed}.tsv"
    conda:
        ENV
    threads: CONFIG["training"]["threads"]
    resources:
        mem_mb=lambda wildcards, attempt: 1500 * attempt,
        runtime=lambda wildcards, attempt: train_minutes(SWEEP["epochs"]) * attempt,
        cpus_per_task=lambda wildcards, threads: threads,
    params:
        # A diverging run is kept and flagged: the sweep is about where that happens.
        config=lambda wildcards: training_config(
            wildcards.model,
            training={
                "epochs": SWEEP["epochs"],
                "learning_rate": LEARNING_RATES[wildcards.lr],
                "on_divergence": "record",
            },
            diagnostics={"measure_every": 0},
        ),
    script:
        "../scripts/train.py"


rule landscape:
    input:
        histories=part2_histories(),
    output:
        report(
            figure("landscape"),
            caption="../report/landscape.rst",
            category="Part 2",
            labels={"figure": "loss landscape", "seed": "all"},
        ),
    log:
        "results/logs/figures/landscape.log",
    conda:
        ENV
    params:
        options={},
        dpi=FIGS["dpi"],
    script:
        "../scripts/figure.py"


rule ics:
    input:
        histories=part2_histories(),
    output:
        report(
            figure("ics"),
            caption="../report/ics.rst",
            category="Part 2",
            labels={"figure": "internal covariate shift", "seed": "all"},
        ),
    log:
        "results/logs/figures/ics.log",
    conda:
        ENV
    params:
        options={},
        dpi=FIGS["dpi"],
    script:
        "../scripts/figure.py"


rule noisy_bn_accuracy:
    input:
        histories=part2_histories(["baseline", "batchnorm", "noisy_batchnorm"]),
    output:
        report(
            figure("noisy_bn_accuracy"),
            caption="../report/noisy_bn_accuracy.rst",
            category="Part 2",
            labels={"figure": "noisy BatchNorm accuracy", "seed": "all"},
        ),
    log:
        "results/logs/figures/noisy_bn_accuracy.log",
    conda:
        ENV
    params:
        options={"band": FIGS["accuracy"]["band"], "show_blog": False},
        dpi=FIGS["dpi"],
    script:
        "../scripts/figure.py"


rule unit_percentiles:
    input:
        histories=part2_histories(seeds=[PART2["seeds"][0]]),
    output:
        report(
            figure("unit_percentiles"),
            caption="../report/unit_percentiles.rst",
            category="Part 2",
            labels={"figure": "unit percentiles", "seed": str(PART2["seeds"][0])},
        ),
    log:
        "results/logs/figures/unit_percentiles.log",
    conda:
        ENV
    params:
        options={"layer": PART2["percentile_layer"], "unit": PART2["percentile_unit"]},
        dpi=FIGS["dpi"],
    script:
        "../scripts/figure.py"


rule lr_sweep:
    input:
        histories=sweep_histories(),
    output:
        fig=report(
            figure("lr_sweep"),
            caption="../report/lr_sweep.rst",
            category="Part 2",
            labels={"figure": "learning-rate sweep", "seed": "all"},
        ),
        csv="results/tables/lr_sweep.csv",
        md="results/tables/lr_sweep.md",
    log:
        "results/logs/figures/lr_sweep.log",
    conda:
        ENV
    params:
        options={},
        dpi=FIGS["dpi"],
    script:
        "../scripts/figure.py"


rule part2_accuracy:
    input:
        histories=part2_histories(),
    output:
        csv=report(
            "results/tables/part2_accuracy.csv",
            caption="../report/part2_accuracy.rst",
            category="Part 2",
            labels={"table": "variants' accuracy"},
        ),
        md="results/tables/part2_accuracy.md",
    log:
        "results/logs/figures/part2_accuracy.log",
    conda:
        ENV
    params:
        options={"epochs": sorted({1, PART2["epochs"]})},
    script:
        "../scripts/figure.py"


rule part2_measurements:
    input:
        histories=part2_histories(),
    output:
        csv=report(
            "results/tables/part2_measurements.csv",
            caption="../report/part2_measurements.rst",
            category="Part 2",
            labels={"table": "measurements"},
        ),
        md="results/tables/part2_measurements.md",
    log:
        "results/logs/figures/part2_measurements.log",
    conda:
        ENV
    params:
        options={},
    script:
        "../scripts/figure.py"


rule part2:
    input:
        PART2_TARGETS,
