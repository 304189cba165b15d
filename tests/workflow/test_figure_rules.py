"""The whole workflow on a small config: every target, and exact reruns."""

import copy
import json
import re
import shutil

import numpy as np
import pytest

from bnlab.history.read import load_history
from bnlab.spec.figures import FIGURES, output_paths
from bnlab.spec.sweeps import divergence_rate
from tests.conftest import snakemake, test_config

TARGETS = [
    path
    for name, fig in FIGURES.items()
    if fig.target == "all"
    for path in output_paths(fig, name, "png").values()
]
PART2_TARGETS = [
    path
    for name, fig in FIGURES.items()
    if fig.target == "part2"
    for path in output_paths(fig, name, "png").values()
]
BLOG = {"blog": {"model": ["baseline", "batchnorm"], "seed": [42, 1]}}


def history(model, seed):
    return f"results/blog/histories/model={model}/seed{seed}.nc"


def planned_jobs(output):
    """{rule: count} from a dry run's 'Job stats' table, without target rules and 'total'."""
    table = output.split("Job stats:")[1].split("Reasons:")[0]
    jobs = dict(re.findall(r"^(\w+)\s+(\d+)\s*$", table, flags=re.M))
    return {rule: int(n) for rule, n in jobs.items() if rule not in ("all", "part2", "total")}


def retrained(output):
    """The histories a dry run would write: every training job's outputs (a
    block writes several)."""
    lines = re.findall(r"^\s*output: (.*)$", output, flags=re.M)
    return {path for line in lines for path in re.findall(r"results/\S+?\.nc", line)}


def training_jobs(jobs):
    return sum(n for rule, n in jobs.items() if rule.startswith("train_"))


@pytest.fixture(scope="module")
def study(tmp_path_factory, prepared_mnist, mnist_dir, tfds_dir):
    workdir = tmp_path_factory.mktemp("study")
    (workdir / "results/data").mkdir(parents=True)
    shutil.copy2(prepared_mnist, workdir / "results/data/mnist.nc")
    config = test_config(mnist_dir, tfds_dir, studies=BLOG)
    run = snakemake(workdir, config)
    assert run.returncode == 0, run.stdout[-4000:]
    return workdir, config


def test_every_target_is_built(study):
    workdir, _ = study
    for target in TARGETS:
        assert (workdir / target).stat().st_size > 0, target
    for model in ("baseline", "batchnorm"):
        for seed in (42, 1):
            assert (workdir / history(model, seed)).is_file()


def test_table_has_the_paired_difference(study):
    workdir, _ = study
    table = (workdir / "results/tables/final_accuracy.md").read_text()
    assert "| batchnorm - baseline | mean over 2 paired seeds |" in table


def test_nothing_to_do_after_a_full_run(study):
    workdir, config = study
    run = snakemake(workdir, config, "-n")
    assert "Nothing to be done" in run.stdout, run.stdout[-2000:]


def test_one_deleted_figure_reruns_one_job(study):
    workdir, config = study
    (workdir / "results/figures/gradient_trace.png").unlink()
    run = snakemake(workdir, config, "-n", "results/figures/gradient_trace.png")
    assert planned_jobs(run.stdout) == {"gradient_trace": 1}
    assert snakemake(workdir, config, "results/figures/gradient_trace.png").returncode == 0


def test_changing_a_figure_option_reruns_that_figure_only(study):
    workdir, config = study
    changed = copy.deepcopy(config)
    changed["figures"]["gradient_trace"].update(row=10, col=3)
    run = snakemake(workdir, changed, "-n")
    assert planned_jobs(run.stdout) == {"gradient_trace": 1}


def test_changing_training_reruns_training_and_what_depends_on_it(study):
    workdir, config = study
    changed = copy.deepcopy(config)
    changed["training"]["learning_rate"] = 0.002
    run = snakemake(workdir, changed, "-n")
    jobs = planned_jobs(run.stdout)
    # one block per model, both seeds in each
    assert training_jobs(jobs) == 2
    assert retrained(run.stdout) == {
        history(m, s) for m in ("baseline", "batchnorm") for s in (42, 1)
    }
    assert "samples" not in jobs and "input_distribution" not in jobs


def test_part2_builds_every_part2_target(study):
    workdir, config = study
    run = snakemake(workdir, config, "part2")
    assert run.returncode == 0, run.stdout[-4000:]
    for target in PART2_TARGETS:
        assert (workdir / target).stat().st_size > 0, target
    # The sweep's divergence rates reach the measured runs, which record the one they used.
    rates = json.loads((workdir / "results/lr_sweep/divergence.json").read_text())
    expected = divergence_rate(rates, "sgd")
    measured = workdir / "results/part2/histories/optimizer=sgd/learning_rate=0.3"
    for path in measured.glob("model=*/seed*.nc"):
        recorded = float(load_history(path).probe_divergence_rate)
        assert np.isnan(recorded) if expected is None else recorded == np.float32(expected), path
    claims = (workdir / "results/tables/claims.md").read_text()
    assert "**BatchNorm trains faster** (4 primary claims, Holm over 8 tests)" in claims
    changed = copy.deepcopy(config)
    changed["figures"]["unit_percentiles"]["unit"] = 5
    assert planned_jobs(snakemake(workdir, changed, "-n", "part2").stdout) == {
        "unit_percentiles": 1
    }


def test_a_stale_history_stops_its_figure(study):
    """Trained, then the config edited: with --rerun-triggers mtime Snakemake
    would reuse the old history; the figure refuses it, naming file and keys."""
    workdir, config = study
    changed = copy.deepcopy(config)
    changed["training"]["learning_rate"] = 0.002
    (workdir / history("batchnorm", 42)).touch()  # newer than the figure, so the figure reruns
    target = "results/figures/gradient_trace.png"
    run = snakemake(workdir, changed, target, "--rerun-triggers", "mtime")
    assert run.returncode != 0
    text = " ".join(run.stdout.split())
    assert (
        f"{history('baseline', 42)} was trained with another config than the current "
        "one: training.learning_rate = 0.001 in the history, 0.002 now" in text
    )
    assert not (workdir / target).exists()
    changed["figures"]["stale_histories"] = "warn"
    run = snakemake(workdir, changed, target, "--rerun-triggers", "mtime")
    assert run.returncode == 0, run.stdout[-3000:]
    log = (workdir / "results/logs/figures/gradient_trace.log").read_text()
    assert f"warning: {history('batchnorm', 42)} was trained with another" in log


def test_changing_the_optimizer_retrains_exactly_the_runs_it_affects(study):
    """The top-level optimizer reaches the blog's runs only: Part 2 and the
    sweep set their own."""
    workdir, config = study
    changed = copy.deepcopy(config)
    changed["training"]["optimizer"] = "sgd"
    run = snakemake(workdir, changed, "-n", "all", "part2")
    assert training_jobs(planned_jobs(run.stdout)) == 2  # the blog's two blocks
    assert retrained(run.stdout) == {
        history(m, s) for m in ("baseline", "batchnorm") for s in (42, 1)
    }
