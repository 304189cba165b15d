"""Part 2 figures: Santurkar et al. (2018) and Ioffe & Szegedy (2015) measurements,
and the learning-rate sweep.

A Part 2 study is {optimizer: {model: [history per seed]}}. Figures are small
multiples with shared axes: one column per model, one row per optimizer and
measure, the seeds drawn individually, so no model hides another; the
baseline's median is repeated in grey in every panel as the reference.
"""

import json
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.ndimage import median_filter

from bnlab.analysis.moments import drift_series
from bnlab.analysis.outcomes import landscape_series
from bnlab.plots.style import color, label, save
from bnlab.plots.summary import draw, spread
from bnlab.spec.chance import at_chance

CITE = "Santurkar et al., NeurIPS 2018"
WINDOW = 9  # measurements per rolling median: single minibatches are noisy
REFERENCE = "baseline"


def smooth(values, window=WINDOW):
    """Rolling median along the last axis (the measured steps)."""
    values = np.asarray(values, dtype=np.float64)
    return median_filter(values, size=(1,) * (values.ndim - 1) + (window,), mode="nearest")


# The landscape figure's rows: (title, per-step values of one history).
LANDSCAPE = [
    (title, lambda ds, name=name: landscape_series(ds)[name].values)
    for title, name in (
        ("loss variation along the step", "loss_variation"),
        ("gradient predictiveness: max l2 change", "gradient_change"),
        ("effective beta-smoothness", "beta_smoothness"),
    )
]
ICS = [
    ("ICS ||G - G'||", lambda ds, layer: ds.ics_l2.sel(ics_layer=layer).values),
    ("ICS ||G - G'|| / ||G||", lambda ds, layer: ds.ics_relative.sel(ics_layer=layer).values),
    ("ICS 1 - cos(G, G')", lambda ds, layer: 1 - ds.ics_cosine.sel(ics_layer=layer).values),
]


def _conditions(study):
    """The study's settings of its axes, e.g. 'optimizer=sgd, learning_rate=0.3; ...'."""
    return "; ".join(map(str, study))


def _row_label(ax, condition, title):
    """A row's setting of the study's axes and its quantity, wrapped to fit."""
    ax.set_ylabel(textwrap.fill(f"{condition}: {title}", 34), fontsize=7)


def _suptitle(fig, text):
    """A title wrapped to the figure's width (about 12 characters an inch),
    then the layout, leaving the title's lines (about 0.22 inch each) free."""
    wrapped = textwrap.fill(text, int(fig.get_figwidth() * 12))
    fig.suptitle(wrapped)
    lines = wrapped.count("\n") + 1
    fig.tight_layout(rect=(0, 0, 1, 1 - (0.22 * lines + 0.1) / fig.get_figheight()))


def _grid(rows, models, height=2.0):
    return plt.subplots(
        len(rows),
        len(models),
        figsize=(2.4 * len(models) + 1, height * len(rows) + 1),
        sharex=True,
        sharey="row",
        squeeze=False,
    )


def _seeds(ax, seeds, values_of, colour):
    """Each seed thin, their median thick."""
    steps = seeds[0].measure_step.values
    values = smooth([values_of(ds) for ds in seeds])
    for row in values:
        ax.plot(steps, row, color=colour, lw=0.6, alpha=0.5)
    ax.plot(steps, np.median(values, axis=0), color=colour, lw=1.6)


def _models(study):
    """Every model of any setting of the study's axes, in first-use order."""
    return list(dict.fromkeys(m for runs in study.values() for m in runs))


def landscape(study, path, *, dpi):
    """Loss variation, gradient predictiveness and beta-smoothness (§3.1, Fig. 4)."""
    models = _models(study)
    rows = [(opt, title, f) for opt in study for title, f in LANDSCAPE]
    fig, axes = _grid(rows, models)
    for (optimizer, title, values_of), ax_row in zip(rows, axes, strict=True):
        runs = study[optimizer]
        for ax, model in zip(ax_row, models, strict=True):
            if model not in runs:  # a grid that does not train every model
                ax.set_axis_off()
                continue
            if REFERENCE in runs and model != REFERENCE:
                ref = smooth([values_of(ds) for ds in runs[REFERENCE]])
                ax.plot(runs[REFERENCE][0].measure_step, np.median(ref, 0), color="#999999", lw=1)
            _seeds(ax, runs[model], values_of, color(model))
            ax.set_yscale("log")
        k = next(iter(runs.values()))[0].probe_step.values
        _row_label(ax_row[0], optimizer, f"{title}, probes {k.min():g}-{k.max():.3g} steps")
    _label_columns(axes, models)
    _suptitle(
        fig,
        f"Loss landscape along each training step ({_conditions(study)}; probes up to just "
        "below the baseline's divergence rate; thin: seeds, thick: median, grey: "
        f"baseline median; rolling median of {WINDOW}; {CITE}, Fig. 4, A.2.2)",
    )
    save(fig, path, dpi)


def _label_columns(axes, models):
    for ax, model in zip(axes[0], models, strict=True):
        ax.set_title(label(model), fontsize=9)
    for ax in axes[-1]:
        ax.set_xlabel("training step")


def ics(study, path, *, dpi):
    """Internal covariate shift per layer, in three forms (Definition 2.1)."""
    models = _models(study)
    layers = next(iter(study.values()))[models[0]][0].ics_layer.values
    rows = [(opt, title, f) for opt in study for title, f in ICS]
    fig, axes = _grid(rows, models)
    shades = dict(zip(layers, ("#0072B2", "#D55E00", "#009E73"), strict=False))
    for (optimizer, title, values_of), ax_row in zip(rows, axes, strict=True):
        for ax, model in zip(ax_row, models, strict=True):
            if model not in study[optimizer]:
                ax.set_axis_off()
                continue
            seeds = study[optimizer][model]
            for layer in layers:
                values = smooth([values_of(ds, layer) for ds in seeds])
                draw(ax, seeds[0].measure_step.values, values, "iqr", shades[layer], layer)
            ax.set_yscale("log")
        _row_label(ax_row[0], optimizer, title)
    _label_columns(axes, models)
    axes[0, 0].legend(fontsize=7)
    _suptitle(
        fig,
        "Internal covariate shift: a layer's gradient G before vs G' after the preceding layers' "
        f"update ({_conditions(study)}; median and 25-75th percentile over seeds; {CITE}, "
        "Def. 2.1)",
    )
    save(fig, path, dpi)


def unit_percentiles(single, path, *, hidden_layer, unit, dpi):
    """Percentiles of a ReLU input over training (Ioffe & Szegedy, Fig. 1): one
    unit, and the median over every unit of the layer."""
    models = _models(single)
    rows = [(opt, which) for opt in single for which in ("unit", "layer")]
    fig, axes = _grid(rows, models, height=2.4)
    for (optimizer, which), ax_row in zip(rows, axes, strict=True):
        for ax, model in zip(ax_row, models, strict=True):
            if model not in single[optimizer]:  # a grid that does not train every model
                ax.set_axis_off()
                continue
            ds = single[optimizer][model]
            source = str(ds.relu_input.values[hidden_layer])
            values = ds.relu_input_percentiles.sel(relu_input=source)
            width = int(np.isfinite(values.isel(measure_step=0, percentile=0)).sum())
            values = values.sel(unit=unit) if which == "unit" else values[:, :width].median("unit")
            for k, pct in enumerate(ds.percentile.values):
                ax.plot(ds.measure_step, values[:, k], color=color(model), lw=0.8 + (pct == 50))
            ax.set_title(f"{label(model)}: {source}", fontsize=8)
        what = f"unit {unit}" if which == "unit" else "median over units"
        _row_label(ax_row[0], optimizer, what)
    for ax in axes[-1]:
        ax.set_xlabel("training step")
    seed = next(iter(next(iter(single.values())).values())).attrs["seed"]
    _suptitle(
        fig,
        f"Percentiles ({', '.join(f'{p:g}' for p in ds.percentile.values)}) of the input to "
        f"ReLU_{hidden_layer} over training, probe batch in train mode (seed {seed}; Ioffe & "
        "Szegedy 2015, Fig. 1)",
    )
    save(fig, path, dpi)


def _drift_medians(ds, which):
    """Per measured step, the median over every unit of every ReLU input of
    bnlab.analysis.moments.drift_series's `which`-th series (the claims' quantities,
    over time)."""
    values = drift_series(ds.relu_input_percentiles)[which].values
    return np.nanmedian(values.reshape(len(ds.measure_step), -1), axis=1)


DRIFT = [
    ("ReLU-input spread / its initial spread", lambda ds: _drift_medians(ds, 0)),
    ("ReLU-input median moved, in initial spreads", lambda ds: _drift_medians(ds, 1)),
]


def input_drift(study, path, *, dpi):
    """How the inputs to each ReLU drift over training (Ioffe & Szegedy Fig. 1;
    Santurkar et al. §3.3, Fig. 6): BatchNorm fixes each unit's batch mean and
    spread before its learned scale and shift; ℓp normalization only the mean."""
    models = _models(study)
    rows = [(c, title, f) for c in study for title, f in DRIFT]
    fig, axes = _grid(rows, models)
    for (condition, title, values_of), ax_row in zip(rows, axes, strict=True):
        for ax, model in zip(ax_row, models, strict=True):
            if model not in study[condition]:
                ax.set_axis_off()
                continue
            _seeds(ax, study[condition][model], values_of, color(model))
        _row_label(ax_row[0], condition, title)
    _label_columns(axes, models)
    _suptitle(
        fig,
        "Drift of every unit's ReLU input over training, probe batch in train mode: medians "
        f"over units and layers ({_conditions(study)}; thin: seeds, thick: median; "
        f"Ioffe & Szegedy Fig. 1; {CITE}, Fig. 6)",
    )
    save(fig, path, dpi)


def variant_accuracy(study, path, *, band, models, dpi):
    """Test error per epoch of the chosen models, one panel per optimizer."""
    fig, axes = plt.subplots(1, len(study), figsize=(5 * len(study), 3.8), squeeze=False)
    for ax, (optimizer, runs) in zip(axes[0], study.items(), strict=True):
        for model in [m for m in models if m in runs]:
            seeds = runs[model]
            errors = 1 - np.stack([ds.test_accuracy.values for ds in seeds])
            draw(ax, seeds[0].epoch.values, errors, band, color(model), label(model))
        ax.set(title=optimizer, yscale="log", xlabel="epoch", ylabel="test error (log scale)")
        ax.legend(fontsize=7)
    _suptitle(fig, f"Test error per epoch ({_conditions(study)}; {band} over seeds)")
    save(fig, path, dpi)


def sweep_table(histories):
    """One row per sweep run: optimizer, model, learning rate, seed, final accuracy."""
    rows = []
    for ds in histories:
        training = json.loads(ds.attrs["config"])["training"]
        rows.append(
            {
                "optimizer": training["optimizer"],
                "model": ds.attrs["model"],
                "learning_rate": float(training["learning_rate"]),
                "seed": int(ds.attrs["seed"]),
                "final_test_acc": float(ds.test_accuracy[-1]),
                "final_train_loss": float(ds.train_loss[-1]),
                "diverged": ds.attrs.get("diverged", "no"),
            }
        )
    order = ["optimizer", "model", "learning_rate", "seed"]
    table = pd.DataFrame(rows).sort_values(order, ignore_index=True)
    # A run "fails" if its loss went non-finite or it ends at chance-level accuracy.
    table["failed"] = (table.diverged != "no") | at_chance(table.final_test_acc)
    return table


def lr_sweep(table, path, *, epochs, dpi):
    optimizers = list(dict.fromkeys(table.optimizer))
    fig, axes = plt.subplots(1, len(optimizers), figsize=(6 * len(optimizers), 4), squeeze=False)
    for ax, optimizer in zip(axes[0], optimizers, strict=True):
        for model, group in table[table.optimizer == optimizer].groupby("model", sort=False):
            pivot = group.pivot(index="seed", columns="learning_rate", values="final_test_acc")
            centre, _, _ = spread(pivot.values, "iqr")
            ax.plot(pivot.columns, centre, color=color(model), lw=1.6, marker="o", ms=3)
            ok, failed = group[~group.failed], group[group.failed]
            ax.scatter(ok.learning_rate, ok.final_test_acc, color=color(model), s=10, alpha=0.5)
            ax.scatter(failed.learning_rate, failed.final_test_acc, color=color(model), marker="x")
            ax.plot([], [], color=color(model), label=label(model))
        ax.set(
            xscale="log",
            xlabel=f"learning rate ({optimizer})",
            ylabel="final test accuracy",
            title=f"{optimizer}: test accuracy after {epochs} epochs (x: diverged or chance)",
        )
        ax.legend(fontsize=8)
    save(fig, path, dpi)
