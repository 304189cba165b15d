"""Per-run outcomes: one number per history for each quantity a claim tests
(bnlab.spec.claims). Pure functions of an xarray history; the workflow reads the files.

Windows: a measurement is summarised per run as its median over the measured
steps, of all training or of epoch 1 alone (suffix `_epoch1`), so that seeds
can then be paired.
"""

import numpy as np

from bnlab import schemas
from bnlab.analysis.moments import DRIFT, STEP_CHANGE, moment_outcomes

# Quantities every history has.
TRAINING = {
    "train_loss_after_epoch1": "training-set loss after epoch 1, eval mode (nat; noise off)",
    "train_accuracy_after_epoch1": "training-set accuracy after epoch 1, eval mode (noise off)",
    "train_loss_epoch1": (
        "mean minibatch loss over epoch 1, train mode: each batch's own statistics, noise on (nat)"
    ),
    "final_minibatch_loss": (
        "mean minibatch loss over the last epoch, train mode: each batch's own statistics, "
        "noise on (nat)"
    ),
    "final_train_loss": "training-set loss after the last epoch, eval mode (nat; noise off)",
    "final_train_accuracy": "training-set accuracy after the last epoch, eval mode",
    "final_test_accuracy": "test accuracy after the last epoch, eval mode",
}
# With diagnostics.train_mode_test: what running statistics change (BatchNorm).
TRAIN_MODE = {
    "final_test_accuracy_train_mode": (
        "test accuracy after the last epoch in train mode: each batch's own statistics "
        "and, in noisy networks, their noise on (batches of training.batch_size)"
    ),
    "train_mode_gap": (
        "test accuracy in eval mode (running statistics) minus train mode (each batch's "
        "own statistics, batches of training.batch_size)"
    ),
    "final_test_accuracy_precise_bn": (
        "test accuracy after the last epoch in eval mode, BatchNorm's statistics recomputed "
        "over the training set with the final weights (precise BN; without BatchNorm: eval mode)"
    ),
    "precise_bn_gap": (
        "test accuracy with precise BatchNorm statistics minus train mode (each batch's own "
        "statistics, batches of training.batch_size)"
    ),
}
# Quantities of measured histories (diagnostics.measure_every > 0), per window.
LANDSCAPE = {
    "loss_variation": "range of the loss over the probes along the step (nat; §3.1, Fig. 4a)",
    "loss_variation_per_length": (
        "loss range divided by the distance the probes span (nat per unit parameter distance)"
    ),
    "gradient_change": "largest l2 change of the gradient over the probes (§3.1, Fig. 4b)",
    "gradient_change_relative": "largest gradient change over the probes / the gradient's norm",
    "beta_smoothness": "effective beta-smoothness: max gradient change per distance (Fig. 4c)",
}
ICS = {
    "ics_l2": "||G - G'||, the l2 difference of the layer's gradient (Definition 2.1)",
    "ics_cosine": "cos(G, G')",
    "ics_relative": "||G - G'|| / ||G||",
}
# log10 of a median: for margins as ratios (bnlab.spec.claims.margins.RATIO).
LOGS = {f"log_{name}": f"log10 of the median {text}" for name, text in LANDSCAPE.items()} | {
    "log_ics_l2": "log10 of the median ||G - G'|| (Definition 2.1, Fig. 3)",
    "log_gradient_norm": "log10 of the median l2 norm of the gradient (§3.1)",
}
# The blog's "gradient updates" (its gradient_epochs, epoch 1): per kernel.
EARLY_STEPS = 100
GRADIENTS = {
    "log_grad_std": (
        "log10 of the median over epoch 1's steps of the standard deviation of the "
        "entries of the kernel's gradient (the blog's gradient updates)"
    ),
    "log_grad_std_early": f"log_grad_std over epoch 1's first {EARLY_STEPS} steps",
}


# "Trains faster" counted in steps (Santurkar et al. Fig. 1a: "a consistent gain
# in training speed", training accuracy against steps), from the monitor
# (diagnostics.monitor_every). The threshold is fixed before the data: a
# training accuracy both of the blog's networks pass within epoch 1 (96.5% and
# 97.6% after it), so a monitored first epoch reaches it. log10, because
# "faster" in steps is a ratio (bnlab.spec.claims.margins.RATIO).
STEPS_THRESHOLD = 0.9
MONITOR = {
    "log_steps_to_90": (
        "log10 of the steps until the monitored training accuracy (eval mode, BatchNorm "
        "statistics recomputed) first reaches 90%, interpolated between monitored steps "
        "(a run that never reaches it has no value)"
    ),
}


# The deep linear network's (bnlab.train.dln): losses and landscape measures span
# orders of magnitude between models (Santurkar et al. plot them on log axes),
# so a run's value is the log10 of its final loss or of its median measure.
DLN_FORMAT = schemas.load("history")["deep_linear"]["format"]
DLN = {
    "log_final_loss": "log10 of the full-batch training loss after the last step (Fig. 5b, 13a)",
    "log_loss_variation": "log10 of the median loss range along the step (Fig. 10a, 13b)",
    "log_gradient_change": "log10 of the median largest gradient change along the step (Fig. 10b)",
    "log_beta_smoothness": "log10 of the median effective beta-smoothness (Fig. 10c, 13d)",
    "log_ics_l2": "log10 of the median ||G - G'|| (Definition 2.1, Fig. 3b)",
}


def final(ds, name):
    return float(ds[name].isel(epoch=-1))


def training_outcomes(ds):
    last = int(ds.train_epoch[-1])
    out = {
        "train_loss_after_epoch1": float(ds.train_loss.sel(epoch=1)),
        "train_accuracy_after_epoch1": float(ds.train_accuracy.sel(epoch=1)),
        "train_loss_epoch1": float(ds.step_loss.sel(train_epoch=1).mean()),
        "final_minibatch_loss": float(ds.step_loss.sel(train_epoch=last).mean()),
        "final_train_loss": final(ds, "train_loss"),
        "final_train_accuracy": final(ds, "train_accuracy"),
        "final_test_accuracy": final(ds, "test_accuracy"),
    }
    if "test_accuracy_train_mode" in ds:
        out["final_test_accuracy_train_mode"] = float(ds.test_accuracy_train_mode)
        out["train_mode_gap"] = out["final_test_accuracy"] - out["final_test_accuracy_train_mode"]
    if "test_accuracy_precise_bn" in ds:
        out["final_test_accuracy_precise_bn"] = float(ds.test_accuracy_precise_bn)
    elif "test_accuracy_train_mode" in ds and "bn_layer" not in ds.coords:
        # No BatchNorm, nothing to recompute (histories from before precise BN).
        out["final_test_accuracy_precise_bn"] = out["final_test_accuracy"]
    if "final_test_accuracy_precise_bn" in out and "test_accuracy_train_mode" in ds:
        precise = out["final_test_accuracy_precise_bn"]
        out["precise_bn_gap"] = precise - float(ds.test_accuracy_train_mode)
    return out


def landscape_series(ds):
    """Per measured step, each landscape quantity (Santurkar et al. §3.1)."""
    losses, changes, k = ds.landscape_loss, ds.grad_change, ds.probe_step
    span = (k.max() - k.min()) * ds.step_length
    variation = losses.max("probe_step") - losses.min("probe_step")
    return {
        "loss_variation": variation,
        "loss_variation_per_length": variation / span,
        "gradient_change": changes.max("probe_step"),
        "gradient_change_relative": changes.max("probe_step") / ds.full_grad_norm,
        "beta_smoothness": ds.beta_smoothness,
    }


def measured_outcomes(ds):
    out = {}
    series = landscape_series(ds)
    epoch1 = ds.measure_epoch == 1
    for name, values in series.items():
        out[name] = float(values.median())
        out[f"{name}_epoch1"] = float(values.sel(measure_step=epoch1).median())
        out[f"log_{name}"] = float(np.log10(out[name]))
        out[f"log_{name}_epoch1"] = float(np.log10(out[f"{name}_epoch1"]))
    out["log_gradient_norm"] = float(np.log10(ds.full_grad_norm.median()))
    for layer in ds.ics_layer.values:
        for name in ICS:
            out[f"{name}_{layer}"] = float(ds[name].sel(ics_layer=layer).median())
        out[f"log_ics_l2_{layer}"] = float(np.log10(out[f"ics_l2_{layer}"]))
    return out | moment_outcomes(ds)


def dln_outcomes(ds):
    """{quantity: value} of one deep-linear-network history: log10 of the final
    loss and of each landscape measure's median over the measured steps; per
    layer the median cos(G, G') and log10 of the median ||G - G'||."""
    out = {"log_final_loss": float(np.log10(ds.final_loss))}
    out["log_gradient_norm"] = float(np.log10(ds.full_grad_norm.median()))
    for name, values in landscape_series(ds).items():
        if f"log_{name}" in DLN:
            out[f"log_{name}"] = float(np.log10(values.median()))
    for layer in ds.ics_layer.values:
        out[f"ics_cosine_{layer}"] = float(ds.ics_cosine.sel(ics_layer=layer).median())
        out[f"log_ics_l2_{layer}"] = float(np.log10(ds.ics_l2.sel(ics_layer=layer).median()))
    return out


def steps_to(steps, accuracy, threshold):
    """The step at which `accuracy` (monitored at `steps`) first reaches
    `threshold`, linearly interpolated from the monitored step before; NaN if
    it never does."""
    reached = np.flatnonzero(np.asarray(accuracy) >= threshold)
    if not reached.size:
        return np.nan
    i = reached[0]
    if i == 0:
        return float(steps[0])
    (s0, s1), (a0, a1) = steps[i - 1 : i + 1], accuracy[i - 1 : i + 1]
    return float(s0 + (threshold - a0) / (a1 - a0) * (s1 - s0))


def monitor_outcomes(ds):
    """log_steps_to_90 where the run has a monitor and reached the threshold."""
    if "monitor_step" not in ds.dims:
        return {}
    steps = steps_to(ds.monitor_step.values, ds.monitor_accuracy.values, STEPS_THRESHOLD)
    return {"log_steps_to_90": float(np.log10(steps))} if steps > 0 else {}


def gradient_outcomes(ds):
    """Per kernel, log10 of the median spread of its gradient's entries over
    epoch 1 and over its first EARLY_STEPS steps; {} without epoch 1's
    gradients (training.gradient_epochs)."""
    if "grad_std" not in ds or 1 not in ds.grad_epoch.values:
        return {}
    out = {}
    for parameter in ds.parameter.values:
        layer, _, kind = str(parameter).partition("/")
        if kind == "kernel":
            std = ds.grad_std.sel(grad_epoch=1, parameter=parameter)
            out[f"log_grad_std_{layer}"] = float(np.log10(std.median()))
            out[f"log_grad_std_early_{layer}"] = float(np.log10(std[:EARLY_STEPS].median()))
    return out


def outcomes(ds):
    """{quantity: value} of one history: the training outcomes, and the
    measurements' if it has them (a deep linear network's: dln_outcomes)."""
    if ds.attrs.get("format") == DLN_FORMAT:
        return dln_outcomes(ds)
    out = training_outcomes(ds) | gradient_outcomes(ds) | monitor_outcomes(ds)
    return out | measured_outcomes(ds) if "measure_step" in ds.dims else out


def describe(quantity):
    """A quantity's description, for the tables' legends."""
    known = {
        **TRAINING,
        **TRAIN_MODE,
        **GRADIENTS,
        **LANDSCAPE,
        **DRIFT,
        **STEP_CHANGE,
        **ICS,
        **DLN,
        **LOGS,
        **MONITOR,
    }
    if quantity in known:
        return known[quantity]
    base, _, layer = quantity.partition("_Dense_")
    if layer:
        return f"{known[base]}, layer Dense_{layer}"
    return f"{known[quantity.removesuffix('_epoch1')]}, epoch 1 alone"
