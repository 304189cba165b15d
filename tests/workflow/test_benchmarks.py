"""Every benchmark script runs, on a few hundred examples for one epoch, so
none can rot unseen (their times here mean nothing)."""

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
BENCH = ROOT / "benchmarks"
TINY = ["--train-examples", "500", "--test-examples", "200"]


def script(name, *args, cwd=ROOT):
    run = subprocess.run(
        [sys.executable, str(BENCH / name), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
    )
    assert run.returncode == 0, f"{name} failed:\n{run.stdout[-2000:]}{run.stderr[-3000:]}"
    return run.stdout


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, prepared_mnist):
    """`python benchmarks/run.py --tiny`: every phase of the main script."""
    out = tmp_path_factory.mktemp("bench") / "benchmark.json"
    script("run.py", "--tiny", "--out", out, "--mnist", prepared_mnist)
    return json.loads(out.read_text()), out


def test_tiny_run_has_every_phase(tiny):
    result, _ = tiny
    assert result["tiny"] and result["machine"]["cores"] >= 2
    for phase in ("roof", "models", "pipeline", "blocks", "vectorized", "ratios"):
        assert phase in result, phase
    for rows in result["models"].values():
        assert rows["blog_loop"]["epochs"] == 1 and rows["bnlab_all_cores"]["run_s"] > 0
    one, block = result["blocks"]["builds"]
    # the blog's 2 models x 2 seeds: four one-run jobs, then one block per model
    assert (one["jobs"], block["jobs"]) == (4, 2) and one["runs"] == block["runs"] == 4
    assert 0 < block["runs_own_s"] < block["job_core_s"]
    assert set(result["vectorized"]["blocks"]) == {"2"}


def test_tiny_table_says_it_is_tiny(tiny):
    result, out = tiny
    table = out.with_suffix(".md").read_text()
    assert "Tiny mode" in table and "| seeds_per_job |" in table and "| seeds K |" in table
    sys.path.insert(0, str(BENCH))
    try:
        assert importlib.import_module("run").table(result) == table
    finally:
        sys.path.remove(str(BENCH))


def test_numerics_script(prepared_mnist):
    table = script("numerics.py", 1, 1, "--mnist", prepared_mnist, *TINY)
    assert "portable" in table and "native" in table


def test_profile_scripts(prepared_mnist, tmp_path):
    pieces = json.loads(script("profile_measure.py", "batchnorm", 1).splitlines()[-1])
    assert pieces["plain_step"] > 0 and pieces["measured_step_vs_plain"] > 0
    overrides = json.dumps({"training": {"train_examples": 500, "test_examples": 200}})
    run = script("profile_run.py", "baseline", 2, 1, overrides, "--mnist", prepared_mnist)
    assert json.loads(run.splitlines()[-1])


def test_torch_peer(prepared_mnist):
    pytest.importorskip("torch", reason="torch is optional (docs/performance.md)")
    out = script("torch_style.py", "batchnorm", 1, 1, "--mnist", prepared_mnist, *TINY)
    run = json.loads(out.splitlines()[-1])
    assert run["epochs"] == 1
