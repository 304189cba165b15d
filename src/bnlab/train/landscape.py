"""Why does BatchNorm help? Measurements from Santurkar, Tsipras, Ilyas & Madry,
"How Does Batch Normalization Help Optimization?" (NeurIPS 2018) and Ioffe &
Szegedy (ICML 2015), as pure functions of parameters and gradients."""

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax

from bnlab.spec.architecture import dense_layers, ics_layers, max_width, relu_inputs


def tree_norm(tree):
    return jnp.sqrt(sum(jnp.sum(leaf**2) for leaf in jax.tree_util.tree_leaves(tree)))


def probe_direction(kind, grads, update, learning_rate):
    """The step the probes scale (Santurkar et al. §3.1, Appendix A.2.2): one SGD
    step along the gradient, -learning_rate * grads, or the optimizer's actual
    update at this step. Under plain SGD the two are the same."""
    if kind == "gradient":
        return jax.tree.map(lambda g: -learning_rate * g, grads)
    return update


def landscape(loss_and_grad, params, grads, direction, multiples):
    """Move from `params` by k * direction for each multiple k of the step
    (Santurkar et al. §3.1; Appendix A.2.2 takes k in [1/2, 4] for VGG).

    Returns the loss at each point (loss-landscape variation), the l2 change of
    the gradient there (gradient predictiveness) and the effective
    beta-smoothness: the largest gradient change per unit of distance moved.
    """

    def probe(k):
        moved = jax.tree.map(lambda w, d: w + k * d, params, direction)
        loss, moved_grads = loss_and_grad(moved)
        return loss, tree_norm(jax.tree.map(jnp.subtract, moved_grads, grads))

    losses, changes = jax.lax.map(probe, multiples)
    beta = jnp.max(changes / (multiples * tree_norm(direction)))
    return losses, changes, beta


def layer_index(layer):
    """i of a layer named like Dense_i or BatchNorm_i."""
    return int(layer.rsplit("_", 1)[1])


def ics_forms(g, g_shifted):
    """Definition 2.1's ||G - G'||_2, the scale-free ||G - G'|| / ||G|| and cos(G, G')."""
    l2 = jnp.linalg.norm((g - g_shifted).ravel())
    relative = l2 / jnp.linalg.norm(g.ravel())
    cosine = jnp.vdot(g, g_shifted) / (
        jnp.linalg.norm(g.ravel()) * jnp.linalg.norm(g_shifted.ravel())
    )
    return l2, relative, cosine


def internal_covariate_shift(grad_fn, params, grads, updates, layers, param="kernel"):
    """Santurkar et al. Definition 2.1 for each of `layers` (e.g. Dense_1..3).

    G is layer i's `param` in `grads`, the gradient at the current parameters;
    G' the same gradient after the layers before i (Dense_j and its
    normalization, j < i) took this step's update. Returns ||G - G'||_2, the scale-free
    ||G - G'|| / ||G|| and cos(G, G'), each per layer.
    """
    forms = []
    for layer in layers:
        i = layer_index(layer)
        shifted = {
            name: jax.tree.map(jnp.add, group, updates[name]) if layer_index(name) < i else group
            for name, group in params.items()
        }
        forms.append(ics_forms(grads[layer][param], grad_fn(shifted)[layer][param]))
    return tuple(jnp.stack(form) for form in zip(*forms, strict=True))


def _sort_keys(x):
    """int32 keys in x's order (-0.0 as 0.0); their inverse maps them back.

    XLA sorts floats with a comparator that converts both operands at every
    comparison; converting once and sorting integers is 4-5x faster."""
    bits = lax.bitcast_convert_type(jnp.where(x == 0, 0.0, x), jnp.int32)
    return jnp.where(bits < 0, bits ^ 0x7FFFFFFF, bits)


def _from_keys(keys):
    return lax.bitcast_convert_type(jnp.where(keys < 0, keys ^ 0x7FFFFFFF, keys), jnp.float32)


def column_percentiles(x, percentiles):
    """Per-column percentiles of x (rows, columns) -> (columns, P), numpy's
    'linear' definition: between the order statistics at floor and ceil of
    p/100 * (rows - 1), weights in float64. A column with a NaN is all NaN."""
    rank = np.asarray(percentiles, np.float64) / 100 * (x.shape[0] - 1)
    low, high = np.floor(rank).astype(int), np.ceil(rank).astype(int)
    upper = (rank - low).astype(np.float32)
    sorted_ = _from_keys(lax.sort(_sort_keys(x.T), dimension=1))
    values = sorted_[:, low] * (1 - upper) + sorted_[:, high] * upper
    return jnp.where(jnp.isnan(x).any(axis=0)[:, None], jnp.nan, values)


def unit_percentiles(outputs, layers, percentiles, width):
    """Per-unit percentiles of each layer's outputs over a batch: (layers, width, P), NaN-padded."""
    rows = []
    for layer in layers:
        values = column_percentiles(outputs[layer], percentiles)
        rows.append(
            jnp.pad(values, ((0, width - values.shape[0]), (0, 0)), constant_values=jnp.nan)
        )
    return jnp.stack(rows)


class ProbedLayers(NamedTuple):
    """The layers `measure` looks at (hashable: a static argument under jit)."""

    ics: tuple  # whose internal covariate shift is measured
    dense: tuple  # whose kernel norms are recorded
    relu_inputs: tuple  # whose per-unit percentiles are taken
    width: int  # units per row of the percentiles, NaN-padded


def probed_layers(architecture):
    """An architecture's measured layers: every Dense after the first (ICS),
    every Dense (kernel norms), every ReLU input (percentiles), padded to its
    widest layer."""
    return ProbedLayers(
        ics=tuple(ics_layers(architecture)),
        dense=tuple(dense_layers(architecture)),
        relu_inputs=tuple(relu_inputs(architecture)),
        width=max_width(architecture),
    )


def measure(state, loss_of, noise, next_noise, probe, settings, layers):
    """Santurkar et al.'s and Ioffe & Szegedy's measurements at one training
    step, before its update: the loss landscape along the step, gradient
    predictiveness, effective beta-smoothness, the lengths of the gradient and
    the step, the kernels' norms, internal covariate shift, and per-unit
    percentiles of every ReLU input on a fixed probe batch, before the step's
    update and after it (under the next step's noise, `next_noise`): Fig. 8
    compares the moments of successive steps.

    `state` is a training.TrainState (its optimizer gives the update);
    `loss_of(params)` the step's minibatch loss; `layers` a ProbedLayers.
    """
    grads = jax.grad(loss_of)(state.params)
    updates, _ = state.tx.update(grads, state.opt_state, state.params)
    direction = probe_direction(settings.probe_direction, grads, updates, settings.learning_rate)
    losses, changes, beta = landscape(
        jax.value_and_grad(loss_of),
        state.params,
        grads,
        direction,
        jnp.asarray(settings.probe_multiples),
    )
    ics_l2, ics_relative, ics_cos = internal_covariate_shift(
        jax.grad(loss_of), state.params, grads, updates, layers.ics
    )

    def percentiles(params, key):
        (_, outputs), _ = state.apply_fn(
            {**state.variables, "params": params},
            probe,
            train=True,
            mutable=["batch_stats"],
            rngs={"noise": key},
        )
        return unit_percentiles(outputs, layers.relu_inputs, settings.percentiles, layers.width)

    return {
        "landscape_loss": losses,
        "grad_change": changes,
        "beta_smoothness": beta,
        # Lengths the scale-free forms divide by, and the weights' scale,
        # which BatchNorm leaves free (docs/part2.md, "Scale").
        "full_grad_norm": tree_norm(grads),
        "step_length": tree_norm(direction),
        "kernel_norm": jnp.stack(
            [jnp.linalg.norm(state.params[d]["kernel"]) for d in layers.dense]
        ),
        "ics_l2": ics_l2,
        "ics_relative": ics_relative,
        "ics_cosine": ics_cos,
        "relu_input_percentiles": percentiles(state.params, noise),
        "relu_input_percentiles_next": percentiles(
            optax.apply_updates(state.params, updates), next_noise
        ),
    }
