"""Dry runs: what Snakemake plans and parses, with no data and no training.

Parsing the workflow (every `snakemake -n`, every cluster job) imports no
JAX, Flax, optax or matplotlib; training jobs ask for a GPU slot exactly where
JAX can use one; bad config stops at parse time; every command the docs show
names targets and rules the workflow has."""

import re
import shlex
import subprocess
import sys

import pytest

from tests.conftest import dry_config, snakemake
from tests.unit.test_docs import DOCS

# --- parsing imports no heavy package

HEAVY = ("jax", "jaxlib", "flax", "optax", "matplotlib")
BLOCKER = f"""
import sys

class Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {HEAVY!r}:
            raise ImportError(f"{{name}} imported while parsing the workflow")

sys.meta_path.insert(0, Blocked())
"""


def test_a_dry_run_imports_no_heavy_package(tmp_path):
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(BLOCKER)
    config = dry_config()
    run = snakemake(tmp_path / "work", config, "-n", "all", "part2", env={"PYTHONPATH": str(hooks)})
    assert run.returncode == 0, run.stdout[-3000:]
    assert "imported while parsing" not in run.stdout


def test_the_blocker_would_catch_an_import(tmp_path):

    (tmp_path / "sitecustomize.py").write_text(BLOCKER)
    run = subprocess.run(
        [sys.executable, "-c", "import matplotlib"],
        env={"PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert "matplotlib imported while parsing the workflow" in run.stderr


# --- GPU slots (no GPU here: a package record named like JAX's CUDA plugin and
# CUDA_VISIBLE_DEVICES stand in for one, all the workflow reads when it parses)

TARGETS = (
    "results/blog/histories/model=baseline/seed42.nc",
    "results/part2/histories/optimizer=sgd/learning_rate=0.3/model=baseline/seed42.nc",
)


@pytest.fixture
def fake_cuda_plugin(tmp_path):
    record = tmp_path / "site/jax_cuda12_plugin-0.10.2.dist-info"
    record.mkdir(parents=True)
    (record / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: jax-cuda12-plugin\nVersion: 0.10.2\n"
    )
    return record.parent


def train_resources(tmp_path, env, **config):
    run = snakemake(tmp_path / "wd", {**dry_config(), **config}, *TARGETS, "-n", env=env)
    assert run.returncode == 0, run.stdout[-3000:]
    return re.findall(r"resources: .*runtime=.*gpu=.*", run.stdout)


def test_jobs_take_a_gpu_slot_where_jax_can_use_a_gpu(tmp_path, fake_cuda_plugin):
    env = {"PYTHONPATH": str(fake_cuda_plugin), "CUDA_VISIBLE_DEVICES": "0,1"}
    resources = train_resources(tmp_path, env)
    # The two targets, and the sweep runs that cap the Part 2 run's probes.
    assert len(resources) > 2 and all("gpu=1" in r for r in resources), resources


@pytest.mark.parametrize("visible", ["0,1", ""])
def test_no_slot_without_the_plugin_or_a_visible_gpu(tmp_path, fake_cuda_plugin, visible):
    env = {"CUDA_VISIBLE_DEVICES": visible}
    if not visible:  # the plugin, but every GPU hidden
        env["PYTHONPATH"] = str(fake_cuda_plugin)
    resources = train_resources(tmp_path, env)
    assert len(resources) > 2 and all("gpu=0" in r for r in resources), resources


def test_gpu_request_asks_for_a_gpu_where_none_is_seen(tmp_path):
    # A cluster's login node: no plugin, no GPU; the jobs still ask for one,
    # in the GPU partition (the figure jobs do not).
    gpu = {"request": True, "partition": "gpu"}
    resources = train_resources(tmp_path, {"CUDA_VISIBLE_DEVICES": ""}, gpu=gpu)
    assert len(resources) > 2, resources
    assert all("gpu=1" in r and "slurm_partition=gpu" in r for r in resources), resources


# --- the docs' commands

# Options whose next word is a value, not a target (--forcerun's are rules);
# options with several values take key=value words, never targets.
VALUED = {"--cores", "--configfile", "--workflow-profile", "--report", "-d", "-s"}
RULE_OPTIONS = {"--forcerun", "--until"}


def commands(text):
    """The words of each `snakemake ...` command in the docs, comments dropped."""
    for line in re.findall(r"(?m)(?:^\s*|`)(snakemake [^`#\n\\]*)", text):
        yield shlex.split(line)[1:]


def targets_and_rules(words):
    targets, rules, previous = [], [], None
    for word in words:
        if previous in RULE_OPTIONS:
            rules.append(word)
        elif not (word.startswith("-") or previous in VALUED or "=" in word):
            targets.append(word)
        previous = word
    return targets, rules


def test_the_docs_name_only_targets_and_rules_the_workflow_has(tmp_path):
    targets, rules = set(), set()
    for doc in DOCS:
        for words in commands(doc.read_text()):
            found = targets_and_rules(words)
            targets.update(found[0])
            rules.update(found[1])
    assert {"part2", "results/figures/accuracy.png"} <= targets and "accuracy" in rules
    config = dry_config()
    run = snakemake(tmp_path, config, *sorted(targets), "-n")
    assert run.returncode == 0, run.stdout[-3000:]
    listed = snakemake(tmp_path, config, "--list-rules").stdout.split()
    assert sorted(rules - set(listed)) == []


def test_bad_config_stops_at_parse_time(tmp_path):
    config = dry_config(training={"batch_sise": 64})
    run = snakemake(tmp_path, config, "-n")
    assert run.returncode != 0
    assert "unknown key ['batch_sise'] under 'training'" in run.stdout
    assert not (tmp_path / "results").exists()


def test_dry_run_plans_the_chain(tmp_path):
    run = snakemake(tmp_path, dry_config(), "-n")
    assert run.returncode == 0, run.stdout
    assert "prepare_data" in run.stdout
