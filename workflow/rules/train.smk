# One training job per run of every study (bnlab.studies): a model and seed
# under one setting of the study's axes, named by them, e.g.
# results/part2/histories/optimizer=sgd/learning_rate=0.3/model=batchnorm/seed42.nc


rule train:
    input:
        # The deep linear network makes its own data (bnlab.dln).
        mnist=lambda wildcards: [] if deep_linear(run_config(wildcards)) else [MNIST],
        # The sweep that caps the probes, if the run measures (bnlab.sweeps).
        divergence=lambda wildcards: probe_cap_input(run_config(wildcards)),
    output:
        studies.HISTORY,
    log:
        "results/logs/train/{study}/{run}.log",
    benchmark:
        "results/benchmarks/train/{study}/{run}.tsv"
    # On a cluster, runs are bundled: N per allocation with --group-components
    # training=N (profiles/slurm). Local runs ignore groups.
    group:
        "training"
    conda:
        ENV
    threads: CONFIG["training"]["threads"]
    resources:
        # Measured: peak RSS <= 0.95 GB (1.3 GB with Part 2's measurements).
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=lambda wildcards, attempt: studies.train_minutes(run_config(wildcards))
        * attempt,
        # A GPU slot where JAX can use a GPU (SLURM: --gpus=1 per job).
        gpu=GPU_SLOTS,
    params:
        # Only what changes training: figure options never retrain.
        model=lambda wildcards: run_of(wildcards).model,
        seed=lambda wildcards: run_of(wildcards).seed,
        config=run_config,
    script:
        "../scripts/train.py"


# Where the probe-cap sweep's standard network diverges, per optimizer
# (bnlab.sweeps): the runs it caps (diagnostics.probe_cap_study) wait for it.
# It reads a few attributes per history: Snakemake runs it itself.
localrules:
    divergence,


rule divergence:
    input:
        lambda wildcards: histories(wildcards.study),
    output:
        sweeps.DIVERGENCE,
    log:
        "results/logs/divergence/{study}.log",
    conda:
        ENV
    script:
        "../scripts/divergence.py"
