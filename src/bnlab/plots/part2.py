"""Part 2 figures: Santurkar et al. (2018) and Ioffe & Szegedy (2015) measurements,
and the learning-rate sweep."""

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.ndimage import median_filter

from bnlab.plots.style import color, label, save
from bnlab.plots.summary import BANDS, draw, spread
from bnlab.training import at_chance

CITE = "Santurkar et al., NeurIPS 2018"
WINDOW = 9  # measurements per rolling median: single minibatches are noisy


def smooth(values, window=WINDOW):
    """Rolling median along the last axis (the measured steps)."""
    values = np.asarray(values, dtype=np.float64)
    return median_filter(values, size=(1,) * (values.ndim - 1) + (window,), mode="nearest")


def _over_seeds(ax, runs, values_of, band="iqr"):
    for model, seeds in runs.items():
        steps = seeds[0].measure_step.values
        values = smooth([values_of(ds) for ds in seeds])
        draw(ax, steps, values, band, color(model), f"{label(model)} ({len(seeds)} seeds)")


def _range_band(ax, runs, var):
    """Median over seeds of the min and max over step sizes, as a band."""
    for model, seeds in runs.items():
        steps = seeds[0].measure_step.values
        low = smooth(np.median([ds[var].min("step_size").values for ds in seeds], axis=0))
        high = smooth(np.median([ds[var].max("step_size").values for ds in seeds], axis=0))
        ax.fill_between(steps, low, high, color=color(model), alpha=0.3, lw=0, label=label(model))
        ax.plot(steps, high, color=color(model), lw=0.8)


def landscape(runs, path, *, dpi):
    """Loss variation, gradient predictiveness and beta-smoothness along the gradient."""
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.2))
    _range_band(axes[0], runs, "landscape_loss")
    axes[0].set(
        title="loss along the gradient (band: min-max over step sizes)",
        ylabel="minibatch loss (nat)",
    )
    _range_band(axes[1], runs, "grad_change")
    axes[1].set(
        title="gradient predictiveness: l2 change of the gradient",
        ylabel="||grad(x) - grad(x - eta g)||",
    )
    _over_seeds(axes[2], runs, lambda ds: ds.beta_smoothness.values)
    axes[2].set(title="effective beta-smoothness", ylabel="max gradient change / distance")
    first = next(iter(runs.values()))[0]
    etas = first.step_size.values
    for ax in axes:
        ax.set(xlabel="training step", yscale="log")
        ax.legend(fontsize=8)
    fig.suptitle(
        f"Loss landscape along the gradient, step sizes {etas.min():g}-{etas.max():g} "
        f"(medians over seeds, rolling median of {WINDOW} measurements; {CITE}, Fig. 4)"
    )
    fig.tight_layout()
    save(fig, path, dpi)


def ics(runs, path, *, dpi):
    """Internal covariate shift per layer: l2 difference and cosine (Definition 2.1)."""
    layers = next(iter(runs.values()))[0].ics_layer.values
    fig, axes = plt.subplots(
        2, len(layers), figsize=(5 * len(layers), 7), sharex=True, squeeze=False
    )
    for col, layer in enumerate(layers):
        _over_seeds(
            axes[0, col], runs, lambda ds, layer=layer: ds.ics_l2.sel(ics_layer=layer).values
        )
        _over_seeds(
            axes[1, col], runs, lambda ds, layer=layer: ds.ics_cosine.sel(ics_layer=layer).values
        )
        axes[0, col].set(title=f"{layer} kernel", ylabel="l2 difference", yscale="log")
        axes[1, col].set(ylabel="cosine (1 = no shift)", xlabel="training step")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(
        "Internal covariate shift: a layer's gradient before vs after the preceding layers' update "
        f"({CITE}, Def. 2.1; {BANDS['iqr']} over seeds, rolling median of {WINDOW})"
    )
    fig.tight_layout()
    save(fig, path, dpi)


def unit_percentiles(histories, path, *, layer, unit, dpi):
    """Percentiles of one unit's ReLU input over training (Ioffe & Szegedy, Fig. 1)."""
    fig, axes = plt.subplots(1, len(histories), figsize=(4.5 * len(histories), 3.6), squeeze=False)
    for ax, (model, ds) in zip(axes[0], histories.items(), strict=True):
        source = str(ds.relu_input.values[layer])
        values = ds.relu_input_percentiles.sel(relu_input=source, unit=unit)
        for k, pct in enumerate(ds.percentile.values):
            ax.plot(
                ds.measure_step,
                values[:, k],
                color=color(model),
                lw=1.2 + (pct == 50),
                alpha=0.5 + 0.5 * (pct == 50),
            )
            ax.annotate(
                f"{pct:g}%",
                (ds.measure_step[-1], values[-1, k]),
                fontsize=7,
                xytext=(2, 0),
                textcoords="offset points",
            )
        ax.set(
            title=f"{label(model)}: {source}, unit {unit}",
            xlabel="training step",
            ylabel="input to ReLU",
        )
    fig.suptitle(
        f"Percentiles of one unit's ReLU input over training, probe batch in train mode "
        f"(seed {next(iter(histories.values())).attrs['seed']}; Ioffe & Szegedy 2015, Fig. 1)"
    )
    fig.tight_layout()
    save(fig, path, dpi)


def sweep_table(histories):
    """One row per sweep run: model, learning rate, seed, final accuracy, divergence."""
    rows = []
    for ds in histories:
        config = json.loads(ds.attrs["config"])
        rows.append(
            {
                "model": ds.attrs["model"],
                "learning_rate": float(config["training"]["learning_rate"]),
                "seed": int(ds.attrs["seed"]),
                "final_test_acc": float(ds.test_accuracy[-1]),
                "final_train_loss": float(ds.train_loss[-1]),
                "diverged": ds.attrs.get("diverged", "no"),
            }
        )
    table = pd.DataFrame(rows).sort_values(["model", "learning_rate", "seed"], ignore_index=True)
    # A run "fails" if its loss went non-finite or it ends at chance-level accuracy.
    table["failed"] = (table.diverged != "no") | at_chance(table.final_test_acc)
    return table


def lr_sweep(table, path, *, epochs, dpi):
    fig, ax = plt.subplots(figsize=(7, 4))
    for model, group in table.groupby("model", sort=False):
        centre, _, _ = spread(
            group.pivot(index="seed", columns="learning_rate", values="final_test_acc").values,
            "iqr",
        )
        lrs = sorted(group.learning_rate.unique())
        ax.plot(
            lrs,
            centre,
            color=color(model),
            lw=1.6,
            marker="o",
            ms=3,
            label=f"{label(model)} (median)",
        )
        ok, failed = group[~group.failed], group[group.failed]
        ax.scatter(ok.learning_rate, ok.final_test_acc, color=color(model), s=10, alpha=0.5)
        ax.scatter(
            failed.learning_rate,
            failed.final_test_acc,
            color=color(model),
            marker="x",
            s=50,
            label=f"{label(model)}: failed (diverged or chance)" if len(failed) else None,
        )
    ax.set(
        xscale="log",
        xlabel="learning rate (Adam)",
        ylabel="final test accuracy",
        title=f"Learning-rate sweep: test accuracy after {epochs} epochs",
    )
    ax.legend(fontsize=8)
    save(fig, path, dpi)


def measurement_summary(runs, first_epoch_only=False):
    """Median over measured steps and seeds of every measurement, per model."""
    rows = []
    for model, seeds in runs.items():
        pick = (
            (lambda ds: ds.sel(measure_step=ds.measure_epoch == 1))
            if first_epoch_only
            else (lambda ds: ds)
        )
        parts = [pick(ds) for ds in seeds]

        def med(f, parts=parts):
            return float(np.median(np.concatenate([np.ravel(f(ds)) for ds in parts])))

        row = {
            "model": model,
            "steps": "epoch 1" if first_epoch_only else "all",
            "loss_variation": med(
                lambda ds: ds.landscape_loss.max("step_size") - ds.landscape_loss.min("step_size")
            ),
            "gradient_change": med(lambda ds: ds.grad_change.max("step_size")),
            "beta_smoothness": med(lambda ds: ds.beta_smoothness),
        }
        for layer in parts[0].ics_layer.values:
            row[f"ics_l2_{layer}"] = med(lambda ds, layer=layer: ds.ics_l2.sel(ics_layer=layer))
            row[f"ics_cos_{layer}"] = med(
                lambda ds, layer=layer: ds.ics_cosine.sel(ics_layer=layer)
            )
        rows.append(row)
    return pd.DataFrame(rows)
