"""Snakemake adapter: train a block of runs (a model, settings, seeds) -> a history each."""

import json

from bnlab.errors import exit_on_error
from bnlab.logs import log_to
from bnlab.spec.affinity import claim_cores
from bnlab.spec.config import validate_config
from bnlab.spec.gpus import claim_gpu, training_gpus
from bnlab.spec.paths import DIVERGENCE
from bnlab.spec.sweeps import cap_study, divergence_rate

# Pin before JAX starts its thread pool.
cores = claim_cores(snakemake.threads)


def main(params, input, output, log, config):
    # Before JAX starts: it reads CUDA_VISIBLE_DEVICES and its memory policy once.
    # (Read here, not in params: the GPU count must not retrain anything.)
    gpus = training_gpus()
    gpu = claim_gpu(gpus, validate_config(config)["gpu"]["jobs_per_gpu"]) if gpus else None
    logger = log_to(log)
    where = f"cores {cores}" + (f", GPU {gpu}" if gpu else "")
    settings = params.settings
    seeds = list(dict.fromkeys(seed for setting in settings for seed in setting["seeds"]))
    logger.info(
        "%s, model %s, seeds %s, %d setting(s) on %s",
        params.study,
        params.model,
        seeds,
        len(settings),
        where,
    )
    if gpus and gpu is None:
        logger.warning("every GPU slot is taken: this job shares the GPUs (gpu.jobs_per_gpu)")
    from bnlab.train.job import SettingRuns, train_block

    outputs, groups = iter(output), []
    for setting, config in zip(settings, params.configs, strict=True):
        paths = [next(outputs) for _ in setting["seeds"]]
        rate = probe_cap(input.divergence, config, logger)
        groups.append(SettingRuns(config, setting["seeds"], paths, rate, setting["label"]))
    mnist = input.mnist[0] if input.mnist else None
    train_block(params.model, groups, mnist, log=logger.info)


def probe_cap(divergence_files, config, logger):
    """The rate the probe-cap sweep's baseline diverged at, if these runs cap their probes."""
    sweep = cap_study(config)
    if not sweep:
        return None
    (path,) = [p for p in divergence_files if p == DIVERGENCE.format(study=sweep)]
    with open(path) as f:
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
