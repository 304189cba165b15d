"""Santurkar et al.'s layers against numpy and against Algorithm 1's moments."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from bnlab.layers import LpBatchNorm, algorithm1_noise, lp_average

X = np.random.default_rng(0).normal(2.0, 3.0, (256, 8)).astype(np.float32)


def numpy_lp(x, p):
    centred = x - x.mean(0)
    if p == "inf":
        return np.abs(centred).max(0)
    return (np.abs(centred) ** p).mean(0) ** (1 / p)


@pytest.mark.parametrize("p", [1, 2, "inf"])
def test_lp_average_equals_numpy(p):
    np.testing.assert_allclose(lp_average(X - X.mean(0), p), numpy_lp(X, p), rtol=1e-5)


def test_l2_average_is_the_standard_deviation():
    np.testing.assert_allclose(lp_average(X - X.mean(0), 2), X.std(0), rtol=1e-5)


@pytest.mark.parametrize("p", [1, 2, "inf"])
def test_lp_batchnorm_in_train_and_eval_mode(p):
    layer = LpBatchNorm(p=p, use_running_average=False, use_scale=True, use_bias=True)
    variables = layer.init(jax.random.PRNGKey(0), X)
    y, updates = layer.apply(variables, X, mutable=["batch_stats"])
    expected = (X - X.mean(0)) / (numpy_lp(X, p) + 1e-5)
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)
    stats = updates["batch_stats"]
    np.testing.assert_allclose(stats["mean"], 0.01 * X.mean(0), rtol=1e-4)
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
