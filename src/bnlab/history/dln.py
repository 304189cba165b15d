"""A deep linear network's run (bnlab.train.dln.DLNResult) as a history
Dataset in the `deep_linear` format of bnlab/schemas/history.schema.yaml."""

import hashlib
import json

import numpy as np
import xarray as xr

from bnlab.history.provenance import provenance
from bnlab.history.schema import describe, history_schema

SCHEMA = history_schema()["deep_linear"]


def task_digest(task):
    """sha256 of x's and A's bytes (y follows from them): the history records it."""
    digest = hashlib.sha256()
    for key in ("x", "a"):
        digest.update(np.ascontiguousarray(task[key], dtype=np.float32).tobytes())
    return digest.hexdigest()


def dln_dataset(run):
    """The history Dataset of one DLNResult."""
    steps = run.settings.epochs
    ds = xr.Dataset(
        {
            "step_loss": (("step",), run.step_loss),
            "final_loss": ((), np.float32(run.final_loss)),
            **_measure_arrays(run.measured),
        },
        coords={"step": np.arange(steps), **_measure_coords(run, steps)},
        attrs={
            "format": SCHEMA["format"],
            "format_version": SCHEMA["version"],
            "model": run.model,
            "seed": run.seed,
            "config": json.dumps(run.config, sort_keys=True),
            "data_seed": run.seed,
            "data_sha256": task_digest(run.task),
            "examples": len(run.task["x"]),
            "dim": run.task["a"].shape[0],
            "parameter_count": run.parameter_count,
            "diverged": run.diverged or "no",
            "did_not_train": did_not_train(run.step_loss, run.final_loss),
            **provenance(),
            "wall_time_s": run.seconds,
        },
    )
    describe(ds, {**SCHEMA["coordinates"], **SCHEMA["variables"], **SCHEMA["measurements"]})
    return ds


def did_not_train(step_loss, final_loss):
    """'no', or why the run counts as failed though its loss stayed finite: it
    ended no lower than it started (a rate past stability can oscillate for
    10,000 steps without overflowing)."""
    if np.isfinite(final_loss) and final_loss < step_loss[0]:
        return "no"
    return f"final loss {final_loss:g} >= untrained loss {step_loss[0]:g}"


# The measured variables' dims, from the history schema (less its coordinates).
MEASURE_DIMS = {
    name: tuple(spec["dims"])
    for name, spec in SCHEMA["measurements"].items()
    if spec["dims"] != [name]
}


def _measure_arrays(measured):
    """The measured steps' results, stacked; nothing when measure_every is 0."""
    if not measured:
        return {}
    stack = lambda key: np.stack([m[key] for m in measured]).astype(np.float32)  # noqa: E731
    return {name: (dims, stack(name)) for name, dims in MEASURE_DIMS.items()}


def _measure_coords(run, steps):
    if not run.measured:
        return {}
    dense = list(run.dense)
    return {
        "measure_step": np.arange(0, steps, run.settings.measure_every),
        "probe_step": run.settings.probe_multiples,
        "ics_layer": dense[1:],
        "dense_layer": dense,
    }
