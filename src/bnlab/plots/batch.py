"""BatchNorm at small batches (Wu & He 2018, Fig. 1): test accuracy against the
batch size at a fixed budget of examples, and what BatchNorm's running
statistics change at test time.

A batch study is {condition: {model: [history per seed]}}, one condition per
batch size."""

import matplotlib.pyplot as plt
import numpy as np

from bnlab.analysis.outcomes import final
from bnlab.plots.style import color, label, save
from bnlab.plots.summary import draw


def _by_batch(study):
    """[(batch size, {model: [history per seed]})], smallest batch first."""
    sizes = [(dict(condition)["batch_size"], models) for condition, models in study.items()]
    return sorted(sizes, key=lambda item: item[0])


def _values(sizes, model, value_of):
    """(seeds, batch sizes) of value_of(history), seeds paired by position."""
    return np.array([[value_of(ds) for ds in models[model]] for _, models in sizes]).T


def batch_size(study, path, *, dpi):
    """Left: final test accuracy per model against the batch size (mean, band
    min-max over seeds). Right: BatchNorm's test accuracy with its running
    statistics (eval mode) and with each test batch's own (train mode)."""
    sizes = _by_batch(study)
    x = [size for size, _ in sizes]
    models = list(dict.fromkeys(m for _, models in sizes for m in models))
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    test = lambda ds: final(ds, "test_accuracy")  # noqa: E731
    for model in models:
        draw(left, x, _values(sizes, model, test), "minmax", color(model), label(model))
    if "batchnorm" in models:
        bn = color("batchnorm")
        draw(right, x, _values(sizes, "batchnorm", test), "minmax", bn, "eval mode (running)")
        train_mode = lambda ds: float(ds.test_accuracy_train_mode)  # noqa: E731
        values = _values(sizes, "batchnorm", train_mode)
        centre = values.mean(0)
        right.plot(x, centre, color=bn, ls="--", lw=1.6, label="train mode (batch's own)")
        right.fill_between(x, values.min(0), values.max(0), color=bn, alpha=0.1, lw=0)
    for ax, title in ((left, "every model"), (right, "BatchNorm's statistics at test time")):
        ax.set(xscale="log", xlabel="batch size (log scale)", title=title)
        ax.set_xticks(x, [str(v) for v in x])
        ax.minorticks_off()
        ax.legend(fontsize=7)
    left.set_ylabel("test accuracy after one epoch")
    examples = int(sizes[0][1][models[0]][0].attrs["n_train"])
    fig.suptitle(
        f"Test accuracy against batch size ({examples:,} examples seen by every run; "
        "mean, band min-max over seeds)",
        fontsize=10,
    )
    fig.tight_layout()
    save(fig, path, dpi)
