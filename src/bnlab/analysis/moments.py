"""How the inputs to each ReLU move, per run (Ioffe & Szegedy Fig. 1;
Santurkar et al. §3.3, Figs. 6 and 8): from the per-unit 15th, 50th and 85th
percentiles a measured history records on its probe batch, the drift since
the first measured step and the change over one step. Medians and spreads
stand in for Fig. 8's means and variances. Pure functions of an xarray
history.
"""

import numpy as np

DRIFT = {
    "input_location_drift": (
        "how far the median of each unit's ReLU input moved from the first to the last "
        "measured step, in units of its first 15-85th percentile spread (median over units)"
    ),
    "input_spread_drift": (
        "|log| of the ratio of the last to the first 15-85th percentile spread of each "
        "unit's ReLU input (median over units)"
    ),
}
# Santurkar et al. Fig. 8: how the moments change between successive steps.
STEP_CHANGE = {
    "input_location_step_change": (
        "how far the median of each unit's ReLU input moves in one training step, in "
        "units of its spread before the step (median over units and measured steps)"
    ),
    "input_spread_step_change": (
        "|log| of the ratio of each unit's 15-85th percentile spread after and before one "
        "training step (median over units and measured steps)"
    ),
    "log_input_location_step_change": "log10 of input_location_step_change",
    "log_input_spread_step_change": "log10 of input_spread_step_change",
    "input_location_measured_change": (
        "input_location_step_change between successive measured steps "
        "(diagnostics.measure_every steps apart), not successive steps"
    ),
    "input_spread_measured_change": (
        "input_spread_step_change between successive measured steps "
        "(diagnostics.measure_every steps apart), not successive steps"
    ),
}


def drift_series(percentiles):
    """Per measured step and unit, how every unit's ReLU input has drifted
    since the first measured step (Ioffe & Szegedy Fig. 1; Santurkar et al.
    §3.3, Fig. 6): its 15-85th percentile spread relative to the first step's,
    and how far its median moved, in first-step spreads. `percentiles`
    (measure_step, relu_input, unit, percentile) holds the 15th, 50th and 85th."""
    low, mid, high = (percentiles.isel(percentile=i) for i in range(3))
    spread = high - low
    first = dict(measure_step=0)
    return spread / spread.isel(first), abs(mid - mid.isel(first)) / spread.isel(first)


def drift(percentiles):
    """The drift at the last measured step, medians over units (NaN padding
    drops out): location, and |log| of the spread ratio."""
    ratio, moved = (x.isel(measure_step=-1).values for x in drift_series(percentiles))
    return {
        "input_location_drift": float(np.nanmedian(moved)),
        "input_spread_drift": float(np.nanmedian(abs(np.log(ratio)))),
    }


def moment_changes(before, after):
    """How each unit's ReLU input moved from `before` to `after` (percentile
    arrays of one shape), medians over everything else (NaN padding drops
    out): its median's move in its earlier spread, and |log| of its spread's
    ratio (the robust counterparts of Fig. 8's mean and variance)."""
    low, mid, high = (before[..., i] for i in range(3))
    low2, mid2, high2 = (after[..., i] for i in range(3))
    spread = high - low
    with np.errstate(divide="ignore", invalid="ignore"):
        moved = abs(mid2 - mid) / spread
        ratio = (high2 - low2) / spread
    return float(np.nanmedian(moved)), float(np.nanmedian(abs(np.log(ratio))))


def step_change(percentiles, after):
    """Santurkar et al. Fig. 8 compare the moments of successive training
    steps: each measured step's percentiles before its update against those
    after it (`after`, under the next step's noise)."""
    location, spread = moment_changes(percentiles.values, after.values)
    return {
        "input_location_step_change": location,
        "input_spread_step_change": spread,
        "log_input_location_step_change": float(np.log10(location)),
        "log_input_spread_step_change": float(np.log10(spread)),
    }


def measured_change(percentiles):
    """The same between successive measured steps (diagnostics.measure_every
    steps apart): what histories written before the next step's percentiles
    existed can show."""
    values = percentiles.values
    location, spread = moment_changes(values[:-1], values[1:])
    return {"input_location_measured_change": location, "input_spread_measured_change": spread}


def moment_outcomes(ds):
    """{quantity: value}: drift and changes of a measured history's ReLU
    inputs; {} without 15/50/85th percentiles. The one-step change needs the
    percentiles after each measured step (histories written before they
    existed lack it)."""
    if not ds.sizes.get("relu_input", 0) or list(ds.percentile.values) != [15, 50, 85]:
        return {}
    pct = ds.relu_input_percentiles
    out = drift(pct) | measured_change(pct)
    if "relu_input_percentiles_next" in ds:
        out |= step_change(pct, ds.relu_input_percentiles_next)
    return out
