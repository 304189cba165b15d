"""Figures of training: initial weights and the accuracy/loss curves."""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from bnlab import blog
from bnlab.plots.style import BLOG_MARKER, color, label, save
from bnlab.plots.summary import BANDS, draw

DENSE = ["Dense_0", "Dense_1", "Dense_2", "Dense_3"]


def initial_weights(histories, path, *, bins, dpi):
    """2x4 grid: each Dense kernel at initialization, one row per model."""
    models = list(histories)
    fig, axes = plt.subplots(len(models), 4, figsize=(14, 2.6 * len(models)), squeeze=False)
    first = histories[models[0]]
    all_same = True
    for col, layer in enumerate(DENSE):
        reference = first[f"{layer}_kernel"].sel(stage="init").values
        edges = np.linspace(reference.min(), reference.max(), bins + 1)
        for row, model in enumerate(models):
            kernel = histories[model][f"{layer}_kernel"].sel(stage="init").values
            ax = axes[row, col]
            ax.hist(kernel.ravel(), bins=edges, color=color(model))
            same = np.array_equal(kernel, reference)
            all_same &= same
            note = f"{'identical to' if same else 'differs from'} {label(models[0])}" if row else ""
            ax.set_title(f"{label(model)}: {layer} kernel {kernel.shape}\n{note}", fontsize=8)
            ax.set(xlabel="weight value", ylabel="count" if col == 0 else None)
    seed = first.attrs["seed"]
    verdict = "all models start from the same weights" if all_same else "the models' weights differ"
    fig.suptitle(f"Dense kernels at initialization (seed {seed}): {verdict}")
    fig.tight_layout()
    save(fig, path, dpi)


def _stack(runs, name):
    return np.stack([ds[name].values for ds in runs])


def accuracy(runs, path, *, band, show_blog, dpi):
    """Error rate (1 - accuracy, log scale) and loss per epoch, over seeds."""
    fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharex=True)
    panels = [
        ("train_accuracy", "training-set error", "error rate (1 - accuracy), log scale"),
        ("test_accuracy", "test-set error", "error rate (1 - accuracy), log scale"),
        ("train_loss", "training-set loss", "cross-entropy (nat), log scale"),
        ("test_loss", "test-set loss", "cross-entropy (nat), log scale"),
    ]
    for ax, (name, title, ylabel) in zip(axes.ravel(), panels, strict=True):
        for model, seeds in runs.items():
            values = _stack(seeds, name)
            values = 1 - values if "accuracy" in name else values
            n = len(seeds)
            draw(
                ax, seeds[0].epoch.values, values, band, color(model), f"{label(model)} ({n} seeds)"
            )
            if show_blog and "accuracy" in name and model in blog.ACCURACY:
                col = 0 if name.startswith("train") else 1
                points = blog.ACCURACY[model]
                ax.scatter(
                    list(points),
                    [1 - v[col] for v in points.values()],
                    edgecolor=color(model),
                    label=f"{label(model)}: blog (seed 42)",
                    **BLOG_MARKER,
                )
        ax.set_yscale("log")
        ax.set(title=title, ylabel=ylabel)
    for ax in axes[1]:
        ax.set_xlabel("epoch (0 = before training)")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(f"Accuracy and loss per epoch, evaluation mode ({BANDS[band]} over seeds)")
    fig.tight_layout()
    save(fig, path, dpi)
