"""Why does BatchNorm help? Measurements from Santurkar, Tsipras, Ilyas & Madry,
"How Does Batch Normalization Help Optimization?" (NeurIPS 2018) and Ioffe &
Szegedy (ICML 2015), as pure functions of parameters and gradients."""

import jax
import jax.numpy as jnp


def tree_norm(tree):
    return jnp.sqrt(sum(jnp.sum(leaf**2) for leaf in jax.tree_util.tree_leaves(tree)))


def landscape(loss_and_grad, params, grads, etas):
    """Move from `params` along -grads by each step size eta (Santurkar et al. §3.1).

    Returns the loss at each point (loss-landscape variation), the l2 change of
    the gradient there (gradient predictiveness) and the effective
    beta-smoothness: the largest gradient change per unit of distance moved.
    """

    def probe(eta):
        moved = jax.tree.map(lambda w, g: w - eta * g, params, grads)
        loss, moved_grads = loss_and_grad(moved)
        return loss, tree_norm(jax.tree.map(jnp.subtract, moved_grads, grads))

    losses, changes = jax.lax.map(probe, etas)
    beta = jnp.max(changes / (etas * tree_norm(grads)))
    return losses, changes, beta


def _index(layer):
    return int(layer.rsplit("_", 1)[1])


def internal_covariate_shift(grad_fn, params, updates, layers, param="kernel"):
    """Santurkar et al. Definition 2.1 for each of `layers` (e.g. Dense_1..3).

    G is the gradient of layer i's `param` at the current parameters; G' the
    same gradient after the layers before i (Dense_j and its normalization,
    j < i) took this step's update. Returns (||G - G'||_2, cos(G, G')) per layer.
    """
    grads = grad_fn(params)
    l2, cosine = [], []
    for layer in layers:
        i = _index(layer)
        shifted = {
            name: jax.tree.map(jnp.add, group, updates[name]) if _index(name) < i else group
            for name, group in params.items()
        }
        g, g_shifted = grads[layer][param], grad_fn(shifted)[layer][param]
        l2.append(jnp.linalg.norm((g - g_shifted).ravel()))
        cosine.append(
            jnp.vdot(g, g_shifted)
            / (jnp.linalg.norm(g.ravel()) * jnp.linalg.norm(g_shifted.ravel()))
        )
    return jnp.stack(l2), jnp.stack(cosine)


def unit_percentiles(outputs, layers, percentiles, width):
    """Per-unit percentiles of each layer's outputs over a batch: (layers, width, P), NaN-padded."""
    rows = []
    for layer in layers:
        values = jnp.percentile(outputs[layer], jnp.asarray(percentiles), axis=0).T
        rows.append(
            jnp.pad(values, ((0, width - values.shape[0]), (0, 0)), constant_values=jnp.nan)
        )
    return jnp.stack(rows)
