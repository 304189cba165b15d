# bnlab: how does batch normalization help a deep MLP train on MNIST?
# Data flows one way: prepare_data -> train (every run of every study) -> figures/tables.

from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


# The config is validated once, in common.smk (bnlab.spec.config: readable errors,
# the schema's defaults filled in).
include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/explorer.smk"


rule all:
    default_target: True
    input:
        paths.MNIST,
        histories("blog"),
        figure_targets("all"),


# Part 2, "why does BatchNorm help?": snakemake --cores all part2
rule part2:
    input:
        figure_targets("part2"),
