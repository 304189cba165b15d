# One jitted training job per model and seed; Part 2 and the learning-rate
# sweep reuse the same rule with their own outputs and settings.


rule train:
    input:
        mnist=MNIST,
    output:
        HISTORY,
    log:
        "results/logs/train/{model}/seed{seed}.log",
    benchmark:
        "results/benchmarks/train/{model}/seed{seed}.tsv"
    # On a cluster, runs are bundled: N per allocation with --group-components
    # training=N (profiles/slurm). Local runs ignore groups.
    group:
        "training"
    conda:
        ENV
    threads: CONFIG["training"]["threads"]
    resources:
        # Measured: peak RSS <= 0.95 GB (1.3 GB with Part 2's measurements).
        mem_mb=lambda wildcards, attempt: 1500 * attempt,
        runtime=lambda wildcards, attempt: train_minutes(CONFIG["training"]["epochs"])
        * attempt,
        # Not a request: the estimate `python -m bnlab.plan` adds up.
        estimate_s=train_seconds(CONFIG["training"]["epochs"]),
        # A GPU slot where JAX can use a GPU (SLURM: --gpus=1 per job).
        gpu=GPU_SLOTS,
    params:
        # Only what changes training: figure options never retrain.
        config=lambda wildcards: training_config(wildcards.model),
    script:
        "../scripts/train.py"


# Part 2: the variants with Santurkar et al.'s and Ioffe & Szegedy's
# measurements on.
use rule train as train_part2 with:
    output:
        PART2_HISTORY,
    log:
        "results/logs/part2/train/{optimizer}/{model}/seed{seed}.log",
    benchmark:
        "results/benchmarks/part2/train/{optimizer}/{model}/seed{seed}.tsv"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=lambda wildcards, attempt: train_minutes(PART2["epochs"], "measured")
        * attempt,
        estimate_s=train_seconds(PART2["epochs"], "measured"),
        gpu=GPU_SLOTS,
    params:
        config=lambda wildcards: part2_config(wildcards.model, wildcards.optimizer),


# The learning-rate sweep, per model, rate and seed.
use rule train as train_sweep with:
    output:
        SWEEP_HISTORY,
    log:
        "results/logs/part2/sweep/{optimizer}/{model}/lr{lr}/seed{seed}.log",
    benchmark:
        "results/benchmarks/part2/sweep/{optimizer}/{model}/lr{lr}/seed{seed}.tsv"
    resources:
        mem_mb=lambda wildcards, attempt: 1500 * attempt,
        runtime=lambda wildcards, attempt: train_minutes(SWEEP["epochs"]) * attempt,
        estimate_s=train_seconds(SWEEP["epochs"]),
        gpu=GPU_SLOTS,
    params:
        config=lambda wildcards: sweep_config(
            wildcards.model, wildcards.optimizer, wildcards.lr
        ),
