# The validated config, file names, and the functions that list targets.

import re

from bnlab.architecture import architectures
from bnlab.config import validate_config
from bnlab.errors import BnlabError
from bnlab.figures import FIGURES, caption, options, output_paths
from bnlab.gpus import training_gpus

try:
    CONFIG = validate_config(config)
except BnlabError as err:
    raise WorkflowError(f"bnlab error: {err}") from None

MNIST = "results/data/mnist.nc"
HISTORY = "results/histories/{model}/seed{seed}.nc"
PART2_HISTORY = "results/part2/histories/{optimizer}/{model}/seed{seed}.nc"
SWEEP_HISTORY = "results/part2/sweep/{optimizer}/{model}/lr{lr}/seed{seed}.nc"
# One environment for every rule (same pins as requirements.lock).
ENV = "../../environment.yml"

ARCHITECTURES = architectures(CONFIG["architectures"])
# Training jobs take a GPU slot where JAX can use a GPU (bnlab.gpus); locally
# at most jobs_per_gpu share each GPU, unless --resources gpu=N says otherwise.
GPUS = training_gpus()
LOCAL_RUN = workflow.global_resources["_nodes"].value is None
if GPUS and LOCAL_RUN and "gpu" not in workflow.global_resources:
    workflow.register_resource("gpu", GPUS * CONFIG["gpu"]["jobs_per_gpu"])
GPU_SLOTS = 1 if GPUS else 0
FIGS = CONFIG["figures"]
PART2 = CONFIG["part2"]
SWEEP = PART2["sweep"]
# Learning rates as they appear in file names, e.g. lr0.003.
LEARNING_RATES = {
    optimizer: {f"{lr:g}": lr for lr in rates}
    for optimizer, rates in SWEEP["learning_rates"].items()
}


wildcard_constraints:
    model="|".join(ARCHITECTURES),
    lr="|".join(
        sorted({re.escape(lr) for rates in LEARNING_RATES.values() for lr in rates})
    ),
    optimizer="sgd|momentum|adam",
    seed=r"\d+",


def training_config(model, training={}, diagnostics={}):
    """The part of the config that determines a history's contents (with
    overrides for Part 2's runs). Histories record it; figures check it."""
    return {
        "architecture": ARCHITECTURES[model],
        "data": {"pixel_scaling": CONFIG["data"]["pixel_scaling"]},
        "training": {**CONFIG["training"], **training},
        "diagnostics": {**CONFIG["diagnostics"], **diagnostics},
    }


def part2_config(model, optimizer):
    return training_config(
        model,
        training={
            "epochs": PART2["epochs"],
            "optimizer": optimizer,
            "learning_rate": PART2["learning_rates"][optimizer],
        },
        diagnostics={"measure_every": PART2["measure_every"]},
    )


def sweep_config(model, optimizer, lr):
    # A diverging run is kept and flagged: the sweep is about where that happens.
    return training_config(
        model,
        training={
            "epochs": SWEEP["epochs"],
            "optimizer": optimizer,
            "learning_rate": LEARNING_RATES[optimizer][lr],
            "on_divergence": "record",
        },
        diagnostics={"measure_every": 0},
    )


# The cost model for cluster requests and `python -m bnlab.plan`: seconds
# per epoch on 60,000 images on one core, measured on a 2-core AMD EPYC VM
# (Part 2's measurements every 50 steps about triple an epoch), plus start-up
# (imports, data, compile; the compile cache makes later runs cheaper).
EPOCH_SECONDS = {"plain": 1.2, "measured": 3.5}
START_SECONDS = 10


def train_seconds(epochs, kind="plain"):
    """Estimated wall time of one training job."""
    fraction = (CONFIG["training"]["train_examples"] or 60000) / 60000
    return int(START_SECONDS + epochs * EPOCH_SECONDS[kind] * fraction)


def train_minutes(epochs, kind="plain"):
    """SLURM runtime of one job: three times the estimate, plus 5 minutes."""
    return 5 + 3 * train_seconds(epochs, kind) // 60


def histories(models=None, seeds=None):
    return expand(
        HISTORY, model=models or CONFIG["models"], seed=seeds or CONFIG["seeds"]
    )


def trained_with(reads):
    """{input file: the training config it must have been made with (None for
    mnist.nc)} for each kind of figure input, bnlab.figures.SOURCES."""
    if reads == "mnist":
        return {MNIST: None}
    if reads == "sweep":
        return {
            SWEEP_HISTORY.format(optimizer=o, model=m, lr=lr, seed=s): sweep_config(
                m, o, lr
            )
            for o, rates in LEARNING_RATES.items()
            for m in SWEEP["models"]
            for lr in rates
            for s in SWEEP["seeds"]
        }
    if reads in ("run", "runs"):
        seeds = [FIGS["seed"]] if reads == "run" else FIGS["seeds"]
        return {
            HISTORY.format(model=m, seed=s): training_config(m)
            for m in CONFIG["models"]
            for s in seeds
        }
    assert reads in ("part2_run", "part2_runs"), reads
    seeds = PART2["seeds"][:1] if reads == "part2_run" else PART2["seeds"]
    return {
        PART2_HISTORY.format(optimizer=o, model=m, seed=s): part2_config(m, o)
        for o in PART2["learning_rates"]
        for m in PART2["models"]
        for s in seeds
    }


def figure_outputs(name):
    """A figure's named outputs, those shown in the report wrapped in report()."""
    fig = FIGURES[name]
    outputs = output_paths(name, FIGS["format"])
    for key in fig.reported:
        outputs[key] = report(
            outputs[key],
            caption=f"../report/{caption(name, key)}",
            category=fig.category,
            labels={"figure": name.replace("_", " "), "output": key},
        )
    return outputs


def figure_targets(target):
    """Every output of the figures that `rule <target>` builds."""
    return [
        path
        for name, fig in FIGURES.items()
        if fig.target == target
        for path in output_paths(name, FIGS["format"]).values()
    ]
