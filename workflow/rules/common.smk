# Shared helpers: config checks and target functions.

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


wildcard_constraints:
    model="|".join(CONFIG["models"]),
    seed=r"\d+",


def training_config():
    """The part of the config that determines a history's contents."""
    return {
        "data": {"normalization": CONFIG["data"]["normalization"]},
        "training": CONFIG["training"],
        "diagnostics": CONFIG["diagnostics"],
    }


def train_minutes():
    """SLURM/cluster runtime for one job: generous per-epoch time plus start-up."""
    epochs = CONFIG["training"]["epochs"]
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


def all_targets():
    return [MNIST, *histories(), *FIGURE_TARGETS]
