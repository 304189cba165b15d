"""Snakemake adapter: train one model from one seed -> its history file."""

from bnlab.affinity import claim_cores
from bnlab.errors import exit_on_error
from bnlab.gpus import claim_gpu
from bnlab.logs import log_to
from bnlab.numerics import use_cpu_numerics

# Pin before JAX starts its thread pool.
cores = claim_cores(snakemake.threads)


def main(wildcards, params, input, output, log):
    # XLA reads its flags when JAX starts: set them before anything imports it.
    use_cpu_numerics(params.config["training"]["cpu_numerics"])
    gpu = claim_gpu(params.gpu["gpus"], params.gpu["jobs_per_gpu"]) if params.gpu["gpus"] else None
    from bnlab.train_job import run_training

    logger = log_to(log)
    logger.info("model %s seed %s on cores %s, GPU %s", wildcards.model, wildcards.seed, cores, gpu)
    run_training(
        model=wildcards.model,
        seed=int(wildcards.seed),
        mnist=input.mnist,
        config=params.config,
        output=output[0],
        log=logger.info,
    )


exit_on_error(
    main, snakemake.wildcards, snakemake.params, snakemake.input, snakemake.output, snakemake.log[0]
)
