"""Snakemake adapter: draw one figure of the registry from its input files."""

from bnlab.errors import exit_on_error
from bnlab.logs import log_to


def main(params, input, output, log, config):
    from bnlab.plots.render import render
    from bnlab.spec.config import validate_config
    from bnlab.spec.figures import registry

    logger = log_to(log)
    render(
        registry(validate_config(config))[params.figure],
        input,
        output,
        params.options,
        coords=params.coords,
        trained_with=params.trained_with,
        stale_histories=params.stale_histories,
        log=logger.warning,
    )
    logger.info("drew %s", ", ".join(map(str, output)))


exit_on_error(
    main, snakemake.params, snakemake.input, snakemake.output, snakemake.log[0], snakemake.config
)
