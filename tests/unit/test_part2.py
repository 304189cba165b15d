"""Part 2: model variants, measurements in histories, and their figures."""

import json
from dataclasses import replace

import jax
import numpy as np
import pytest
from PIL import Image

from bnlab.analysis.tables import compare, part2_accuracy, part2_measurements
from bnlab.errors import BnlabError
from bnlab.history.read import check_history
from bnlab.plots import part2, training
from bnlab.plots.render import Condition
from bnlab.spec.architecture import architectures, layer_widths
from bnlab.spec.figure_defaults import default_comparisons
from bnlab.train.models import build_model, count_params, init_variables
from tests.conftest import default_config
from tests.synthetic import MEASURED, SETTINGS, VARIANTS, opts, synthetic_history

ARCHITECTURES = architectures(VARIANTS)


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("noisy_batchnorm", 243_658),
        ("batchnorm_after_relu", 243_658),
        ("batchnorm_no_affine", 242_762),
        ("layernorm", 243_658),
        ("noisy_baseline", 242_762),  # noise only: no learned parameters
        ("lp1_batchnorm", 243_658),
        ("lpinf_batchnorm", 243_658),
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


def test_noisy_batchnorm_forward_pass_has_algorithm1_moments():
    """BatchNorm_0's output (zero mean, unit variance per unit at initialization)
    after Algorithm 1's noise: per-unit means mu_j ~ U(-0.5, 0.5), per-unit
    spreads about sigma_j in [1, 1.25]."""
    model = build_model(ARCHITECTURES["noisy_batchnorm"])
    variables = init_variables(model, jax.random.PRNGKey(0))
    x = jax.random.normal(jax.random.PRNGKey(1), (8192, 784))
    (_, out), _ = model.apply(
        variables, x, train=True, mutable=["batch_stats"], rngs={"noise": jax.random.PRNGKey(5)}
    )
    noisy = np.asarray(out["BatchNorm_0"])
    means, stds = noisy.mean(0), noisy.std(0)
    assert np.abs(means).max() < 0.5 + 0.05
    assert means.std() == pytest.approx(1 / np.sqrt(12), rel=0.2)  # U(-0.5, 0.5) over 256 units
    # sqrt(sigma^2 + r_sigma^2 + r_mu^2 / 3) for sigma in [1, 1.25]
    assert stds.min() > 0.97 and stds.max() < 1.3


def test_noisy_baseline_applies_the_same_noise_without_batchnorm():
    """Same seed and noise key: Algorithm 1's noise a -> s*a + m draws the same s
    and m in the control (on Dense_0's output) as in noisy BatchNorm (on
    BatchNorm_0's), so one (s, m) per element must explain both outputs."""
    x = jax.random.normal(jax.random.PRNGKey(1), (64, 784))
    key, noise = jax.random.PRNGKey(0), jax.random.PRNGKey(2)

    def outputs(name, train=True):
        model = build_model(ARCHITECTURES[name])
        variables = init_variables(model, key)
        (_, out), _ = model.apply(
            variables, x, train=train, mutable=["batch_stats"], rngs={"noise": noise}
        )
        return {k: np.asarray(v) for k, v in out.items()}

    control, noisy, clean = (
        outputs("noisy_baseline"),
        outputs("noisy_batchnorm"),
        outputs("batchnorm"),
    )
    dense, normed = control["Dense_0"], clean["BatchNorm_0"]
    apart = np.abs(normed - dense) > 0.5  # where the two inputs differ enough to solve for s
    s = (noisy["BatchNorm_0"] - control["Noise_0"])[apart] / (normed - dense)[apart]
    assert np.mean((s > 0.6) & (s < 1.65)) > 0.999  # N(sigma_j in [1, 1.25], 0.1)
    m = control["Noise_0"][apart] - s * dense[apart]
    assert np.abs(m).max() < 0.6 + 1e-3  # U(mu_j +- 0.1), mu_j in [-0.5, 0.5]
    # Evaluation mode: the noise's expectation, 1.125 x the clean input.
    np.testing.assert_allclose(
        outputs("noisy_baseline", False)["Noise_0"], 1.125 * dense, rtol=1e-6
    )


@pytest.fixture(scope="module")
def measured():
    models = ["baseline", "batchnorm"]  # each measured model compiles its own program
    config = {"training": {"optimizer": "adam", "learning_rate": MEASURED.learning_rate}}
    return {m: [synthetic_history(m, s, MEASURED, config) for s in (0, 1)] for m in models}


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


@pytest.mark.parametrize("model", ["baseline", "batchnorm"])
def test_next_step_percentiles_are_the_next_steps_network(model):
    """Measured at every step and without noise, the percentiles after a
    measured step's update are those the next step measures before its own
    (the same probe batch, the network one update later)."""
    every_step = replace(MEASURED, measure_every=1, epochs=1)
    ds = synthetic_history(model, 0, every_step, {"training": {"optimizer": "adam"}})
    before, after = ds.relu_input_percentiles, ds.relu_input_percentiles_next
    assert before.sizes["measure_step"] == SETTINGS.steps_per_epoch(160)
    np.testing.assert_allclose(after[:-1], before[1:], rtol=1e-5, atol=1e-6)
    assert not np.allclose(before[:-1], before[1:], rtol=1e-3, equal_nan=True)  # the steps move


def _drawn(path):
    with Image.open(path) as im:
        return im.size


def test_part2_figures_draw(measured, tmp_path):
    # Two settings of the study's axes: two rows of panels.
    study = {Condition((("optimizer", o),)): measured for o in ("sgd", "adam")}
    part2.landscape(study, tmp_path / "landscape.png", dpi=80)
    part2.ics(study, tmp_path / "ics.png", dpi=80)
    single = {opt: {m: seeds[0] for m, seeds in runs.items()} for opt, runs in study.items()}
    part2.unit_percentiles(single, tmp_path / "p.png", hidden_layer=1, unit=3, dpi=80)
    part2.variant_accuracy(study, tmp_path / "acc.png", **opts("noisy_bn_accuracy"))
    part2.input_drift(study, tmp_path / "drift.png", dpi=80)
    training.steps_to_threshold(study, tmp_path / "steps.png", band="minmax", dpi=80)
    for name in ("landscape", "ics", "p", "acc", "drift", "steps"):
        assert _drawn(tmp_path / f"{name}.png")[0] > 400


def test_steps_figure_asks_for_a_monitor(measured, tmp_path):
    unmonitored = {m: [ds.drop_dims("monitor_step") for ds in runs] for m, runs in measured.items()}
    with pytest.raises(BnlabError, match="set diagnostics.monitor_every"):
        training.steps_to_threshold({(): unmonitored}, tmp_path / "s.png", band="sd", dpi=80)


def test_sweep_table_and_figure_mark_failed_runs(tmp_path):
    from dataclasses import replace

    runs = []
    for lr in (1e-3, 1e30):
        settings = replace(SETTINGS, learning_rate=lr, on_divergence="record", epochs=1)
        config = {"training": {"learning_rate": lr, "optimizer": "sgd"}}
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


def test_variant_tables_compare_the_declared_pairs(measured):
    pairs = default_comparisons(list(measured))
    sgd = {Condition((("optimizer", "sgd"), ("learning_rate", 0.3))): measured}
    table = part2_accuracy(sgd, [1, 2], pairs)
    assert list(table.columns[:3]) == ["optimizer", "learning_rate", "quantity"]
    assert set(table.learning_rate) == {"0.3"}
    assert {"baseline", "batchnorm", "batchnorm - baseline"} == set(table.row)
    assert set(table.quantity) == {"test_acc_epoch1", "test_acc_epoch2"}
    table = part2_measurements(sgd, pairs)
    row = table[(table.row == "batchnorm - baseline") & (table.quantity == "beta_smoothness")]
    assert len(row) == 2 and (row.seeds == 2).all()  # epoch 1 and all steps, 2 paired seeds
    assert {
        "ics_relative_Dense_1",
        "ics_cosine_Dense_3",
        "ics_l2_Dense_2",
        "loss_variation",
    } <= set(table.quantity)


def test_paired_comparison_equals_a_hand_computation():
    values = {"a": {1: 0.90, 2: 0.92, 3: 0.91}, "b": {1: 0.95, 2: 0.93, 3: 0.96, 4: 0.5}}
    rows = {r["row"]: r for r in compare(values, [["a", "b"]])}
    d = np.array([0.05, 0.01, 0.05])  # seed 4 has no partner and is left out
    half = 4.302653 * d.std(ddof=1) / np.sqrt(3)  # t(0.975, 2 dof)
    assert rows["b - a"]["mean"] == pytest.approx(d.mean())
    assert rows["b - a"]["ci_low"] == pytest.approx(d.mean() - half, rel=1e-5)
    assert rows["b - a"]["ci_high"] == pytest.approx(d.mean() + half, rel=1e-5)
    assert rows["b - a"]["seeds"] == 3 and rows["b"]["seeds"] == 4
    assert rows["a"]["sd"] == pytest.approx(0.01)


def test_unknown_variant_is_a_config_error():

    from bnlab.errors import BnlabError
    from bnlab.spec.config import validate_config
    from tests.conftest import default_config

    config = default_config()
    config["studies"]["part2"]["model"] = ["baseline", "batchnorm_sideways"]
    with pytest.raises(
        BnlabError, match=r"studies.part2.model = \['batchnorm_sideways'\] is out of range"
    ):
        validate_config(config)
    config = default_config()
    config["architectures"]["odd"] = {"normalization": "instance"}
    with pytest.raises(
        BnlabError, match="architectures.odd.normalization = 'instance' is not allowed"
    ):
        validate_config(config)


def test_a_config_defined_variant_trains(tmp_path):
    ds = synthetic_history("strong_noise", 3)  # no measurements: one cheap compile
    assert np.isfinite(ds.step_loss).all()
    assert [str(x) for x in ds.layer.values if "Norm" in str(x)] == [
        "BatchNorm_0",
        "BatchNorm_1",
        "BatchNorm_2",
    ]


def test_part2_defaults_need_no_architectures_section():
    from bnlab.spec.config import validate_config

    resolved = validate_config(default_config())  # every section defaulted
    assert "noisy_batchnorm" in resolved["studies"]["part2"]["model"]


def test_groupnorm_widths_must_divide_into_groups():

    from bnlab.errors import BnlabError
    from bnlab.spec.config import validate_config

    config = default_config()
    config["architectures"]["thin_groups"] = {"normalization": "group", "widths": [64, 32, 24]}
    config["studies"]["blog"]["model"] = ["thin_groups"]
    with pytest.raises(BnlabError, match=r"groups of 16 units.*include \[24\]"):
        validate_config(config)
