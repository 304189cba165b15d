"""Snakemake adapter: train one model from one seed -> its history file."""

import json

from bnlab.affinity import claim_cores
from bnlab.config import validate_config
from bnlab.errors import exit_on_error
from bnlab.gpus import claim_gpu, training_gpus
from bnlab.logs import log_to
from bnlab.sweeps import divergence_rate

# Pin before JAX starts its thread pool.
cores = claim_cores(snakemake.threads)


def main(wildcards, params, input, output, log, config):
    # Before JAX starts: it reads CUDA_VISIBLE_DEVICES and its memory policy once.
    # (Read here, not in params: the GPU count must not retrain anything.)
    gpus = training_gpus()
    gpu = claim_gpu(gpus, validate_config(config)["gpu"]["jobs_per_gpu"]) if gpus else None
    logger = log_to(log)
    where = f"cores {cores}" + (f", GPU {gpu}" if gpu else "")
    logger.info("%s, run %s on %s", wildcards.study, wildcards.run, where)
    if gpus and gpu is None:
        logger.warning("every GPU slot is taken: this job shares the GPUs (gpu.jobs_per_gpu)")
    if params.config["training"].get("task") == "deep_linear":
        from bnlab.dln import run_dln

        run_dln(params.model, params.seed, params.config, output[0], log=logger.info)
        return
    from bnlab.train_job import run_training

    run_training(
        model=params.model,
        seed=params.seed,
        mnist=input.mnist[0],
        config=params.config,
        output=output[0],
        log=logger.info,
        divergence_rate=probe_cap(input.divergence, params.config, logger),
    )


def probe_cap(divergence_files, config, logger):
    """The rate the probe-cap sweep's standard network diverged at, if this run caps its probes."""
    if not divergence_files:
        return None
    with open(divergence_files[0]) as f:
        rate = divergence_rate(json.load(f), config["training"]["optimizer"])
    logger.info("probes capped below the baseline's divergence rate: %s", rate)
    return rate


exit_on_error(
    main,
    snakemake.wildcards,
    snakemake.params,
    snakemake.input,
    snakemake.output,
    snakemake.log[0],
    snakemake.config,
)
