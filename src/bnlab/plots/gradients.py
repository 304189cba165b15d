"""Figures of gradients during the recorded epoch(s)."""

import matplotlib.pyplot as plt

from bnlab.plots.style import color, label, save
from bnlab.plots.summary import BANDS, draw


def gradient_trace(histories, path, *, row, col, epoch, dpi):
    """One element of the tracked parameter's gradient at every step."""
    fig, ax = plt.subplots(figsize=(8, 3.5))
    first = next(iter(histories.values()))
    for i, (model, ds) in enumerate(histories.items()):
        trace = ds.tracked_grad.sel(grad_epoch=epoch, tracked_row=row, tracked_col=col)
        ax.plot(ds.step, trace, lw=0.6, alpha=0.9 - 0.3 * i, color=color(model), label=label(model))
    name = first.attrs["tracked_parameter"]
    ax.set(
        xlabel=f"step within epoch {epoch}",
        ylabel="gradient (loss per unit weight)",
        title=f"Gradient of {name}[{row}, {col}] at every step (seed {first.attrs['seed']})",
    )
    ax.legend()
    save(fig, path, dpi)


def gradient_stat(runs, path, *, stat, epoch, band, dpi):
    """The tracked parameter's gradient std (or mean) per step, over seeds."""
    fig, ax = plt.subplots(figsize=(8, 3.5))
    for model, seeds in runs.items():
        name = seeds[0].attrs["tracked_parameter"]
        values = [ds[f"grad_{stat}"].sel(grad_epoch=epoch, parameter=name).values for ds in seeds]
        draw(
            ax,
            seeds[0].step.values,
            values,
            band,
            color(model),
            f"{label(model)} ({len(seeds)} seeds)",
        )
    what = "standard deviation" if stat == "std" else "mean"
    ax.set(
        xlabel=f"step within epoch {epoch}",
        ylabel=f"gradient {what}",
        title=f"{what.capitalize()} of the {name} gradient per step ({BANDS[band]})",
    )
    ax.legend()
    save(fig, path, dpi)
