# Shared helpers: config checks and target functions.

import re

from bnlab.architecture import architectures
from bnlab.config import validate_config
from bnlab.errors import BnlabError

try:
    CONFIG = validate_config(config)
except BnlabError as err:
    raise WorkflowError(f"bnlab error: {err}") from None

MNIST = "results/data/mnist.nc"
HISTORY = "results/histories/{model}/seed{seed}.nc"
# One environment for every rule (same pins as requirements.lock).
ENV = "../../environment.yml"


ARCHITECTURES = architectures(CONFIG["architectures"])


PART2 = CONFIG["part2"]
SWEEP = PART2["sweep"]
# Learning rates as they appear in file names, e.g. lr0.003.
LEARNING_RATES = {f"{lr:g}": lr for lr in SWEEP["learning_rates"]}


wildcard_constraints:
    model="|".join(ARCHITECTURES),
    lr="|".join(map(re.escape, LEARNING_RATES)),
    seed=r"\d+",


def training_config(model, training={}, diagnostics={}):
    """The part of the config that determines a history's contents (with
    overrides for Part 2's runs)."""
    return {
        "architecture": ARCHITECTURES[model],
        "data": {"normalization": CONFIG["data"]["normalization"]},
        "training": {**CONFIG["training"], **training},
        "diagnostics": {**CONFIG["diagnostics"], **diagnostics},
    }


def train_minutes(epochs=CONFIG["training"]["epochs"]):
    """SLURM/cluster runtime for one job: generous per-epoch time plus start-up."""
    fraction = (CONFIG["training"]["train_examples"] or 60000) / 60000
    return int(5 + epochs * 0.25 * fraction + 0.5)


def histories(models=None, seeds=None):
    return expand(
        HISTORY, model=models or CONFIG["models"], seed=seeds or CONFIG["seeds"]
    )


FIGS = CONFIG["figures"]


def figure(name):
    return f"results/figures/{name}.{FIGS['format']}"


FIGURE_TARGETS = [
    figure("samples"),
    figure("input_distribution"),
    figure("initial_weights"),
    figure("accuracy"),
    "results/figures/activations.gif",
    figure("activations"),
    figure("unit_statistics"),
    figure("gradient_trace"),
    figure("gradient_std"),
    figure("gradient_mean"),
    "results/tables/final_accuracy.csv",
    "results/tables/final_accuracy.md",
]


def part2_histories(models=None, seeds=None):
    return expand(
        "results/part2/histories/{model}/seed{seed}.nc",
        model=models or PART2["models"],
        seed=seeds or PART2["seeds"],
    )


def sweep_histories():
    return expand(
        "results/part2/sweep/{model}/lr{lr}/seed{seed}.nc",
        model=SWEEP["models"],
        lr=LEARNING_RATES,
        seed=SWEEP["seeds"],
    )


PART2_TARGETS = [
    figure("landscape"),
    figure("ics"),
    figure("noisy_bn_accuracy"),
    figure("unit_percentiles"),
    figure("lr_sweep"),
    "results/tables/lr_sweep.csv",
    "results/tables/part2_accuracy.csv",
    "results/tables/part2_measurements.csv",
]


def all_targets():
    return [MNIST, *histories(), *FIGURE_TARGETS]
