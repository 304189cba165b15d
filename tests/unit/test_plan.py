"""The plan: Snakemake's own jobs (its DAG, as `snakemake -n` builds it), with
submissions and core-hours from the cost model. No MNIST needed."""

import pytest
import yaml

from bnlab.spec import blocks, cost, studies
from bnlab.spec.config import validate_config
from bnlab.spec.figures import FIGURES
from bnlab.spec.plan import make_plan, parse_components, report, snakemake_jobs
from tests.conftest import REPO, smoke_config

CONFIG = validate_config(smoke_config())
BLOG = [b.rule for b in blocks.study_blocks(CONFIG, "blog")]


def plan(workdir, *targets, force=False, config=None):
    """The plan of `targets` in `workdir`, which holds `config` (the smoke config)."""
    config = config or smoke_config()
    (workdir / "config").mkdir(exist_ok=True)
    (workdir / "config/config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    jobs = snakemake_jobs(targets, root=workdir, force=force, snakefile=REPO / "Snakefile")
    return make_plan(validate_config(config), jobs)


def touch(workdir, paths):
    for path in paths:
        (workdir / path).parent.mkdir(parents=True, exist_ok=True)
        (workdir / path).touch()


def test_an_empty_folder_plans_every_block_and_figure(tmp_path):
    made = plan(tmp_path, "all")
    assert sorted(made.train) == sorted(BLOG)
    assert sorted(made.figures) == sorted(n for n, f in FIGURES.items() if f.target == "all")
    assert made.local == ["prepare_data"]
    block = blocks.study_blocks(CONFIG, "blog")[0]
    run_cfg = studies.config_of(CONFIG, block.runs[0])
    assert made.core_seconds == len(BLOG) * cost.block_seconds([run_cfg] * len(block.runs))


def test_existing_files_are_not_planned_but_figures_of_a_missing_history_are(tmp_path):
    first, *rest = blocks.study_blocks(CONFIG, "blog")
    touch(tmp_path, ["results/data/mnist.nc", "results/figures/samples.png"])
    touch(tmp_path, [path for block in rest for path in block.paths])
    made = plan(tmp_path, "all")
    assert list(made.train) == [first.rule]
    assert "samples" not in made.figures and "accuracy" in made.figures
    assert made.local == []
    assert set(plan(tmp_path, "all", force=True).train) == set(BLOG)


def test_part2_plans_both_of_its_studies(tmp_path):
    made = plan(tmp_path, "part2")
    expected = [b.rule for s in ("part2", "lr_sweep") for b in blocks.study_blocks(CONFIG, s)]
    assert sorted(made.train) == sorted(expected)


def test_measured_runs_that_cap_their_probes_plan_their_sweep(tmp_path):
    """The divergence job runs when the sweep's file is missing, even with
    every sweep history there, and not once it exists."""
    sweep = blocks.study_blocks(CONFIG, "lr_sweep")
    touch(tmp_path, ["results/data/mnist.nc"])
    touch(tmp_path, [path for block in sweep for path in block.paths])
    made = plan(tmp_path, "part2")
    assert made.local == ["divergence"]
    assert not {b.rule for b in sweep} & set(made.train)
    touch(tmp_path, ["results/lr_sweep/divergence.json"])
    assert plan(tmp_path, "part2").local == []


def test_groups_bundle_jobs_into_submissions(tmp_path):
    made = plan(tmp_path, "all", "part2")
    n_train, n_figures = len(made.train), len(made.figures)
    subs = made.submissions(parse_components(["training=4", "figures=50"]))
    assert subs == {"training": -(-n_train // 4), "figures": 1}
    text = report(made, {"training": 4, "figures": 50})
    assert f"jobs to run: {n_train + n_figures} (train {n_train}" in text
    assert f"submissions: {subs['training'] + 1} (" in text


def test_bad_targets_and_groups_are_errors(tmp_path):
    with pytest.raises(Exception, match="everything"):
        plan(tmp_path, "everything")
    with pytest.raises(SystemExit, match="expected training=N"):
        parse_components(["training=0"])


def test_a_missing_config_file_is_a_clear_error(tmp_path, monkeypatch, capsys):
    from bnlab.cli import main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):
        main(["plan", "all"])
    assert "config file config/config.yaml not found" in capsys.readouterr().err


def test_a_seed_added_to_a_study_plans_one_block_per_model(tmp_path):
    """Seeds are cut into blocks in the study's order: a seed added at the end
    trains the last block of each model again, never the study's other blocks."""
    config = smoke_config()
    config["seeds_per_job"] = 2
    config["studies"]["blog"]["seed"] = [42, 0, 1]
    before = blocks.study_blocks(validate_config(config), "blog")
    assert [b.seeds for b in before] == [[42, 0], [1], [42, 0], [1]]
    touch(tmp_path, ["results/data/mnist.nc", *(p for b in before for p in b.paths)])
    config["studies"]["blog"]["seed"] = [42, 0, 1, 2]
    after = blocks.study_blocks(validate_config(config), "blog")
    made = plan(tmp_path, *(p for b in after for p in b.paths), config=config)
    assert sorted(made.train) == ["train_blog_1", "train_blog_3"]
    assert [after[1].seeds, after[3].seeds] == [[1, 2], [1, 2]]


def test_a_block_spans_its_models_axis_settings_unless_told_not_to():
    """Depth's two widths: one block per model and chunk of seeds, holding
    that chunk under both widths; with jobs_span_axes false, one per width."""
    config = smoke_config()
    config["seeds_per_job"] = 1
    spanning = blocks.study_blocks(validate_config(config), "depth")
    assert [(b.model, b.seeds, len(b.settings)) for b in spanning[:3]] == [
        ("baseline", [42], 2),
        ("baseline", [0], 2),
        ("batchnorm", [42], 2),
    ]
    assert spanning[0].name == "model=baseline/seed42"
    assert [s.config["architecture"]["widths"] for s in spanning[0].settings] == [
        [256, 128, 64],
        [256, 256, 128, 128, 64, 64],
    ]
    config["jobs_span_axes"] = False
    single = blocks.study_blocks(validate_config(config), "depth")
    assert len(single) == 2 * len(spanning)
    assert single[0].name == "widths=256-128-64/model=baseline/seed42"
    assert sorted(p for b in single for p in b.paths) == sorted(
        p for b in spanning for p in b.paths
    )


def test_runs_that_cannot_share_a_process_get_blocks_of_their_own():
    """Threads are fixed when JAX starts: an axis of them splits the blocks."""
    config = smoke_config()
    config["studies"]["batch"]["grids"] = [{"threads": [1, 2], "batch_size": [8, 128]}]
    made = blocks.study_blocks(validate_config(config), "batch")
    numerics = [{s.config["training"]["threads"] for s in b.settings} for b in made]
    assert len(made) == 2 * len(config["studies"]["batch"]["model"])
    assert all(len(n) == 1 for n in numerics) and all(len(b.settings) == 2 for b in made)
    assert len({b.name for b in made}) == len(made)  # logs do not collide
