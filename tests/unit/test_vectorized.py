"""A block's seeds vmapped in one program (training.vectorize_seeds) equal the
sequential loop's runs within float rounding.

Tolerance: the evaluation before training is bit-identical (the same weights
through a vmapped evaluation); every minibatch loss of two epochs, and every
measured beta-smoothness, agree within a relative 1e-4 (measured: at most
2e-5, noisy BatchNorm's second epoch); batched matrix products round
differently, and training carries the difference forward, so nothing later
is expected to agree bit for bit."""

from dataclasses import replace
from functools import cache

import numpy as np
import pytest

from bnlab.spec.architecture import architectures
from bnlab.train.epoch import train_epoch
from bnlab.train.loop import program, train_seed
from bnlab.train.settings import Settings
from bnlab.train.vectorized import train_seeds
from tests.synthetic import synthetic_data

SETTINGS = Settings.with_defaults(
    epochs=2,
    batch_size=32,
    histogram_range=(-10.0, 10.0),
    histogram_bins=200,
    eval_chunk=64,
    measure_every=3,
    probe_examples=32,
    probe_steps=(0.5, 4.0, 3),
)
STATS = {"train": (33.3, 78.6, 2.82), "test": (33.3, 78.6, 2.82)}
SEEDS = [42, 0]


@cache
def both(model):
    """(sequential, vectorized) RunResults of SEEDS."""
    prog = program(model, architectures()[model], synthetic_data(320, 64), STATS, SETTINGS)
    quiet = lambda _: None  # noqa: E731
    return [train_seed(prog, s, quiet) for s in SEEDS], train_seeds(prog, SEEDS, quiet)


@pytest.mark.parametrize("model", ["baseline", "batchnorm", "noisy_batchnorm"])
def test_vectorized_seeds_equal_sequential_ones_within_rounding(model):
    sequential, vectorized = both(model)
    for a, b in zip(sequential, vectorized, strict=True):
        assert (a.seed, a.model) == (b.seed, b.model)
        before, after = a.epochs[0], b.epochs[0]
        for split in ("train", "test"):
            assert getattr(before, split)["loss"] == getattr(after, split)["loss"]
        for layer, counts in before.train["hist"].items():
            np.testing.assert_array_equal(counts, after.train["hist"][layer])
        for x, y in zip(a.epochs[1:], b.epochs[1:], strict=True):
            np.testing.assert_allclose(y.step_loss, x.step_loss, rtol=1e-4)
            np.testing.assert_allclose(
                y.measured["beta_smoothness"], x.measured["beta_smoothness"], rtol=1e-4
            )
        np.testing.assert_array_equal(
            a.init_params["Dense_0"]["kernel"], b.init_params["Dense_0"]["kernel"]
        )


def test_each_seed_keeps_its_own_keys():
    """Stacking does not mix seeds: the two vectorized runs differ as the
    sequential ones do."""
    _, (first, second) = both("batchnorm")
    assert not np.array_equal(first.epochs[1].step_loss, second.epochs[1].step_loss)


def test_a_blocks_seeds_share_one_compiled_epoch():
    """One Program's seeds trace the epoch once: the optimizer object is part
    of the train state's static structure, so a new one per seed would trace
    (and compile or load) the epoch again for every run."""
    settings = replace(SETTINGS, epochs=1, histogram_bins=100)  # a program no other test made
    prog = program(
        "baseline", architectures()["baseline"], synthetic_data(160, 64), STATS, settings
    )
    before = train_epoch._cache_size()
    for seed in (1, 2, 3):
        train_seed(prog, seed, lambda _: None)
    assert train_epoch._cache_size() == before + 1
