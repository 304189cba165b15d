# One training job per block (bnlab.spec.blocks): one model of a study under
# every setting of its axes, up to seeds_per_job seeds each, trained one after
# another in one process; each run writes its own history, e.g.
# results/part2/histories/optimizer=sgd/learning_rate=0.3/model=batchnorm/seed42.nc


for name, block in BLOCKS.items():
    run_cfg = block.configs[0]
    minutes = cost.train_minutes([s.config for s in block.settings for _ in s.runs])

    rule:
        name:
            name
        input:
            # The deep linear network makes its own data (bnlab.train.dln).
            mnist=[] if deep_linear(run_cfg) else [paths.MNIST],
            # The sweep that caps the probes, if the runs measure (bnlab.spec.sweeps).
            divergence=sorted({p for c in block.configs for p in probe_cap_input(c)}),
        output:
            block.paths,
        log:
            paths.LOG.format(path=f"train/{block.study}/{block.name}"),
        benchmark:
            paths.BENCHMARK.format(path=f"train/{block.study}/{block.name}")
        # On a cluster, jobs are bundled: N per allocation with --group-components
        # training=N (profiles/slurm). Local runs ignore groups.
        group:
            "training"
        conda:
            ENV
        threads: CONFIG["training"]["threads"]
        resources:
            # Measured: peak RSS <= 0.95 GB (1.3 GB with Part 2's measurements).
            mem_mb=lambda wildcards, attempt: 2000 * attempt,
            runtime=lambda wildcards, attempt, minutes=minutes: minutes * attempt,
            # A GPU slot where JAX can use a GPU, or where gpu.request asks
            # for one (SLURM: --gpus=1 per job).
            gpu=GPU_SLOTS,
            slurm_partition=TRAIN_PARTITION,
        params:
            # Only what changes training: figure options never retrain.
            study=block.study,
            model=block.model,
            # Each setting's folder and seeds, in the order of the outputs.
            settings=[{"label": s.label, "seeds": s.seeds} for s in block.settings],
            configs=block.configs,
        script:
            "../scripts/train.py"


# Where the probe-cap sweep's standard network diverges, per optimizer
# (bnlab.spec.sweeps): the runs it caps (diagnostics.probe_cap_study) wait for it.
# It reads a few attributes per history: Snakemake runs it itself.
localrules:
    divergence,


rule divergence:
    input:
        lambda wildcards: histories(wildcards.study),
    output:
        paths.DIVERGENCE,
    log:
        paths.LOG.format(path="divergence/{study}"),
    conda:
        ENV
    script:
        "../scripts/divergence.py"
