"""Snakemake adapter: train one block of runs (a model, several seeds) -> a history each."""

import json

from bnlab.errors import exit_on_error
from bnlab.logs import log_to
from bnlab.spec.affinity import claim_cores
from bnlab.spec.config import validate_config
from bnlab.spec.gpus import claim_gpu, training_gpus
from bnlab.spec.sweeps import divergence_rate

# Pin before JAX starts its thread pool.
cores = claim_cores(snakemake.threads)


def main(params, input, output, log, config):
    # Before JAX starts: it reads CUDA_VISIBLE_DEVICES and its memory policy once.
    # (Read here, not in params: the GPU count must not retrain anything.)
    gpus = training_gpus()
    gpu = claim_gpu(gpus, validate_config(config)["gpu"]["jobs_per_gpu"]) if gpus else None
    logger = log_to(log)
    where = f"cores {cores}" + (f", GPU {gpu}" if gpu else "")
    logger.info("%s, model %s, seeds %s on %s", params.study, params.model, params.seeds, where)
    if gpus and gpu is None:
        logger.warning("every GPU slot is taken: this job shares the GPUs (gpu.jobs_per_gpu)")
    from bnlab.train.job import train_block

    train_block(
        params.model,
        params.seeds,
        params.config,
        list(output),
        mnist=input.mnist[0] if input.mnist else None,
        divergence_rate=probe_cap(input.divergence, params.config, logger),
        log=logger.info,
    )


def probe_cap(divergence_files, config, logger):
    """The rate the probe-cap sweep's baseline diverged at, if these runs cap their probes."""
    if not divergence_files:
        return None
    with open(divergence_files[0]) as f:
        rate = divergence_rate(json.load(f), config["training"]["optimizer"])
    logger.info("probes capped below the baseline's divergence rate: %s", rate)
    return rate


exit_on_error(
    main,
    snakemake.params,
    snakemake.input,
    snakemake.output,
    snakemake.log[0],
    snakemake.config,
)
