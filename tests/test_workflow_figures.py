"""The whole workflow on a small config: every target, and exact reruns."""

import copy
import re
import shutil

import pytest

from .conftest import snakemake, test_config

TARGETS = [
    "results/figures/samples.png",
    "results/figures/input_distribution.png",
    "results/figures/initial_weights.png",
    "results/figures/accuracy.png",
    "results/figures/activations.gif",
    "results/figures/activations.png",
    "results/figures/unit_statistics.png",
    "results/figures/gradient_trace.png",
    "results/figures/gradient_std.png",
    "results/figures/gradient_mean.png",
    "results/tables/final_accuracy.csv",
    "results/tables/final_accuracy.md",
]


def planned_jobs(output):
    """{rule: count} from a dry run's 'Job stats' table, without 'all' and 'total'."""
    table = output.split("Job stats:")[1].split("Reasons:")[0]
    jobs = dict(re.findall(r"^(\w+)\s+(\d+)\s*$", table, flags=re.M))
    return {rule: int(n) for rule, n in jobs.items() if rule not in ("all", "total")}


@pytest.fixture(scope="module")
def study(tmp_path_factory, prepared_mnist, mnist_dir, tfds_dir):
    workdir = tmp_path_factory.mktemp("study")
    (workdir / "results/data").mkdir(parents=True)
    shutil.copy2(prepared_mnist, workdir / "results/data/mnist.nc")
    config = test_config(mnist_dir, tfds_dir, seeds=[42, 1])
    run = snakemake(workdir, config)
    assert run.returncode == 0, run.stdout[-4000:]
    return workdir, config


def test_every_target_is_built(study):
    workdir, _ = study
    for target in TARGETS:
        assert (workdir / target).stat().st_size > 0, target
    for model in ("baseline", "batchnorm"):
        for seed in (42, 1):
            assert (workdir / f"results/histories/{model}/seed{seed}.nc").is_file()


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
    jobs = planned_jobs(snakemake(workdir, changed, "-n").stdout)
    assert jobs["train"] == 4
    assert "samples" not in jobs and "input_distribution" not in jobs
