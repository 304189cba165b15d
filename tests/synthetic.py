"""A small synthetic history: the real training code on random images."""

import json
from dataclasses import replace
from functools import cache

import numpy as np

from bnlab.history.write import history_dataset
from bnlab.spec import figures
from bnlab.spec.architecture import architectures
from bnlab.spec.config import validate_config
from bnlab.train.loop import train
from bnlab.train.settings import Settings
from tests.conftest import default_config

SETTINGS = Settings.with_defaults(
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


MEASURED = replace(
    SETTINGS,
    measure_every=2,
    probe_examples=32,
    probe_steps=(0.5, 4.0, 3),
    monitor_every=2,
    monitor_examples=64,
)


def synthetic_history(model, seed, settings=SETTINGS, config=None):
    """`model` is a built-in name or one defined in architecture.architectures(extra).
    Runs are shared by the whole test session; each caller gets its own copy."""
    return _history(model, seed, settings, json.dumps(config or {"synthetic": True})).copy(
        deep=True
    )


@cache
def _history(model, seed, settings, config):
    stats = {"train": (127.5, 73.6, 1.73), "test": (127.5, 73.6, 1.73)}
    architecture = architectures(VARIANTS)[model]
    data = synthetic_data(seed=seed)
    run = train(model, architecture, seed, data, stats, settings, log=lambda _: None)
    return history_dataset(run, {"architecture": architecture, **json.loads(config)}, stats)


VARIANTS = {"strong_noise": {"normalization": "noisy_batch", "noise_mean": 2.0}}


DEFAULT_CONFIG = validate_config(default_config())


def opts(figure, **changes):
    """A figure's keyword arguments under the default config, some changed."""
    return {**figures.options(figure, DEFAULT_CONFIG), **changes}
