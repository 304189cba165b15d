"""On-device statistics: histograms on fixed edges, mergeable per-unit moments."""

import jax.numpy as jnp


def histogram(x, edges):
    """Counts of `x` in [underflow, bin 0 .. bin B-1, overflow], as numpy bins.

    Bin i holds edges[i] <= x < edges[i+1], the last bin also x == edges[-1]
    (numpy's convention). NaN counts as overflow so nothing is lost silently.
    """
    x = x.ravel()
    n_bins = edges.shape[0] - 1
    low, high = edges[0], edges[-1]
    guess = jnp.floor((x - low) / (high - low) * n_bins).astype(jnp.int32)
    idx = jnp.clip(guess, 0, n_bins - 1)
    # The division can round across an edge; compare with the edges themselves.
    idx = jnp.where(x < edges[idx], idx - 1, idx)
    idx = jnp.where((x >= edges[jnp.clip(idx + 1, 0, n_bins)]) & (idx < n_bins - 1), idx + 1, idx)
    slot = jnp.where(x < low, -1, jnp.where((x > high) | jnp.isnan(x), n_bins, idx)) + 1
    return jnp.zeros(n_bins + 2, jnp.int32).at[slot].add(1)


def relu_histogram(counts, edges):
    """The histogram of relu(x), exactly, from `counts` = histogram(x, edges).

    ReLU keeps every x > 0 and sends every x <= 0 (and -0.0) to 0, so the slots
    above the slot of 0 are unchanged, that slot collects itself and every slot
    below it, and NaN stays in the overflow slot. Saves binning the ReLU outputs:
    half of the values binned without BatchNorm, a third with it.
    """
    zero = histogram(jnp.zeros(1, edges.dtype), edges).argmax()
    slots = jnp.arange(counts.shape[0])
    at_or_below = jnp.where(slots <= zero, counts, 0).sum()
    return jnp.where(slots < zero, 0, jnp.where(slots == zero, at_or_below, counts))


def moments(x):
    """(count, per-column mean, per-column sum of squared deviations) of rows of x."""
    mean = x.mean(axis=0)
    return jnp.float32(x.shape[0]), mean, ((x - mean) ** 2).sum(axis=0)


def merge_moments(a, b):
    """Chan et al.'s pairwise update: exact merge of two chunks' moments."""
    n_a, mean_a, m2_a = a
    n_b, mean_b, m2_b = b
    n = n_a + n_b
    delta = mean_b - mean_a
    mean = mean_a + delta * (n_b / n)
    return n, mean, m2_a + m2_b + delta**2 * (n_a * n_b / n)


def tree_stats(grads):
    """Mean, std and l2 norm of every leaf: three arrays in leaf order."""
    import jax

    leaves = jax.tree_util.tree_leaves(grads)
    means = jnp.stack([g.mean() for g in leaves])
    stds = jnp.stack([g.std() for g in leaves])
    norms = jnp.stack([jnp.sqrt((g**2).sum()) for g in leaves])
    return means, stds, norms
