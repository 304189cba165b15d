"""Figures of layer outputs: per-epoch histograms (GIF and grid), one unit's moments."""

import json

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation, PillowWriter

from bnlab.io import atomic_path
from bnlab.plots.style import color, label, save
from bnlab.plots.summary import rebin
from bnlab.spec.architecture import activation_inputs


def compared_layer(ds, layer):
    """The layer of a history shown against `layer`: a model without that layer
    (a baseline has no BatchNorm_i) shows Dense_i, the same position."""
    if layer in ds.layer.values:
        return layer
    return "Dense_" + layer.rsplit("_", 1)[1]


def activation_input(ds, index):
    """What hidden layer `index`'s activation receives in this history's model:
    the blog's comparison is the baseline's Dense_i against BatchNorm_i."""
    return activation_inputs(json.loads(ds.attrs["config"])["architecture"])[index]


def _draw_hist(ax, ds, layer, epoch, factor, xlim, model):
    counts = ds.hist.sel(layer=layer, epoch=epoch).values
    coarse, edges = rebin(counts, ds.bin_edges.values, factor)
    keep = (edges[:-1] >= -xlim) & (edges[1:] <= xlim)
    ax.stairs(
        coarse[keep],
        edges[np.append(keep, False) | np.append(False, keep)],
        fill=True,
        alpha=0.55,
        color=color(model),
        label=f"{label(model)} {layer}",
    )


def _draw_frame(axes, histories, layers, epoch, factor, xlim):
    for ax, index in zip(axes, layers, strict=True):
        ax.cla()
        for model, ds in histories.items():
            layer = activation_input(ds, index)
            _draw_hist(ax, ds, layer, epoch, factor, xlim, model)
        ax.set(xlim=(-xlim, xlim), ylabel=f"layer {index}: count")
        ax.set_title(f"epoch {epoch}", fontsize=9)
        ax.legend(fontsize=7, loc="upper right")
    axes[-1].set_xlabel("output value")


def activations_gif(histories, path, *, layers, xlim, rebin, frame_ms):
    """One frame per epoch: each model's activation inputs (baseline Dense_i vs
    BatchNorm_i), as histograms."""
    first = next(iter(histories.values()))
    epochs = first.epoch.values
    fig, axes = plt.subplots(len(layers), 1, figsize=(6, 2.4 * len(layers)), squeeze=False)
    axes = axes[:, 0]

    def update(frame):
        _draw_frame(axes, histories, layers, epochs[frame], rebin, xlim)
        fig.suptitle(f"Layer outputs during training (seed {first.attrs['seed']})")

    update(0)
    fig.tight_layout()
    animation = FuncAnimation(fig, update, frames=len(epochs))
    with atomic_path(path) as tmp:
        animation.save(tmp, writer=PillowWriter(fps=1000 / frame_ms), dpi=90)
    plt.close(fig)


def activations_grid(histories, path, *, epochs, layers, xlim, rebin, dpi):
    """Small multiples: rows are layers, columns the chosen epochs."""
    fig, axes = plt.subplots(
        len(layers),
        len(epochs),
        figsize=(2.6 * len(epochs), 2.1 * len(layers)),
        squeeze=False,
        sharex=True,
    )
    for col, epoch in enumerate(epochs):
        _draw_frame(axes[:, col], histories, layers, epoch, rebin, xlim)
        for ax in axes[:, col]:
            ax.legend().set_visible(col == 0)
            if col:
                ax.set_ylabel(None)
    seed = next(iter(histories.values())).attrs["seed"]
    fig.suptitle(f"Each hidden layer's activation input on the training set (seed {seed})")
    fig.tight_layout()
    save(fig, path, dpi)


def unit_statistics(histories, path, *, layer, unit, dpi):
    """Mean and standard deviation over epochs of one unit, both models."""
    fig, axes = plt.subplots(2, 1, figsize=(6, 6), sharex=True)
    for model, ds in histories.items():
        shown = compared_layer(ds, layer)
        for ax, stat in zip(axes, ("unit_mean", "unit_std"), strict=True):
            ax.plot(
                ds.epoch,
                ds[stat].sel(layer=shown, unit=unit),
                marker="o",
                ms=3,
                color=color(model),
                label=f"{label(model)} {shown}",
            )
    seed = next(iter(histories.values())).attrs["seed"]
    axes[0].set(
        title=f"unit {unit} of {layer}: mean over the training set (seed {seed})",
        ylabel="mean output",
    )
    axes[1].set(title="standard deviation", ylabel="std of output", xlabel="epoch")
    axes[0].legend()
    fig.tight_layout()
    save(fig, path, dpi)
