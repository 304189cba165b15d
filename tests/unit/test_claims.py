"""The claims registry, per-run outcomes on hand-computable histories, and
the docs that quote the claims table."""

import jax
import numpy as np
import optax
import pandas as pd
import pytest
import xarray as xr

from bnlab.analysis.findings import DOCS_CSV, PROSE, blocks, outcome_rows, tag_errors, values_of
from bnlab.analysis.moments import drift, measured_change, step_change
from bnlab.analysis.outcomes import (
    describe,
    gradient_outcomes,
    landscape_series,
    monitor_outcomes,
    outcomes,
    steps_to,
)
from bnlab.analysis.verdicts import claims_table
from bnlab.spec import studies
from bnlab.spec.claims import FAMILIES, all_claims
from bnlab.spec.config import load_config

from .test_benchmark import ROOT

# The claims of the default config's studies.
CLAIMS = all_claims(load_config(root=ROOT))


def history(seed, loss_scale=1.0, measured=True):
    """A history with two epochs of 3 steps and, if measured, 2 measured steps
    with probes at 1 and 3 steps."""
    ds = xr.Dataset(
        {
            "step_loss": (
                ("train_epoch", "step"),
                loss_scale * np.array([[3.0, 2.0, 1.0], [1, 1, 1]]),
            ),
            "train_loss": (("epoch",), [2.3, 0.5, 0.25]),
            "train_accuracy": (("epoch",), [0.1, 0.9, 0.95]),
            "test_accuracy": (("epoch",), [0.1, 0.88, 0.93]),
        },
        coords={"train_epoch": [1, 2]},
        attrs={"seed": seed},
    )
    if not measured:
        return ds
    return ds.assign(
        landscape_loss=(("measure_step", "probe_step"), [[1.0, 1.5], [0.5, 0.4]]),
        grad_change=(("measure_step", "probe_step"), [[2.0, 4.0], [1.0, 3.0]]),
        beta_smoothness=(("measure_step",), [1.0, 3.0]),
        full_grad_norm=(("measure_step",), [8.0, 6.0]),
        step_length=(("measure_step",), [0.25, 0.05]),
        ics_l2=(("measure_step", "ics_layer"), [[1.0], [3.0]]),
        ics_cosine=(("measure_step", "ics_layer"), [[0.5], [0.7]]),
        ics_relative=(("measure_step", "ics_layer"), [[0.2], [0.4]]),
        relu_input_percentiles=(
            ("measure_step", "relu_input", "unit", "percentile"),
            # unit 0: median 0 -> 1, spread 2 -> 2; unit 1: median 1 -> 1, spread 1 -> 4
            [[[[-1, 0, 1], [0.5, 1, 1.5]]], [[[0, 1, 2], [-1, 1, 3]]]],
        ),
    ).assign_coords(
        probe_step=[1.0, 3.0],
        measure_step=[0, 3],
        measure_epoch=("measure_step", [1, 2]),
        ics_layer=["Dense_1"],
        percentile=[15.0, 50.0, 85.0],
    )


def test_outcomes_by_hand():
    out = outcomes(history(0))
    assert out["train_loss_epoch1"] == 2.0  # mean of 3, 2, 1 (train mode)
    assert out["final_minibatch_loss"] == 1.0  # the last epoch's steps
    # Eval mode after epoch 1 (the evaluation at epoch 0 is before any step).
    assert (out["train_loss_after_epoch1"], out["train_accuracy_after_epoch1"]) == (0.5, 0.9)
    assert (out["final_train_loss"], out["final_test_accuracy"]) == (0.25, 0.93)
    # loss range per step 0.5 and 0.1 -> median 0.3; epoch 1 alone: 0.5
    assert out["loss_variation"] == pytest.approx(0.3)
    assert out["loss_variation_epoch1"] == pytest.approx(0.5)
    # per unit distance: 0.5 / (2 * 0.25) = 1, 0.1 / (2 * 0.05) = 1
    assert out["loss_variation_per_length"] == pytest.approx(1.0)
    # largest gradient change 4 and 3 -> 3.5; relative to |g|: 0.5 and 0.5
    assert out["gradient_change"] == 3.5 and out["gradient_change_relative"] == 0.5
    assert out["beta_smoothness"] == 2.0
    assert out["log_loss_variation"] == pytest.approx(np.log10(0.3))
    assert out["log_gradient_norm"] == pytest.approx(np.log10(7.0))  # median of 8, 6
    assert (out["ics_l2_Dense_1"], out["ics_cosine_Dense_1"]) == (2.0, pytest.approx(0.6))
    assert out["log_ics_l2_Dense_1"] == pytest.approx(np.log10(2.0))
    # location drift: |1 - 0| / 2 = 0.5 and 0 -> median 0.25; spread: |log 1|, |log 4|
    assert out["input_location_drift"] == pytest.approx(0.25)
    assert out["input_spread_drift"] == pytest.approx(np.log(4) / 2)
    assert "loss_variation" not in outcomes(history(0, measured=False))


def test_steps_to_a_threshold_by_hand():
    steps, accuracy = np.array([0, 10, 20, 30]), np.array([0.1, 0.6, 0.8, 0.95])
    # 90% lies 0.1 / 0.15 of the way from step 20 (80%) to step 30 (95%).
    assert steps_to(steps, accuracy, 0.9) == pytest.approx(20 + 10 * 0.1 / 0.15)
    assert steps_to(steps, accuracy, 0.8) == 20.0  # reached exactly at a monitored step
    assert steps_to(steps, accuracy, 0.05) == 0.0
    assert np.isnan(steps_to(steps, accuracy, 0.96))  # never reached
    ds = xr.Dataset(
        {"monitor_accuracy": ("monitor_step", accuracy)}, coords={"monitor_step": steps}
    )
    assert monitor_outcomes(ds) == {"log_steps_to_90": pytest.approx(np.log10(20 + 20 / 3))}
    assert (
        monitor_outcomes(ds.assign(monitor_accuracy=("monitor_step", accuracy * 0.8))) == {}
    )  # not reached


def test_measured_change_is_between_successive_measured_steps():
    """Unit 0's median goes 0 -> 1 -> 0 with spread 2: it ends where it
    started (drift 0) but moves half a spread at each step; unit 1 keeps its
    median and its spread goes 1 -> 2 -> 1 (|log 2| each step, drift 0)."""
    unit0 = [[-1, 0, 1], [0, 1, 2], [-1, 0, 1]]
    unit1 = [[0.5, 1, 1.5], [0, 1, 2], [0.5, 1, 1.5]]
    pct = xr.DataArray(
        np.array([[[u0, u1]] for u0, u1 in zip(unit0, unit1, strict=True)], float),
        dims=("measure_step", "relu_input", "unit", "percentile"),
    )
    assert drift(pct) == {"input_location_drift": 0.0, "input_spread_drift": 0.0}
    changes = measured_change(pct)
    assert changes["input_location_measured_change"] == pytest.approx(0.25)  # 0.5, 0.5, 0, 0
    assert changes["input_spread_measured_change"] == pytest.approx(
        np.log(2) / 2
    )  # 0, 0, log 2, log 2


def test_step_change_compares_each_measured_step_with_the_next_step():
    """Two measured steps, one unit, percentiles before each update and after
    it: step 1 moves the median by 0.2 of a spread of 2 (0.1) and keeps the
    spread; step 2 keeps the median and doubles the spread (|log 2|).
    Medians over the two: location 0.05, spread log(2) / 2; the measured
    steps' own difference (median 0 -> 5) plays no part."""
    dims = ("measure_step", "relu_input", "unit", "percentile")
    before = xr.DataArray(np.array([[[[-1, 0, 1]]], [[[4, 5, 6]]]], float), dims=dims)
    after = xr.DataArray(np.array([[[[-0.8, 0.2, 1.2]]], [[[3, 5, 7]]]], float), dims=dims)
    changes = step_change(before, after)
    assert changes["input_location_step_change"] == pytest.approx(0.05)
    assert changes["input_spread_step_change"] == pytest.approx(np.log(2) / 2)
    assert changes["log_input_location_step_change"] == pytest.approx(np.log10(0.05))
    assert measured_change(before)["input_location_measured_change"] == pytest.approx(2.5)


def test_series_and_drift_ignore_padding():
    pct = history(0).relu_input_percentiles.copy()
    padded = xr.concat([pct, pct.isel(unit=[0]) * np.nan], dim="unit")
    assert drift(padded) == drift(pct)
    assert set(landscape_series(history(0))) == {
        "loss_variation",
        "loss_variation_per_length",
        "gradient_change",
        "gradient_change_relative",
        "beta_smoothness",
    }


def test_claims_read_their_quantity_at_their_conditions():
    """Two conditions; the claim at sgd 0.3 pairs the seeds there only."""
    sgd, adam = (
        (("optimizer", "sgd"), ("learning_rate", 0.3)),
        (("optimizer", "adam"), ("learning_rate", 0.001)),
    )
    conditions = {
        sgd: {
            "baseline": [history(0), history(1)],
            "batchnorm": [history(0, 0.5), history(1, 0.4)],
        },
        adam: {"baseline": [history(0)], "batchnorm": [history(0, 2.0)]},
    }
    table = outcome_rows(conditions)
    claim = next(
        c for c in CLAIMS if c.name == "BN trains faster: minibatch loss, train mode (sgd 0.3)"
    )
    assert values_of(table)(claim) == {
        "baseline": {0: 2.0, 1: 2.0},
        "batchnorm": {0: 1.0, 1: pytest.approx(0.8)},
    }
    row = claims_table([claim], values_of(table)).iloc[0]
    assert (row.n, row["mean"]) == (2, pytest.approx(-1.1))


def test_the_registry_is_consistent_with_the_default_part2_study():
    """Every claim names a quantity we compute, two models its study trains
    at its conditions, and a family with a question; each family decides by
    at least one primary claim."""
    config = load_config(root=ROOT)
    trained = {
        (r.study, r.model, tuple(sorted(dict(r.coords).items())))
        for study in {c.study for c in CLAIMS}
        for r in studies.study_runs(config, study)
    }
    for claim in CLAIMS:
        conditions = tuple(sorted(claim.conditions.items()))
        assert {(claim.study, m, conditions) for m in claim.pair} <= trained, claim.name
        assert describe(claim.quantity)
        assert claim.family in FAMILIES
    assert {c.family for c in CLAIMS if c.primary} == set(FAMILIES)
    assert len({c.name for c in CLAIMS}) == len(CLAIMS)


def test_docs_quote_the_committed_claims_table():
    """docs/part2.md's and docs/questions.md's Findings, the README's summary
    and the report's front page are generated from docs/claims.csv
    (bnlab findings)."""
    table = pd.read_csv(ROOT / DOCS_CSV)
    assert set(table.claim) == {c.name for c in CLAIMS}, (
        "rerun the studies, then bnlab.analysis.findings"
    )
    for (path, (start, end)), block in blocks(table).items():
        text = (ROOT / path).read_text()
        assert text.split(start, 1)[1].split(end, 1)[0] == f"\n{block}", (
            f"{path} does not quote {DOCS_CSV}: bnlab findings {DOCS_CSV}"
        )


def test_a_tag_whose_verdict_disagrees_with_the_table_fails():
    table = pd.DataFrame({"claim": ["BN trains faster (sgd 0.3)"], "verdict": ["reproduced"]})
    assert tag_errors("It does [claim: BN trains faster (sgd 0.3) — reproduced].", table) == []
    assert tag_errors("It does [claim: BN trains faster (sgd 0.3) — opposite].", table) == [
        "'BN trains faster (sgd 0.3)' is reproduced in the table, not opposite"
    ]
    assert tag_errors("It does [claim: BN trains\nfaster (sgd 0.3) —\nreproduced].", table) == []
    assert tag_errors("[claim: BN trains slower — reproduced]", table) == [
        "no claim named 'BN trains slower'"
    ]
    # A verdict stated in passing, without its claim, is an error too.
    assert tag_errors("BatchNorm trains faster (reproduced).", table) == [
        "an untagged verdict: (reproduced)"
    ]


def test_the_prose_names_each_result_with_the_tables_verdict():
    """README.md, docs/part2.md and docs/questions.md: every tagged result
    carries the verdict docs/claims.csv gives it."""
    table = pd.read_csv(ROOT / DOCS_CSV)
    for path in PROSE:
        assert tag_errors((ROOT / path).read_text(), table) == [], path


def test_precise_bn_outcomes():
    """With precise statistics recorded: their accuracy and its gap to train
    mode; a model without BatchNorm (no bn_layer) from before precise BN
    takes its eval-mode accuracy; a BatchNorm history from before has none."""
    tested = history(0, measured=False).assign(test_accuracy_train_mode=0.90)
    out = outcomes(tested.assign(test_accuracy_precise_bn=0.95))
    assert out["final_test_accuracy_precise_bn"] == 0.95
    assert out["precise_bn_gap"] == pytest.approx(0.05)
    assert out["train_mode_gap"] == pytest.approx(0.93 - 0.90)
    assert outcomes(tested)["final_test_accuracy_precise_bn"] == 0.93
    old_bn = tested.assign_coords(bn_layer=["BatchNorm_0"])
    assert "final_test_accuracy_precise_bn" not in outcomes(old_bn)


def test_gradient_outcomes_by_hand():
    """Dense_3's kernel: spread 0.1 for the first 100 steps, then 0.01 for 150
    (medians 0.1 and 0.01 -> log10 -1 early, -2 over the epoch); biases and
    epochs other than 1 play no part."""
    std = np.concatenate([np.full(100, 0.1), np.full(150, 0.01)])
    ds = xr.Dataset(
        {"grad_std": (("grad_epoch", "step", "parameter"), np.stack([std, 5 * std], -1)[None])},
        coords={"grad_epoch": [1], "parameter": ["Dense_3/kernel", "Dense_3/bias"]},
    )
    out = gradient_outcomes(ds)
    assert out == {"log_grad_std_Dense_3": pytest.approx(-2), "log_grad_std_early_Dense_3": -1}
    assert gradient_outcomes(ds.assign_coords(grad_epoch=[2])) == {}


def test_the_output_kernels_mean_gradient_is_zero_by_construction():
    """Why the blog's mean-gradient curve is no claim (bnlab.spec.claims.blog):
    softmax cross-entropy's gradient for the output kernel is h (p - y)^T,
    whose rows sum to zero over the classes."""
    h = jax.random.normal(jax.random.PRNGKey(0), (32, 64))
    w = jax.random.normal(jax.random.PRNGKey(1), (64, 10))
    labels = jax.random.randint(jax.random.PRNGKey(2), (32,), 0, 10)
    loss = lambda w: optax.softmax_cross_entropy_with_integer_labels(h @ w, labels).mean()  # noqa: E731
    grad = np.asarray(jax.grad(loss)(w), np.float64)
    assert np.abs(grad).mean() > 1e-2
    np.testing.assert_allclose(grad.sum(axis=1), 0, atol=1e-6)
