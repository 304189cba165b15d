"""The plan: jobs, submissions and core-hours from the studies, without Snakemake."""

import re

import pytest

from bnlab import studies
from bnlab.config import validate_config
from bnlab.figures import FIGURES
from bnlab.plan import LOCAL, make_plan, parse_components, report
from tests.conftest import REPO, smoke_config

CONFIG = validate_config(smoke_config())
BLOG = [run.path for run in studies.study_runs(CONFIG, "blog")]


def test_an_empty_folder_plans_every_run_and_figure(tmp_path):
    plan = make_plan(CONFIG, ["all"], root=tmp_path)
    assert sorted(plan.train) == sorted(BLOG)
    assert sorted(plan.figures) == sorted(n for n, f in FIGURES.items() if f.target == "all")
    assert plan.local == ["prepare_data"]
    run_cfg = studies.config_of(CONFIG, studies.study_runs(CONFIG, "blog")[0])
    assert plan.core_seconds == len(BLOG) * studies.train_seconds(run_cfg)


def test_existing_files_are_not_planned_but_figures_of_a_missing_history_are(tmp_path):
    made = [*BLOG[1:], "results/data/mnist.nc", "results/figures/samples.png"]
    for path in made:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).touch()
    plan = make_plan(CONFIG, ["all"], root=tmp_path)
    assert list(plan.train) == BLOG[:1]
    assert "samples" not in plan.figures and "accuracy" in plan.figures
    assert plan.local == []
    assert make_plan(CONFIG, ["all"], root=tmp_path, force=True).train.keys() == set(BLOG)


def test_part2_plans_both_of_its_studies(tmp_path):
    plan = make_plan(CONFIG, ["part2"], root=tmp_path)
    expected = [r.path for s in ("part2", "lr_sweep") for r in studies.study_runs(CONFIG, s)]
    assert sorted(plan.train) == sorted(expected)


def test_measured_runs_that_cap_their_probes_plan_their_sweep(tmp_path):
    """The divergence job runs when the sweep's file is missing, even with
    every sweep history there, and not once it exists."""
    sweep = [r.path for r in studies.study_runs(CONFIG, "lr_sweep")]
    for path in sweep:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).touch()
    plan = make_plan(CONFIG, ["part2"], root=tmp_path)
    assert plan.local == ["prepare_data", "divergence (lr_sweep)"]
    assert not set(sweep) & set(plan.train)
    (tmp_path / "results/lr_sweep/divergence.json").touch()
    assert make_plan(CONFIG, ["part2"], root=tmp_path).local == ["prepare_data"]


def test_groups_bundle_jobs_into_submissions(tmp_path):
    plan = make_plan(CONFIG, ["all", "part2"], root=tmp_path)
    n_train, n_figures = len(plan.train), len(plan.figures)
    subs = plan.submissions(parse_components(["training=4", "figures=50"]))
    assert subs == {"training": -(-n_train // 4), "figures": 1}
    text = report(plan, {"training": 4, "figures": 50})
    assert f"jobs to run: {n_train + n_figures} (train {n_train}" in text
    assert f"submissions: {subs['training'] + 1} (" in text


def test_bad_targets_and_groups_are_errors(tmp_path):
    with pytest.raises(SystemExit, match="unknown target 'everything'"):
        make_plan(CONFIG, ["everything"], root=tmp_path)
    with pytest.raises(SystemExit, match="expected training=N"):
        parse_components(["training=0"])


def test_local_rules_are_the_workflows():
    declared = set()
    for rules in (REPO / "workflow/rules").glob("*.smk"):
        for block in re.findall(r"localrules:\s*([\w,\s]+?),?\s*\n\n", rules.read_text()):
            declared |= {name.strip() for name in block.split(",") if name.strip()}
    assert declared == LOCAL


def test_a_missing_config_file_is_a_clear_error(tmp_path, monkeypatch, capsys):
    from bnlab.errors import exit_on_error
    from bnlab.plan import main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):
        exit_on_error(main, ["all"])  # as `python -m bnlab.plan` runs it
    assert "config file config/config.yaml not found" in capsys.readouterr().err
