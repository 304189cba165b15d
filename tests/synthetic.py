"""A small synthetic history: the real training code on random images."""

import numpy as np

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


def synthetic_history(model, seed, settings=SETTINGS):
    stats = {"train": (127.5, 73.6, 1.73), "test": (127.5, 73.6, 1.73)}
    run = train(model, seed, synthetic_data(seed=seed), stats, settings, log=lambda _: None)
    return to_dataset(run, {"synthetic": True}, stats)
