"""The monitor (diagnostics.monitor_every): eval-mode loss and accuracy of
the first training images before a step's update, with BatchNorm's
statistics recomputed over them, at the steps and epochs it names."""

import numpy as np
import optax
import pytest

from bnlab.data.pixels import scale_pixels
from bnlab.history.read import check_history
from bnlab.history.write import history_dataset
from bnlab.spec.architecture import architectures
from bnlab.train.loop import program, train
from bnlab.train.models import build_model
from bnlab.train.settings import Settings
from bnlab.train.vectorized import train_seeds
from tests.synthetic import synthetic_data

ARCHS = architectures()
STATS = {"train": (33.3, 78.6, 2.82), "test": (33.3, 78.6, 2.82)}
DATA = synthetic_data(n_train=600, n_test=100)  # batches of 64: 10 steps an epoch
WATCHED = 100


def settings(epochs, **monitor):
    return Settings.with_defaults(
        epochs=epochs, batch_size=64, histogram_bins=10, eval_chunk=50, gradient_epochs=(),
        monitor_examples=WATCHED, **monitor,
    )  # fmt: skip


def quiet(model, epochs, seed=3, **monitor):
    run = train(model, ARCHS[model], seed, DATA, STATS, settings(epochs, **monitor), log=len)
    return run, check_history(history_dataset(run, {"architecture": ARCHS[model]}, STATS))


def by_hand(model, params):
    """Loss and accuracy of the watched images in one train-mode pass as a single
    batch: for BatchNorm, exactly eval mode with statistics over those images."""
    x = scale_pixels(DATA["train_images"][:WATCHED], STATS["train"])
    y = DATA["train_labels"][:WATCHED]
    net = build_model(ARCHS[model])
    (logits, _), _ = net.apply({"params": params}, x, train=True, mutable=["batch_stats"])
    loss = optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()
    return float(loss), float((np.asarray(logits).argmax(-1) == y).mean())


@pytest.mark.parametrize("model", ["baseline", "batchnorm"])
def test_the_monitor_sees_the_weights_before_the_step(model):
    # Epoch 2's step 0 sees the weights epoch 1 ended with: a one-epoch run's final ones.
    one, _ = quiet(model, 1)
    _, ds = quiet(model, 2, monitor_every=4, monitor_epochs=(2,))
    assert list(ds.monitor_step.values) == [10, 14, 18]  # epoch 2 only, 4 steps apart
    assert list(ds.monitor_epoch.values) == [2, 2, 2]
    loss, accuracy = by_hand(model, one.final_params)
    np.testing.assert_allclose(float(ds.monitor_loss[0]), loss, rtol=1e-5)
    assert float(ds.monitor_accuracy[0]) == pytest.approx(accuracy)
    assert int(ds.monitor_examples) == WATCHED


def test_the_monitor_changes_nothing_else():
    plain, _ = quiet("batchnorm", 1)
    watched, ds = quiet("batchnorm", 1, monitor_every=3)
    assert list(ds.monitor_step.values) == [0, 3, 6, 9]
    np.testing.assert_array_equal(plain.epochs[1].step_loss, watched.epochs[1].step_loss)
    assert plain.epochs[1].monitor is None
    assert len(set(ds.monitor_loss.values.tolist())) == 4  # training moved the weights


def test_a_block_of_seeds_monitors_as_one_seed_does():
    sequential = [quiet("batchnorm", 1, seed, monitor_every=5)[0] for seed in (0, 1)]
    prog = program("batchnorm", ARCHS["batchnorm"], DATA, STATS, settings(1, monitor_every=5))
    block = train_seeds(prog, (0, 1), log=len)
    for one, many in zip(sequential, block, strict=True):
        for key, values in one.epochs[1].monitor.items():
            np.testing.assert_allclose(many.epochs[1].monitor[key], values, rtol=1e-4)
