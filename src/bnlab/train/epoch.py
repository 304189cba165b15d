"""One epoch as one compiled program: the train state, the train-mode loss,
one optimizer step with its gradient record, and the scanned epoch."""

from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import optax
from flax.training import train_state
from jax import lax

from bnlab.data.pixels import scale_pixels
from bnlab.train.diagnostics import tree_stats
from bnlab.train.landscape import measure
from bnlab.train.models import init_variables


class TrainState(train_state.TrainState):
    """Parameters, optimizer state and BatchNorm statistics as one pytree, so an
    epoch can scan over it and donate it; `apply_fn` is the net's."""

    batch_stats: Any

    @property
    def variables(self):
        return {"params": self.params, "batch_stats": self.batch_stats}


OPTIMIZERS = {  # training.optimizer: Santurkar et al.'s SGD, SGD with momentum, the blog's Adam
    "sgd": lambda s: optax.sgd(s.learning_rate),
    "momentum": lambda s: optax.sgd(s.learning_rate, momentum=s.momentum),
    "adam": lambda s: optax.adam(s.learning_rate),
}


def optimizer(settings):
    return OPTIMIZERS[settings.optimizer](settings)


def create_train_state(net, seed, settings, tx=None):
    """The blog's initial parameters (PRNGKey(seed)) and a fresh optimizer
    state. Seeds that share `tx` (one object) share the compiled epoch: the
    optimizer is part of the state's static structure, so a new one per seed
    would make jit trace the epoch again for every run."""
    variables = init_variables(net, jax.random.PRNGKey(seed))
    return TrainState.create(
        apply_fn=net.apply,
        params=variables["params"],
        tx=tx or optimizer(settings),
        batch_stats=variables.get("batch_stats", {}),
    )


def loss_fn(params, state, x, y, noise):
    """Minibatch cross-entropy in train mode, and the updated BatchNorm statistics."""
    variables = {"params": params, "batch_stats": state.batch_stats}
    (logits, _), updates = state.apply_fn(
        variables, x, train=True, mutable=["batch_stats"], rngs={"noise": noise}
    )
    loss = optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()
    return loss, updates.get("batch_stats", state.batch_stats)


def gradient_record(grads, tracked):
    """The blog's per-step gradient statistics (mean, std, norm) of every
    parameter, and the full gradient of the tracked one ('Layer/param')."""
    layer, name = tracked.split("/")
    record = dict(zip(("grad_mean", "grad_std", "grad_norm"), tree_stats(grads), strict=True))
    return record | {"tracked_grad": grads[layer][name]}


def train_step(state, x, y, noise, record, tracked):
    """One optimizer step; with `record` (a traced bool) also its gradient
    record, zeros otherwise (lax.cond: one program for both kinds of epoch)."""
    grad_fn = jax.value_and_grad(loss_fn, has_aux=True)
    (loss, batch_stats), grads = grad_fn(state.params, state, x, y, noise)
    record_of = partial(gradient_record, tracked=tracked)
    skipped = jax.tree.map(jnp.zeros_like, jax.eval_shape(record_of, grads))
    out = lax.cond(record, record_of, lambda _: skipped, grads)
    out["loss"] = loss
    return state.apply_gradients(grads=grads, batch_stats=batch_stats), out


def monitor_step(monitor, monitored, images, labels, stats, settings):
    """A step's monitor outputs (bnlab.train.evaluation.make_monitor) before its
    update: measured at every monitor_every-th step of a monitored epoch,
    zeros elsewhere (lax.cond: `monitored` and the step index are the same for
    every seed of a block, so vmap keeps the branch and skips the work)."""
    n, every = settings.monitor_examples, settings.monitor_every

    def run(state, noise):
        out = monitor(state.variables, images[:n], labels[:n], stats, jax.random.fold_in(noise, 1))
        return {"monitor_loss": out["loss"], "monitor_accuracy": out["accuracy"]}

    def watch(state, i, noise):
        skipped = jax.tree.map(jnp.zeros_like, jax.eval_shape(run, state, noise))
        return lax.cond(monitored & (i % every == 0), run, lambda *_: skipped, state, noise)

    return watch


@partial(jax.jit, static_argnames=("settings", "layers", "monitor"), donate_argnames="state")
def train_epoch(
    state,
    key,
    order,
    noise,
    record,
    monitored,
    images,
    labels,
    stats,
    probe,
    settings,
    layers,
    monitor=None,
):
    """One epoch as one program: permute, scan the full batches, then the remainder
    batch; returns the new state, key and order, each step's outputs, the measurements.

    With measurements on, the full batches are scanned in chunks of `measure_every`
    steps and each chunk's first step is measured (bnlab.train.landscape.measure), so only
    the measured steps' results leave the scan. With the monitor on
    (diagnostics.monitor_every) and `monitored`, every monitor_every-th step is
    monitored (monitor_step). `record` and `monitored` are traced: recorded,
    monitored and plain epochs share one program, compiled once per run."""
    n_train, size, every = order.shape[0], settings.batch_size, settings.measure_every
    full, rest = divmod(n_train, size)
    rest = 0 if settings.drop_remainder else rest
    chunks = full // every if every else 0
    key, sub = jax.random.split(key)
    order = order[jax.random.permutation(sub, n_train)]
    noise = jax.random.split(noise, full + 1)  # one key per step (noisy BatchNorm)
    watch = None
    if settings.monitor_every:
        watch = monitor_step(monitor, monitored, images, labels, stats, settings)

    def step(state, xs):
        idx, noise, i = xs
        x = scale_pixels(images[idx], stats)
        watched = watch(state, i, noise) if watch else {}
        state, out = train_step(state, x, labels[idx], noise, record, settings.tracked_parameter)
        return state, out | watched

    def measured_chunk(state, xs):
        idx, keys, steps = xs
        x = scale_pixels(images[idx[0]], stats)
        loss_of = lambda p: loss_fn(p, state, x, labels[idx[0]], keys[0])[0]  # noqa: E731
        # The next step's noise is the chunk's second key; a chunk of one step
        # draws a fresh one (its next key lies in the next chunk).
        after = keys[1] if every > 1 else jax.random.fold_in(keys[0], 1)
        measured = measure(state, loss_of, keys[0], after, probe, settings, layers)
        state, outs = lax.scan(step, state, xs)
        return state, (outs, measured)

    batches, keys = order[: full * size].reshape(full, size), noise[:full]
    steps = jnp.arange(full)
    head, measured, parts = chunks * every, None, []
    if chunks:
        split = lambda a: a[:head].reshape(chunks, every, *a.shape[1:])  # noqa: E731
        xs = (split(batches), split(keys), split(steps))
        state, (outs, measured) = lax.scan(measured_chunk, state, xs)
        parts.append(jax.tree.map(lambda a: a.reshape(head, *a.shape[2:]), outs))
    if head < full:
        state, outs = lax.scan(step, state, (batches[head:], keys[head:], steps[head:]))
        parts.append(outs)
    if rest:
        state, last = step(state, (order[full * size :], noise[full], full))
        parts.append(jax.tree.map(lambda a: a[None], last))
    outs = jax.tree.map(lambda *a: jnp.concatenate(a), *parts)
    return state, key, order, outs, measured
