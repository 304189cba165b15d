"""Every file the workflow makes, by pattern: the one place `results/` is spelled."""

from pathlib import Path

RESULTS = "results"
MNIST = f"{RESULTS}/data/mnist.nc"
# One history per run: results/part2/histories/optimizer=sgd/.../model=batchnorm/seed42.nc
HISTORY = f"{RESULTS}/{{study}}/histories/{{run}}.nc"
# Where a sweep's models diverge (bnlab.spec.sweeps), per study.
DIVERGENCE = f"{RESULTS}/{{study}}/divergence.json"
FIGURE = f"{RESULTS}/{{path}}"  # a registered figure's output, e.g. figures/accuracy.png
LOG = f"{RESULTS}/logs/{{path}}.log"
BENCHMARK = f"{RESULTS}/benchmarks/{{path}}.tsv"


def unfinished(history):
    """Where a training job keeps a run it has finished until its whole block
    is done (bnlab.train.job): a hidden folder beside the history."""
    history = Path(history)
    return history.parent / ".unfinished" / history.name
