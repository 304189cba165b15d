"""Snakemake adapter: draw one figure (chosen by the rule's name) from histories."""

from bnlab.errors import exit_on_error
from bnlab.logs import log_to


def main(rule, input, params, output, log):
    from bnlab.figures import draw

    logger = log_to(log)
    draw(rule, input, params, output)
    logger.info("drew %s", ", ".join(map(str, output)))


exit_on_error(
    main, snakemake.rule, snakemake.input, snakemake.params, snakemake.output, snakemake.log[0]
)
