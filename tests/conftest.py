"""Shared fixtures: the real MNIST files, a prepared mnist.nc, Snakemake runs."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

from bnlab import schemas
from bnlab.data.mnist import MNIST_FILES
from bnlab.spec.config import merge_configs
from bnlab.spec.schema import fill_defaults
from bnlab.train.job import enable_compile_cache

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# Compiled programs are shared by every test's training jobs.
os.environ.setdefault("BNLAB_JAX_CACHE", str(Path(tempfile.gettempdir()) / "bnlab-test-jax-cache"))
enable_compile_cache()  # ... and by the synthetic runs of this process


def find_mnist_dir():
    """The four original files: resources/mnist, or the shared copy beside the repo."""
    candidates = [os.environ.get("BNLAB_MNIST_DIR"), REPO / "resources/mnist"]
    candidates.append(REPO.parent / "shared/data/mnist")
    for cand in filter(None, candidates):
        if all((Path(cand) / name).is_file() for name in MNIST_FILES):
            return Path(cand).resolve()
    pytest.fail(
        "tests need the four MNIST gzip files: put them in resources/mnist "
        "or set BNLAB_MNIST_DIR (see README, 'Supplying MNIST')."
    )


def pytest_collection_modifyitems(items):
    """Everything under tests/workflow/ is the slow suite: pytest -m "not workflow"
    runs the unit tests alone."""
    for item in items:
        if "workflow" in item.path.relative_to(REPO / "tests").parts[:1]:
            item.add_marker(pytest.mark.workflow)


@pytest.fixture(scope="session")
def mnist_dir():
    return find_mnist_dir()


@pytest.fixture(scope="session")
def tfds_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("tfds")


def default_config():
    """config/config.yaml with every option written out (the schema's defaults
    filled in, figure defaults that depend on a study left null)."""
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    fill_defaults(config, schemas.load("config"))
    return config


def smoke_config():
    """config/config.yaml with config/smoke.yaml over it."""
    smoke = yaml.safe_load((REPO / "config/smoke.yaml").read_text())
    return merge_configs(default_config(), smoke)


def test_config(mnist_dir, tfds_dir, **sections):
    """The smoke config (2 epochs on 2,000 training examples), reading MNIST from
    the test session's folders; `sections` replace whole keys or update sections."""
    config = smoke_config()
    config["data"].update(manual_dir=str(mnist_dir), tfds_data_dir=str(tfds_dir))
    for section, values in sections.items():
        if isinstance(values, dict):
            config.setdefault(section, {}).update(values)
        else:
            config[section] = values
    return config


test_config.__test__ = False  # a helper, not a test


def dry_config(**sections):
    """The smoke config for dry runs, which read no data: no MNIST files needed."""
    return test_config("resources/mnist", "resources/tfds", **sections)


def snakemake(workdir, config, *args, timeout=1200, env_offline=False, env=None):
    """Run the repository's workflow in `workdir` with `config`; output in .stdout."""
    workdir = Path(workdir)
    (workdir / "config").mkdir(parents=True, exist_ok=True)
    (workdir / "config/config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    cmd = [str(BIN / "snakemake"), "-s", str(REPO / "Snakefile"), "-d", str(workdir)]
    cmd += ["--cores", "2", *args]
    env = dict(os.environ, **(env or {}), PATH=f"{BIN}:{os.environ['PATH']}")
    if env_offline:
        env["BNLAB_OFFLINE"] = "1"
    return subprocess.run(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout, env=env
    )


@pytest.fixture(scope="session")
def prepared_mnist(tmp_path_factory, mnist_dir, tfds_dir):
    """results/data/mnist.nc made by the real prepare_data rule, once per session."""
    workdir = tmp_path_factory.mktemp("prepare")
    run = snakemake(workdir, test_config(mnist_dir, tfds_dir), "results/data/mnist.nc")
    assert run.returncode == 0, run.stdout[-3000:]
    return workdir / "results/data/mnist.nc"


@pytest.fixture
def workdir_with_mnist(tmp_path, prepared_mnist):
    """A fresh workdir that already holds the prepared mnist.nc."""
    target = tmp_path / "results/data/mnist.nc"
    target.parent.mkdir(parents=True)
    shutil.copy2(prepared_mnist, target)
    return tmp_path
