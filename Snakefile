# bnlab: how does batch normalization help a deep MLP train on MNIST?
# Data flows one way: prepare_data -> train {model}/{seed} -> figures/tables.

from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


# Readable one-paragraph errors first (bnlab.config), then Snakemake's own
# validation, which also fills in the schema's defaults.
include: "workflow/rules/common.smk"


validate(config, "workflow/schemas/config.schema.yaml")


include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/part2.smk"


rule all:
    default_target: True
    input:
        all_targets(),
