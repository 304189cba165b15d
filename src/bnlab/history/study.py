"""A study's histories as one xarray Dataset, opened lazily.

    >>> ds = bnlab.open_study("part2")
    >>> ds.test_accuracy.sel(optimizer="sgd").mean("seed")

The study's axes (bnlab.spec.studies: the options its runs differ in) and model
and seed are dimensions, so a grid over batch size gives a `batch_size`
dimension. Runs of unequal shape are padded with NaN (more epochs, another
batch size's steps, a deeper model's layers), as are settings a union of
grids does not train (Part 2 trains SGD only at 0.3). Each run's `diverged`
and `at_chance` flags become variables (1 or 0, NaN where no run).
"""

from pathlib import Path

import numpy as np
import xarray as xr

from bnlab.errors import BnlabError
from bnlab.spec import studies
from bnlab.spec.config import CONFIG, load_config

FLAGS = ("diverged", "at_chance")


def open_study(name, config=None, root="."):
    """One Dataset of every history of study `name` (dims: its axes, model,
    seed, then each history's own). `config` is a validated config, or YAML
    file(s) as for load_config (default config/config.yaml under `root`)."""
    config = config if isinstance(config, dict) else load_config(config or (CONFIG,), root)
    if name not in config["studies"]:
        known = ", ".join(config["studies"])
        raise BnlabError(f"no study {name!r} in the config; its studies are: {known}")
    runs = studies.study_runs(config, name)
    missing = [run.path for run in runs if not (Path(root) / run.path).exists()]
    if missing:
        raise BnlabError(
            f"study {name!r}: {len(missing)} of {len(runs)} histories are missing, e.g. "
            f"{missing[0]}; build them first (snakemake --cores all {missing[0]}, or the "
            f"study's target)."
        )
    dims = [axis for axis, _ in runs[0].coords] + ["model", "seed"]
    parts = [_run_dataset(Path(root) / run.path, run) for run in runs]
    stacked = xr.concat(
        parts,
        dim="run",
        data_vars="all",  # variables some runs lack (BatchNorm's) are padded
        coords="minimal",
        join="outer",
        combine_attrs="drop_conflicts",
    )
    study = stacked.set_index(run=dims).unstack("run")
    # Unstacking sorts each axis: put back the order the config gives.
    order = {dim: list(dict.fromkeys(stacked[dim].values.tolist())) for dim in dims}
    study = study.reindex(order)
    study.attrs["study"] = name
    return study.transpose(*dims, ...)


def _run_dataset(path, run):
    """One history, lazily (dask), with an index on every dimension so runs of
    other shapes align, its flags as variables, and its run's coordinates."""
    ds = xr.open_dataset(path, chunks={})
    bare = [dim for dim in ds.dims if dim not in ds.coords]
    ds = ds.assign_coords({dim: np.arange(ds.sizes[dim]) for dim in bare})
    # Per-run coordinates (layer_width, ...) as variables, so they gain the run dimension.
    ds = ds.reset_coords()
    flags = {flag: ds.attrs.get(flag, "no") != "no" for flag in FLAGS}
    coords = {axis: _coordinate(value) for axis, value in run.coords}
    coords |= {"model": run.model, "seed": run.seed}
    ds = ds.assign(flags).expand_dims("run")
    return ds.assign_coords({key: ("run", [value]) for key, value in coords.items()})


def _coordinate(value):
    """A coordinate value: lists (an architecture's widths) as in paths."""
    return studies.label(value) if isinstance(value, tuple) else value
