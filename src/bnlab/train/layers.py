"""Normalization layers of Santurkar et al. (NeurIPS 2018) beyond Flax's own.

- `LpBatchNorm` (§3.3): subtract each unit's batch mean, then divide by the
  batch average of the ℓp norm of the activations as they were before that
  subtraction, p = 1, 2 or ∞; see `lp_average` for what is averaged.
- `noise` (Appendix A.2.1, Algorithm 1): every step, per unit j, a mean
  μ_j ~ U(−n_μ, n_μ) and a scale σ_j ~ U(1, n_σ); then per sample i and unit
  j, m_ij ~ U(μ_j − r_μ, μ_j + r_μ) and s_ij ~ N(σ_j, r_σ); a_ij ← s_ij·a_ij + m_ij.
"""

import flax.linen as nn
import jax
import jax.numpy as jnp


def lp_average(x, p):
    """Per unit (last axis) over the batch (axis 0): the mean of |x|^p raised to
    1/p, for p = 1 or 2; max |x| for p = "inf". `x` is not centred here.

    Our reading of §3.3's "average of their ℓp-norm (before shifting the mean)"
    (the paper gives no formula): the statistic takes σ_j's place in BatchNorm,
    so, like σ_j, it is per unit j over the m examples of the batch (A.2.1:
    BatchNorm fixes the distribution of a_·j for each unit j). The ℓp norm of
    the column a_·j grows with m (as m^(1/p)); the average divides that growth
    out: ‖a_·j‖_p / m^(1/p) = (Σ_i |a_ij|^p / m)^(1/p), the power mean of
    |a_ij|. As p → ∞, m^(1/p) → 1 and this tends to max_i |a_ij| = ‖a_·j‖_∞,
    which is what p = ∞ uses: there is nothing left to average.

    "Before shifting the mean": the activations enter uncentred, so for p = 2
    this is √(σ_j² + μ_j²), not σ_j; it equals BatchNorm's σ_j only when the
    batch mean μ_j is 0. Hence, as §3.3 and Fig. 6 say, the normalized
    activations' variance is no longer held fixed (their mean still is)."""
    if p == "inf":
        return jnp.abs(x).max(axis=0)
    return (jnp.abs(x) ** p).mean(axis=0) ** (1.0 / p)


class LpBatchNorm(nn.Module):
    """BatchNorm with the uncentred ℓp average in place of the standard deviation (§3.3):
    y = (x − mean) / (lp_average(x) + ε), then the learned scale and shift.

    Running averages of the batch mean and of the same uncentred ℓp average
    serve evaluation, as BatchNorm's running mean and variance do (same
    momentum and epsilon). Its parameters (scale, bias) are BatchNorm's, so
    the parameter count, and the Dense weights drawn from one key, are the
    same in every variant."""

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
            norm = lp_average(x, self.p)  # of x itself: "before shifting the mean"
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


def algorithm1_expectation(x, noise_mean, noise_scale, noise_spread):
    """What Algorithm 1's noise does to `x` on average: E[s] = E[σ_j] = (1 + n_σ)/2
    and E[m] = E[μ_j] = 0 (both uniforms are symmetric about those). Evaluating
    without it would shrink every noisy layer's output by 1/1.125 at the
    paper's n_σ = 1.25, a bias the network never saw in training."""
    del noise_mean, noise_spread  # zero-mean shifts; the spread averages out
    return x * ((1.0 + noise_scale) / 2)
