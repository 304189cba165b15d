"""One training job: read mnist.nc, check inputs, train, write the history.

Outside Snakemake, rerun the run of any history (on another machine, say):

    python -m bnlab.train_job HISTORY.nc MNIST.nc OUTPUT.nc

trains the history's model and seed with the training config it records.
"""

import json
import os
import sys

import numpy as np

from bnlab.affinity import claim_cores
from bnlab.data import load_mnist, scaling_stats
from bnlab.history import history_dataset, load_history, write_history
from bnlab.io import check_writable
from bnlab.numerics import use_cpu_numerics
from bnlab.settings import Settings
from bnlab.training import train


def split_arrays(ds, train_examples=None, test_examples=None):
    """uint8 images and int32 labels of both splits, optionally the first N."""
    limits = {"train": train_examples, "test": test_examples}
    return {
        f"{split}_{kind}": ds[f"{split}_{kind}"].values[: limits[split]].astype(dtype, copy=False)
        for split in ("train", "test")
        for kind, dtype in (("images", "uint8"), ("labels", "int32"))
    }


DEFAULT_JAX_CACHE = ".cache/jax"


def enable_compile_cache(path=None):
    """Reuse compiled programs across jobs: every seed of a model compiles the
    same program, so only the first job pays (~3-5 s). BNLAB_JAX_CACHE sets the
    folder; an empty value turns the cache off."""
    import jax

    path = os.environ.get("BNLAB_JAX_CACHE", path or DEFAULT_JAX_CACHE)
    if path:
        jax.config.update("jax_compilation_cache_dir", os.path.abspath(path))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)
    return path


def run_training(model, seed, mnist, config, output, log=print, divergence_rate=None):
    """Train one run and write its history. `divergence_rate` caps the probes
    (bnlab.sweeps; recorded in the history as probe_divergence_rate)."""
    use_cpu_numerics(config["training"]["cpu_numerics"])  # before JAX's backend starts
    import jax

    check_writable(output)
    enable_compile_cache()

    ds = load_mnist(mnist)
    train_cfg = config["training"]
    stats = scaling_stats(ds, config["data"]["pixel_scaling"])
    # Move the data to the device and drop the host copy: peak memory matters.
    data = jax.device_put(split_arrays(ds, train_cfg["train_examples"], train_cfg["test_examples"]))
    del ds
    settings = Settings.from_config(config, divergence_rate=divergence_rate)
    run = train(model, config["architecture"], seed, data, stats, settings, log=log)
    write_history(history_dataset(run, config, stats), output)
    log(f"wrote {output} ({sum(run.seconds):.1f} s of training and evaluation)")
    return run


def rerun(history, mnist, output):
    """Train again what `history` records (model, seed, training config)."""
    ds = load_history(history)
    attrs = ds.attrs
    config = json.loads(attrs["config"])
    # Histories made before training.cpu_numerics existed all ran natively.
    config["training"].setdefault("cpu_numerics", "native")
    claim_cores(config["training"]["threads"])  # thread count changes reductions' bits
    return run_training(
        attrs["model"], int(attrs["seed"]), mnist, config, output, divergence_rate=recorded_cap(ds)
    )


def recorded_cap(ds):
    """The divergence rate a history's probes were capped below, or None."""
    rate = float(ds.probe_divergence_rate) if "probe_divergence_rate" in ds else np.nan
    return None if np.isnan(rate) else rate


if __name__ == "__main__":
    from bnlab.errors import exit_on_error

    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n", 1)[1])
    exit_on_error(rerun, *sys.argv[1:])
