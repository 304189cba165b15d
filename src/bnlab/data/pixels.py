"""MNIST's pixels scaled as the blog scales them: statistics exact from the
counts of the 256 values, and the scaling itself (numpy or JAX arrays)."""

import numpy as np

from bnlab.errors import BnlabError


def pixel_counts(images):
    """How many pixels take each of the 256 values."""
    flat = np.asarray(images, dtype=np.uint8).reshape(-1)
    # bincount casts to int64: count in slices to keep memory flat.
    step = 1 << 22
    return sum(np.bincount(flat[i : i + step], minlength=256) for i in range(0, flat.size, step))


def pixel_stats(images):
    """Mean, std and max of the standardized pixels, as the blog scales them.

    Exact, from the counts of the 256 pixel values: no float copy of the split.
    """
    counts = pixel_counts(images)
    values = np.arange(256, dtype=np.float64)
    mean = (counts * values).sum() / counts.sum()
    std = np.sqrt((counts * (values - mean) ** 2).sum() / counts.sum())
    peak = (np.flatnonzero(counts)[-1] - mean) / std
    return np.float32(mean), np.float32(std), np.float32(peak)


def scaling_stats(ds, pixel_scaling):
    """Per split (mean, std, max) used to scale pixels to about [-0.15, 1].

    `train` applies the training statistics to both splits; `per_split`
    scales each split with its own, as the blog does.
    """
    train = pixel_stats(ds["train_images"].values)
    if pixel_scaling == "train":
        return {"train": train, "test": train}
    if pixel_scaling == "per_split":
        return {"train": train, "test": pixel_stats(ds["test_images"].values)}
    raise BnlabError(f"unknown pixel_scaling {pixel_scaling!r}; choose 'train' or 'per_split'")


def scale_pixels(images, stats):
    """uint8 images -> float32 rows of 784, in the blog's order of operations.

    Works on numpy and JAX arrays alike: training scales batch by batch
    on the device."""
    mean, std, peak = stats
    x = images.reshape(images.shape[0], -1).astype(np.float32)
    return (x - mean) / std / peak
