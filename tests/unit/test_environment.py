"""environment.yml and requirements.lock pin the same versions."""

import re

import yaml

from tests.conftest import REPO


def _lock():
    pins = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version.strip()
    return pins


def test_conda_environment_matches_the_lock():
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    lock = _lock()
    pinned = []
    for dep in env["dependencies"]:
        specs = dep["pip"] if isinstance(dep, dict) else [dep]
        for spec in specs:
            match = re.fullmatch(r"([A-Za-z0-9_.-]+)==?([^=]+)", spec)
            if match and match.group(1) != "python":
                name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
                assert lock.get(name) == match.group(2), f"{name}: {spec} vs lock {lock.get(name)}"
                pinned.append(name)
    for core in ["jax", "flax", "optax", "tensorflow-datasets", "snakemake", "xarray", "netcdf4"]:
        assert core in pinned
