"""Evaluation: ReLU histograms derived from their inputs' equal binning the ReLU outputs."""

import jax
import numpy as np
import pytest

from bnlab.spec.architecture import architectures, relu_inputs
from bnlab.train.evaluation import make_evaluate
from bnlab.train.models import build_model, init_variables
from bnlab.train.settings import Settings

# Coarse bins so most units' outputs cross 0 inside the range; chunks of 64
# over 150 examples: a scanned chunk and a remainder.
SETTINGS = Settings.with_defaults(histogram_range=(-2.0, 2.0), histogram_bins=40, eval_chunk=64)


@pytest.mark.parametrize(
    "name",
    # ReLU inputs: Dense_i, BatchNorm_i, Dense_i again (BatchNorm after), the noise layer
    ["baseline", "batchnorm", "batchnorm_after_relu", "noisy_baseline"],
)
def test_derived_relu_histograms_equal_binned_ones(name):
    architecture = architectures()[name]
    net = build_model(architecture)
    variables = init_variables(net, jax.random.PRNGKey(3))
    variables.setdefault("batch_stats", {})
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, (150, 784), dtype=np.uint8)
    labels = rng.integers(0, 10, 150, dtype=np.int32)
    stats = np.array([33.0, 78.0, 2.8], np.float32)
    binned = make_evaluate(net, SETTINGS, True)(variables, images, labels, stats)
    derived = make_evaluate(net, SETTINGS, True, relu_inputs(architecture))(
        variables, images, labels, stats
    )
    assert sorted(derived["hist"]) == sorted(binned["hist"])
    for layer, counts in binned["hist"].items():
        np.testing.assert_array_equal(derived["hist"][layer], counts, err_msg=layer)
    relu = np.asarray(binned["hist"]["ReLU_0"])
    assert relu[0] == 0 and relu[1:-1].max() < relu.sum()  # a real case: not all in one slot


def test_chunk_size_changes_only_the_last_bits_of_sums():
    """Why eval_chunk is part of the training config: counts are exact for any
    chunking; losses and unit moments are float32 sums, summed per chunk."""
    architecture = architectures()["batchnorm"]
    net = build_model(architecture)
    variables = init_variables(net, jax.random.PRNGKey(4))
    rng = np.random.default_rng(4)
    images = rng.integers(0, 256, (3000, 784), dtype=np.uint8)
    labels = rng.integers(0, 10, 3000, dtype=np.int32)
    stats = np.array([33.0, 78.0, 2.8], np.float32)
    results = [
        make_evaluate(net, Settings.with_defaults(eval_chunk=chunk), True)(
            variables, images, labels, stats
        )
        for chunk in (1000, 3000)
    ]
    small, whole = jax.device_get(results)
    assert small["accuracy"] == whole["accuracy"]
    for layer in whole["hist"]:
        np.testing.assert_array_equal(small["hist"][layer], whole["hist"][layer])
        np.testing.assert_allclose(small["mean"][layer], whole["mean"][layer], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(small["std"][layer], whole["std"][layer], rtol=1e-5)
    np.testing.assert_allclose(small["loss"], whole["loss"], rtol=1e-6)


def test_precise_bn_statistics_are_the_population_moments_layer_by_layer():
    """By hand in numpy: Dense_0's outputs over the whole set give BatchNorm_0's
    mean and (biased) variance; normalized, scaled, shifted and through ReLU
    they feed Dense_1, whose outputs give BatchNorm_1's; and so on. Running
    averages that start elsewhere do not matter."""
    from bnlab.train.evaluation import make_precise_bn

    net = build_model(architectures()["batchnorm"])
    variables = init_variables(net, jax.random.PRNGKey(5))
    # Stale running statistics, and learned scales and shifts that are not 1 and 0.
    variables["batch_stats"] = jax.tree.map(lambda x: x + 3.0, variables["batch_stats"])
    params = jax.tree.map(np.asarray, variables["params"])
    for i in range(3):
        shape = params[f"BatchNorm_{i}"]["scale"].shape
        params[f"BatchNorm_{i}"] = {
            "scale": np.full(shape, 1.5, np.float32),
            "bias": np.full(shape, 0.1, np.float32),
        }
    variables = {**variables, "params": params}
    rng = np.random.default_rng(5)
    images = rng.integers(0, 256, (500, 784), dtype=np.uint8)
    stats = np.array([33.0, 78.0, 2.8], np.float32)
    precise = make_precise_bn(net)(variables, images, stats, jax.random.PRNGKey(0))

    x = (images.astype(np.float64) - 33.0) / 78.0 / 2.8
    for i in range(3):
        h = x @ params[f"Dense_{i}"]["kernel"] + params[f"Dense_{i}"]["bias"]
        mean, var = h.mean(0), h.var(0)
        got = precise["batch_stats"][f"BatchNorm_{i}"]
        np.testing.assert_allclose(got["mean"], mean, rtol=1e-4, atol=1e-5, err_msg=f"layer {i}")
        np.testing.assert_allclose(got["var"], var, rtol=1e-4, atol=1e-5, err_msg=f"layer {i}")
        x = np.maximum(1.5 * (h - mean) / np.sqrt(var + 1e-5) + 0.1, 0.0)
    # Only the statistics change.
    for a, b in zip(jax.tree.leaves(precise["params"]), jax.tree.leaves(params), strict=True):
        np.testing.assert_array_equal(a, b)
