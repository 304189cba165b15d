"""Training on synthetic images: batches, determinism, the history's format,
divergence; and the loop's pure helpers."""

import numpy as np
import pytest
import xarray as xr

from bnlab.errors import BnlabError
from bnlab.history.read import check_history
from bnlab.history.write import history_dataset
from bnlab.spec.architecture import architectures
from bnlab.train.loop import train
from bnlab.train.records import EpochRecord, chance_level, first_nonfinite, progress_line
from bnlab.train.settings import Settings
from tests.synthetic import synthetic_data

SMALL = Settings.with_defaults(epochs=2, batch_size=64, histogram_bins=400, eval_chunk=700)
BUILT_IN = architectures()
STATS = {"train": (33.3, 78.6, 2.82), "test": (33.3, 78.6, 2.82)}
DATA = synthetic_data(n_train=600, n_test=200)


def quiet_train(model, seed, settings, data=DATA):
    return train(model, BUILT_IN[model], seed, data, STATS, settings, log=lambda _: None)


@pytest.fixture(scope="module")
def bn_run():
    return quiet_train("batchnorm", 42, SMALL)


def test_every_example_is_trained_on_when_batches_do_not_divide():
    settings = Settings.with_defaults(
        epochs=1, batch_size=250, gradient_epochs=(), histogram_bins=10
    )
    assert quiet_train("baseline", 0, settings).epochs[1].step_loss.shape == (3,)  # 2 x 250 + 100
    dropped = Settings.with_defaults(
        epochs=1, batch_size=250, gradient_epochs=(), histogram_bins=10, drop_remainder=True
    )
    assert quiet_train("baseline", 0, dropped).epochs[1].step_loss.shape == (2,)


def test_same_seed_same_history_bit_for_bit(bn_run):
    again = quiet_train("batchnorm", 42, SMALL)
    config = {"architecture": BUILT_IN["batchnorm"]}
    a, b = history_dataset(bn_run, config, STATS), history_dataset(again, config, STATS)
    xr.testing.assert_identical(a.drop_attrs(), b.drop_attrs())


def test_history_follows_its_format(bn_run):
    ds = check_history(history_dataset(bn_run, {"architecture": BUILT_IN["batchnorm"]}, STATS))
    total = ds.hist.sum("bin") + ds.hist_underflow + ds.hist_overflow
    assert (total == 600 * ds.layer_width).all()  # every output value counted once, every epoch
    # stored statistics equal numpy's on the stored full gradient
    tracked = ds.tracked_grad.sel(grad_epoch=1)
    kernel = ds.sel(parameter="Dense_3/kernel", grad_epoch=1)
    axes = ("tracked_row", "tracked_col")
    np.testing.assert_allclose(kernel.grad_mean, tracked.mean(axes), rtol=1e-4, atol=1e-9)
    np.testing.assert_allclose(kernel.grad_std, tracked.std(axes), rtol=1e-4)
    np.testing.assert_allclose(kernel.grad_norm, np.sqrt((tracked**2).sum(axes)), rtol=1e-4)
    assert ds.step_loss.shape == (2, 10)  # ceil(600 / 64)
    assert ds.attrs["parameter_count"] == 243_658  # the Flax model's count, from the architecture
    assert set(ds.bn_layer.values) == {"BatchNorm_0", "BatchNorm_1", "BatchNorm_2"}
    for name in ds.variables:
        if name not in ds.dims:
            assert ds[name].attrs.get("long_name"), name


def test_divergence_names_model_seed_epoch_and_step():
    settings = Settings.with_defaults(
        epochs=3, batch_size=64, learning_rate=1e30, gradient_epochs=(), histogram_bins=10
    )
    with pytest.raises(
        BnlabError, match=r"training diverged: model baseline, seed 3: .* at epoch \d, step \d+"
    ):
        quiet_train("baseline", 3, settings)


EVAL = {"loss": np.float32(0.5), "accuracy": np.float32(0.875)}


def record(epoch, losses=None):
    losses = None if losses is None else np.asarray(losses, np.float32)
    return EpochRecord(epoch, 1.5, EVAL, EVAL, {}, losses)


def test_first_nonfinite_is_the_first_bad_step_of_the_first_bad_epoch():
    records = [
        record(0),
        record(1, [2.0, 1.0]),
        record(2, [1.0, np.inf, np.nan]),
        record(3, [np.nan]),
    ]
    epoch, step, loss = first_nonfinite(records)
    assert (epoch, step, loss) == (2, 1, np.inf)
    assert first_nonfinite(records[:2]) is None  # epoch 0 has no steps to check


def test_chance_level_is_below_twice_chance():
    assert chance_level(0.2) is None
    assert chance_level(0.1999).startswith("final test accuracy 0.1999 is at chance level")


def test_progress_line_shows_the_minibatch_loss_after_a_step_only():
    assert progress_line("baseline", 42, 20, record(0)) == (
        "model baseline seed 42 epoch   0/20  train loss 0.5000  train acc 0.8750  "
        "test acc 0.8750  1.50 s"
    )
    assert "epoch   1/20  minibatch loss 1.5000  train loss" in progress_line(
        "baseline", 42, 20, record(1, [2.0, 1.0])
    )
