"""Snakemake adapter: draw one figure of the registry from its input files."""

from bnlab.errors import exit_on_error
from bnlab.logs import log_to


def main(params, input, output, log):
    from bnlab.figures import render

    logger = log_to(log)
    render(
        params.figure,
        input,
        output,
        params.options,
        params.trained_with,
        params.stale_histories,
        log=logger.warning,
    )
    logger.info("drew %s", ", ".join(map(str, output)))


exit_on_error(main, snakemake.params, snakemake.input, snakemake.output, snakemake.log[0])
