"""Figures of the data: sample images and the pixel distribution."""

import matplotlib.pyplot as plt
import numpy as np

from bnlab.data.pixels import pixel_counts, scaling_stats
from bnlab.plots.style import save


def sample_indices(count, key, n):
    """The blog's draw: jax.random.randint(PRNGKey(key), (count,), 0, n)."""
    import jax

    return np.asarray(jax.random.randint(jax.random.PRNGKey(key), (count,), 0, n))


def samples(mnist, path, *, count, key, dpi):
    images, labels = mnist.train_images.values, mnist.train_labels.values
    idx = sample_indices(count, key, len(labels))
    fig, axes = plt.subplots(1, count, figsize=(1.1 * count, 1.6))
    for ax, i in zip(np.atleast_1d(axes), idx, strict=True):
        ax.imshow(images[i], cmap="gray_r", vmin=0, vmax=255)
        ax.set_title(f"label {labels[i]}\n#{i}", fontsize=8)
        ax.set_axis_off()
    fig.suptitle(f"{count} MNIST training images (indices drawn with PRNGKey({key}))", y=1.08)
    save(fig, path, dpi)


def input_distribution(mnist, path, *, pixel_scaling, bins, dpi):
    """Pixel histograms before and after scaling (training split)."""
    counts = pixel_counts(mnist.train_images.values)
    mean, std, peak = scaling_stats(mnist, pixel_scaling)["train"]
    values = np.arange(256)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3))
    for ax, x, title, unit in (
        (axes[0], values, "raw pixels", "pixel intensity (0-255)"),
        (
            axes[1],
            (values - mean) / std / peak,
            f"scaled ({pixel_scaling} statistics)",
            "scaled value",
        ),
    ):
        ax.hist(x, bins=bins, weights=counts, color="#555555")
        ax.set_yscale("log")
        ax.set(title=title, xlabel=unit, ylabel="pixels (log scale)")
    fig.suptitle("MNIST training pixels: mostly background (0), a second mode at full ink (255)")
    save(fig, path, dpi)
