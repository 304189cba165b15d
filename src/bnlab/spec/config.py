"""The config, loaded and validated in one place, in this order:

1. load: YAML files merged as Snakemake merges --configfile files;
2. the schema (bnlab/schemas/config.schema.yaml): every key and value, its
   defaults filled in (the one home of every default; the studies' home is
   config/config.yaml);
3. the config's own sections, then each study's own values, then each run's
   keys against each other, then what relates two studies (bnlab.spec.checks);
4. figures: `figures.more` entries and the studies figures read, then the
   defaults that depend on a study (bnlab.spec.figure_defaults), then every
   figure's options against the runs it draws (bnlab.spec.figure_checks).

Every error is a BnlabError naming the key, its value and what is allowed.
"""

import copy
from pathlib import Path

import yaml

from bnlab import schemas
from bnlab.errors import BnlabError
from bnlab.spec import checks, figure_checks
from bnlab.spec.figure_defaults import resolve_figures
from bnlab.spec.numerics import check_rows
from bnlab.spec.schema import WHERE, fill_defaults, key_of, nonfinite, raise_first

CONFIG = "config/config.yaml"


def load_config(configfiles=(CONFIG,), root="."):
    """The validated config from YAML files merged in order, as Snakemake's
    --configfile merges them (later files' keys win, mappings merge)."""
    merged = {}
    for path in [configfiles] if isinstance(configfiles, str | Path) else configfiles:
        file = Path(root) / path
        if not file.is_file():
            raise BnlabError(
                f"config file {file} not found; run from the repository's folder (where "
                f"{CONFIG} is), or name the file."
            )
        merged = merge_configs(merged, yaml.safe_load(file.read_text()) or {})
    return validate_config(merged)


def merge_configs(base, update):
    """`base` with `update`'s keys over it, mappings merged key by key and
    everything else replaced, as Snakemake merges --configfile files."""
    out = dict(base)
    for key, value in update.items():
        both = isinstance(value, dict) and isinstance(out.get(key), dict)
        out[key] = merge_configs(out[key], value) if both else value
    return out


def validate_config(config, schema=None):
    """Return a copy of `config` with defaults filled in, or raise BnlabError."""
    schema = schema or schemas.load("config")
    config = copy.deepcopy(dict(config))
    found = nonfinite(config)
    if found:  # NaN passes every minimum/maximum check, so catch it first.
        raise BnlabError(
            f"invalid config: {key_of(found[0])} = {found[1]} is not a finite number; "
            f"every number in the config must be finite. {WHERE}"
        )
    raise_first(schema, config)
    chosen = figures_with_a_study(config)
    fill_defaults(config, schema)

    checks.check_architectures(config["architectures"])
    checks.check_run_keys(config)  # the sections' own values, so an error names no study
    check_rows(config)
    checks.check_study_values(config, schema)
    checks.check_study_runs(config)
    checks.check_probe_caps(config)

    figure_checks.check_more_figures(config, schema)
    figure_checks.check_figure_studies(config, chosen)
    resolve_figures(config)
    figure_checks.check_figures(config)
    return config


def figures_with_a_study(config):
    """The figures whose study the config itself names (not the default)."""
    figures = config.get("figures", {})
    return [
        name
        for name, opts in figures.items()
        if name != "more" and isinstance(opts, dict) and "study" in opts
    ]
