"""Figures of training: initial weights, the accuracy/loss curves per epoch,
and the monitor's accuracy against steps."""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from bnlab.analysis.outcomes import STEPS_THRESHOLD
from bnlab.errors import BnlabError
from bnlab.plots.style import BLOG_MARKER, color, label, save
from bnlab.plots.summary import BANDS, draw
from bnlab.spec import blog


def initial_weights(histories, path, *, bins, dpi):
    """Each Dense kernel at initialization (columns), one row per model."""
    models = list(histories)
    first = histories[models[0]]
    dense = sorted(
        (name[: -len("_kernel")] for name in first.data_vars if name.endswith("_kernel")),
        key=lambda layer: int(layer.rsplit("_", 1)[1]),
    )
    fig, axes = plt.subplots(
        len(models), len(dense), figsize=(3.5 * len(dense), 2.6 * len(models)), squeeze=False
    )
    all_same = True
    for col, layer in enumerate(dense):
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


PANELS = [
    ("train_accuracy", "training-set error", "error rate (1 - accuracy), log scale"),
    ("test_accuracy", "test-set error", "error rate (1 - accuracy), log scale"),
    ("train_loss", "training-set loss", "cross-entropy (nat), log scale"),
    ("test_loss", "test-set loss", "cross-entropy (nat), log scale"),
]


def _panels(conditions):
    """2 x 2 panels for a study without axes; else one row of four per condition."""
    if len(conditions) == 1:
        fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharex=True)
        return fig, [axes.ravel()]
    fig, axes = plt.subplots(
        len(conditions), 4, figsize=(16, 3 * len(conditions)), sharex=True, squeeze=False
    )
    return fig, list(axes)


def accuracy(conditions, path, *, band, show_blog, dpi):
    """Error rate (1 - accuracy, log scale) and loss per epoch, over seeds, one
    line per model (and a row of panels per setting of the study's axes)."""
    fig, rows = _panels(conditions)
    for row, (condition, runs) in zip(rows, conditions.items(), strict=True):
        for ax, (name, title, ylabel) in zip(row, PANELS, strict=True):
            for model, seeds in runs.items():
                # The blog's printed numbers only where the study has no axes.
                _draw_model(ax, name, model, seeds, band, show_blog and not condition)
            ax.set_yscale("log")
            prefix = f"{condition}: " if len(conditions) > 1 else ""
            ax.set(title=prefix + title, ylabel=ylabel)
        row[0].legend(fontsize=8)
    for ax in rows[-1][-2 if len(rows) == 1 else 0 :]:
        ax.set_xlabel("epoch (0 = before training)")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(f"Accuracy and loss per epoch, evaluation mode ({BANDS[band]} over seeds)")
    fig.tight_layout()
    save(fig, path, dpi)


def _draw_model(ax, name, model, seeds, band, show_blog):
    values = np.stack([ds[name].values for ds in seeds])
    values = 1 - values if "accuracy" in name else values
    label_ = f"{label(model)} ({len(seeds)} seeds)"
    draw(ax, seeds[0].epoch.values, values, band, color(model), label_)
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


def steps_to_threshold(conditions, path, *, band, dpi):
    """The monitor's training accuracy (eval mode, BatchNorm's statistics
    recomputed) against steps, one panel per setting of the study's axes, with
    the threshold the steps-to-90% claims count to (Santurkar et al. Fig. 1a)."""
    fig, axes = plt.subplots(
        1, len(conditions), figsize=(4.5 * len(conditions), 3.6), sharey=True, squeeze=False
    )
    for ax, (condition, runs) in zip(axes[0], conditions.items(), strict=True):
        for model, seeds in runs.items():
            if "monitor_step" not in seeds[0].dims:
                raise BnlabError(
                    f"the histories of {condition or 'the study'} have no monitor: set "
                    f"diagnostics.monitor_every in the study's `set` and retrain"
                )
            values = np.stack([ds.monitor_accuracy.values for ds in seeds])
            x = seeds[0].monitor_step.values
            draw(ax, x, 1 - values, band, color(model), f"{label(model)} ({len(seeds)} seeds)")
        ax.axhline(1 - STEPS_THRESHOLD, color="#555555", lw=0.8, ls="--")
        ax.set(title=str(condition), yscale="log", xlabel="training step")
    axes[0][0].set_ylabel("training error (1 - accuracy), log scale")
    axes[0][0].legend(fontsize=7)
    fig.suptitle(
        f"Training error against steps, eval mode with BatchNorm statistics recomputed "
        f"({BANDS[band]} over seeds; dashed: {STEPS_THRESHOLD:.0%} accuracy; "
        "Santurkar et al. Fig. 1a)",
        fontsize=9,
    )
    fig.tight_layout()
    save(fig, path, dpi)
