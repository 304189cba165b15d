"""What produced a file: package versions, git commit, platform, CPU, XLA flags."""

import datetime
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

from bnlab.spec.numerics import PORTABLE_ENV, cpu_info

PACKAGES = ["bnlab", "jax", "jaxlib", "flax", "optax", "numpy", "xarray", "netCDF4"]


def package_versions(names=PACKAGES):
    versions = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


HERE = Path(__file__).resolve().parent


def git_commit(where=HERE):
    """The commit of the bnlab checkout (with '+dirty' if it has changes)."""
    try:
        run = lambda *a: subprocess.run(  # noqa: E731
            ["git", *a], cwd=where, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        commit = run("rev-parse", "HEAD")
        return commit + ("+dirty" if run("status", "--porcelain", "--untracked-files=no") else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def device():
    """What JAX computes on, e.g. 'cpu' or 'gpu: NVIDIA H200'; '' before JAX runs."""
    jax = sys.modules.get("jax")
    if jax is None:
        return ""
    first = jax.devices()[0]
    return first.platform if first.platform == "cpu" else f"{first.platform}: {first.device_kind}"


def provenance():
    return {
        "bnlab_version": package_versions(["bnlab"])["bnlab"],
        "packages": json.dumps(package_versions()),
        "git_commit": git_commit(),
        "xla_flags": os.environ.get("XLA_FLAGS", ""),
        **{key.lower(): os.environ.get(key, "") for key in PORTABLE_ENV},
        **cpu_info(),
        "device": device(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "cpu_affinity": json.dumps(sorted(os.sched_getaffinity(0))),
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
