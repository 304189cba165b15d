"""Snakemake adapter: train one model from one seed -> its history file."""

from bnlab.affinity import claim_cores
from bnlab.errors import exit_on_error
from bnlab.logs import log_to

# Pin before JAX starts its thread pool.
cores = claim_cores(snakemake.threads)


def main(wildcards, params, input, output, log):
    from bnlab.train_job import run_training

    logger = log_to(log)
    logger.info("model %s seed %s on cores %s", wildcards.model, wildcards.seed, cores)
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
