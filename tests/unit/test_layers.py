"""Santurkar et al.'s layers: by hand, against numpy and BatchNorm, and Algorithm 1's moments."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from bnlab.train.layers import LpBatchNorm, algorithm1_expectation, algorithm1_noise, lp_average

X = np.random.default_rng(0).normal(2.0, 3.0, (256, 8)).astype(np.float32)


def numpy_lp(x, p):
    """§3.3's statistic: per unit, the power mean of the uncentred |x|."""
    if p == "inf":
        return np.abs(x).max(0)
    return (np.abs(x) ** p).mean(0) ** (1 / p)


# Three examples, two units. Unit 0 has batch mean 1, unit 1 batch mean 0.
HAND = np.array([[-1.0, 2.0], [-1.0, -4.0], [5.0, 2.0]], np.float32)
HAND_CENTRED = np.array([[-2.0, 2.0], [-2.0, -4.0], [4.0, 2.0]])
# Uncentred averages, unit 0 | unit 1:
#   p = 1: (1 + 1 + 5)/3 = 7/3        | (2 + 4 + 2)/3 = 8/3
#   p = 2: sqrt((1 + 1 + 25)/3) = 3   | sqrt((4 + 16 + 4)/3) = sqrt(8)
#   p = inf: max(1, 1, 5) = 5         | max(2, 4, 2) = 4
# (The centred ones for unit 0 would be 8/3, sqrt(8), 4: the old, BatchNorm-like layer.)
HAND_NORMS = {1: [7 / 3, 8 / 3], 2: [3.0, np.sqrt(8)], "inf": [5.0, 4.0]}
HAND_OUTPUTS = {
    1: [[-6 / 7, 3 / 4], [-6 / 7, -3 / 2], [12 / 7, 3 / 4]],
    2: [[-2 / 3, 1 / np.sqrt(2)], [-2 / 3, -np.sqrt(2)], [4 / 3, 1 / np.sqrt(2)]],
    "inf": [[-2 / 5, 1 / 2], [-2 / 5, -1], [4 / 5, 1 / 2]],
}


def apply_in_training(layer, x):
    variables = layer.init(jax.random.PRNGKey(0), x)
    return layer.apply(variables, x, mutable=["batch_stats"])


@pytest.mark.parametrize("p", [1, 2, "inf"])
def test_lp_average_of_a_batch_by_hand(p):
    np.testing.assert_allclose(lp_average(HAND, p), HAND_NORMS[p], rtol=1e-6)


@pytest.mark.parametrize("p", [1, 2, "inf"])
def test_lp_batchnorm_of_a_batch_by_hand(p):
    """Centre, then divide by the uncentred average (epsilon 1e-5 aside)."""
    np.testing.assert_allclose(HAND_CENTRED, HAND - HAND.mean(0))
    layer = LpBatchNorm(p=p, use_running_average=False, use_scale=True, use_bias=True)
    y, _ = apply_in_training(layer, HAND)
    np.testing.assert_allclose(y, HAND_OUTPUTS[p], rtol=1e-5)


@pytest.mark.parametrize("p", [1, 2, "inf"])
def test_lp_average_equals_numpy(p):
    np.testing.assert_allclose(lp_average(X, p), numpy_lp(X, p), rtol=1e-5)


def test_l2_average_is_the_root_mean_square():
    """sqrt(variance + mean^2): BatchNorm's standard deviation only at mean 0."""
    np.testing.assert_allclose(lp_average(X, 2), np.sqrt(X.var(0) + X.mean(0) ** 2), rtol=1e-5)


def batchnorm(x):
    layer = nn.BatchNorm(use_running_average=False, use_scale=True, use_bias=True)
    return apply_in_training(layer, x)[0]


def l2_batchnorm(x):
    layer = LpBatchNorm(p=2, use_running_average=False, use_scale=True, use_bias=True)
    return apply_in_training(layer, x)[0]


def test_l2_arm_differs_from_batchnorm_where_the_batch_mean_is_not_zero():
    # By hand: unit 0 (mean 1) is divided by 3 here, by BatchNorm's sqrt(8);
    # unit 1 (mean 0) by sqrt(8) in both.
    y, bn = np.asarray(l2_batchnorm(HAND)), np.asarray(batchnorm(HAND))
    np.testing.assert_allclose(y[:, 0], bn[:, 0] * np.sqrt(8) / 3, rtol=1e-5)
    np.testing.assert_allclose(y[:, 1], bn[:, 1], rtol=1e-5)
    # X: mean 2, sd 3 per unit, so the ℓ2 arm gives about 3/sqrt(13) of BatchNorm's output.
    assert np.abs(l2_batchnorm(X) - batchnorm(X)).max() > 0.1


def test_l2_arm_equals_batchnorm_on_a_batch_of_mean_zero():
    centred = X - X.mean(0)
    np.testing.assert_allclose(l2_batchnorm(centred), batchnorm(centred), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("p", [1, 2, "inf"])
def test_lp_batchnorm_in_train_and_eval_mode(p):
    layer = LpBatchNorm(p=p, use_running_average=False, use_scale=True, use_bias=True)
    variables = layer.init(jax.random.PRNGKey(0), X)
    y, updates = layer.apply(variables, X, mutable=["batch_stats"])
    expected = (X - X.mean(0)) / (numpy_lp(X, p) + 1e-5)
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)
    stats = updates["batch_stats"]
    np.testing.assert_allclose(stats["mean"], 0.01 * X.mean(0), rtol=1e-4)
    # The running norm averages the same uncentred statistic the batch used.
    np.testing.assert_allclose(stats["norm"], 0.99 + 0.01 * numpy_lp(X, p), rtol=1e-5)
    frozen = LpBatchNorm(p=p, use_running_average=True, use_scale=True, use_bias=True)
    y_eval = frozen.apply({**variables, "batch_stats": stats}, X)
    expected = (X - stats["mean"]) / (stats["norm"] + 1e-5)
    np.testing.assert_allclose(y_eval, expected, rtol=1e-4, atol=1e-5)


def test_algorithm1_noise_has_the_papers_moments():
    """n_mu = 0.5, n_sigma = 1.25, r_mu = r_sigma = 0.1 (Appendix A.2.1)."""
    key, shape = jax.random.PRNGKey(3), (20000, 256)
    noise = lambda x, k=key: algorithm1_noise(k, x, 0.5, 1.25, (0.1, 0.1))  # noqa: E731
    m = np.asarray(noise(jnp.zeros(shape)))  # the additive part alone
    s = np.asarray(noise(jnp.ones(shape))) - m  # the same draws: the scale alone
    # Per unit, over samples: m ~ U(mu_j +- 0.1), s ~ N(sigma_j, 0.1).
    np.testing.assert_allclose(m.std(0), 0.2 / np.sqrt(12), rtol=0.05)
    np.testing.assert_allclose(s.std(0), 0.1, rtol=0.05)
    # The per-unit parameters: mu_j ~ U(-0.5, 0.5), sigma_j ~ U(1, 1.25).
    mu, sigma = m.mean(0), s.mean(0)
    assert mu.min() > -0.5 - 0.01 and mu.max() < 0.5 + 0.01
    assert sigma.min() > 1 - 0.01 and sigma.max() < 1.25 + 0.01
    assert mu.std() == pytest.approx(1 / np.sqrt(12), rel=0.15)
    assert sigma.std() == pytest.approx(0.25 / np.sqrt(12), rel=0.15)
    # A new step (key) draws new per-unit parameters.
    other = np.asarray(noise(jnp.zeros(shape), jax.random.PRNGKey(4))).mean(0)
    assert np.corrcoef(mu, other)[0, 1] < 0.3


def test_algorithm1_expectation_is_the_noise_averaged_over_steps():
    """Evaluation's stand-in for the noise: x * (1 + 1.25) / 2 = 1.125 x, which
    is the noisy output averaged over many steps' draws."""
    x = jnp.array([[2.0, -1.0, 0.5]])
    assert np.asarray(algorithm1_expectation(x, 0.5, 1.25, (0.1, 0.1)))[0] == pytest.approx(
        [2.25, -1.125, 0.5625]
    )
    keys = jax.random.split(jax.random.PRNGKey(0), 20000)
    draws = jax.vmap(lambda k: algorithm1_noise(k, x, 0.5, 1.25, (0.1, 0.1)))(keys)
    np.testing.assert_allclose(draws.mean(0), 1.125 * x, atol=0.01)
