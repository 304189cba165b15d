"""A small synthetic history: the real training code on random images."""

from dataclasses import replace

import numpy as np

from bnlab.architecture import architectures
from bnlab.history import to_dataset
from bnlab.training import Settings, train

SETTINGS = Settings(
    epochs=2, batch_size=32, histogram_range=(-10.0, 10.0), histogram_bins=200, eval_chunk=64
)


def synthetic_data(n_train=160, n_test=64, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "train_images": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, n_train).astype(np.int32),
        "test_images": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, n_test).astype(np.int32),
    }


MEASURED = replace(SETTINGS, measure_every=2, probe_examples=32, step_size_count=3)


def synthetic_history(model, seed, settings=SETTINGS, config=None):
    """`model` is a built-in name or one defined in architecture.architectures(extra)."""
    stats = {"train": (127.5, 73.6, 1.73), "test": (127.5, 73.6, 1.73)}
    spec = architectures(VARIANTS)[model]
    run = train(
        model, seed, synthetic_data(seed=seed), stats, settings, log=lambda _: None, spec=spec
    )
    return to_dataset(run, config or {"synthetic": True}, stats)


VARIANTS = {"strong_noise": {"normalization": "noisy_batch", "noise_mean": 2.0}}
