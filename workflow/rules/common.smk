# The validated config, file names, and the functions that list targets. Only
# the parse-time layer (bnlab.spec: no JAX, Flax, optax, numpy or matplotlib)
# is imported here, so parsing the workflow, which every cluster job repeats,
# stays fast.

import os

from bnlab.errors import BnlabError
from bnlab.spec import blocks, cost, paths, studies, sweeps
from bnlab.spec.config import validate_config
from bnlab.spec.figures import (
    caption,
    figure_runs,
    options,
    output_paths,
    registry,
    targets,
)
from bnlab.spec.gpus import training_gpus

try:
    CONFIG = validate_config(config)
except BnlabError as err:
    raise WorkflowError(f"bnlab error: {err}") from None

# Every run of every study, by history path, and the jobs that train them.
RUNS = studies.all_runs(CONFIG)
BLOCKS = blocks.all_blocks(CONFIG)
FIGURES = registry(CONFIG)
# One environment for every rule (same pins as requirements.lock).
ENV = "../../environment.yml"

# Training jobs take a GPU slot where JAX can use a GPU (bnlab.spec.gpus); locally
# at most jobs_per_gpu share each GPU, unless --resources gpu=N says otherwise.
GPUS = training_gpus()
LOCAL_RUN = workflow.global_resources["_nodes"].value is None
if GPUS and LOCAL_RUN and "gpu" not in workflow.global_resources:
    workflow.register_resource("gpu", GPUS * CONFIG["gpu"]["jobs_per_gpu"])
GPU_SLOTS = 1 if GPUS or CONFIG["gpu"]["request"] else 0
# On a cluster, training jobs that request GPUs go to gpu.partition.
TRAIN_PARTITION = (
    CONFIG["gpu"]["request"] and CONFIG["gpu"]["partition"]
) or os.environ.get("BNLAB_SLURM_PARTITION", "")
FIGS = CONFIG["figures"]


wildcard_constraints:
    study="|".join(CONFIG["studies"]),


def deep_linear(run_cfg):
    return run_cfg["training"].get("task") == "deep_linear"


def histories(study):
    return [path for path, run in RUNS.items() if run.study == study]


def probe_cap_input(run_cfg):
    sweep = sweeps.cap_study(run_cfg)
    return [paths.DIVERGENCE.format(study=sweep)] if sweep else []


def figure_outputs(name):
    """A figure's named outputs, those shown in the report wrapped in report()."""
    fig = FIGURES[name]
    # A `more` entry shows the caption of the figure it is like.
    like = FIGS["more"].get(name, {}).get("like", name)
    outputs = output_paths(fig, name, FIGS["format"])
    for key in fig.reported:
        outputs[key] = report(
            outputs[key],
            caption=f"../report/{caption(fig, like, key)}",
            category=fig.category,
            labels={"figure": name.replace("_", " "), "output": key},
        )
    return outputs


def figure_targets(target):
    """Every output of the figures that `rule <target>` builds."""
    return [path for paths in targets(CONFIG, target).values() for path in paths]
