"""A training job: a block of runs (one model under one setting of a study's
axes, several seeds) trained one after another in one process, sharing the
data on the device and every compiled program, each run written to its own
history. A block of one seed is one run.

A finished run is kept beside its history (bnlab.spec.paths.unfinished) until
the whole block is done, so a job killed part-way loses only its unfinished
runs: the rerun takes the finished ones back if they were trained with the
same config by the same code.

Outside Snakemake, rerun the run of any history (on another machine, say):

    bnlab rerun HISTORY.nc MNIST.nc OUTPUT.nc

trains the history's model and seed with the training config it records.
"""

import contextlib
import json
import os

import numpy as np

from bnlab.data.mnist import load_mnist
from bnlab.data.pixels import scaling_stats
from bnlab.errors import BnlabError
from bnlab.history.dln import dln_dataset
from bnlab.history.provenance import git_commit, package_versions
from bnlab.history.read import load_history
from bnlab.history.write import history_dataset, write_history
from bnlab.io import check_writable
from bnlab.spec.affinity import claim_cores
from bnlab.spec.numerics import use_cpu_numerics
from bnlab.spec.paths import unfinished
from bnlab.train.settings import Settings

DEFAULT_JAX_CACHE = ".cache/jax"


def enable_compile_cache(path=None):
    """Reuse compiled programs across jobs: every block of a model compiles the
    same programs, so only the first job pays (~3-5 s). BNLAB_JAX_CACHE sets
    the folder; an empty value turns the cache off."""
    import jax

    path = os.environ.get("BNLAB_JAX_CACHE", path or DEFAULT_JAX_CACHE)
    if path:
        jax.config.update("jax_compilation_cache_dir", os.path.abspath(path))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)
    return path


def split_arrays(ds, train_examples=None, test_examples=None):
    """uint8 images and int32 labels of both splits, optionally the first N."""
    limits = {"train": train_examples, "test": test_examples}
    return {
        f"{split}_{kind}": ds[f"{split}_{kind}"].values[: limits[split]].astype(dtype, copy=False)
        for split in ("train", "test")
        for kind, dtype in (("images", "uint8"), ("labels", "int32"))
    }


def mlp_program(model, config, mnist, settings):
    """The Program every seed of an MLP block shares, and the pixel scaling
    statistics (host numbers, as histories record them); MNIST is loaded once."""
    import jax

    from bnlab.train.loop import program

    ds = load_mnist(mnist)
    train_cfg = config["training"]
    stats = scaling_stats(ds, config["data"]["pixel_scaling"])
    # Move the data to the device and drop the host copy: peak memory matters.
    data = jax.device_put(split_arrays(ds, train_cfg["train_examples"], train_cfg["test_examples"]))
    del ds
    return program(model, config["architecture"], data, stats, settings), stats


def mlp_trainer(model, config, mnist, settings, log):
    """seed -> the history Dataset of one MLP run, and its seconds."""
    from bnlab.train.loop import train_seed

    prog, stats = mlp_program(model, config, mnist, settings)

    def run(seed):
        result = train_seed(prog, seed, log)
        return history_dataset(result, config, stats), result.wall_seconds

    return run


def vectorized_runs(model, config, mnist, settings, seeds, log):
    """[(history Dataset, seconds)] of every seed, trained as one program."""
    from bnlab.train.vectorized import train_seeds

    prog, stats = mlp_program(model, config, mnist, settings)
    results = train_seeds(prog, seeds, log)
    return [(history_dataset(r, config, stats), r.wall_seconds) for r in results]


def dln_trainer(model, config, settings, log):
    """seed -> the history Dataset of one deep linear network run."""
    from bnlab.train.dln import train_dln

    def run(seed):
        result = train_dln(model, config["architecture"], seed, settings, log=log, config=config)
        return dln_dataset(result), result.seconds

    return run


def train_block(model, seeds, config, outputs, mnist=None, divergence_rate=None, log=print):
    """Train `model` from each of `seeds` under one run config and write each
    run's history to its output. `divergence_rate` caps the probes
    (bnlab.spec.sweeps; recorded in the history as probe_divergence_rate)."""
    if len(seeds) != len(outputs):
        raise BnlabError(f"a block of {len(seeds)} seeds needs as many outputs, not {outputs}")
    use_cpu_numerics(config["training"]["cpu_numerics"])  # before JAX's backend starts
    for output in outputs:
        check_writable(output)
    enable_compile_cache()
    settings = Settings.from_config(config, divergence_rate=divergence_rate)
    left = []
    for seed, output in zip(seeds, outputs, strict=True):
        if reusable(unfinished(output), model, seed, config, divergence_rate):
            log(f"model {model} seed {seed}: finished before the job stopped; kept")
        else:
            left.append((seed, unfinished(output)))
    if left:
        if settings.vectorize_seeds:
            trained = vectorized_runs(model, config, mnist, settings, [s for s, _ in left], log)
        else:
            trainer = (
                dln_trainer(model, config, settings, log)
                if settings.task == "deep_linear"
                else mlp_trainer(model, config, mnist, settings, log)
            )
            trained = (trainer(seed) for seed, _ in left)
        for (seed, done), (ds, seconds) in zip(left, trained, strict=True):
            write_history(ds, done)
            log(f"model {model} seed {seed}: {seconds:.1f} s of training and evaluation")
    for output in outputs:
        os.replace(unfinished(output), output)
        log(f"wrote {output}")
    with contextlib.suppress(OSError):  # another block of this model may still use it
        unfinished(outputs[0]).parent.rmdir()


def reusable(path, model, seed, config, divergence_rate):
    """Whether `path` holds this run, trained with this config by this code;
    anything else there is removed."""
    if not path.exists():
        return False
    try:
        ds = load_history(path)
        attrs = ds.attrs
        same = (
            attrs["model"] == model
            and int(attrs["seed"]) == seed
            and attrs["config"] == json.dumps(config, sort_keys=True)
            and attrs["git_commit"] == git_commit()
            and attrs["packages"] == json.dumps(package_versions())
            and recorded_cap(ds) == divergence_rate
        )
    except (BnlabError, KeyError, ValueError):
        same = False
    if not same:
        path.unlink()
    return same


def run_training(model, seed, mnist, config, output, log=print, divergence_rate=None):
    """Train one run and write its history (a block of one)."""
    train_block(model, [seed], config, [output], mnist, divergence_rate, log)


def rerun(history, mnist, output):
    """Train again what `history` records (model, seed, training config)."""
    ds = load_history(history)
    attrs = ds.attrs
    config = json.loads(attrs["config"])
    # Histories made before training.cpu_numerics existed all ran natively.
    config["training"].setdefault("cpu_numerics", "native")
    claim_cores(config["training"]["threads"])  # thread count changes reductions' bits
    run_training(
        attrs["model"], int(attrs["seed"]), mnist, config, output, divergence_rate=recorded_cap(ds)
    )


def recorded_cap(ds):
    """The divergence rate a history's probes were capped below, or None."""
    rate = float(ds.probe_divergence_rate) if "probe_divergence_rate" in ds else np.nan
    return None if np.isnan(rate) else rate
