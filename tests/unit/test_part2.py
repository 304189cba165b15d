"""Part 2: model variants, measurements in histories, and their figures."""

import json

import jax
import numpy as np
import pytest
from PIL import Image

from bnlab.architecture import architectures, layer_widths
from bnlab.history import check_history
from bnlab.models import build_model, count_params, init_variables
from bnlab.plots import part2, training
from bnlab.tables import final_accuracy
from tests.synthetic import MEASURED, SETTINGS, VARIANTS, opts, synthetic_history

ARCHITECTURES = architectures(VARIANTS)


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("noisy_batchnorm", 243_658),
        ("batchnorm_after_relu", 243_658),
        ("batchnorm_no_affine", 242_762),
        ("layernorm", 243_658),
    ],
)
def test_variant_parameter_counts(name, count):
    variables = init_variables(build_model(ARCHITECTURES[name]), jax.random.PRNGKey(0))
    assert count_params(variables["params"]) == count


def test_every_variant_starts_from_the_baselines_dense_weights():
    base = init_variables(build_model(ARCHITECTURES["baseline"]), jax.random.PRNGKey(42))["params"]
    for name in ARCHITECTURES:
        params = init_variables(build_model(ARCHITECTURES[name]), jax.random.PRNGKey(42))["params"]
        np.testing.assert_array_equal(params["Dense_2"]["kernel"], base["Dense_2"]["kernel"])


def test_after_relu_placement_orders_layers():
    assert list(layer_widths(ARCHITECTURES["batchnorm_after_relu"]))[:3] == [
        "Dense_0",
        "ReLU_0",
        "BatchNorm_0",
    ]


def test_noisy_batchnorm_shifts_every_step_in_training_only():
    model = build_model(ARCHITECTURES["noisy_batchnorm"])
    variables = init_variables(model, jax.random.PRNGKey(0))
    x = jax.random.normal(jax.random.PRNGKey(1), (64, 784))

    def bn0(key, train=True):
        (_, out), _ = model.apply(
            variables, x, train=train, mutable=["batch_stats"], rngs={"noise": key}
        )
        return np.asarray(out["BatchNorm_0"])

    a, b = bn0(jax.random.PRNGKey(2)), bn0(jax.random.PRNGKey(3))
    assert np.abs(a.mean(0)).max() > 0.05  # shifted away from BatchNorm's zero mean
    assert not np.allclose(a.mean(0), b.mean(0))  # a different shift each step
    np.testing.assert_array_equal(
        bn0(jax.random.PRNGKey(2), False), bn0(jax.random.PRNGKey(3), False)
    )


@pytest.fixture(scope="module")
def measured():
    models = ["baseline", "batchnorm", "noisy_batchnorm"]
    return {m: [synthetic_history(m, s, MEASURED) for s in (0, 1)] for m in models}


def test_measurements_are_recorded(measured):
    ds = check_history(measured["batchnorm"][0])
    steps = SETTINGS.steps_per_epoch(160)  # 5 steps per epoch, every 2nd measured
    assert list(ds.measure_step.values) == [0, 2, steps, steps + 2]
    assert ds.landscape_loss.shape == (4, 3) and np.isfinite(ds.landscape_loss).all()
    assert (ds.beta_smoothness > 0).all()
    assert list(ds.ics_layer.values) == ["Dense_1", "Dense_2", "Dense_3"]
    assert (ds.ics_cosine <= 1.0001).all()
    assert list(ds.relu_input.values) == ["BatchNorm_0", "BatchNorm_1", "BatchNorm_2"]
    p = ds.relu_input_percentiles.sel(relu_input="BatchNorm_2").isel(unit=slice(0, 64))
    assert (p.diff("percentile") >= 0).all()  # 15th <= 50th <= 85th
    assert np.isnan(ds.relu_input_percentiles.sel(relu_input="BatchNorm_2", unit=100)).all()
    baseline = measured["baseline"][0]
    assert list(baseline.relu_input.values) == ["Dense_0", "Dense_1", "Dense_2"]


def _drawn(path):
    with Image.open(path) as im:
        return im.size


def test_part2_figures_draw(measured, tmp_path):
    part2.landscape(measured, tmp_path / "landscape.png", dpi=80)
    part2.ics(measured, tmp_path / "ics.png", dpi=80)
    part2.unit_percentiles(
        {m: seeds[0] for m, seeds in measured.items()}, tmp_path / "p.png", layer=1, unit=3, dpi=80
    )
    training.accuracy(measured, tmp_path / "acc.png", **opts("noisy_bn_accuracy", models=None))
    for name in ("landscape", "ics", "p", "acc"):
        assert _drawn(tmp_path / f"{name}.png")[0] > 500


def test_sweep_table_and_figure_mark_failed_runs(tmp_path):
    from dataclasses import replace

    runs = []
    for lr in (1e-3, 1e30):
        settings = replace(SETTINGS, learning_rate=lr, on_divergence="record", epochs=1)
        config = {"training": {"learning_rate": lr}}
        runs.append(
            synthetic_history("baseline", 0, settings, config=json.loads(json.dumps(config)))
        )
    assert (
        runs[1].attrs["diverged"].startswith("epoch 1, step 1")
    )  # step 0 is computed before any update
    table = part2.sweep_table(runs)
    assert list(table.diverged != "no") == [False, True]
    assert table.failed.iloc[1]  # (random labels: the other run is at chance, also 'failed')
    part2.lr_sweep(table, tmp_path / "sweep.png", epochs=1, dpi=80)
    assert _drawn(tmp_path / "sweep.png")[0] > 300


def test_variants_table_compares_each_with_the_baseline(measured):
    table = final_accuracy(measured, [1, 2])
    labels = set(table.model)
    assert {"batchnorm - baseline", "noisy_batchnorm - baseline"} <= labels
    assert "blog (seed 42)" not in set(table[table.model == "noisy_batchnorm"].seed)


def test_unknown_variant_is_a_config_error():
    import yaml

    from bnlab.config import validate_config
    from bnlab.errors import BnlabError
    from tests.conftest import REPO

    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    config["part2"]["models"] = ["baseline", "batchnorm_sideways"]
    with pytest.raises(
        BnlabError, match=r"part2.models = \['batchnorm_sideways'\] is out of range"
    ):
        validate_config(config)
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    config["architectures"]["odd"] = {"normalization": "group"}
    with pytest.raises(
        BnlabError, match="architectures.odd.normalization = 'group' is not allowed"
    ):
        validate_config(config)


def test_a_config_defined_variant_trains(tmp_path):
    ds = synthetic_history("strong_noise", 3, MEASURED)
    assert np.isfinite(ds.step_loss).all()
    assert list(ds.relu_input.values) == ["BatchNorm_0", "BatchNorm_1", "BatchNorm_2"]


def test_part2_defaults_need_no_architectures_section():
    from bnlab.config import validate_config

    resolved = validate_config({})  # every section defaulted
    assert "noisy_batchnorm" in resolved["part2"]["models"]
