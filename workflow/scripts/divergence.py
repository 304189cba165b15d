"""Snakemake adapter: a sweep's histories -> where each model diverges (bnlab.spec.sweeps)."""

import json

import netCDF4

from bnlab.errors import exit_on_error
from bnlab.io import atomic_path
from bnlab.logs import log_to
from bnlab.spec.sweeps import FAILURES, divergence_rates, record_of


def attributes(path):
    """The attributes record_of reads; a history lacks the failure flags its
    task has no use for (a deep linear network's has no at_chance)."""
    with netCDF4.Dataset(path) as nc:
        keys = ("model", "config", *FAILURES)
        return {key: nc.getncattr(key) for key in keys if key in nc.ncattrs()}


def main(histories, output, log):
    rates = divergence_rates([record_of(attributes(path)) for path in histories])
    with atomic_path(output) as tmp, open(tmp, "w") as f:
        json.dump(rates, f, indent=2, sort_keys=True)
    log_to(log).info("divergence rates from %d histories: %s", len(histories), rates)


exit_on_error(main, list(snakemake.input), snakemake.output[0], snakemake.log[0])
