"""The deep linear network testbed (Santurkar et al. A.1, item 2): its data, its
layers, its loss and gradient step by hand, and short real runs."""

from dataclasses import asdict, replace
from functools import cache

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from bnlab.errors import BnlabError
from bnlab.history.dln import dln_dataset, task_digest
from bnlab.history.read import load_history
from bnlab.train import dln, models
from bnlab.train.job import SettingRuns, train_block
from bnlab.train.landscape import internal_covariate_shift
from bnlab.train.settings import Settings

PAPER_WIDTHS = (10,) * 24  # 25 Dense layers, all 10 x 10


def train_dln(*args, **kwargs):
    """A run's history Dataset, as the training job writes it."""
    return dln_dataset(dln.train_dln(*args, **kwargs))


SETTINGS = Settings.with_defaults(
    epochs=200,
    learning_rate=1e-6,
    optimizer="sgd",
    measure_every=50,
    probe_steps=(0.01, 30.0, 8),
    train_examples=1000,
    batch_size=1000,
)


def architecture(normalization="none", widths=PAPER_WIDTHS, p=2, scale_shift=True):
    # `activation` is an MLP option the DLN ignores: an architectures() entry has it.
    return {
        "normalization": normalization,
        "p": p,
        "scale_shift": scale_shift,
        "widths": list(widths),
        "activation": "relu",
    }


def init(net, x, seed=0):
    variables = net.init(jax.random.PRNGKey(seed), x, train=False)
    return variables["params"], {k: v for k, v in variables.items() if k != "params"}


def test_synthetic_task_is_seeded_gaussian_regression():
    first, again, other = (dln.synthetic_task(s, 1000) for s in (3, 3, 4))
    for key in ("x", "a", "y"):
        assert first[key].dtype == np.float32
        assert first[key].tobytes() == again[key].tobytes()
        assert first[key].tobytes() != other[key].tobytes()
    assert task_digest(first) == task_digest(again) != task_digest(other)
    assert first["x"].shape == first["y"].shape == (1000, models.DIM)
    assert first["a"].shape == (models.DIM, models.DIM)
    np.testing.assert_allclose(first["y"], first["x"] @ first["a"].T, rtol=1e-4, atol=1e-4)
    # A first, then x, both standard normal in float64.
    rng = np.random.default_rng(3)
    np.testing.assert_array_equal(first["a"], rng.standard_normal((10, 10)).astype(np.float32))
    assert abs(first["x"].std() - 1) < 0.05 and abs(first["x"].mean()) < 0.05


@pytest.mark.parametrize(
    ("normalization", "norm_prefix"),
    [("none", None), ("batch", "BatchNorm"), ("lp_batch", "LpNorm")],
)
def test_paper_dln_has_25_square_kernels_and_named_norms(normalization, norm_prefix):
    net = models.build_dln(architecture(normalization, p=1))
    params, _ = init(net, jnp.ones((4, models.DIM)))
    dense = [f"Dense_{i}" for i in range(25)]
    norms = [f"{norm_prefix}_{i}" for i in range(24)] if norm_prefix else []
    assert sorted(params) == sorted(dense + norms)
    for name in dense:
        assert {k: v.shape for k, v in params[name].items()} == {"kernel": (10, 10)}  # no bias
    for name in norms:
        assert {k: v.shape for k, v in params[name].items()} == {"scale": (10,), "bias": (10,)}
    # Glorot uniform: U(-b, b), b = sqrt(6 / (10 + 10)); Flax's default (LeCun normal,
    # truncated at 2 sd = 0.63) would reach past b.
    kernels = np.concatenate([np.ravel(params[d]["kernel"]) for d in dense])
    bound = np.sqrt(6 / 20)
    assert np.abs(kernels).max() <= bound and np.abs(kernels).max() > 0.95 * bound
    assert kernels.var() == pytest.approx(bound**2 / 3, rel=0.1)


def test_norms_without_scale_shift_have_no_parameters():
    net = models.build_dln(architecture("batch", widths=(10, 10), scale_shift=False))
    params, state = init(net, jnp.ones((4, models.DIM)))
    assert sorted(params) == ["Dense_0", "Dense_1", "Dense_2"]
    assert sorted(state["batch_stats"]) == ["BatchNorm_0", "BatchNorm_1"]


# Two examples, two layers: K_0 = I, K_1 = 2 I, A = I, so out = 2x, y = x and
# the error is x itself: (||x_1||^2 + ||x_2||^2) / 10 dims = ((1 + 4) + 9) / 10.
HAND_X = np.zeros((2, 10), np.float32)
HAND_X[0, :2] = [1.0, 2.0]
HAND_X[1, 2] = 3.0


def test_untrained_loss_by_hand():
    net = models.build_dln(architecture(widths=(10,)))
    eye = jnp.eye(10)
    params = {"Dense_0": {"kernel": eye}, "Dense_1": {"kernel": 2 * eye}}
    (pred, outputs), _ = net.apply({"params": params}, HAND_X, train=True, mutable=["batch_stats"])
    assert sorted(outputs) == ["Dense_0", "Dense_1"]
    assert float(dln.squared_error(pred, HAND_X)) == pytest.approx(1.4, rel=1e-6)
    assert float(dln.full_batch_loss(net, {}, HAND_X, HAND_X)(params)) == pytest.approx(
        1.4, rel=1e-6
    )


def test_untrained_loss_is_at_the_papers_scale():
    """E||A x||^2 = 10 and a Glorot product keeps E||W x||^2 = 10, so the mean
    over 10 dims summed over 1,000 examples is about 1.1e4: the top of
    Santurkar et al.'s Fig. 3b axis (10^4), not a decade above it."""
    task = dln.synthetic_task(3, dln.EXAMPLES)
    net = models.build_dln(architecture(widths=(10,) * 24))
    losses = []
    for seed in range(8):
        params, state = init(net, task["x"], seed=seed)
        losses.append(float(dln.full_batch_loss(net, state, task["x"], task["y"])(params)))
    assert 3e3 < np.median(losses) < 3e4


def test_batchnorm_loss_uses_the_whole_batch_statistics():
    task = dln.synthetic_task(0, 50)
    net = models.build_dln(architecture("batch", widths=(10,)))
    params, state = init(net, task["x"])
    k0, k1 = (np.asarray(params[f"Dense_{i}"]["kernel"], np.float64) for i in (0, 1))
    h = task["x"] @ k0
    h = (h - h.mean(0)) / np.sqrt(h.var(0) + 1e-5)  # scale 1, bias 0 at initialization
    expected = np.sum((h @ k1 - task["y"]) ** 2) / 10
    loss = dln.full_batch_loss(net, state, task["x"], task["y"])(params)
    assert float(loss) == pytest.approx(expected, rel=1e-5)


def hand_gradient(x, y, k0, k1):
    """L = ||x K0 K1 - y||^2 / 10 (rows, 10 output dims): with r = x K0 K1 - y,
    dL/dK1 = (2 / 10) (x K0)^T r and dL/dK0 = (2 / 10) x^T r K1^T."""
    r = x @ k0 @ k1 - y
    return np.sum(r**2) / 10, 0.2 * x.T @ r @ k1.T, 0.2 * (x @ k0).T @ r


def test_one_gradient_step_by_hand():
    task = dln.synthetic_task(1, 20)
    rng = np.random.default_rng(0)
    k0, k1 = rng.normal(size=(10, 10)), rng.normal(size=(10, 10))
    net = models.build_dln(architecture(widths=(10,)))
    params = {"Dense_0": {"kernel": jnp.asarray(k0)}, "Dense_1": {"kernel": jnp.asarray(k1)}}
    lr = 1e-3
    loss, new = dln.gd_step(dln.full_batch_loss(net, {}, task["x"], task["y"]), params, lr)
    x, y = task["x"].astype(np.float64), task["y"].astype(np.float64)
    value, g0, g1 = hand_gradient(x, y, k0, k1)
    assert float(loss) == pytest.approx(value, rel=1e-5)
    np.testing.assert_allclose(new["Dense_0"]["kernel"], k0 - lr * g0, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(new["Dense_1"]["kernel"], k1 - lr * g1, rtol=1e-4, atol=1e-5)
    assert not np.allclose(k0 - lr * g0, k0, atol=1e-3)  # the step is visible at this tolerance


def test_train_dln_takes_that_step():
    settings = replace(SETTINGS, epochs=1, measure_every=0, train_examples=30, learning_rate=1e-3)
    ds = train_dln("none", architecture(widths=(10,)), 7, settings, log=lambda _: None)
    task = dln.synthetic_task(7, 30)
    params, _ = init(models.build_dln(architecture(widths=(10,))), task["x"], seed=7)
    k0, k1 = (np.asarray(params[f"Dense_{i}"]["kernel"], np.float64) for i in (0, 1))
    x, y = task["x"].astype(np.float64), task["y"].astype(np.float64)
    value, g0, g1 = hand_gradient(x, y, k0, k1)
    after, _, _ = hand_gradient(x, y, k0 - 1e-3 * g0, k1 - 1e-3 * g1)
    assert float(ds.step_loss[0]) == pytest.approx(value, rel=1e-5)
    assert float(ds.final_loss) == pytest.approx(after, rel=1e-4)
    assert after < value
    assert "measure_step" not in ds.coords  # measure_every = 0: nothing measured


@pytest.mark.parametrize("normalization", ["none", "batch", "lp_batch"])
def test_vectorised_ics_equals_the_loop(normalization):
    task = dln.synthetic_task(2, 64)
    net = models.build_dln(architecture(normalization, widths=(10,) * 4, p=1))
    params, state = init(net, task["x"])
    loss = dln.full_batch_loss(net, state, task["x"], task["y"])
    grads = jax.grad(loss)(params)
    updates = jax.tree.map(lambda g: -1e-3 * g, grads)
    layers = [f"Dense_{i}" for i in range(1, 5)]
    loop = internal_covariate_shift(jax.grad(loss), params, grads, updates, layers)
    vectorised = dln.vectorised_ics(jax.grad(loss), params, grads, updates, layers)
    for a, b in zip(loop, vectorised, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    assert float(loop[0].min()) > 0  # the shift is there to compare


@cache
def _run(normalization, seed=0):
    return train_dln(normalization, architecture(normalization), seed, SETTINGS, log=lambda _: None)


def run(normalization, seed=0):
    return _run(normalization, seed).copy(deep=True)


@pytest.mark.parametrize("normalization", ["none", "batch"])
def test_short_paper_run_records_everything(normalization):
    ds = run(normalization)
    expected = {
        "step_loss": ("step",),
        "final_loss": (),
        "landscape_loss": ("measure_step", "probe_step"),
        "grad_change": ("measure_step", "probe_step"),
        "beta_smoothness": ("measure_step",),
        "full_grad_norm": ("measure_step",),
        "step_length": ("measure_step",),
        "ics_l2": ("measure_step", "ics_layer"),
        "ics_relative": ("measure_step", "ics_layer"),
        "ics_cosine": ("measure_step", "ics_layer"),
        "kernel_norm": ("measure_step", "dense_layer"),
    }
    assert {name: var.dims for name, var in ds.data_vars.items()} == expected
    assert all(ds[name].dtype == np.float32 for name in expected)
    assert all(ds[name].attrs["units"] == "1" and ds[name].attrs["long_name"] for name in expected)
    assert list(ds.measure_step.values) == [0, 50, 100, 150]
    assert list(ds.ics_layer.values) == [f"Dense_{i}" for i in range(1, 25)]
    assert list(ds.dense_layer.values) == [f"Dense_{i}" for i in range(25)]
    np.testing.assert_allclose(ds.probe_step, np.geomspace(0.01, 30, 8), rtol=1e-6)
    loss = ds.step_loss.values
    assert loss.shape == (200,) and np.isfinite(loss).all()
    assert ds.final_loss < loss[50] < loss[0]
    assert np.isfinite(ds.landscape_loss).all() and np.isfinite(ds.beta_smoothness).all()
    cosine = ds.ics_cosine.values
    assert np.isfinite(cosine).all() and (np.abs(cosine) <= 1 + 1e-5).all()
    # The smallest probe is a hundredth of the step: the loss there is the step's own, nearly.
    np.testing.assert_allclose(ds.landscape_loss[:, 0], loss[ds.measure_step], rtol=1e-2)
    np.testing.assert_allclose(ds.step_length, 1e-6 * ds.full_grad_norm, rtol=1e-5)
    attrs = ds.attrs
    assert (attrs["format"], attrs["format_version"]) == ("bnlab-dln-history", 1)
    assert (attrs["model"], attrs["seed"], attrs["data_seed"]) == (normalization, 0, 0)
    assert attrs["data_sha256"] == task_digest(dln.synthetic_task(0, 1000))
    assert (attrs["examples"], attrs["dim"], attrs["diverged"]) == (1000, 10, "no")
    assert attrs["parameter_count"] == 2500 + (480 if normalization == "batch" else 0)
    assert attrs["wall_time_s"] > 0 and "git_commit" in attrs


@pytest.mark.parametrize("normalization", ["none", "batch"])
def test_same_seed_same_run(normalization):
    again = train_dln(normalization, architecture(normalization), 0, SETTINGS, log=lambda _: None)
    assert again.step_loss.values.tobytes() == run(normalization).step_loss.values.tobytes()
    assert again.ics_l2.values.tobytes() == run(normalization).ics_l2.values.tobytes()


def test_divergence_stops_or_is_recorded():
    settings = replace(SETTINGS, epochs=30, measure_every=10, train_examples=100, learning_rate=1.0)
    arch = architecture(widths=(10,) * 3)
    with pytest.raises(BnlabError, match=r"diverged: model none, seed 5: .* at step \d+ .*= 1.0"):
        train_dln("none", arch, 5, settings, log=lambda _: None)
    ds = train_dln("none", arch, 5, replace(settings, on_divergence="record"), log=lambda _: None)
    assert ds.attrs["diverged"].startswith("step ")
    assert not np.isfinite(ds.step_loss[-1])


def test_only_plain_gradient_descent():
    with pytest.raises(BnlabError, match="training.optimizer = 'adam'.*sgd"):
        train_dln("none", architecture(), 0, replace(SETTINGS, optimizer="adam"))


def test_run_dln_writes_the_history(tmp_path):
    # A resolved config's two sections, as Settings reads them (all keys in one is enough).
    settings = replace(
        SETTINGS,
        epochs=12,
        learning_rate=1e-4,
        train_examples=100,
        measure_every=5,
        probe_steps=(0.01, 30.0, 4),
    )
    config = {"training": {**asdict(settings), "task": "deep_linear"}, "diagnostics": {}}
    config["architecture"] = architecture("lp_batch", widths=(10,) * 3, p="inf")
    lines = []
    out = tmp_path / "dln.nc"
    train_block("lpinf", [SettingRuns(config, [3], [out])], log=lines.append)
    back = load_history(out)  # checked against the schema's deep_linear format
    ds = train_dln("lpinf", config["architecture"], 3, settings, log=lambda _: None, config=config)
    assert back.step_loss.values.tobytes() == ds.step_loss.values.tobytes()
    assert back.ics_cosine.dims == ("measure_step", "ics_layer")
    assert list(back.measure_step.values) == [0, 5, 10]
    assert back.attrs["config"] == ds.attrs["config"] and '"cpu_numerics"' in ds.attrs["config"]
    assert any("step      5/12" in line for line in lines) and "wrote" in lines[-1]
