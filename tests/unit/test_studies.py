"""Studies as config entries: grids expanded by hand, axes, paths and run configs."""

import pytest

from bnlab.errors import BnlabError
from bnlab.spec import cost, studies
from bnlab.spec.architecture import architectures
from bnlab.spec.config import validate_config
from tests.conftest import smoke_config


def config_with(**study_entries):
    config = smoke_config()
    config["studies"] = {**config["studies"], **study_entries}
    return validate_config(config)


def test_a_union_of_grids_has_the_runs_written_out_by_hand():
    config = config_with(
        mine={
            "model": ["baseline", "batchnorm"],
            "seed": [0, 1],
            "set": {"epochs": 1},
            "grids": [
                {"optimizer": ["sgd"], "learning_rate": [0.1, 0.3]},
                {"optimizer": ["adam"], "learning_rate": [0.001], "model": ["batchnorm"]},
            ],
        }
    )
    runs = studies.study_runs(config, "mine")
    names = [run.name for run in runs]
    assert names == [
        f"optimizer={o}/learning_rate={lr}/model={m}/seed{s}"
        for o, lr in (("sgd", "0.1"), ("sgd", "0.3"))
        for m in ("baseline", "batchnorm")
        for s in (0, 1)
    ] + [
        "optimizer=adam/learning_rate=0.001/model=batchnorm/seed0",
        "optimizer=adam/learning_rate=0.001/model=batchnorm/seed1",
    ]
    assert studies.axes(config, config["studies"]["mine"]) == ["optimizer", "learning_rate"]
    assert runs[0].path == (
        "results/mine/histories/optimizer=sgd/learning_rate=0.1/model=baseline/seed0.nc"
    )


def test_an_option_set_for_every_run_is_not_an_axis():
    config = config_with(mine={"model": ["baseline"], "seed": [3], "set": {"batch_size": 64}})
    (run,) = studies.study_runs(config, "mine")
    assert run.name == "model=baseline/seed3" and run.coords == ()
    assert studies.config_of(config, run)["training"]["batch_size"] == 64


def without(section, *keys):
    return {k: v for k, v in section.items() if k not in keys}


def test_a_run_config_takes_unnamed_options_from_the_sections():
    config = validate_config(smoke_config())
    run = studies.study_runs(config, "part2")[0]
    expected = {
        "architecture": architectures()["baseline"],
        "data": {"pixel_scaling": config["data"]["pixel_scaling"]},
        # Keys added later are left out at their defaults (studies.OMITTED_AT_DEFAULT).
        "training": {
            **without(config["training"], "task", "vectorize_seeds"),
            "epochs": 1,
            "optimizer": "sgd",
            "learning_rate": 0.3,
        },
        "diagnostics": {
            **without(config["diagnostics"], "train_mode_test"),
            "measure_every": 20,
            "monitor_every": 10,
            "monitor_examples": 1000,
            "probe_cap_study": "lr_sweep",
        },
    }
    assert studies.config_of(config, run) == expected
    # A run that does not measure has no say in the cap (the blog's config stays as it was).
    blog = studies.config_of(config, studies.study_runs(config, "blog")[0])["diagnostics"]
    assert "probe_cap_study" not in blog and "probe_cap_margin" not in blog
    assert not {"monitor_every", "monitor_epochs", "monitor_examples"} & set(blog)


def test_architecture_options_are_axes_and_lists_name_folders():
    deep = [64] * 8
    config = config_with(
        depth={"model": ["batchnorm"], "seed": [0], "grids": [{"widths": [[256, 128, 64], deep]}]}
    )
    runs = studies.study_runs(config, "depth")
    assert [r.name for r in runs] == [
        "widths=256-128-64/model=batchnorm/seed0",
        "widths=64-64-64-64-64-64-64-64/model=batchnorm/seed0",
    ]
    assert studies.config_of(config, runs[1])["architecture"]["widths"] == deep


def test_path_labels_are_exact():
    assert studies.label(0.1) == "0.1" and studies.label(1e-05) == "1e-05"
    assert studies.label(0.30000000000000004) != studies.label(0.3)
    assert studies.label(True) == "true" and studies.label([1, 2]) == "1-2"


@pytest.mark.parametrize(
    "study, message",
    [
        ({"grids": [{"batchsize": [8]}]}, "studies.bad.grids.0.batchsize is not an option"),
        ({"grids": [{"batch_size": [8, 0]}]}, "studies.bad.grids.0.batch_size.1 = 0"),
        ({"set": {"optimizer": "lbfgs"}}, "studies.bad.set.optimizer = 'lbfgs'"),
        ({"model": ["resnet"]}, "studies.bad.model = ['resnet']"),
        ({"grids": [{"batch_size": [4000]}]}, "training.batch_size = 4000 is larger than"),
        ({"grids": [{"widths": [[0]]}]}, "studies.bad.grids.0.widths.0.0 = 0"),
    ],
)
def test_a_bad_study_names_its_key(study, message):
    entry = {"model": ["baseline"], "seed": [0], **study}
    with pytest.raises(BnlabError, match="invalid config") as error:
        config_with(bad=entry)
    assert message in str(error.value)


def test_a_figure_of_a_missing_study_is_an_error():
    config = smoke_config()
    config["figures"]["accuracy"] = {"study": "nope"}
    with pytest.raises(BnlabError, match="figures.accuracy.study = 'nope'"):
        validate_config(config)


def test_a_single_run_figure_refuses_a_study_with_axes():
    config = smoke_config()
    config["studies"]["bs"] = {
        "model": ["baseline"],
        "seed": [42],
        "grids": [{"batch_size": [16, 32]}],
    }
    config["figures"]["activations"] = {"study": "bs"}
    with pytest.raises(BnlabError, match="figures.activations.study = 'bs'.*varies batch_size"):
        validate_config(config)


def test_a_figure_index_is_checked_against_every_model_of_its_study():
    config = smoke_config()
    config["studies"]["narrow"] = {
        "model": ["baseline"],
        "seed": [42],
        "set": {"widths": [32, 16, 16]},
    }
    config["figures"]["more"] = {"shallow": {"like": "unit_statistics", "study": "narrow"}}
    with pytest.raises(BnlabError, match="figures.more.shallow.unit = 63 .*Dense_2 has 16 units"):
        validate_config(config)


def test_the_cost_model_scales_with_epochs_examples_and_width():
    config = validate_config(smoke_config())
    run_cfg = studies.config_of(config, studies.study_runs(config, "blog")[0])
    run_cfg["training"]["train_examples"] = None  # all 60,000
    base = cost.run_seconds(run_cfg)
    longer = {**run_cfg, "training": {**run_cfg["training"], "epochs": 20}}
    assert cost.run_seconds(longer) > base
    wide = {**run_cfg, "architecture": {**run_cfg["architecture"], "widths": [1024, 1024]}}
    assert cost.run_seconds({**wide, "training": longer["training"]}) > cost.run_seconds(longer)


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"like": "gradient_stats"}, "figures.more.extra.like = 'gradient_stats'"),
        ({"like": "accuracy", "target": "train"}, "figures.more.extra.target = 'train'"),
        ({"like": "nothing"}, "figures.more.extra.like = 'nothing'"),
        ({"like": "accuracy", "band": "wide"}, "figures.more.extra.band = 'wide' is not allowed"),
    ],
)
def test_a_bad_more_entry_names_its_key(entry, message):
    config = smoke_config()
    config["figures"]["more"] = {"extra": entry}
    with pytest.raises(BnlabError, match="invalid config") as error:
        validate_config(config)
    assert message in str(error.value)


def test_the_cost_model_by_hand():
    config = validate_config(smoke_config())
    run_cfg = studies.config_of(config, studies.study_runs(config, "blog")[0])
    run_cfg["training"].update(train_examples=60000, batch_size=30, epochs=2)
    # 2 epochs of 60,000 images and 2,000 steps, the evaluation before
    # training (0.4 of an epoch's images), 1.24x with every core busy; plus
    # start-up: 5 s, 0.5 s for its one setting, 0.2 s for its history.
    run = 2 * (60000 * cost.IMAGE_SECONDS + 2000 * cost.STEP_SECONDS)
    run = 1.24 * (run + 0.4 * 60000 * cost.IMAGE_SECONDS)
    assert cost.block_seconds([run_cfg]) == int(5.7 + run)
    run_cfg["diagnostics"]["measure_every"] = 100
    run += 1.24 * 2 * 20 * cost.MEASUREMENT_SECONDS
    assert cost.block_seconds([run_cfg]) == int(5.7 + run)
    # A block of three such runs starts once and builds one Program; another
    # setting builds a second.
    assert cost.block_seconds([run_cfg] * 3) == int(5.5 + 3 * (0.2 + run))
    other = {**run_cfg, "training": {**run_cfg["training"], "learning_rate": 0.5}}
    assert cost.block_seconds([run_cfg, other]) == int(6 + 2 * (0.2 + run))
