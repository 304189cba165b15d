"""The three studies beyond Part 2 (docs/questions.md): the noise's compounded
scale, train-mode evaluation, GroupNorm, the deep linear network's outcomes,
config checks and cost, and their tables and figures drawn."""

from dataclasses import replace

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import xarray as xr

from bnlab.analysis.outcomes import dln_outcomes, outcomes
from bnlab.analysis.tables import noise_depth
from bnlab.errors import BnlabError
from bnlab.history.dln import dln_dataset
from bnlab.history.read import check_history
from bnlab.plots import batch
from bnlab.plots import dln as dln_plots
from bnlab.plots.render import Condition
from bnlab.spec import cost, studies
from bnlab.spec.architecture import architectures, compounded_noise_scale, param_shapes
from bnlab.spec.config import validate_config
from bnlab.train import dln
from bnlab.train.evaluation import make_train_mode_evaluate
from bnlab.train.models import build_model, init_variables, param_names
from bnlab.train.settings import Settings
from tests.conftest import default_config
from tests.synthetic import SETTINGS, synthetic_history

BUILT_IN = architectures()
STATS = (jnp.float32(127.5), jnp.float32(73.6), jnp.float32(1.73))


def test_compounded_noise_scale_by_hand():
    """E[s] = (1 + 1.25) / 2 = 1.125 per layer; the control multiplies it over
    every hidden layer, noisy BatchNorm's normalization leaves one layer's."""
    control, noisy = BUILT_IN["noisy_baseline"], BUILT_IN["noisy_batchnorm"]
    assert compounded_noise_scale(control) == (1.125**3, 1.25**3)  # 1.4238, 1.9531
    twelve = {**control, "widths": [64] * 12}
    assert compounded_noise_scale(twelve) == pytest.approx((4.1099, 14.5519), rel=1e-4)
    assert compounded_noise_scale({**noisy, "widths": [64] * 12}) == (1.125, 1.25)
    assert compounded_noise_scale(BUILT_IN["batchnorm"]) is None


def test_groupnorm_normalizes_groups_of_16_units():
    model = build_model(BUILT_IN["groupnorm"])
    variables = init_variables(model, jax.random.PRNGKey(0))
    shapes = param_shapes(BUILT_IN["groupnorm"])
    assert param_names(variables["params"]) == sorted(shapes)
    x = jax.random.normal(jax.random.PRNGKey(1), (4, 784)) * 3 + 2
    _, out = model.apply(variables, x)
    groups = np.asarray(out["GroupNorm_2"]).reshape(4, 4, 16)  # 64 units: 4 groups of 16
    np.testing.assert_allclose(groups.mean(-1), 0, atol=1e-5)
    np.testing.assert_allclose(groups.var(-1), 1, atol=1e-3)


def test_train_mode_evaluation_uses_each_batch_statistics():
    """Ten test images in batches of 4: two batches (the remainder left out),
    each normalized by its own mean and variance."""
    model = build_model(BUILT_IN["batchnorm"])
    variables = init_variables(model, jax.random.PRNGKey(0))
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (10, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 10).astype(np.int32)
    evaluate = make_train_mode_evaluate(model, 4)
    result = evaluate(variables, images, labels, STATS, jax.random.PRNGKey(0))
    x = ((images.reshape(10, 784) - 127.5) / 73.6 / 1.73).astype(np.float32)
    correct = 0
    for batch_rows in (slice(0, 4), slice(4, 8)):
        (logits, _), _ = model.apply(variables, x[batch_rows], train=True, mutable=["batch_stats"])
        correct += int((np.argmax(logits, -1) == labels[batch_rows]).sum())
    assert float(result["accuracy"]) == correct / 8
    # Eval mode (running statistics: mean 0, variance 1 at initialization) differs.
    eval_logits, _ = model.apply(variables, x[:4])
    train_logits = model.apply(variables, x[:4], train=True, mutable=["batch_stats"])[0][0]
    assert not np.allclose(eval_logits, train_logits)


def test_the_train_mode_gap_is_zero_without_batch_statistics():
    settings = replace(SETTINGS, epochs=1, train_mode_test=True)
    base = outcomes(synthetic_history("baseline", 0, settings))
    bn = synthetic_history("batchnorm", 0, settings)
    assert base["train_mode_gap"] == 0.0
    gap = float(bn.test_accuracy.isel(epoch=-1) - bn.test_accuracy_train_mode)
    assert outcomes(bn)["train_mode_gap"] == pytest.approx(gap)
    assert "train_mode_gap" not in outcomes(synthetic_history("batchnorm", 0, SETTINGS))


def test_noise_depth_table():
    runs = {m: [synthetic_history(m, s) for s in (0, 1)] for m in ("baseline", "noisy_baseline")}
    study = {Condition((("widths", (256, 128, 64)),)): runs}
    table = noise_depth(study).set_index("model")
    assert table.loc["noisy_baseline", "noise_scale_mean"] == pytest.approx(1.125**3)
    assert np.isnan(table.loc["baseline", "noise_scale_mean"])
    losses = [float(ds.train_loss.isel(epoch=-1)) for ds in runs["baseline"]]
    assert table.loc["baseline", "train_loss"] == pytest.approx(np.mean(losses))
    assert table.loc["baseline", "hidden_layers"] == 3
    assert table.loc["baseline", "at_chance"].endswith("of 2")


def test_batch_size_figure(tmp_path):
    settings = replace(SETTINGS, epochs=1, train_mode_test=True)
    runs = {m: [synthetic_history(m, s, settings) for s in (0, 1)] for m in ("batchnorm",)}
    study = {Condition((("batch_size", size),)): runs for size in (8, 32)}
    path = tmp_path / "batch_size.png"
    batch.batch_size(study, path, dpi=40)
    assert path.stat().st_size > 5_000


def dln_history(losses, cosines, final):
    """A hand-made DLN history: 3 measured steps, 2 probes, one ICS layer."""
    steps = np.arange(3)
    return xr.Dataset(
        {
            "final_loss": ((), final),
            "landscape_loss": (("measure_step", "probe_step"), np.array(losses)),
            "grad_change": (("measure_step", "probe_step"), np.full((3, 2), 100.0)),
            "beta_smoothness": (("measure_step",), np.array([10.0, 1000.0, 100.0])),
            "full_grad_norm": (("measure_step",), np.ones(3)),
            "step_length": (("measure_step",), np.ones(3)),
            "ics_cosine": (("measure_step", "ics_layer"), np.array(cosines)[:, None]),
            "ics_l2": (("measure_step", "ics_layer"), np.full((3, 1), 1e4)),
        },
        coords={"measure_step": steps, "probe_step": [0.01, 30.0], "ics_layer": ["Dense_8"]},
        attrs={"format": "bnlab-dln-history"},
    )


def test_dln_outcomes_by_hand():
    """log10 of the final loss and of each measure's median over the steps."""
    ds = dln_history([[5.0, 15.0], [1.0, 1001.0], [0.0, 100.0]], [1.0, 0.5, -0.2], 1000.0)
    out = outcomes(ds)
    assert out == dln_outcomes(ds)
    assert out["log_final_loss"] == pytest.approx(3.0)
    assert out["log_loss_variation"] == pytest.approx(2.0)  # ranges 10, 1000, 100
    assert out["log_gradient_change"] == pytest.approx(2.0)
    assert out["log_beta_smoothness"] == pytest.approx(2.0)
    assert out["ics_cosine_Dense_8"] == pytest.approx(0.5)
    assert out["log_ics_l2_Dense_8"] == pytest.approx(4.0)


@pytest.fixture(scope="module")
def dln_study():
    settings = Settings.with_defaults(
        epochs=20, learning_rate=1e-6, optimizer="sgd", measure_every=5, train_examples=100
    )
    settings = replace(settings, probe_steps=(0.01, 30.0, 4), batch_size=100)
    study = {}
    for rate in (1e-6, 1e-7):
        runs = {}
        for model in ("baseline", "batchnorm"):
            architecture = {**BUILT_IN[model], "widths": [10] * 9, "activation": "linear"}
            run = replace(settings, learning_rate=rate)
            runs[model] = [
                dln_dataset(dln.train_dln(model, architecture, seed, run, log=lambda _: None))
                for seed in (0, 1)
            ]
        study[Condition((("learning_rate", rate),))] = runs
    return study


@pytest.mark.parametrize("figure", ["training", "landscape", "ics"])
def test_dln_figures(dln_study, figure, tmp_path):
    path = tmp_path / f"{figure}.png"
    options = {"ics_layers": ["Dense_2", "Dense_8"]} if figure == "ics" else {}
    getattr(dln_plots, figure)(dln_study, path, dpi=40, **options)
    assert path.stat().st_size > 5_000


def deep_linear(**changes):
    config = validate_config(default_config())
    study = config["studies"]["dln"]
    study = {**study, "set": {**study["set"], **changes}}
    return {**config, "studies": {**config["studies"], "dln": study}}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"optimizer": "adam"}, "training.optimizer = 'adam' is out of range; allowed: sgd"),
        ({"activation": "relu"}, "architecture.activation = 'relu' is out of range"),
        ({"batch_size": 100}, "batch_size \\(100\\) must equal training.train_examples"),
    ],
)
def test_deep_linear_settings_are_checked(changes, message):
    with pytest.raises(BnlabError, match=message):
        validate_config(deep_linear(**changes))


def test_the_deep_linear_cost_counts_steps_and_measurements():
    """25 layers without normalization: 0.05 ms per layer and step, so 1.25 ms a
    step; 10,000 steps and 100 measurements of 45 steps each: 18.1 s + 5.7 s start."""
    config = validate_config(default_config())
    run = next(r for r in studies.study_runs(config, "dln") if r.model == "baseline")
    assert cost.block_seconds([studies.config_of(config, run)]) == 23


def test_a_run_that_records_no_gradients_is_a_valid_history():
    """gradient_epochs: [] (the depth and batch studies): empty gradient
    records, shaped like the tracked parameter, and a history that loads."""
    ds = synthetic_history("baseline", 0, replace(SETTINGS, epochs=1, gradient_epochs=()))
    assert ds.grad_mean.shape == (0, 5, 8)  # 160 images in batches of 32; 4 kernels, 4 biases
    assert ds.tracked_grad.shape == (0, 5, 64, 10)  # Dense_3/kernel
    check_history(ds)


def test_deep_nets_cost_by_the_units_evaluation_bins():
    """12 hidden layers: 1,792 hidden units, Dense and ReLU outputs 2 x 1,792 +
    10 = 3,594, 3.97 times the blog's 906; one epoch of 1,875 steps and the
    evaluation before it, 1.24x with every core busy, and start-up:
    1.24 x (1.4 x 1.23 x 3.97 + 1,875 x 0.17 ms) + 5.7 = 14.6 s (the
    multiply-adds grow 2.1x)."""
    config = validate_config(default_config())
    run = next(
        r
        for r in studies.study_runs(config, "depth")
        if r.model == "baseline" and len(dict(r.coords)["widths"]) == 12
    )
    assert cost.block_seconds([studies.config_of(config, run)]) == 14
