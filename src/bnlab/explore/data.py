"""A study's histories as what the explorer page embeds: a few flat float32
columns (`Columns`) and a JSON-able index of where each run's series lie in
them (offsets, lengths, layer names), built once per page.

What is kept of a history (blog format):
- accuracy and loss per epoch (train and test sets, eval mode);
- per layer output and epoch, the histogram re-binned as the figures do
  (bnlab.plots.activations: `rebin` fine bins summed per drawn bin, only the
  bins within ±xlim), with its edges;
- per layer output, unit and epoch, the unit's mean and std (the history
  pads units to the widest layer; the padding is dropped);
- per recorded epoch (`grad_epoch`) and parameter, grad_mean, grad_std and
  grad_norm at at most GRAD_POINTS evenly spaced steps (first and last kept).

Of a deep linear network's (format bnlab-dln-history): the loss per step
(at most LOSS_POINTS steps), and per measured step the internal covariate
shift of every layer in its three forms and the landscape measures
(bnlab.analysis.outcomes.landscape_series).
"""

import json
from collections import defaultdict

import numpy as np

from bnlab.analysis.outcomes import landscape_series
from bnlab.plots.summary import rebin
from bnlab.spec.architecture import activation_inputs
from bnlab.spec.studies import label

GRAD_POINTS = 300  # steps kept per recorded epoch of gradient statistics
LOSS_POINTS = 1000  # steps kept of a deep linear network's loss
DLN_FORMAT = "bnlab-dln-history"
ICS_FORMS = ("ics_cosine", "ics_l2", "ics_relative")
CURVES = ("train_accuracy", "test_accuracy", "train_loss", "test_loss")
GRADS = ("grad_mean", "grad_std", "grad_norm")


class Columns:
    """Flat float32 arrays by name; `add` appends values and returns their offset."""

    def __init__(self):
        self._parts = defaultdict(list)
        self._size = defaultdict(int)

    def add(self, name, values):
        values = np.asarray(values, dtype=np.float32).ravel()
        offset = self._size[name]
        self._parts[name].append(values)
        self._size[name] += values.size
        return offset

    def arrays(self):
        return {name: np.concatenate(parts) for name, parts in self._parts.items()}


def thin(n, points):
    """Indices of at most `points` of n evenly spaced items, the first and last included."""
    if n <= points:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, points).round().astype(int))


def rebinned(ds, layer, factor, xlim):
    """(counts: epoch x drawn bin, edges) of one layer output, as the activation
    figures draw it: `factor` fine bins summed, the bins within ±xlim kept."""
    counts = ds.hist.sel(layer=layer).values
    coarse, edges = rebin(counts, ds.bin_edges.values, factor)
    keep = (edges[:-1] >= -xlim) & (edges[1:] <= xlim)
    return coarse[:, keep], edges[np.append(keep, False) | np.append(False, keep)]


class _Edges:
    """Distinct bin edges, each stored once in the index."""

    def __init__(self):
        self.values, self._seen = [], {}

    def index(self, edges):
        key = np.asarray(edges, np.float64).round(9).tobytes()
        if key not in self._seen:
            self._seen[key] = len(self.values)
            self.values.append([float(e) for e in edges])
        return self._seen[key]


def mlp_run(ds, cols, edges, *, xlim, rebin):
    """One history of the MLP format: its index entry, its series appended to `cols`."""
    architecture = json.loads(ds.attrs["config"])["architecture"]
    depth = len(architecture["widths"])
    layer_names = [str(name) for name in ds.layer.values]
    offsets = {name: cols.add(name, ds[name].values) for name in CURVES}
    assert len(set(offsets.values())) == 1, offsets  # the four stay aligned
    layers = {}
    for name in layer_names:
        counts, kept_edges = rebinned(ds, name, rebin, xlim)
        width = int(ds.layer_width.sel(layer=name))
        units = {
            stat: ds[stat].sel(layer=name).values[:, :width] for stat in ("unit_mean", "unit_std")
        }
        at = cols.add("unit_mean", units["unit_mean"])
        assert cols.add("unit_std", units["unit_std"]) == at
        layers[name] = {
            "hist": cols.add("hist", counts),
            "bins": int(counts.shape[1]),
            "edges": edges.index(kept_edges),
            "units": at,
            "width": width,
        }
    inputs = activation_inputs(architecture)
    hidden = [
        {
            "dense": f"Dense_{i}",
            "input": inputs[i],
            "relu": f"ReLU_{i}" if f"ReLU_{i}" in layers else None,
            "width": int(architecture["widths"][i]),
        }
        for i in range(depth)
    ]
    return {
        "epochs": [int(e) for e in ds.epoch.values],
        "curve": offsets["test_accuracy"],
        "layers": layers,
        "hidden": hidden,
        "output": f"Dense_{depth}",
        "grads": gradients(ds, cols),
    }


def gradients(ds, cols):
    """Per recorded epoch: the kept steps and each parameter's statistics' offset."""
    if "grad_mean" not in ds or not ds.sizes.get("grad_epoch", 0):
        return []
    steps = ds.step.values
    kept = thin(len(steps), GRAD_POINTS)
    out = []
    for epoch in ds.grad_epoch.values:
        params = {}
        for param in ds.parameter.values:
            values = {s: ds[s].sel(grad_epoch=epoch, parameter=param).values[kept] for s in GRADS}
            at = cols.add("grad_mean", values["grad_mean"])
            assert cols.add("grad_std", values["grad_std"]) == at
            assert cols.add("grad_norm", values["grad_norm"]) == at
            params[str(param)] = at
        out.append(
            {
                "epoch": int(epoch),
                "steps": cols.add("grad_step", steps[kept]),
                "n": len(kept),
                "params": params,
            }
        )
    return out


def dln_run(ds, cols):
    """One deep linear network history: loss per step, ICS and landscape per measured step."""
    steps = ds.step.values
    kept = thin(len(steps), LOSS_POINTS)
    at = cols.add("loss_step", steps[kept])
    assert cols.add("loss", ds.step_loss.values[kept]) == at
    entry = {"loss": at, "n": len(kept), "final_loss": _finite(ds.final_loss.values)}
    if "measure_step" in ds.dims:
        entry["measure"] = cols.add("measure_step", ds.measure_step.values)
        entry["m"] = int(ds.sizes["measure_step"])
        entry["ics"] = {
            form: {
                str(layer): cols.add("ics", ds[form].sel(ics_layer=layer).values)
                for layer in ds.ics_layer.values
            }
            for form in ICS_FORMS
        }
        entry["landscape"] = {
            name: cols.add("landscape", series.values)
            for name, series in landscape_series(ds).items()
        }
    return entry


def _finite(x):
    x = float(x)
    return x if np.isfinite(x) else None


def is_dln(ds):
    return ds.attrs.get("format") == DLN_FORMAT


def study_data(conditions, *, xlim=50.0, rebin=20, seed=None):
    """(index, columns) of a study loaded as {condition: {model: [history per seed]}}
    (bnlab.plots.render.load, "conditions"). The index is JSON-able: the axes
    and their values, every condition with its models and seeds and the run
    of each, every run's offsets into `columns` ({name: float32 array})."""
    cols, edges = Columns(), _Edges()
    histories = [ds for models in conditions.values() for seeds in models.values() for ds in seeds]
    kinds = {is_dln(ds) for ds in histories}
    if len(kinds) != 1:
        raise ValueError("a study mixes deep linear network and MLP histories")
    dln = kinds.pop()
    axes = [axis for axis, _ in next(iter(conditions))]
    runs, conds = [], []
    for condition, models in conditions.items():
        table = {}
        for model, seeds in models.items():
            for ds in seeds:
                entry = (
                    dln_run(ds, cols) if dln else mlp_run(ds, cols, edges, xlim=xlim, rebin=rebin)
                )
                entry |= {"model": model, "seed": int(ds.attrs["seed"])}
                table.setdefault(model, {})[str(entry["seed"])] = len(runs)
                runs.append(entry)
        conds.append(
            {
                "label": ", ".join(f"{a}={label(v)}" for a, v in condition) or "every run",
                "values": [label(v) for _, v in condition],
                "models": list(models),
                "seeds": sorted({int(s) for m in table.values() for s in m}),
                "runs": table,
            }
        )
    seeds = sorted({run["seed"] for run in runs})
    index = {
        "kind": "dln" if dln else "mlp",
        "axes": axes,
        "axis_values": [
            list(dict.fromkeys(c["values"][i] for c in conds)) for i in range(len(axes))
        ],
        "conditions": conds,
        "models": list(dict.fromkeys(run["model"] for run in runs)),
        "seeds": seeds,
        "seed": seed if seed in seeds else seeds[0],
        "runs": runs,
        "edges": edges.values,
        "xlim": float(xlim),
        "rebin": int(rebin),
    }
    return index, cols.arrays()
