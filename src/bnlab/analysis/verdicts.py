"""The statistics that give a claim its verdict.

A claim says that a per-run quantity moves one way from model a to model b
under given conditions (or, direction "=", that it does not move), and
declares the smallest difference that would matter, its margin (anchored in
the registry, bnlab.spec.claims). Over seeds, each claim's paired
differences b − a get two tests: the paired t-test that the mean difference
is 0 (its interval says on which side), and two one-sided tests (TOST) that
it lies within ±margin. A claim is

- "reproduced" if the difference is detected on the side the paper reports
  and its interval reaches beyond the margin,
- "opposite" likewise on the other side (for "=": on either side),
- "negligible" if a difference is detected but its interval lies inside
  ±margin: real, and too small to matter,
- "equivalent" if the TOST puts it within ±margin (for "=": the paper's
  result, which a negligible detected difference does not contradict),
- "inconclusive" otherwise.

Multiplicity: both tests of every primary claim can decide a verdict, so a
family's Holm correction runs over all of them (2 per primary claim); see
`claims_table`. Beside each t-test p the table gives the exact sign-flip
permutation p (no normality assumed).

Holm is statsmodels' multipletests, the TOST its ttost_paired, the t-test
and the sign-flip test scipy's; numpy/scipy/pandas/statsmodels only: no
JAX, no plotting, nothing read from disk.
"""

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.weightstats import ttost_paired

from bnlab.spec.claims.claim import Claim

VERDICTS = ("reproduced", "opposite", "negligible", "equivalent", "inconclusive")
# Each verdict's colour in the forest plot and the explorer (Okabe & Ito's
# palette: distinguishable with every common colour-vision deficiency).
VERDICT_COLORS = {
    "reproduced": "#009E73",
    "opposite": "#D55E00",
    "negligible": "#CC79A7",
    "equivalent": "#0072B2",
    "inconclusive": "#888888",
}
COLUMNS = [
    "family",
    "claim",
    "statement",
    "source",
    "quantity",
    "conditions",
    "pair",
    "direction",
    "n",
    "mean",
    "ci_low",
    "ci_high",
    "margin",
    "margin_reason",
    "p_difference",
    "p_equivalence",
    "p_signflip",
    "signflip_agrees",
    "test",
    "p",
    "p_holm",
    "verdict",
    "primary",
]


def holm(pvalues):
    """Holm–Bonferroni adjusted p-values, in the given order (statsmodels'
    multipletests). A NaN (fewer than two pairs: no test) stays NaN and does
    not count towards the number of tests."""
    p = np.asarray(pvalues, float)
    adjusted = np.full(len(p), np.nan)
    finite = np.isfinite(p)
    if finite.any():
        adjusted[finite] = multipletests(p[finite], method="holm")[1]
    return adjusted


def _mean_se_df(diffs):
    d = np.asarray(diffs, float)
    n = len(d)
    if n < 2:
        return (d.mean() if n else np.nan), np.nan, 0
    return d.mean(), d.std(ddof=1) / np.sqrt(n), n - 1


def paired_interval(diffs, alpha):
    """Two-sided (1 − alpha) t-interval for the mean of paired differences:
    (mean, low, high); NaN bounds for fewer than two pairs."""
    mean, se, df = _mean_se_df(diffs)
    if df == 0:
        return mean, np.nan, np.nan
    half = stats.t.ppf(1 - alpha / 2, df) * se
    return mean, mean - half, mean + half


def paired_p(diffs):
    """Two-sided p-value of the paired t-test that the mean difference is 0."""
    d = np.asarray(diffs, float)
    if len(d) < 2:
        return np.nan
    if not d.std():  # all equal: scipy gives NaN; the mean is 0 (p 1) or certain (p 0)
        return 1.0 if d[0] == 0 else 0.0
    return float(stats.ttest_1samp(d, 0.0).pvalue)


def tost(diffs, margin):
    """p-value of two one-sided t-tests that the mean difference lies within
    ±margin: the larger of the p-values against "≤ −margin" and "≥ +margin".
    Below alpha exactly when the (1 − 2·alpha) interval lies inside ±margin."""
    d = np.asarray(diffs, float)
    if len(d) < 2:
        return np.nan
    if not d.std():
        return 0.0 if abs(d[0]) < margin else 1.0
    return float(ttost_paired(d, np.zeros_like(d), -margin, margin)[0])


def signflip_p(diffs):
    """Exact two-sided sign-flip permutation p of the mean difference: under
    "no difference" each pair's sign is a coin flip, so the p is the share of
    the 2^n sign patterns whose mean is at least as far from 0. No normality
    assumed; never below 2 / 2^n (0.125 for 4 pairs, 0.002 for 10)."""
    d = np.asarray(diffs, float)
    if len(d) < 2:
        return np.nan
    test = stats.permutation_test(
        (d,), np.mean, permutation_type="samples", n_resamples=np.inf, alternative="two-sided"
    )
    return float(test.pvalue)


def verdict(diffs, direction, margin, level_difference, level_equivalence=None):
    """A claim's verdict from its paired differences b − a, each test at its
    level, already corrected for multiplicity (the equivalence test at the
    difference test's level if not given)."""
    level_equivalence = level_difference if level_equivalence is None else level_equivalence
    equivalent = tost(diffs, margin) < level_equivalence
    if direction == "=" and equivalent:
        return "equivalent"  # the paper's "no difference", even where a tiny one is detected
    _, low, high = paired_interval(diffs, level_difference)
    sign = "+" if low > 0 else "-" if high < 0 else None
    if sign is None:
        return "equivalent" if equivalent else "inconclusive"
    if -margin < low and high < margin:
        return "negligible"
    return "reproduced" if sign == direction else "opposite"


def deciding_test(verdict_word, direction):
    """The test whose p decided a verdict (for "inconclusive": the claim's
    own, equivalence for "=", difference otherwise)."""
    if verdict_word == "equivalent" or (verdict_word == "inconclusive" and direction == "="):
        return "equivalence"
    return "difference"


def holm_levels(p, p_holm, alpha):
    """Per test, the level at which it rejects exactly when its Holm-adjusted
    p is below alpha: alpha · p / p_holm.

    That is Holm's step-down level alpha / (m − k + 1) for the k-th smallest p,
    tightened where the running maximum carried a larger value forward from a
    smaller p (so an interval cannot exclude 0 past the point where the
    step-down stops); it lies in [alpha / m, alpha]."""
    p, p_holm = np.asarray(p, float), np.asarray(p_holm, float)
    m = len(p)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(p > 0, p_holm / p, m)  # p = 0: the smallest, factor m
    return alpha / np.clip(factor, 1, m)


def paired_values(values, pair):
    """(a, b) values over the seeds both models have, in seed order. `values`
    maps model -> {seed: value}; a model it lacks has no seeds."""
    a, b = (values.get(model, {}) for model in pair)
    seeds = sorted(set(a) & set(b))
    return np.array([a[s] for s in seeds], float), np.array([b[s] for s in seeds], float)


def paired_diffs(values, pair):
    """b − a over the seeds both models have, in seed order."""
    a, b = paired_values(values, pair)
    return b - a


def _conditions_label(conditions):
    return ", ".join(f"{key}={value}" for key, value in sorted(conditions.items()))


def claims_table(
    claims: Sequence[Claim],
    values: Callable[[Claim], Mapping[str, Mapping[int, float]]],
    alpha: float = 0.05,
) -> pd.DataFrame:
    """One row per tested claim, in the given order.

    `values(claim)` returns {model: {seed: value}} of claim.quantity at
    claim.conditions in claim.study. The runs of a and b are paired by seed
    (a seed missing from either is dropped; n counts the pairs). A claim with
    no pair is untested (its study does not train those models or
    conditions): it gets no row and does not count towards its family's
    correction.

    Multiplicity: within each family, Holm's correction runs over both tests
    (difference and equivalence) of every primary claim, so every test that
    can decide a primary verdict is corrected, the difference test behind an
    "opposite" on a claim of no difference included; a family is the set of
    measures that answer one question. Each test runs at its Holm level
    (`holm_levels`), so "the interval excludes 0" and "its adjusted p is below
    alpha" agree. `p` and `p_holm` are the deciding test's (`test`).
    Secondary claims are not corrected (p_holm is NaN; both tests at the
    nominal alpha): they describe, they do not decide."""
    names = [c.name for c in claims]
    if len(set(names)) != len(names):
        raise ValueError("claim names must be unique")
    pairs = [paired_values(values(c), c.pair) for c in claims]
    tested = [i for i, (a, _) in enumerate(pairs) if len(a)]
    claims, diffs = [claims[i] for i in tested], [pairs[i][1] - pairs[i][0] for i in tested]
    p = {
        "difference": np.array([paired_p(d) for d in diffs]),
        "equivalence": np.array([tost(d, c.margin) for c, d in zip(claims, diffs, strict=True)]),
    }
    adjusted = {test: np.full(len(claims), np.nan) for test in p}
    level = {test: np.full(len(claims), alpha) for test in p}
    for family in dict.fromkeys(c.family for c in claims):
        idx = [i for i, c in enumerate(claims) if c.family == family and c.primary]
        if not idx:
            continue
        both = np.concatenate([p["difference"][idx], p["equivalence"][idx]])
        both_holm = holm(both)
        both_level = holm_levels(both, both_holm, alpha)
        for k, test in enumerate(p):
            part = slice(k * len(idx), (k + 1) * len(idx))
            adjusted[test][idx], level[test][idx] = both_holm[part], both_level[part]
    rows = []
    for i, (claim, d) in enumerate(zip(claims, diffs, strict=True)):
        mean, low, high = paired_interval(d, level["difference"][i])
        word = verdict(
            d, claim.direction, claim.margin, level["difference"][i], level["equivalence"][i]
        )
        test = deciding_test(word, claim.direction)
        flip = signflip_p(d)
        rows.append(
            {
                "family": claim.family,
                "claim": claim.name,
                "statement": claim.statement,
                "source": claim.source,
                "quantity": claim.quantity,
                "conditions": _conditions_label(claim.conditions),
                "pair": f"{claim.pair[1]} - {claim.pair[0]}",
                "direction": claim.direction,
                "n": len(d),
                "mean": mean,
                "ci_low": low,
                "ci_high": high,
                "margin": claim.margin,
                "margin_reason": claim.margin_reason,
                "p_difference": p["difference"][i],
                "p_equivalence": p["equivalence"][i],
                "p_signflip": flip,
                # Whether the sign-flip test, at the t-test's (Holm) level, detects
                # a difference exactly when the t-test does.
                "signflip_agrees": (flip < level["difference"][i])
                == (p["difference"][i] < level["difference"][i]),
                "test": test,
                "p": p[test][i],
                "p_holm": adjusted[test][i],
                "verdict": word,
                "primary": claim.primary,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)
