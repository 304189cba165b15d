"""Training on a small real-MNIST subset: the blog's numbers, batches, determinism."""

import jax
import numpy as np
import pytest
import xarray as xr

from bnlab.data import load_mnist, normalization, pixel_stats
from bnlab.errors import BnlabError
from bnlab.history import check_history, to_dataset
from bnlab.models import build_model, init_variables
from bnlab.train_job import split_arrays
from bnlab.training import Settings, make_evaluate, train

SMALL = Settings(epochs=2, batch_size=64, histogram_bins=400, eval_chunk=700)


@pytest.fixture(scope="module")
def mnist(prepared_mnist):
    return load_mnist(prepared_mnist)


@pytest.fixture(scope="module")
def small_data(mnist):
    return split_arrays(mnist, 2000, 1000), normalization(mnist, "train")


@pytest.fixture(scope="module")
def bn_run(small_data):
    data, stats = small_data
    return train("batchnorm", 42, data, stats, SMALL, log=lambda _: None)


def test_pixel_stats_equal_float64_numpy(mnist):
    x = mnist.train_images.values.astype(np.float64)
    mean, std, peak = pixel_stats(mnist.train_images.values)
    assert mean == np.float32(x.mean()) and std == np.float32(x.std())
    assert peak == np.float32((x.max() - x.mean()) / x.std())


@pytest.mark.parametrize("name", ["baseline", "batchnorm"])
def test_untrained_accuracy_is_the_blogs_exactly(mnist, name):
    """Seed 42, per-split normalization: the blog prints 0.1010 train, 0.1007 test."""
    model = build_model(name)
    variables = init_variables(model, jax.random.PRNGKey(42))
    variables.setdefault("batch_stats", {})
    stats = normalization(mnist, "per_split")
    evaluate = make_evaluate(model, Settings(), layers=False)
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
    acc = [e["test"]["accuracy"] for e in bn_run.evals]
    assert len(acc) == 3
    assert acc[0] < 0.2 and acc[-1] > 0.8


def test_every_example_is_trained_on_when_batches_do_not_divide(small_data):
    data, stats = small_data
    settings = Settings(epochs=1, batch_size=600, gradient_epochs=(), histogram_bins=10)
    run = train("baseline", 0, data, stats, settings, log=lambda _: None)
    assert run.step_loss[0].shape == (4,)  # 3 x 600 + one batch of 200
    dropped = Settings(
        epochs=1, batch_size=600, gradient_epochs=(), histogram_bins=10, drop_remainder=True
    )
    run = train("baseline", 0, data, stats, dropped, log=lambda _: None)
    assert run.step_loss[0].shape == (3,)


def test_same_seed_same_history_bit_for_bit(small_data, bn_run):
    data, stats = small_data
    again = train("batchnorm", 42, data, stats, SMALL, log=lambda _: None)
    config = {"note": "test"}
    a, b = to_dataset(bn_run, config, stats), to_dataset(again, config, stats)
    xr.testing.assert_identical(a.drop_attrs(), b.drop_attrs())


def test_history_follows_its_format(small_data, bn_run):
    _, stats = small_data
    ds = check_history(to_dataset(bn_run, {}, stats))
    n = 2000 * ds.layer_width
    total = ds.hist.sum("bin") + ds.hist_underflow + ds.hist_overflow
    assert (total == n).all()  # every output value counted once, every epoch
    # stored statistics equal numpy's on the stored full gradient
    tracked = ds.tracked_grad.sel(grad_epoch=1)
    kernel = ds.sel(parameter="Dense_3/kernel", grad_epoch=1)
    np.testing.assert_allclose(
        kernel.grad_mean, tracked.mean(("tracked_row", "tracked_col")), rtol=1e-4, atol=1e-9
    )
    np.testing.assert_allclose(
        kernel.grad_std, tracked.std(("tracked_row", "tracked_col")), rtol=1e-4
    )
    np.testing.assert_allclose(
        kernel.grad_norm, np.sqrt((tracked**2).sum(("tracked_row", "tracked_col"))), rtol=1e-4
    )
    assert ds.step_loss.shape == (2, 32)  # ceil(2000 / 64)
    assert ds.attrs["parameter_count"] == 243_658
    assert set(ds.bn_layer.values) == {"BatchNorm_0", "BatchNorm_1", "BatchNorm_2"}
    for name in ds.variables:
        if name not in ds.dims:
            assert ds[name].attrs.get("long_name"), name


def test_divergence_names_model_seed_epoch_and_step(small_data):
    # lr = 10 only wrecks accuracy here (losses stay finite); 1e30 overflows at once.
    data, stats = small_data
    settings = Settings(
        epochs=3, batch_size=64, learning_rate=1e30, gradient_epochs=(), histogram_bins=10
    )
    with pytest.raises(
        BnlabError, match=r"training diverged: model baseline, seed 3: .* at epoch \d, step \d+"
    ):
        train("baseline", 3, data, stats, settings, log=lambda _: None)
