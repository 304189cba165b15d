"""Training one model from one seed, top to bottom in `train`: settings -> net
-> state -> the compiled programs (an epoch is one jitted lax.scan; evaluation
runs on device) -> a loop that returns one EpochRecord per epoch -> a RunResult,
which bnlab.history.history_dataset writes as the NetCDF history.

Key usage follows the blog, so seed 42 reproduces its run: parameters from
PRNGKey(seed); each epoch splits a fresh key off the run's key and permutes
the (already permuted) training order with it.
"""

import time
from dataclasses import dataclass
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax.training import train_state
from jax import lax

from bnlab.architecture import layer_widths
from bnlab.chance import AT_CHANCE_BELOW, CHANCE_ACCURACY, at_chance
from bnlab.data import scale_pixels
from bnlab.diagnostics import tree_stats
from bnlab.errors import BnlabError
from bnlab.evaluation import evaluate_splits, make_evaluate, make_train_mode_evaluate
from bnlab.landscape import ProbedLayers, measure, probed_layers
from bnlab.models import build_model, init_variables, param_names
from bnlab.settings import Settings

# Ten classes: a run whose final test accuracy is below twice chance learned nothing.


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


def create_train_state(net, seed, settings):
    """The blog's initial parameters (PRNGKey(seed)) and a fresh optimizer state."""
    variables = init_variables(net, jax.random.PRNGKey(seed))
    return TrainState.create(
        apply_fn=net.apply,
        params=variables["params"],
        tx=OPTIMIZERS[settings.optimizer](settings),
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


@partial(jax.jit, static_argnames=("settings", "layers"), donate_argnames="state")
def train_epoch(state, key, order, noise, record, images, labels, stats, probe, settings, layers):
    """One epoch as one program: permute, scan the full batches, then the remainder
    batch; returns the new state, key and order, each step's outputs, the measurements.

    With measurements on, the full batches are scanned in chunks of `measure_every`
    steps and each chunk's first step is measured (bnlab.landscape.measure), so only
    the measured steps' results leave the scan. `record` is traced: recorded and
    plain epochs share one program, compiled once per run."""
    n_train, size, every = order.shape[0], settings.batch_size, settings.measure_every
    full, rest = divmod(n_train, size)
    rest = 0 if settings.drop_remainder else rest
    chunks = full // every if every else 0
    key, sub = jax.random.split(key)
    order = order[jax.random.permutation(sub, n_train)]
    noise = jax.random.split(noise, full + 1)  # one key per step (noisy BatchNorm)

    def step(state, xs):
        idx, noise = xs
        x = scale_pixels(images[idx], stats)
        return train_step(state, x, labels[idx], noise, record, settings.tracked_parameter)

    def measured_chunk(state, xs):
        idx, keys = xs
        x = scale_pixels(images[idx[0]], stats)
        loss_of = lambda p: loss_fn(p, state, x, labels[idx[0]], keys[0])[0]  # noqa: E731
        measured = measure(state, loss_of, keys[0], probe, settings, layers)
        state, outs = lax.scan(step, state, xs)
        return state, (outs, measured)

    batches, keys = order[: full * size].reshape(full, size), noise[:full]
    head, measured, parts = chunks * every, None, []
    if chunks:
        split = lambda a: a[:head].reshape(chunks, every, *a.shape[1:])  # noqa: E731
        state, (outs, measured) = lax.scan(measured_chunk, state, (split(batches), split(keys)))
        parts.append(jax.tree.map(lambda a: a.reshape(head, *a.shape[2:]), outs))
    if head < full:
        state, outs = lax.scan(step, state, (batches[head:], keys[head:]))
        parts.append(outs)
    if rest:
        state, last = step(state, (order[full * size :], noise[full]))
        parts.append(jax.tree.map(lambda a: a[None], last))
    outs = jax.tree.map(lambda *a: jnp.concatenate(a), *parts)
    return state, key, order, outs, measured


@dataclass(frozen=True)
class EpochRecord:
    """What one epoch adds to the history, on the host. Epoch 0 is the
    evaluation before any step, so it has no step outputs."""

    epoch: int
    seconds: float  # its steps, evaluation and snapshot
    train: dict  # loss, accuracy, and per layer output: hist, mean, std
    test: dict  # loss, accuracy
    bn: dict  # {BatchNorm layer: {mean, var, scale, bias}} after the epoch
    step_loss: np.ndarray | None = None  # (steps,)
    grads: dict | None = None  # per-step gradient record, in settings.gradient_epochs
    measured: dict | None = None  # at each measured step (settings.measure_every)


@dataclass(frozen=True)
class RunResult:
    """One trained run: what bnlab.history.history_dataset writes."""

    model: str
    seed: int
    settings: Settings
    n_train: int
    n_test: int
    layers: dict  # recorded layer outputs, in forward order: their widths
    probed: ProbedLayers  # the measured layers (ICS, ReLU inputs) and their padding
    init_params: dict
    final_params: dict
    epochs: list  # EpochRecord for epochs 0..E
    diverged: str | None  # where the loss first became non-finite (on_divergence='record')
    chance: str | None  # set when the run ends at chance-level test accuracy
    train_mode_test: dict | None = None  # test loss and accuracy in train mode, if asked

    @property
    def params(self):
        return param_names(self.init_params)

    @property
    def seconds(self):  # each trained epoch's wall time
        return [e.seconds for e in self.epochs[1:]]


def step_outputs(outs, measured, record):
    """One epoch's outputs on the host (plain epochs copy only the losses)."""
    outs, measured = jax.device_get((outs if record else {"loss": outs["loss"]}, measured))
    return {"step_loss": outs.pop("loss"), "grads": outs if record else None, "measured": measured}


def first_nonfinite(records):
    """(epoch, step, loss) where the minibatch loss first is NaN or infinite, or None."""
    for r in records:
        bad = np.flatnonzero(~np.isfinite(r.step_loss if r.epoch else []))
        if bad.size:
            return r.epoch, int(bad[0]), r.step_loss[bad[0]]
    return None


def divergence_error(model, seed, learning_rate, epoch, step, loss):
    """on_divergence='stop' (the default) stops rather than record NaNs; a
    learning-rate sweep sets 'record' to keep the run, flagged."""
    return BnlabError(
        f"training diverged: model {model}, seed {seed}: the minibatch loss is {loss} at epoch "
        f"{epoch}, step {step} (training.learning_rate = {learning_rate}). No history was "
        f"written; lower the learning rate in config/config.yaml."
    )


def chance_level(accuracy):
    """A description if the final test accuracy is at chance level, else None."""
    if at_chance(accuracy):
        return (
            f"final test accuracy {accuracy:.4f} is at chance level "
            f"(below {AT_CHANCE_BELOW:g}; chance is {CHANCE_ACCURACY:g})"
        )
    return None


def progress_line(model, seed, epochs, record):
    """The job log's line for one epoch (epoch 0: before any step, so no loss)."""
    loss = f"minibatch loss {record.step_loss.mean():.4f}  " if record.epoch else ""
    return (
        f"model {model} seed {seed} epoch {record.epoch:>3}/{epochs}  {loss}"
        f"train loss {record.train['loss']:.4f}  train acc {record.train['accuracy']:.4f}  "
        f"test acc {record.test['accuracy']:.4f}  {record.seconds:.2f} s"
    )


def on_device(data, stats):
    """The splits' arrays and (mean, std, max) scaling stats as device arrays."""
    stats = {k: jnp.asarray(np.array(v, dtype=np.float32)) for k, v in stats.items()}
    return {k: jnp.asarray(v) for k, v in data.items()}, stats


def train(model, architecture, seed, data, stats, settings, log=print):
    """Train one model from one seed; return a RunResult. `data` holds uint8
    images and int labels per split, `stats` the (mean, std, max) per split."""
    net = build_model(architecture)
    state = create_train_state(net, seed, settings)
    init_params = jax.device_get(state.params)  # before the first epoch donates them
    data, stats = on_device(data, stats)
    probed = probed_layers(architecture)
    evaluate = {
        "train": make_evaluate(net, settings, True, probed.relu_inputs),
        "test": make_evaluate(net, settings, False),
    }
    epoch_fn = partial(
        train_epoch,
        images=data["train_images"],
        labels=data["train_labels"],
        stats=stats["train"],
        probe=scale_pixels(data["train_images"][: settings.probe_examples], stats["train"]),
        settings=settings,
        layers=probed,
    )

    key, order = jax.random.PRNGKey(seed), jnp.arange(len(data["train_labels"]))
    # Noise for noisy BatchNorm comes from its own stream, so the blog's key
    # usage (permutations split from PRNGKey(seed)) is unchanged.
    noise_root = jax.random.fold_in(jax.random.PRNGKey(seed), 0x6E6F6973)
    records = []
    for epoch in range(settings.epochs + 1):  # epoch 0: the evaluation before any step
        tic = time.perf_counter()
        steps = {}
        if epoch:
            record = epoch in settings.gradient_epochs
            noise = jax.random.fold_in(noise_root, epoch)
            state, key, order, outs, measured = epoch_fn(state, key, order, noise, record)
            steps = step_outputs(outs, measured, record)
        evaluation = evaluate_splits(evaluate, state.variables, data, stats)
        records.append(EpochRecord(epoch, time.perf_counter() - tic, **evaluation, **steps))
        if settings.on_divergence == "stop" and (where := first_nonfinite(records[-1:])):
            raise divergence_error(model, seed, settings.learning_rate, *where)
        log(progress_line(model, seed, settings.epochs, records[-1]))

    where = first_nonfinite(records)
    train_mode = None
    if settings.train_mode_test:
        evaluate = make_train_mode_evaluate(net, settings.batch_size)
        key = jax.random.fold_in(noise_root, settings.epochs + 1)
        args = (data["test_images"], data["test_labels"], stats["test"], key)
        train_mode = jax.device_get(evaluate(state.variables, *args))
        log(
            f"test accuracy in train mode (batches of {settings.batch_size}): "
            f"{train_mode['accuracy']:.4f}"
        )
    result = RunResult(
        model=model,
        seed=seed,
        settings=settings,
        n_train=len(data["train_labels"]),
        n_test=len(data["test_labels"]),
        layers=layer_widths(architecture),
        probed=probed,
        init_params=init_params,
        final_params=jax.device_get(state.params),
        epochs=records,
        diverged=where and "epoch {}, step {} (loss {})".format(*where),
        chance=chance_level(float(records[-1].test["accuracy"])),
        train_mode_test=train_mode,
    )
    if result.chance:
        log(
            f"warning: model {model} seed {seed}: {result.chance}; the run learned nothing "
            f"(finite loss, no divergence), try a lower training.learning_rate"
        )
    return result
