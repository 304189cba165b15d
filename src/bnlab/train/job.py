"""A training job: a block of runs (one model under one or more settings of a
study's axes, several seeds each) trained one after another in one process,
MNIST loaded once, each setting's seeds sharing its data on the device and
every compiled program, each run written to its own history. A block of one
seed is one run.

A finished run is kept beside its history (bnlab.spec.paths.unfinished) until
the whole block is done, so a job killed part-way loses only its unfinished
runs: the rerun takes the finished ones back if they were trained with the
same config by the same code.

Outside Snakemake, rerun the run of any history (on another machine, say):

    bnlab rerun HISTORY.nc MNIST.nc OUTPUT.nc

trains the history's model and seed with the training config it records.
"""

import contextlib
import functools
import json
import os
from dataclasses import dataclass

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


def mlp_program(model, config, ds, settings):
    """The Program every seed of an MLP setting shares, and the pixel scaling
    statistics (host numbers, as histories record them)."""
    import jax

    from bnlab.train.loop import program

    train_cfg = config["training"]
    stats = scaling_stats(ds, config["data"]["pixel_scaling"])
    data = jax.device_put(split_arrays(ds, train_cfg["train_examples"], train_cfg["test_examples"]))
    return program(model, config["architecture"], data, stats, settings), stats


def mlp_trainer(model, config, ds, settings, log):
    """seed -> the history Dataset of one MLP run, and its seconds."""
    from bnlab.train.loop import train_seed

    prog, stats = mlp_program(model, config, ds, settings)

    def run(seed):
        result = train_seed(prog, seed, log)
        return history_dataset(result, config, stats), result.wall_seconds

    return run


def vectorized_runs(model, config, ds, settings, seeds, log):
    """[(history Dataset, seconds)] of every seed, trained as one program."""
    from bnlab.train.vectorized import train_seeds

    prog, stats = mlp_program(model, config, ds, settings)
    results = train_seeds(prog, seeds, log)
    return [(history_dataset(r, config, stats), r.wall_seconds) for r in results]


def dln_trainer(model, config, settings, log):
    """seed -> the history Dataset of one deep linear network run."""
    from bnlab.train.dln import train_dln

    def run(seed):
        result = train_dln(model, config["architecture"], seed, settings, log=log, config=config)
        return dln_dataset(result), result.seconds

    return run


@dataclass(frozen=True)
class SettingRuns:
    """A block's runs under one run config: their seeds and histories, and
    the rate the probes are capped below (bnlab.spec.sweeps; recorded in the
    history as probe_divergence_rate)."""

    config: dict
    seeds: list
    outputs: list
    divergence_rate: float | None = None
    label: str = ""  # the setting's folder, for the log


def train_block(model, groups, mnist=None, log=print):
    """Train `model` from each seed of each SettingRuns in `groups` and write
    each run's history to its output. Every group shares the process's
    numerics (set by the first) and the MNIST arrays (loaded once)."""
    for setting in groups:
        if len(setting.seeds) != len(setting.outputs):
            raise BnlabError(
                f"{len(setting.seeds)} seeds need as many outputs, not {setting.outputs}"
            )
        for output in setting.outputs:
            check_writable(output)
    use_cpu_numerics(groups[0].config["training"]["cpu_numerics"])  # before JAX's backend starts
    enable_compile_cache()
    dataset = functools.cache(lambda: load_mnist(mnist))
    for setting in groups:
        train_setting(model, setting, dataset, log)
    for setting in groups:
        for output in setting.outputs:
            os.replace(unfinished(output), output)
            log(f"wrote {output}")
        with contextlib.suppress(OSError):  # another block of this model may still use it
            unfinished(setting.outputs[0]).parent.rmdir()


def train_setting(model, setting, dataset, log):
    """Train a SettingRuns' seeds not finished before and write each to its
    unfinished path. `dataset()` returns the MNIST Dataset."""
    config, rate = setting.config, setting.divergence_rate
    left = []
    for seed, output in zip(setting.seeds, setting.outputs, strict=True):
        if reusable(unfinished(output), model, seed, config, rate):
            log(f"model {model} seed {seed}: finished before the job stopped; kept")
        else:
            left.append((seed, unfinished(output)))
    if not left:
        return
    if setting.label:
        log(f"{setting.label}: seeds {[seed for seed, _ in left]}")
    settings = Settings.from_config(config, divergence_rate=rate)
    if settings.vectorize_seeds:
        trained = vectorized_runs(model, config, dataset(), settings, [s for s, _ in left], log)
    else:
        trainer = (
            dln_trainer(model, config, settings, log)
            if settings.task == "deep_linear"
            else mlp_trainer(model, config, dataset(), settings, log)
        )
        trained = (trainer(seed) for seed, _ in left)
    for (seed, done), (ds, seconds) in zip(left, trained, strict=True):
        write_history(ds, done)
        log(f"model {model} seed {seed}: {seconds:.1f} s of training and evaluation")


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
    train_block(model, [SettingRuns(config, [seed], [output], divergence_rate)], mnist, log)


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
