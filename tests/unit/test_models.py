"""The two blog models: sizes, shared initialization, BatchNorm modes."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from bnlab.spec.architecture import architectures, layer_widths
from bnlab.train.models import build_model, count_params, init_variables, param_names

BUILT_IN = architectures()


@pytest.mark.parametrize(("name", "count"), [("baseline", 242_762), ("batchnorm", 243_658)])
def test_parameter_counts_match_the_blog(name, count):
    variables = init_variables(build_model(BUILT_IN[name]), jax.random.PRNGKey(0))
    assert count_params(variables["params"]) == count


def test_dense_layers_start_identical_in_both_models():
    key = jax.random.PRNGKey(42)
    base = init_variables(build_model(BUILT_IN["baseline"]), key)["params"]
    bn = init_variables(build_model(BUILT_IN["batchnorm"]), key)["params"]
    for layer in ("Dense_0", "Dense_1", "Dense_2", "Dense_3"):
        for param in ("kernel", "bias"):
            np.testing.assert_array_equal(base[layer][param], bn[layer][param])
    other = init_variables(build_model(BUILT_IN["baseline"]), jax.random.PRNGKey(43))["params"]
    assert not np.array_equal(base["Dense_0"]["kernel"], other["Dense_0"]["kernel"])


def test_batchnorm_normalizes_with_batch_stats_in_train_mode_only():
    model = build_model(BUILT_IN["batchnorm"])
    variables = init_variables(model, jax.random.PRNGKey(0))
    x = jax.random.normal(jax.random.PRNGKey(1), (256, 784)) * 3 + 2
    (_, out), updates = model.apply(variables, x, train=True, mutable=["batch_stats"])
    bn = out["BatchNorm_0"]
    np.testing.assert_allclose(bn.mean(0), 0, atol=1e-4)
    np.testing.assert_allclose(bn.std(0), 1, atol=1e-2)
    # running statistics move towards the batch's (momentum 0.99)
    dense = out["Dense_0"]
    np.testing.assert_allclose(
        updates["batch_stats"]["BatchNorm_0"]["mean"], 0.01 * dense.mean(0), rtol=1e-4, atol=1e-6
    )
    # eval mode uses the stored statistics (mean 0, var 1 at init): almost identity
    _, out_eval = model.apply(variables, x, train=False)
    np.testing.assert_allclose(
        out_eval["BatchNorm_0"], out_eval["Dense_0"] / jnp.sqrt(1 + 1e-5), rtol=1e-5, atol=1e-5
    )


def test_layer_widths_and_names():
    assert layer_widths(BUILT_IN["baseline"]) == {
        "Dense_0": 256, "ReLU_0": 256, "Dense_1": 128, "ReLU_1": 128,
        "Dense_2": 64, "ReLU_2": 64, "Dense_3": 10,
    }  # fmt: skip
    assert list(layer_widths(BUILT_IN["batchnorm"]))[:3] == ["Dense_0", "BatchNorm_0", "ReLU_0"]
    params = init_variables(build_model(BUILT_IN["batchnorm"]), jax.random.PRNGKey(0))["params"]
    names = param_names(params)
    assert "Dense_3/kernel" in names and "BatchNorm_2/scale" in names and len(names) == 14


def test_jax_clamps_the_blogs_out_of_range_indices():
    """The blog indexes unit 100 of a 64-unit layer and kernel column 10 of a
    64 x 10 kernel: JAX returns the last unit and column instead of failing,
    which is why the defaults are unit 63 and element (60, 9)."""
    outputs = jnp.arange(5 * 64).reshape(5, 64)
    np.testing.assert_array_equal(outputs[:, 100], outputs[:, 63])
    kernel = jnp.arange(64 * 10).reshape(64, 10)
    assert int(kernel[60, 10]) == int(kernel[60, 9])
