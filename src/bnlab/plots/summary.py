"""Summaries over seeds: a centre line and a band, named for the legend."""

import numpy as np

BANDS = {
    "minmax": "mean, band min-max",
    "sd": "mean, band ±1 sd",
    "iqr": "median, band 25-75th percentile",
}


def spread(values, kind):
    """(centre, low, high) over axis 0 of `values` (seeds x points)."""
    values = np.asarray(values, dtype=np.float64)
    if kind == "minmax":
        return values.mean(0), values.min(0), values.max(0)
    if kind == "sd":
        mean, sd = values.mean(0), values.std(0, ddof=1) if len(values) > 1 else 0 * values[0]
        return mean, mean - sd, mean + sd
    if kind == "iqr":
        low, mid, high = np.percentile(values, [25, 50, 75], axis=0)
        return mid, low, high
    raise ValueError(f"unknown band {kind!r}; choose one of {sorted(BANDS)}")


def draw(ax, x, values, kind, color, label):
    centre, low, high = spread(values, kind)
    ax.plot(x, centre, color=color, lw=1.6, label=label)
    if len(values) > 1:
        ax.fill_between(x, low, high, color=color, alpha=0.2, lw=0)


def rebin(counts, edges, factor):
    """Sum `factor` neighbouring bins: (counts, edges) on a coarser grid."""
    n = (counts.shape[-1] // factor) * factor
    coarse = counts[..., :n].reshape(*counts.shape[:-1], n // factor, factor).sum(-1)
    return coarse, edges[: n + 1 : factor]
