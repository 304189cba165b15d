"""Normalization layers of Santurkar et al. (NeurIPS 2018) beyond Flax's own.

- `LpBatchNorm` (§3.3): subtract the batch mean of each unit, then divide by
  the batch average of its ℓp norm, p = 1, 2 or ∞, instead of the standard
  deviation; no whitening of higher moments.
- `noise` (Appendix A.2.1, Algorithm 1): every step, per unit j, a mean
  μ_j ~ U(−n_μ, n_μ) and a scale σ_j ~ U(1, n_σ); then per sample i and unit
  j, m_ij ~ U(μ_j − r_μ, μ_j + r_μ) and s_ij ~ N(σ_j, r_σ); a_ij ← s_ij·a_ij + m_ij.
"""

import flax.linen as nn
import jax
import jax.numpy as jnp


def lp_average(centred, p):
    """Per unit (last axis): (mean over the batch of |x|^p)^(1/p), or max |x| for p = inf."""
    if p == "inf":
        return jnp.abs(centred).max(axis=0)
    return (jnp.abs(centred) ** p).mean(axis=0) ** (1.0 / p)


class LpBatchNorm(nn.Module):
    """BatchNorm with the ℓp average in place of the standard deviation (§3.3).

    Running averages of the mean and the ℓp average serve evaluation, as
    BatchNorm's running mean and variance do (same momentum and epsilon)."""

    p: int | str  # 1, 2 or "inf"
    use_running_average: bool
    use_scale: bool
    use_bias: bool
    momentum: float = 0.99  # Flax BatchNorm's
    epsilon: float = 1e-5

    @nn.compact
    def __call__(self, x):
        width = x.shape[-1]
        ra_mean = self.variable("batch_stats", "mean", jnp.zeros, (width,))
        ra_norm = self.variable("batch_stats", "norm", jnp.ones, (width,))
        if self.use_running_average:
            mean, norm = ra_mean.value, ra_norm.value
        else:
            mean = x.mean(axis=0)
            norm = lp_average(x - mean, self.p)
            if not self.is_initializing():
                m = self.momentum
                ra_mean.value = m * ra_mean.value + (1 - m) * mean
                ra_norm.value = m * ra_norm.value + (1 - m) * norm
        y = (x - mean) / (norm + self.epsilon)
        if self.use_scale:
            y = y * self.param("scale", nn.initializers.ones, (width,))
        if self.use_bias:
            y = y + self.param("bias", nn.initializers.zeros, (width,))
        return y


def algorithm1_noise(key, x, noise_mean, noise_scale, noise_spread):
    """Algorithm 1's noise on a batch `x` (samples x units): per-step, per-unit
    distribution parameters, then per-sample noise from them."""
    mean_key, scale_key, m_key, s_key = jax.random.split(key, 4)
    width = x.shape[-1]
    mu = jax.random.uniform(mean_key, (width,), minval=-noise_mean, maxval=noise_mean)
    sigma = jax.random.uniform(scale_key, (width,), minval=1.0, maxval=noise_scale)
    r_mean, r_scale = noise_spread
    m = jax.random.uniform(m_key, x.shape, minval=mu - r_mean, maxval=mu + r_mean)
    s = sigma + r_scale * jax.random.normal(s_key, x.shape)
    return s * x + m
