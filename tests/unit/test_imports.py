"""The package's one structural rule: each layer imports only what it may.
Every module of a subpackage is imported in a clean interpreter, and none of
the packages its layer must not load may appear in sys.modules."""

import json
import pkgutil
import subprocess
import sys

import pytest

import bnlab

NUMERICS = ("numpy", "xarray", "pandas", "scipy", "netCDF4", "dask")
JAX = ("jax", "jaxlib", "flax", "optax")
PLOTTING = ("matplotlib",)
TENSORFLOW = ("tensorflow", "tensorflow_datasets")
# Layer -> what it must not load (docs/developing.md, "Layers").
RULES = {
    # parse time: what Snakemake evaluates for every job (stdlib, yaml, jsonschema)
    "bnlab.spec": NUMERICS + JAX + PLOTTING + TENSORFLOW,
    # reading and writing histories, opening studies, comparing them
    "bnlab.history": JAX + PLOTTING + TENSORFLOW,
    # outcomes, verdicts, claims tables, findings
    "bnlab.analysis": JAX + PLOTTING + TENSORFLOW,
    # figures (bnlab.plots.data's samples draws the blog's jax.random indices
    # when it runs, not when it is imported)
    "bnlab.plots": JAX + TENSORFLOW,
    # mnist.nc and pixel scaling (TensorFlow only inside fetch_mnist)
    "bnlab.data": JAX + PLOTTING + TENSORFLOW,
    # training: everything but plotting and TensorFlow
    "bnlab.train": PLOTTING + TENSORFLOW,
    # the interactive explorer pages (Bokeh): histories in, HTML out
    "bnlab.explore": JAX + TENSORFLOW,
}
# Top-level modules: the standard library only.
TOP = ("bnlab", "bnlab.errors", "bnlab.io", "bnlab.logs", "bnlab.cli")


def modules(package):
    """Every module of `package`, itself first."""
    path = bnlab.__path__[0] + "/" + package.split(".", 1)[1]
    return [package, *(f"{package}.{m.name}" for m in pkgutil.iter_modules([path]))]


def loaded_after_importing(names):
    """The top-level packages in sys.modules after importing `names` in a fresh interpreter."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(run.stdout))


@pytest.mark.parametrize("package", sorted(RULES))
def test_each_layer_loads_only_what_it_may(package):
    forbidden = loaded_after_importing(modules(package)) & set(RULES[package])
    assert not forbidden, f"importing {package} loads {sorted(forbidden)}"


def test_the_top_level_modules_load_only_the_standard_library():
    forbidden = loaded_after_importing(list(TOP)) & set(NUMERICS + JAX + PLOTTING + TENSORFLOW)
    assert not forbidden, f"bnlab's top-level modules load {sorted(forbidden)}"


def test_every_subpackage_has_a_rule():
    found = {m.name for m in pkgutil.iter_modules(bnlab.__path__) if m.ispkg} - {"schemas"}
    assert {f"bnlab.{name}" for name in found} == set(RULES)
