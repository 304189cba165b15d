"""The Santurkar et al. measurements on cases small enough to check by hand."""

import jax.numpy as jnp
import numpy as np
import optax
import pytest

from bnlab.train.landscape import (
    column_percentiles,
    internal_covariate_shift,
    landscape,
    probe_direction,
    unit_percentiles,
)


def test_quadratic_has_known_smoothness_and_losses():
    a, w, lr = 3.0, 2.0, 0.1  # L(w) = a w^2 / 2: gradient a w, smoothness exactly a
    loss_and_grad = lambda p: (0.5 * a * p["w"] ** 2, {"w": a * p["w"]})  # noqa: E731
    params, grads = {"w": jnp.array(w)}, {"w": jnp.array(a * w)}
    step = probe_direction("gradient", grads, None, lr)
    losses, changes, beta = landscape(loss_and_grad, params, grads, step, jnp.array([0.1, 1, 2]))
    moved = w - np.array([0.01, 0.1, 0.2]) * a * w  # k * lr = 0.01, 0.1, 0.2
    np.testing.assert_allclose(losses, 0.5 * a * moved**2, rtol=1e-6)
    np.testing.assert_allclose(changes, a * np.array([0.01, 0.1, 0.2]) * a * w, rtol=1e-5)
    assert float(beta) == pytest.approx(a, rel=1e-6)


def test_smoothness_is_the_largest_curvature_seen():
    # L = sum(c_i w_i^2 / 2) moved along the gradient: change/distance = sqrt(sum c^4 w^2 / sum c^2 w^2)
    c, w = jnp.array([1.0, 4.0]), jnp.array([1.0, 1.0])
    loss_and_grad = lambda p: (0.5 * jnp.sum(c * p["w"] ** 2), {"w": c * p["w"]})  # noqa: E731
    g = {"w": c * w}
    _, _, beta = landscape(
        loss_and_grad,
        {"w": w},
        g,
        probe_direction("gradient", g, None, 0.01),
        jnp.geomspace(1, 10, 4),
    )
    expected = np.sqrt(np.sum(np.array([1, 256.0])) / np.sum(np.array([1, 16.0])))
    assert float(beta) == pytest.approx(expected, rel=1e-5)


def _two_layer(x=1.5, y=0.5):
    """L = (w1 * w0 * x - y)^2 / 2 with 'layers' Dense_0 (w0) and Dense_1 (w1)."""

    def grad_fn(p):
        w0, w1 = p["Dense_0"]["kernel"], p["Dense_1"]["kernel"]
        r = w1 * w0 * x - y
        return {"Dense_0": {"kernel": r * w1 * x}, "Dense_1": {"kernel": r * w0 * x}}

    return grad_fn


def test_internal_covariate_shift_by_hand():
    params = {"Dense_0": {"kernel": jnp.array([0.8])}, "Dense_1": {"kernel": jnp.array([1.2])}}
    updates = {"Dense_0": {"kernel": jnp.array([-0.3])}, "Dense_1": {"kernel": jnp.array([0.1])}}
    l2, relative, cosine = internal_covariate_shift(
        _two_layer(), params, _two_layer()(params), updates, ["Dense_1"]
    )
    g = (1.2 * 0.8 * 1.5 - 0.5) * 0.8 * 1.5
    g_shifted = (1.2 * 0.5 * 1.5 - 0.5) * 0.5 * 1.5  # Dense_0 moved to 0.8 - 0.3
    assert float(l2[0]) == pytest.approx(abs(g - g_shifted), rel=1e-5)
    assert float(relative[0]) == pytest.approx(abs(g - g_shifted) / abs(g), rel=1e-5)
    assert float(cosine[0]) == pytest.approx(1.0)  # same sign in 1-D


def test_no_shift_without_preceding_updates():
    params = {"Dense_0": {"kernel": jnp.array([0.8])}, "Dense_1": {"kernel": jnp.array([1.2])}}
    updates = {"Dense_0": {"kernel": jnp.array([0.0])}, "Dense_1": {"kernel": jnp.array([0.7])}}
    l2, _, _ = internal_covariate_shift(
        _two_layer(), params, _two_layer()(params), updates, ["Dense_1"]
    )
    assert float(l2[0]) == 0.0  # only layer 1's own update changed: not a covariate shift


def test_unit_percentiles_match_numpy():
    rng = np.random.default_rng(0)
    outputs = {
        "A": jnp.asarray(rng.normal(size=(501, 3))),
        "B": jnp.asarray(rng.normal(size=(501, 2))),
    }
    got = unit_percentiles(outputs, ["A", "B"], [15, 50, 85], width=4)
    np.testing.assert_allclose(
        got[0, :3], np.percentile(outputs["A"], [15, 50, 85], axis=0).T, rtol=1e-5
    )
    assert np.isnan(got[1, 2:]).all() and got.shape == (2, 4, 3)


def test_column_percentiles_by_hand():
    x = jnp.array([[4.0, -1.0], [1.0, -1.0], [3.0, 7.0], [2.0, -0.0], [0.0, jnp.nan]])
    # column 0 sorted: 0 1 2 3 4; ranks p/100 * 4 = 1, 2, 3.6 -> 1, 2, 3 + 0.6 * (4 - 3)
    got = np.asarray(column_percentiles(x, [25, 50, 90]))
    np.testing.assert_allclose(got[0], [1.0, 2.0, 3.6], rtol=1e-6)
    assert np.isnan(got[1]).all()  # a NaN in the column: no percentiles


def test_column_percentiles_equal_numpy_with_ties_zeros_and_infinities():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(512, 40)).astype(np.float32)
    x[:, :10] = np.round(x[:, :10])  # ties, 0.0 and -0.0
    x[::5, 12] = -0.0
    x[:3, 13], x[-3:, 14] = -np.inf, np.inf
    got = np.asarray(column_percentiles(jnp.asarray(x), [15, 50, 85]))
    np.testing.assert_allclose(
        got, np.percentile(x.astype(np.float64), [15, 50, 85], axis=0).T, rtol=1e-6, atol=1e-7
    )


def test_probe_steps_scale_with_the_learning_rate():
    """A probe k steps away moves k * learning_rate * gradient: doubling the
    rate and halving k lands on the same point (Appendix A.2.2)."""
    loss_and_grad = lambda p: (jnp.sum(p["w"] ** 4), {"w": 4 * p["w"] ** 3})  # noqa: E731
    params = {"w": jnp.array([1.0, -0.5])}
    grads = loss_and_grad(params)[1]
    at = lambda lr, ks: landscape(  # noqa: E731
        loss_and_grad, params, grads, probe_direction("gradient", grads, None, lr), jnp.array(ks)
    )[0]
    np.testing.assert_allclose(at(0.02, [1.0, 2.0]), at(0.04, [0.5, 1.0]), rtol=1e-6)
    assert not np.allclose(at(0.02, [1.0, 2.0]), at(0.04, [1.0, 2.0]))


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_update_direction_is_the_optimizers_update(name):
    params = {"w": jnp.array([1.0, -2.0, 0.5])}
    grads = {"w": jnp.array([0.3, -0.1, 2.0])}
    tx = optax.sgd(0.1) if name == "sgd" else optax.adam(0.1)
    update, _ = tx.update(grads, tx.init(params), params)
    step = probe_direction("update", grads, update, 0.1)
    np.testing.assert_array_equal(step["w"], update["w"])
    along_gradient = probe_direction("gradient", grads, update, 0.1)["w"]
    if name == "sgd":  # the same step under plain SGD
        np.testing.assert_allclose(step["w"], along_gradient, rtol=1e-6)
    else:  # Adam's first step is lr * sign(g): not along the raw gradient
        np.testing.assert_allclose(step["w"], -0.1 * np.sign(grads["w"]), rtol=1e-4)
        assert not np.allclose(step["w"], along_gradient)


def _rescaling_case():
    """BatchNorm's MLP at initialisation and the same function with Dense_0
    (before BatchNorm_0) scaled by 2: BatchNorm divides the factor out."""
    import jax

    from bnlab.spec.architecture import architectures
    from bnlab.train.models import build_model, init_variables

    model = build_model(architectures()["batchnorm"])
    variables = init_variables(model, jax.random.PRNGKey(0))
    x = jax.random.normal(jax.random.PRNGKey(1), (64, 784))
    y = jnp.arange(64) % 10

    def loss(params):
        (logits, _), _ = model.apply(
            {"params": params, "batch_stats": variables["batch_stats"]},
            x,
            train=True,
            mutable=["batch_stats"],
        )
        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

    double = lambda tree: {**tree, "Dense_0": {k: 2 * w for k, w in tree["Dense_0"].items()}}  # noqa: E731
    return jax.value_and_grad(loss), variables["params"], double


def _measures(loss_and_grad, params, direction=None):
    from bnlab.train.landscape import tree_norm

    loss, grads = loss_and_grad(params)
    step = direction or probe_direction("gradient", grads, None, 0.3)
    losses, changes, beta = landscape(loss_and_grad, params, grads, step, jnp.array([0.5, 1, 2, 3]))
    l2, relative, cosine = internal_covariate_shift(
        lambda p: loss_and_grad(p)[1], params, grads, step, ["Dense_1", "Dense_2", "Dense_3"]
    )
    return step, {
        "loss": loss,
        "loss_variation": losses.max() - losses.min(),
        "gradient_change": changes.max(),
        "gradient_change_relative": changes.max() / tree_norm(grads),
        "beta_smoothness": beta,
        **{f"ics_{k}": v for k, v in (("l2", l2), ("relative", relative), ("cosine", cosine))},
    }


def test_how_each_measure_responds_to_a_rescaling_that_batchnorm_undoes():
    """Scaling the weights before a BatchNorm leaves the loss unchanged but
    divides their gradient by 2, so SGD's step there moves the function 4x
    less: along SGD's own step every landscape and ICS measure changes. Along
    the same path in function space (the step scaled like the weights) the
    loss variation and all three ICS forms are invariant; the gradient change
    and beta-smoothness are not, since they measure gradients in parameter
    space (docs/part2.md, "Scale")."""
    loss_and_grad, params, double = _rescaling_case()
    step, before = _measures(loss_and_grad, params)
    _, own = _measures(loss_and_grad, double(params))
    _, same_path = _measures(loss_and_grad, double(params), double(step))
    close = lambda a, b: np.allclose(a, b, rtol=2e-4, atol=1e-6)  # noqa: E731
    assert close(own["loss"], before["loss"])
    for name in ("loss_variation", "ics_l2", "ics_relative", "ics_cosine", "beta_smoothness"):
        assert not close(own[name], before[name]), name
    for name in ("loss_variation", "ics_l2", "ics_relative", "ics_cosine"):
        assert close(same_path[name], before[name]), name
    for name in ("gradient_change", "beta_smoothness"):
        assert not close(same_path[name], before[name]), name
