"""Claims' statistics against hand computations.

Three pairs give t with 2 degrees of freedom, whose distribution has a closed
form: P(T > t) = 1/2 − t / (2·sqrt(2 + t²)), and its quantile at 1/2 + a/2 is
a·sqrt(2 / (1 − a²)). Each set of differences below has standard error 1
(deviations −2, 1, 1 from the mean: variance 6/2 = 3, divided by n = 3)."""

import numpy as np
import pytest

from bnlab.analysis.verdicts import (
    COLUMNS,
    Claim,
    claims_table,
    holm,
    holm_levels,
    paired_diffs,
    paired_interval,
    paired_p,
    signflip_p,
    tost,
    verdict,
)


def t2_sf(t):
    return 0.5 - t / (2 * np.sqrt(2 + t**2))


def t2_quantile(a):
    """The (1 + a)/2 quantile: a two-sided level-a interval's half-width over se."""
    return a * np.sqrt(2 / (1 - a**2))


UP = [3.0, 6.0, 6.0]  # mean 5, se 1, t = 5
FLAT = [-2.0, 1.0, 1.0]  # mean 0, se 1
NEAR = [-1.0, 2.0, 2.0]  # mean 1, se 1


def test_holm_by_hand():
    # Sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 -> 0.06
    # (a running maximum keeps the order).
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02])
    np.testing.assert_allclose(holm([0.5, 0.6]), [1.0, 1.0])  # 0.5·2 = 1, capped
    # A NaN (no test: fewer than two pairs) is not counted.
    np.testing.assert_allclose(holm([0.01, np.nan, 0.03]), [0.02, np.nan, 0.03])
    assert holm([]).shape == (0,)


def test_holm_levels_are_the_step_down_levels_or_tighter():
    np.testing.assert_allclose(
        holm_levels([0.001, 0.02, 0.3], [0.003, 0.04, 0.3], 0.05), [0.05 / 3, 0.05 / 2, 0.05]
    )
    # Holm rejects neither of 0.03, 0.04 (0.03·2 > 0.05), so 0.04's level must
    # keep its interval around 0: 0.05·0.04/0.06 < 0.04.
    p = [0.03, 0.04]
    levels = holm_levels(p, holm(p), 0.05)
    np.testing.assert_allclose(levels, [0.025, 0.05 * 0.04 / 0.06])
    assert levels[1] < p[1]


def test_paired_interval_and_p_by_hand():
    mean, low, high = paired_interval(UP, 0.05)
    half = t2_quantile(0.95)  # 4.3027
    assert (mean, low, high) == pytest.approx((5.0, 5 - half, 5 + half))
    assert paired_p(UP) == pytest.approx(2 * t2_sf(5.0))  # 1 − 5/sqrt(27) = 0.03775
    assert paired_p(FLAT) == pytest.approx(1.0)
    assert np.isnan(paired_interval([1.0], 0.05)[1]) and np.isnan(paired_p([1.0]))


def test_tost_by_hand():
    # Mean 0: both one-sided tests give P(T > margin).
    assert tost(FLAT, 4.0) == pytest.approx(t2_sf(4.0))  # 0.0286
    assert tost(FLAT, 2.0) == pytest.approx(t2_sf(2.0))  # 0.0918
    # Mean 1, margin 4: P(T > 5) against −4 and P(T > 3) against +4; the larger.
    assert tost(NEAR, 4.0) == pytest.approx(t2_sf(3.0))  # 0.0477


def test_paired_diffs_pair_seeds_both_models_have():
    values = {"a": {1: 1.0, 2: 2.0, 3: 5.0}, "b": {3: 4.0, 1: 3.0}}
    np.testing.assert_array_equal(paired_diffs(values, ("a", "b")), [2.0, -1.0])


def test_verdicts():
    assert verdict(UP, "+", 1.0, 0.05) == "reproduced"  # 95% interval [0.70, 9.30]
    assert verdict(UP, "-", 1.0, 0.05) == "opposite"
    assert verdict([-d for d in UP], "-", 1.0, 0.05) == "reproduced"
    # At a corrected 0.02 the interval is 5 ± 6.96: it holds 0.
    assert 5 - t2_quantile(0.98) < 0
    assert verdict(UP, "+", 1.0, 0.02) == "inconclusive"
    assert verdict(FLAT, "+", 4.0, 0.05) == "equivalent"


def test_verdict_changes_when_the_interval_crosses_the_margin():
    """Equivalent at 0.05 exactly when the 90% interval, 1 ± 2.92, lies inside ±margin."""
    upper = 1 + t2_quantile(0.90)  # 3.92
    assert verdict(NEAR, "+", upper - 0.01, 0.05) == "inconclusive"
    assert verdict(NEAR, "+", upper + 0.01, 0.05) == "equivalent"


def claim(name, pair, quantity="loss", family="smooth", primary=True, margin=1.0):
    return Claim(
        name=name,
        source="Santurkar et al. 2018, §3.1",
        statement="b is smoother than a",
        quantity=quantity,
        pair=pair,
        conditions={"optimizer": "sgd", "learning_rate": 0.3},
        study="part2",
        direction="+",
        margin=margin,
        family=family,
        primary=primary,
        margin_reason="by hand",
    )


def test_claims_table_corrects_primary_claims_within_each_family():
    runs = {  # b − a: bn − base = UP, lp − base = FLAT; seed 4 has no pair
        "base": {1: 0.0, 2: 0.0, 3: 0.0, 4: 9.0},
        "bn": {1: 3.0, 2: 6.0, 3: 6.0},
        "lp": {1: -2.0, 2: 1.0, 3: 1.0},
    }
    claims = [
        claim("bn", ("base", "bn")),
        claim("lp", ("base", "lp"), margin=4.0),
        claim("bn, accuracy", ("base", "bn"), quantity="accuracy", primary=False),
        claim("bn alone", ("base", "bn"), family="other"),
        claim("untested", ("base", "nope")),  # no row, and not counted by Holm
    ]
    table = claims_table(claims, lambda c: runs)
    assert list(table.columns) == COLUMNS
    assert list(table["claim"]) == [c.name for c in claims[:-1]]
    table = table.set_index("claim")
    p_up = 2 * t2_sf(5.0)  # bn's difference test, 0.0377
    p_lp_equivalent = t2_sf(4.0)  # lp within ±4: 0.0286
    # bn within ±1: the test against +1 has P(T < 4) = 1 − P(T > 4).
    assert table.loc["bn", "p_equivalence"] == pytest.approx(1 - t2_sf(4.0))
    # Family "smooth": Holm over both tests of both primary claims, 4 p-values
    # (0.0377, 1, 0.971, 0.0286): sorted, 0.0286·4 = 0.1144, then 0.0377·3
    # carried up to 0.1144, then 1.
    assert table.loc["bn", "test"] == "difference"
    assert table.loc["bn", "p"] == pytest.approx(p_up)
    assert table.loc["bn", "p_holm"] == pytest.approx(4 * p_lp_equivalent)
    assert table.loc["bn", "verdict"] == "inconclusive"
    assert table.loc["bn", "ci_low"] < 0  # its interval, at its Holm level, holds 0
    assert table.loc["lp", "p_equivalence"] == pytest.approx(p_lp_equivalent)
    assert table.loc["lp", "verdict"] == "inconclusive"  # 0.1144 > 0.05: not equivalent
    # bn alone in its family: Holm over its own two tests, 0.0377·2 = 0.0755.
    assert table.loc["bn alone", "p_holm"] == pytest.approx(2 * p_up)
    assert table.loc["bn alone", "verdict"] == "inconclusive"
    # A secondary measure: each test at the nominal level, no correction.
    assert np.isnan(table.loc["bn, accuracy", "p_holm"])
    assert table.loc["bn, accuracy", "verdict"] == "reproduced"
    row = table.loc["bn"]
    assert (row["n"], row["mean"], row["pair"]) == (3, 5.0, "bn - base")
    assert row["conditions"] == "learning_rate=0.3, optimizer=sgd"
    assert row["margin_reason"] == "by hand"


def test_claims_are_checked():
    with pytest.raises(ValueError, match="direction"):
        Claim(**{**vars(claim("x", ("a", "b"))), "direction": "up"})
    with pytest.raises(ValueError, match="margin"):
        Claim(**{**vars(claim("x", ("a", "b"))), "margin": 0.0})
    with pytest.raises(ValueError, match="reason"):
        Claim(**{**vars(claim("x", ("a", "b"))), "margin_reason": ""})
    with pytest.raises(ValueError, match="unique"):
        claims_table([claim("x", ("a", "b"))] * 2, lambda c: {})


def test_a_claim_of_no_difference_is_scored_by_its_equivalence_test():
    """Direction '=': FLAT within ±6 (P(T > 6) = 0.0133 for each side) is the
    paper's result; Holm over its two tests doubles it to 0.0267."""
    runs = {
        "a": {1: 0.0, 2: 0.0, 3: 0.0},
        "b": dict(zip((1, 2, 3), FLAT, strict=True)),
    }
    same = Claim(**{**vars(claim("same", ("a", "b"), margin=6.0)), "direction": "="})
    row = claims_table([same], lambda c: runs).iloc[0]
    assert row["test"] == "equivalence" and row["p"] == pytest.approx(t2_sf(6.0))
    assert row["p_holm"] == pytest.approx(2 * t2_sf(6.0))
    assert row["verdict"] == "equivalent"


def test_an_opposite_on_a_claim_of_no_difference_is_corrected():
    """UP (t = 5, p = 0.0377) against '=' with margin 4: the difference test
    that makes it 'opposite' is one of the family's tests, so Holm doubles its
    p to 0.0755 and the claim is inconclusive; as a secondary measure,
    uncorrected, it is opposite."""
    runs = {"a": {1: 0.0, 2: 0.0, 3: 0.0}, "c": dict(zip((1, 2, 3), UP, strict=True))}
    none = {"direction": "=", "margin": 4.0}
    primary = Claim(**{**vars(claim("primary", ("a", "c"))), **none})
    secondary = Claim(**{**vars(claim("secondary", ("a", "c"), primary=False)), **none})
    table = claims_table([primary, secondary], lambda c: runs).set_index("claim")
    assert table.loc["primary", "p_difference"] == pytest.approx(2 * t2_sf(5.0))
    assert table.loc["primary", "verdict"] == "inconclusive"
    assert table.loc["primary", "test"] == "equivalence"  # the claim's own test decides nothing
    assert table.loc["secondary", "verdict"] == "opposite"
    assert table.loc["secondary", "test"] == "difference"
    assert table.loc["secondary", "p"] == pytest.approx(2 * t2_sf(5.0))


def test_a_detected_difference_inside_the_margin_is_negligible():
    """UP's 95% interval is [0.70, 9.30]: inside ±10 it is negligible, not
    reproduced; with a margin of 9 it reaches beyond it."""
    assert verdict(UP, "+", 10.0, 0.05) == "negligible"
    assert verdict([-d for d in UP], "+", 10.0, 0.05) == "negligible"  # either side
    assert verdict(UP, "+", 9.0, 0.05) == "reproduced"
    assert verdict(UP, "-", 9.0, 0.05) == "opposite"


def test_a_small_detected_difference_is_still_equivalent_for_a_claim_of_none():
    """UP (90% interval 5 ± 2.92) within ±20: '=' scores it equivalent."""
    assert verdict(UP, "=", 20.0, 0.05) == "equivalent"
    assert verdict(UP, "=", 4.0, 0.05) == "opposite"


def test_signflip_p_by_hand():
    """Four pairs, 16 sign patterns: all positive, only the two all-same
    patterns are as extreme (2/16); with |d| = 1, 2, 3, 0.5 and the last
    negative, sums of at least 5.5 in size are ±6.5 and ±5.5 (4/16)."""
    assert signflip_p([1.0, 2.0, 3.0, 4.0]) == pytest.approx(2 / 16)
    assert signflip_p([1.0, 2.0, 3.0, -0.5]) == pytest.approx(4 / 16)
    assert np.isnan(signflip_p([1.0]))
