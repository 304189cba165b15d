"""Reading histories back: the format checked on load, and where two differ."""

from bnlab.errors import BnlabError
from bnlab.history.netcdf import open_netcdf
from bnlab.history.schema import history_schema


def check_history(ds, path="history"):
    """Raise BnlabError unless `ds` has every variable of the format (or of the
    deep linear network's), with its dims."""
    schema = history_schema()
    dln = schema["deep_linear"]
    if ds.attrs.get("format") == dln["format"]:
        _require(ds, {**dln["coordinates"], **dln["variables"]}, path)
        if "measure_step" in ds.coords:
            _require(ds, dln["measurements"], path)
        return ds
    if ds.attrs.get("format") != schema["format"]:
        raise BnlabError(
            f"{path} is not a bnlab history (its 'format' attribute is "
            f"{ds.attrs.get('format')!r}, expected {schema['format']!r}). "
            f"Delete it and rerun the train rule that makes it."
        )
    _require(ds, {**schema["coordinates"], **schema["variables"]}, path)
    if "bn_layer" in ds.coords:
        _require(ds, schema["batchnorm"], path)
    if "measure_step" in ds.coords:
        _require(ds, schema["measurements"], path)
    if "monitor_step" in ds.coords:
        _require(ds, schema["monitor"], path)
    return ds


def _require(ds, specs, path):
    for name, spec in specs.items():
        if name not in ds.variables or list(ds[name].dims) != spec["dims"]:
            found = list(ds[name].dims) if name in ds.variables else "missing"
            raise BnlabError(
                f"{path} does not follow the history format: variable {name!r} should have "
                f"dims {spec['dims']} but is {found}. Delete it and rerun the train rule."
            )


def load_history(path):
    return check_history(open_netcdf(path, what="history file"), path)


def differences(a, b):
    """Where two histories differ, ignoring timing and the machine; [] if bit-identical."""
    schema = history_schema()
    ignored = set(schema["timing_attributes"]) | set(schema["machine_attributes"])
    found = [f"variable {n}" for n in sorted(set(a.variables) ^ set(b.variables))]
    for name in sorted(set(a.variables) & set(b.variables)):
        x, y = a[name].values, b[name].values
        if x.dtype != y.dtype or x.shape != y.shape or x.tobytes() != y.tobytes():
            found.append(f"variable {name}")
    keys = (set(a.attrs) | set(b.attrs)) - ignored
    found += [f"attribute {k}" for k in sorted(keys) if str(a.attrs.get(k)) != str(b.attrs.get(k))]
    return found


# What makes the same config give other bits, most likely first.
CAUSES = {
    "device": "they ran on different devices",
    "cpu_isa": "the CPUs' vector instruction sets differ",
    "xla_flags": "XLA flags differ",
    "onednn_max_cpu_isa": "oneDNN's ISA cap differs",
    "packages": "package versions differ",
    "cpu_model": "the CPU models differ",
    "cpu_flags": "the CPUs' vector extensions differ",
}


def likely_causes(a, b):
    """Why two histories of one config may differ: the provenance they disagree on."""
    return [
        f"{why} ({a.attrs.get(key, '?')!s} vs {b.attrs.get(key, '?')!s})"
        for key, why in CAUSES.items()
        if str(a.attrs.get(key)) != str(b.attrs.get(key))
    ]
