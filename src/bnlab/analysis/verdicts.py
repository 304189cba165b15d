"""The statistics that give a claim its verdict.

A claim says that a per-run quantity moves one way from model a to model b
under given conditions (or, direction "=", that it does not move). Over
seeds, the paired differences b − a give a t-interval; a claim is

- "reproduced" if the interval excludes 0 on the side the paper reports,
- "opposite" if it excludes 0 on the other side (for "=": on either side,
  unless the difference is equivalent to none),
- "equivalent" if two one-sided tests put the mean difference within ±margin
  (the only way the table says "no difference"; for "=", the paper's result,
  which a detected but smaller-than-margin difference does not contradict),
- "inconclusive" otherwise.

Primary claims of a family share a Holm correction; see `claims_table`.
Pure numpy/scipy/pandas: no JAX, no plotting, nothing read from disk.
"""

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from bnlab.spec.claims.claim import Claim

VERDICTS = ("reproduced", "opposite", "equivalent", "inconclusive")
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
    "p",
    "p_holm",
    "margin",
    "verdict",
    "primary",
]


def holm(pvalues):
    """Holm–Bonferroni adjusted p-values, in the given order.

    The k-th smallest of m is multiplied by m − k + 1; a running maximum keeps
    the adjusted values in the order of the raw ones (step-down: a hypothesis
    is rejected only if every smaller one is), capped at 1. A NaN counts
    towards m and stays NaN."""
    p = np.asarray(pvalues, float)
    m = len(p)
    order = np.argsort(p)  # NaNs last, so they do not raise the others
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
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
    mean, se, df = _mean_se_df(diffs)
    if df == 0:
        return np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(2 * stats.t.sf(abs(mean / se), df))


def tost(diffs, margin):
    """p-value of two one-sided t-tests that the mean difference lies within
    ±margin: the larger of the p-values against "≤ −margin" and "≥ +margin".
    Below alpha exactly when the (1 − 2·alpha) interval lies inside ±margin."""
    mean, se, df = _mean_se_df(diffs)
    if df == 0:
        return np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        above_lower = stats.t.sf((mean + margin) / se, df)
        below_upper = stats.t.cdf((mean - margin) / se, df)
    return float(max(above_lower, below_upper))


def verdict(diffs, direction, margin, alpha_adjusted):
    """A claim's verdict from its paired differences b − a, at a level already
    corrected for multiplicity. The equivalence test uses the same level, which
    is conservative for it."""
    equivalent = tost(diffs, margin) < alpha_adjusted
    if direction == "=" and equivalent:
        return "equivalent"  # the paper's "no difference", even where a tiny one is detected
    _, low, high = paired_interval(diffs, alpha_adjusted)
    sign = "+" if low > 0 else "-" if high < 0 else None
    if sign is not None:
        return "reproduced" if sign == direction else "opposite"
    return "equivalent" if equivalent else "inconclusive"


def holm_levels(p, p_holm, alpha):
    """Per claim, the level at which its interval excludes 0 exactly when its
    Holm-adjusted p is below alpha: alpha · p / p_holm.

    That is Holm's step-down level alpha / (m − k + 1) for the k-th smallest p,
    tightened where the running maximum carried a larger value forward from a
    smaller p (so an interval cannot exclude 0 past the point where the
    step-down stops); it lies in [alpha / m, alpha]."""
    p, p_holm = np.asarray(p, float), np.asarray(p_holm, float)
    m = len(p)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(p > 0, p_holm / p, m)  # p = 0: the smallest, factor m
    return alpha / np.clip(factor, 1, m)


def claim_p(claim, diffs, margin):
    """The p-value a claim's family corrects: the paired t-test's, or for a
    claim of no difference the equivalence test's."""
    return tost(diffs, margin) if claim.direction == "=" else paired_p(diffs)


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


def absolute_margin(claim, a_values):
    """The claim's equivalence margin in the quantity's units."""
    if not claim.relative_margin:
        return claim.margin
    return claim.margin * abs(float(np.mean(a_values))) if len(a_values) else np.nan


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

    Multiplicity: within each family, Holm's correction runs over its primary
    claims only; a family is the set of measures that answer one question, so
    the correction guards that question's answer against the number of ways it
    was asked. A primary claim's interval is at its Holm level (`holm_levels`),
    so "excludes 0" and "p_holm < alpha" agree; its equivalence test uses the
    same level. Secondary claims are not corrected (p_holm is NaN; interval
    and verdict at the nominal alpha): they describe, they do not decide."""
    names = [c.name for c in claims]
    if len(set(names)) != len(names):
        raise ValueError("claim names must be unique")
    pairs = [paired_values(values(c), c.pair) for c in claims]
    tested = [i for i, (a, _) in enumerate(pairs) if len(a)]
    claims, pairs = [claims[i] for i in tested], [pairs[i] for i in tested]
    diffs = [b - a for a, b in pairs]
    margins = [absolute_margin(c, a) for c, (a, _) in zip(claims, pairs, strict=True)]
    p = np.array([claim_p(c, d, m) for c, d, m in zip(claims, diffs, margins, strict=True)])
    p_holm = np.full(len(claims), np.nan)
    level = np.full(len(claims), alpha)
    for family in dict.fromkeys(c.family for c in claims):
        idx = [i for i, c in enumerate(claims) if c.family == family and c.primary]
        if idx:
            p_holm[idx] = holm(p[idx])
            level[idx] = holm_levels(p[idx], p_holm[idx], alpha)
    rows = []
    for i, (claim, d) in enumerate(zip(claims, diffs, strict=True)):
        mean, low, high = paired_interval(d, level[i])
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
                "p": p[i],
                "p_holm": p_holm[i],
                "margin": margins[i],
                "verdict": verdict(d, claim.direction, margins[i], level[i]),
                "primary": claim.primary,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)
