"""The deep linear network's figures (Santurkar et al. 2018, A.1; bnlab.train.dln):
its training loss (Fig. 5b, 13a), internal covariate shift (Fig. 3b) and loss
landscape (Fig. 10, 13b-d), with every model in one panel and a band over seeds.

A DLN study is {condition: {model: [history per seed]}}, one condition per
learning rate."""

import matplotlib.pyplot as plt
import numpy as np

from bnlab.analysis.outcomes import landscape_series
from bnlab.plots.style import color, label, save
from bnlab.plots.summary import draw

BAND = "iqr"  # median and quartiles: a diverging seed does not drag the line


def _rate(condition):
    return f"learning rate {dict(condition).get('learning_rate', '?'):g}"


def _panel(ax, models, x_of, values_of, log=True):
    for model, seeds in models.items():
        values = np.stack([values_of(ds) for ds in seeds])
        draw(ax, x_of(seeds[0]), values, BAND, color(model), label(model))
    if log:
        ax.set_yscale("log")


def _figure(rows, cols):
    fig, axes = plt.subplots(
        rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False, constrained_layout=True
    )
    return fig, axes


def _finish(fig, axes, title, path, dpi):
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(f"{title} (median, band 25-75th percentile over seeds)", fontsize=10)
    save(fig, path, dpi)


def training(study, path, *, dpi):
    """Full-batch training loss per step, one panel per learning rate (Fig. 5b, 13a)."""
    fig, axes = _figure(1, len(study))
    for ax, (condition, models) in zip(axes[0], study.items(), strict=True):
        _panel(ax, models, lambda ds: ds.step.values, lambda ds: ds.step_loss.values)
        ax.set(title=_rate(condition), xlabel="step", ylabel="training loss (log scale)")
    _finish(fig, axes, "Deep linear network: training loss", path, dpi)


def ics(study, path, *, ics_layers, dpi):
    """cos(G, G') and ||G - G'|| (Definition 2.1) of `layers` per measured step:
    a row per form, a column per learning rate and layer (Fig. 3b)."""
    columns = [(c, m, layer) for c, m in study.items() for layer in ics_layers]
    fig, axes = _figure(2, len(columns))
    for col, (condition, models, layer) in enumerate(columns):
        x_of = lambda ds: ds.measure_step.values  # noqa: E731
        for row, (name, log) in enumerate((("ics_cosine", False), ("ics_l2", True))):
            ax = axes[row, col]
            values_of = lambda ds, n=name, at=layer: ds[n].sel(ics_layer=at).values  # noqa: E731
            _panel(ax, models, x_of, values_of, log)
            ax.set(title=f"{layer}, {_rate(condition)}", xlabel="step")
        axes[0, col].set_ylim(-1.05, 1.05)
    axes[0, 0].set_ylabel("cos(G, G')")
    axes[1, 0].set_ylabel("||G - G'|| (log scale)")
    _finish(fig, axes, "Deep linear network: internal covariate shift", path, dpi)


LANDSCAPE = (
    ("loss_variation", "loss range along the step"),
    ("gradient_change", "largest gradient change along the step"),
    ("beta_smoothness", "effective beta-smoothness"),
)


def landscape(study, path, *, dpi):
    """The landscape along each measured step, probes over [1/100, 30] steps
    (A.2.2): a row per learning rate, a column per measure (Fig. 10, 13b-d)."""
    fig, axes = _figure(len(study), len(LANDSCAPE))
    for row, (condition, models) in enumerate(study.items()):
        for col, (name, title) in enumerate(LANDSCAPE):
            ax = axes[row, col]
            values_of = lambda ds, n=name: landscape_series(ds)[n].values  # noqa: E731
            _panel(ax, models, lambda ds: ds.measure_step.values, values_of)
            ax.set(title=f"{title}\n{_rate(condition)}", xlabel="step")
    _finish(fig, axes, "Deep linear network: loss landscape", path, dpi)
