"""Training on real MNIST: the blog's untrained accuracies exactly, learning, chance.
(What needs no real data runs on synthetic images: tests/unit/test_training.py.)"""

import jax
import numpy as np
import pytest

from bnlab.data.mnist import load_mnist
from bnlab.data.pixels import pixel_stats, scaling_stats
from bnlab.history.write import history_dataset
from bnlab.spec.architecture import architectures
from bnlab.train.evaluation import make_evaluate
from bnlab.train.job import split_arrays
from bnlab.train.loop import train
from bnlab.train.models import build_model, init_variables
from bnlab.train.settings import Settings

SMALL = Settings.with_defaults(epochs=2, batch_size=64, histogram_bins=400, eval_chunk=700)
BUILT_IN = architectures()


def quiet_train(model, seed, data, stats, settings):
    return train(model, BUILT_IN[model], seed, data, stats, settings, log=lambda _: None)


@pytest.fixture(scope="module")
def mnist(prepared_mnist):
    return load_mnist(prepared_mnist)


@pytest.fixture(scope="module")
def small_data(mnist):
    return split_arrays(mnist, 2000, 1000), scaling_stats(mnist, "train")


@pytest.fixture(scope="module")
def bn_run(small_data):
    data, stats = small_data
    return quiet_train("batchnorm", 42, data, stats, SMALL)


def test_pixel_stats_equal_float64_numpy(mnist):
    x = mnist.train_images.values.astype(np.float64)
    mean, std, peak = pixel_stats(mnist.train_images.values)
    assert mean == np.float32(x.mean()) and std == np.float32(x.std())
    assert peak == np.float32((x.max() - x.mean()) / x.std())


@pytest.mark.parametrize("name", ["baseline", "batchnorm"])
def test_untrained_accuracy_is_the_blogs_exactly(mnist, name):
    """Seed 42, per-split normalization: the blog prints 0.1010 train, 0.1007 test."""
    model = build_model(BUILT_IN[name])
    variables = init_variables(model, jax.random.PRNGKey(42))
    variables.setdefault("batch_stats", {})
    stats = scaling_stats(mnist, "per_split")
    evaluate = make_evaluate(model, Settings.with_defaults(), layers=False)
    data = split_arrays(mnist)
    acc = {
        split: float(
            evaluate(
                variables, data[f"{split}_images"], data[f"{split}_labels"], np.array(stats[split])
            )["accuracy"]
        )
        for split in ("train", "test")
    }
    assert f"{acc['train']:.4f}" == "0.1010"
    assert f"{acc['test']:.4f}" == "0.1007"


def test_training_learns(bn_run):
    acc = [e.test["accuracy"] for e in bn_run.epochs]
    assert len(acc) == 3
    assert acc[0] < 0.2 and acc[-1] > 0.8
    assert bn_run.chance is None  # learned: not flagged


def test_adam_at_learning_rate_10_ends_at_chance_and_says_so(small_data):
    """Finite loss, no divergence, accuracy at chance: flagged, not silent."""
    data, stats = small_data
    settings = Settings.with_defaults(
        epochs=1, batch_size=64, learning_rate=10.0, gradient_epochs=(), histogram_bins=10
    )
    lines = []
    run = train("baseline", BUILT_IN["baseline"], 0, data, stats, settings, log=lines.append)
    assert np.isfinite(np.concatenate([e.step_loss for e in run.epochs[1:]])).all()
    assert run.chance and "is at chance level" in run.chance
    assert lines[-1].startswith("warning: model baseline seed 0: final test accuracy")
    assert "epoch   0/1  train loss" in lines[0]  # no minibatch loss before any step
    ds = history_dataset(run, {"architecture": BUILT_IN["baseline"]}, stats)
    assert ds.attrs["at_chance"] == run.chance
