"""A trained run (bnlab.train.records.RunResult) as a history Dataset in the
format of bnlab/schemas/history.schema.yaml, written to NetCDF."""

import json

import numpy as np
import xarray as xr

from bnlab.history.netcdf import write_netcdf
from bnlab.history.provenance import provenance
from bnlab.history.schema import describe, history_schema
from bnlab.spec.architecture import param_count


def _padded(rows, width):
    """Stack 1-D arrays of different lengths into (n, width), NaN-padded."""
    out = np.full((len(rows), width), np.nan, dtype=np.float32)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out


def _param_arrays(run):
    out = {}
    for name in run.params:
        layer, param = name.split("/")
        init, final = run.init_params[layer][param], run.final_params[layer][param]
        if not layer.startswith("Dense"):  # BatchNorm_i / LayerNorm_i scale and bias
            dims = ("stage", f"{layer}_unit")
        elif param == "kernel":
            dims = ("stage", f"{layer}_in", f"{layer}_out")
        else:
            dims = ("stage", f"{layer}_out")
        attrs = {"long_name": f"{layer} {param} at initialization and at the end", "units": "1"}
        out[f"{layer}_{param}"] = (dims, np.stack([init, final]).astype(np.float32), attrs)
    return out


def _eval_arrays(run, width):
    out = {}
    for split in ("train", "test"):
        for what in ("accuracy", "loss"):
            out[f"{split}_{what}"] = (
                ("epoch",),
                np.array([getattr(e, split)[what] for e in run.epochs], np.float32),
            )
    train = [e.train for e in run.epochs]
    hist = np.stack([[t["hist"][layer] for layer in run.layers] for t in train])
    out["hist"] = (("epoch", "layer", "bin"), hist[..., 1:-1].astype(np.int32))
    out["hist_underflow"] = (("epoch", "layer"), hist[..., 0].astype(np.int32))
    out["hist_overflow"] = (("epoch", "layer"), hist[..., -1].astype(np.int32))
    for stat in ("mean", "std"):
        out[f"unit_{stat}"] = (
            ("epoch", "layer", "unit"),
            np.stack([_padded([t[stat][layer] for layer in run.layers], width) for t in train]),
        )
    return out


def _bn_arrays(run, width):
    layers = sorted(run.epochs[0].bn)
    if not layers:
        return {}, {}
    names = {"mean": "running_mean", "var": "running_var", "scale": "scale", "bias": "bias"}
    data = {
        f"bn_{target}": (
            ("epoch", "bn_layer", "unit"),
            np.stack([_padded([e.bn[layer][key] for layer in layers], width) for e in run.epochs]),
        )
        for key, target in names.items()
    }
    return data, {"bn_layer": layers}


def _no_grads(run):
    """The gradient records of a run that records none (gradient_epochs: [])."""
    steps = run.settings.steps_per_epoch(run.n_train)
    layer, name = run.settings.tracked_parameter.split("/")
    empty = np.zeros((0, steps, len(run.params)), np.float32)
    tracked = np.zeros((0, steps, *np.shape(run.init_params[layer][name])), np.float32)
    return {"grad_mean": empty, "grad_std": empty, "grad_norm": empty, "tracked_grad": tracked}


def _grad_arrays(run):
    recorded = [e for e in run.epochs if e.grads is not None]
    if recorded:
        stack = lambda key: np.stack([e.grads[key] for e in recorded])  # noqa: E731
        arrays = {k: stack(k).astype(np.float32) for k in recorded[0].grads}
    else:
        arrays = _no_grads(run)
    tracked = arrays["tracked_grad"]
    if tracked.ndim == 3:  # a bias or scale: one row
        tracked = tracked[:, :, None, :]
    data = {
        k: (("grad_epoch", "step", "parameter"), arrays[k])
        for k in ("grad_mean", "grad_std", "grad_norm")
    }
    data["tracked_grad"] = (("grad_epoch", "step", "tracked_row", "tracked_col"), tracked)
    return data, {"grad_epoch": np.array([e.epoch for e in recorded], np.int64)}


def _or_nan(value):
    return np.nan if value is None else value


def _global_steps(run, records, count, every):
    """(epoch, global 0-based step) of `count` steps `every` apart from the
    start of each of `records`' epochs."""
    steps = run.settings.steps_per_epoch(run.n_train)
    epochs = np.repeat([e.epoch for e in records], count)
    return epochs, (epochs - 1) * steps + np.tile(np.arange(count) * every, len(records))


def _monitor_arrays(run):
    """The monitor's loss and accuracy (diagnostics.monitor_every), by global step."""
    monitored = [e for e in run.epochs if e.monitor is not None]
    if not monitored:
        return {}, {}
    count = len(monitored[0].monitor["monitor_loss"])
    epochs, global_steps = _global_steps(run, monitored, count, run.settings.monitor_every)
    data = {
        key: (
            ("monitor_step",),
            np.concatenate([e.monitor[key] for e in monitored]).astype(np.float32),
        )
        for key in monitored[0].monitor
    }
    data["monitor_examples"] = ((), np.int32(run.settings.monitor_examples))
    return data, {"monitor_step": global_steps, "monitor_epoch": ("monitor_step", epochs)}


def _measure_arrays(run):
    """Measurements at every `measure_every`-th step, indexed by global step."""
    measured = [e for e in run.epochs if e.measured is not None]
    if not measured:
        return {}, {}
    settings = run.settings
    count = len(measured[0].measured["beta_smoothness"])
    epochs, global_steps = _global_steps(run, measured, count, settings.measure_every)
    cat = lambda key: np.concatenate([e.measured[key] for e in measured]).astype(np.float32)  # noqa: E731
    data = {
        "landscape_loss": (("measure_step", "probe_step"), cat("landscape_loss")),
        "grad_change": (("measure_step", "probe_step"), cat("grad_change")),
        "beta_smoothness": (("measure_step",), cat("beta_smoothness")),
        "full_grad_norm": (("measure_step",), cat("full_grad_norm")),
        "step_length": (("measure_step",), cat("step_length")),
        "kernel_norm": (("measure_step", "dense_layer"), cat("kernel_norm")),
        "probe_divergence_rate": ((), np.float32(_or_nan(settings.divergence_rate))),
        "ics_l2": (("measure_step", "ics_layer"), cat("ics_l2")),
        "ics_relative": (("measure_step", "ics_layer"), cat("ics_relative")),
        "ics_cosine": (("measure_step", "ics_layer"), cat("ics_cosine")),
        **{
            name: (("measure_step", "relu_input", "unit", "percentile"), cat(name))
            for name in ("relu_input_percentiles", "relu_input_percentiles_next")
        },
    }
    coords = {
        "measure_step": global_steps,
        "measure_epoch": ("measure_step", epochs),
        "probe_step": settings.probe_multiples,
        "ics_layer": list(run.probed.ics),
        "dense_layer": list(run.probed.dense),
        "relu_input": list(run.probed.relu_inputs),
        "percentile": np.asarray(settings.percentiles, dtype=np.float32),
    }
    return data, coords


def history_dataset(run, config, stats):
    """A training.RunResult plus the resolved config -> the history Dataset."""
    settings = run.settings
    edges = settings.edges
    width = run.probed.width  # every per-unit array is padded to the widest layer
    bn_data, bn_coords = _bn_arrays(run, width)
    grad_data, grad_coords = _grad_arrays(run)
    measure_data, measure_coords = _measure_arrays(run)
    monitor_data, monitor_coords = _monitor_arrays(run)
    data = {**_eval_arrays(run, width), **bn_data, **grad_data, **measure_data, **monitor_data}
    data |= _param_arrays(run)
    for suffix, test in (("train_mode", run.train_mode_test), ("precise_bn", run.precise_bn_test)):
        for what in ("loss", "accuracy") if test else ():
            data[f"test_{what}_{suffix}"] = ((), np.float32(test[what]))
    step_loss = np.stack([e.step_loss for e in run.epochs[1:]]).astype(np.float32)
    data["step_loss"] = (("train_epoch", "step"), step_loss)
    coords = {
        "epoch": np.arange(len(run.epochs)),
        "train_epoch": np.arange(1, len(step_loss) + 1),
        "step": np.arange(settings.steps_per_epoch(run.n_train)),
        "parameter": run.params,
        "layer": list(run.layers),
        "layer_width": ("layer", list(run.layers.values())),
        "unit": np.arange(width),
        "bin": np.arange(len(edges) - 1),
        "bin_edges": ("edge", edges),
        "stage": ["init", "final"],
        **grad_coords,
        **bn_coords,
        **measure_coords,
        **monitor_coords,
    }
    attrs = {
        "format": history_schema()["format"],
        "format_version": history_schema()["version"],
        "model": run.model,
        "seed": run.seed,
        "config": json.dumps(config, sort_keys=True),
        "parameter_count": param_count(config["architecture"]),
        "n_train": run.n_train,
        "n_test": run.n_test,
        "steps_per_epoch": settings.steps_per_epoch(run.n_train),
        "tracked_parameter": settings.tracked_parameter,
        "diverged": run.diverged or "no",
        "at_chance": run.chance or "no",
        "pixel_scaling_stats": json.dumps({k: [float(x) for x in v] for k, v in stats.items()}),
        **provenance(),
        "wall_time_s": float(run.wall_seconds),
        "epoch_seconds": json.dumps([round(s, 3) for s in run.seconds]),
    }
    ds = xr.Dataset(data, coords=coords, attrs=attrs)
    _describe(ds)
    return ds


def _describe(ds):
    schema = history_schema()
    specs = {
        **schema["coordinates"],
        **schema["variables"],
        **schema["batchnorm"],
        **schema["measurements"],
        **schema["train_mode"],
        **schema["monitor"],
    }
    describe(ds, specs)


def write_history(ds, path):
    encoding = {
        name: {"zlib": True, "complevel": 4}
        for name, var in ds.data_vars.items()
        if var.dtype.kind in "fi"
    }
    write_netcdf(ds, path, encoding=encoding)
