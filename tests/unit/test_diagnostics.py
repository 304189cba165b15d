"""On-device statistics equal their numpy definitions."""

import jax
import jax.numpy as jnp
import numpy as np

from bnlab.train.diagnostics import histogram, merge_moments, moments, relu_histogram, tree_stats


def _numpy_histogram(x, edges):
    counts, _ = np.histogram(x, bins=edges)
    return np.concatenate([[np.sum(x < edges[0])], counts, [np.sum(x > edges[-1])]])


def test_histogram_equals_numpy_including_edges_and_outliers():
    rng = np.random.default_rng(0)
    edges = np.linspace(-3, 3, 61, dtype=np.float32)
    x = np.concatenate(
        [rng.normal(size=100_000) * 2, edges, edges + 1e-7, [-50.0, 50.0, 3.0, -3.0]]
    ).astype(np.float32)
    ours = np.asarray(jax.jit(histogram)(jnp.asarray(x), jnp.asarray(edges)))
    np.testing.assert_array_equal(ours, _numpy_histogram(x, edges))
    assert ours.sum() == x.size


def test_histogram_counts_nan_as_overflow():
    edges = jnp.linspace(0, 1, 11)
    counts = histogram(jnp.array([0.5, jnp.nan, 2.0, -1.0]), edges)
    assert int(counts[0]) == 1 and int(counts[-1]) == 2 and int(counts.sum()) == 4


def test_relu_histogram_by_hand():
    # edges 0..4 around 0 at edge 2: slots [under, [-2,-1), [-1,0), [0,1), [1,2], over]
    edges = jnp.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    x = jnp.array([-5.0, -1.5, -0.5, -0.0, 0.0, 0.5, 1.5, 3.0, jnp.nan])
    assert histogram(x, edges).tolist() == [1, 1, 1, 3, 1, 2]
    # ReLU sends -5, -1.5, -0.5, -0 to 0: slot [0, 1) gets 1 + 1 + 1 + 3 = 6.
    assert relu_histogram(histogram(x, edges), edges).tolist() == [0, 0, 0, 6, 1, 2]


def test_relu_histogram_equals_binning_relu_outputs():
    """Whether 0 is an edge, inside a bin, below or above the range."""
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.normal(size=20_000) * 3, [0.0, -0.0, np.nan, -np.inf, np.inf]])
    x = jnp.asarray(x.astype(np.float32))
    for low, high, bins in [(-4, 4, 80), (-3.3, 4.1, 37), (0.5, 6, 11), (-6, -0.5, 11)]:
        edges = jnp.asarray(np.linspace(low, high, bins + 1, dtype=np.float32))
        derived = relu_histogram(histogram(x, edges), edges)
        np.testing.assert_array_equal(derived, histogram(jax.nn.relu(x), edges))


def test_merged_moments_equal_whole_array_moments():
    rng = np.random.default_rng(1)
    x = (rng.normal(size=(1000, 5)) * 10 + 100).astype(np.float32)
    merged = moments(jnp.asarray(x[:300]))
    for chunk in (x[300:700], x[700:]):
        merged = merge_moments(merged, moments(jnp.asarray(chunk)))
    n, mean, m2 = merged
    assert float(n) == 1000
    np.testing.assert_allclose(mean, x.astype(np.float64).mean(0), rtol=1e-6)
    np.testing.assert_allclose(np.sqrt(m2 / n), x.astype(np.float64).std(0), rtol=1e-5)


def test_tree_stats_in_leaf_order():
    tree = {"b": {"k": jnp.array([3.0, 4.0])}, "a": {"k": jnp.array([[1.0, -1.0]])}}
    means, stds, norms = tree_stats(tree)
    np.testing.assert_allclose(means, [0.0, 3.5])
    np.testing.assert_allclose(stds, [1.0, 0.5])
    np.testing.assert_allclose(norms, [np.sqrt(2), 5.0])
