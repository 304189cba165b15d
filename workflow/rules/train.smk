# One jitted training job per model and seed.


rule train:
    input:
        mnist=MNIST,
    output:
        HISTORY,
    log:
        "results/logs/train/{model}/seed{seed}.log",
    benchmark:
        "results/benchmarks/train/{model}/seed{seed}.tsv"
    conda:
        ENV
    threads: CONFIG["training"]["threads"]
    resources:
        # Measured: peak RSS <= 0.95 GB; ~1.1-1.3 s per epoch on one core.
        mem_mb=lambda wildcards, attempt: 1500 * attempt,
        runtime=lambda wildcards, attempt: train_minutes() * attempt,
        cpus_per_task=lambda wildcards, threads: threads,
    params:
        # Only what changes training: figure options never retrain.
        config=lambda wildcards: training_config(wildcards.model),
    script:
        "../scripts/train.py"
