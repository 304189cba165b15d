"""Training: a whole epoch is one jitted lax.scan; evaluation and diagnostics on device.

Key usage follows the blog, so seed 42 reproduces its run: parameters from
PRNGKey(seed); each epoch splits a fresh key off the run's key and permutes
the (already permuted) training order with it.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax.training import train_state
from jax import lax

from bnlab.architecture import ics_layers, layer_widths, max_width, relu_inputs
from bnlab.data import scale_pixels
from bnlab.diagnostics import tree_stats
from bnlab.errors import BnlabError
from bnlab.evaluation import bn_snapshot, make_evaluate
from bnlab.landscape import (
    internal_covariate_shift,
    landscape,
    probe_direction,
    unit_percentiles,
)
from bnlab.models import build_model, init_variables, param_names
from bnlab.settings import Settings

# Ten classes: a run whose final test accuracy is below twice chance learned nothing.
CHANCE_ACCURACY = 0.1
AT_CHANCE_BELOW = 2 * CHANCE_ACCURACY


def at_chance(accuracy):
    return accuracy < AT_CHANCE_BELOW


class TrainState(train_state.TrainState):
    """Parameters, optimizer state and BatchNorm statistics as one pytree, so an
    epoch can scan over it and donate it."""

    batch_stats: Any


def _variables(state):
    return {"params": state.params, "batch_stats": state.batch_stats}


def make_loss_fn(net):
    """Minibatch cross-entropy in train mode, and the updated BatchNorm statistics."""

    def loss_fn(params, batch_stats, x, y, noise):
        (logits, _), updates = net.apply(
            {"params": params, "batch_stats": batch_stats},
            x,
            train=True,
            mutable=["batch_stats"],
            rngs={"noise": noise},
        )
        loss = optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()
        return loss, updates.get("batch_stats", batch_stats)

    return loss_fn


def make_train_step(net, tracked):
    """One optimizer step; with `record` (a traced bool) also the gradient
    statistics and the tracked parameter's full gradient, zeros otherwise."""
    layer, name = tracked.split("/")
    loss_fn = make_loss_fn(net)

    def diagnostics(grads):
        mean, std, norm = tree_stats(grads)
        return {
            "grad_mean": mean,
            "grad_std": std,
            "grad_norm": norm,
            "tracked_grad": grads[layer][name],
        }

    def step(state, x, y, noise, record):
        (loss, batch_stats), grads = jax.value_and_grad(loss_fn, has_aux=True)(
            state.params, state.batch_stats, x, y, noise
        )
        skipped = jax.tree.map(jnp.zeros_like, jax.eval_shape(diagnostics, grads))
        out = lax.cond(record, diagnostics, lambda _: skipped, grads)
        out["loss"] = loss
        return state.apply_gradients(grads=grads, batch_stats=batch_stats), out

    return step


def make_measure(net, settings, relu_inputs):
    """Santurkar et al.'s and Ioffe & Szegedy's measurements at one step, before
    its update: loss landscape along the gradient, gradient predictiveness,
    effective beta-smoothness, internal covariate shift, and per-unit
    percentiles of every ReLU input on a fixed probe batch."""
    loss_fn = make_loss_fn(net)
    multiples = jnp.asarray(settings.probe_multiples)

    def measure(state, x, y, noise, probe):
        loss_of = lambda p: loss_fn(p, state.batch_stats, x, y, noise)[0]  # noqa: E731
        grads = jax.grad(loss_of)(state.params)
        updates, _ = state.tx.update(grads, state.opt_state, state.params)
        direction = probe_direction(
            settings.probe_direction, grads, updates, settings.learning_rate
        )
        losses, changes, beta = landscape(
            jax.value_and_grad(loss_of), state.params, grads, direction, multiples
        )
        ics_l2, ics_relative, ics_cos = internal_covariate_shift(
            jax.grad(loss_of), state.params, grads, updates, ics_layers({"widths": net.widths})
        )
        (_, outputs), _ = net.apply(
            _variables(state), probe, train=True, mutable=["batch_stats"], rngs={"noise": noise}
        )
        return {
            "landscape_loss": losses,
            "grad_change": changes,
            "beta_smoothness": beta,
            "ics_l2": ics_l2,
            "ics_relative": ics_relative,
            "ics_cosine": ics_cos,
            "relu_input_percentiles": unit_percentiles(
                outputs, relu_inputs, settings.percentiles, max_width({"widths": net.widths})
            ),
        }

    return measure


def make_train_epoch(net, settings, n_train, relu_inputs):
    """Jitted epoch: permute, scan the full batches, then the remainder batch.

    With measurements on, the full batches are scanned in chunks of
    `measure_every` steps and the first step of each chunk is measured, so
    only the measured steps' results leave the scan. One program serves
    recorded and plain epochs (`record` is traced): it compiles once per run.
    """
    step = make_train_step(net, settings.tracked_parameter)
    measure = make_measure(net, settings, relu_inputs)
    size = settings.batch_size
    full, rest = divmod(n_train, size)
    rest = 0 if settings.drop_remainder else rest
    every = settings.measure_every
    chunks = full // every if every else 0

    def epoch(state, key, order, images, labels, stats, noise, record, probe):
        key, sub = jax.random.split(key)
        order = order[jax.random.permutation(sub, n_train)]
        noise = jax.random.split(noise, full + 1)  # one key per step (noisy BatchNorm)

        def body(state, xs):
            idx, noise = xs
            return step(state, scale_pixels(images[idx], stats), labels[idx], noise, record)

        def chunk(state, xs):
            idx, keys = xs
            x = scale_pixels(images[idx[0]], stats)
            measured = measure(state, x, labels[idx[0]], keys[0], probe)
            state, outs = lax.scan(body, state, xs)
            return state, (outs, measured)

        batches, keys = order[: full * size].reshape(full, size), noise[:full]
        head = chunks * every
        measured = None
        parts = []
        if chunks:
            split = lambda a: a[:head].reshape(chunks, every, *a.shape[1:])  # noqa: E731
            state, (outs, measured) = lax.scan(chunk, state, (split(batches), split(keys)))
            parts.append(jax.tree.map(lambda a: a.reshape(head, *a.shape[2:]), outs))
        if head < full:
            state, outs = lax.scan(body, state, (batches[head:], keys[head:]))
            parts.append(outs)
        if rest:
            state, last = body(state, (order[full * size :], noise[full]))
            parts.append(jax.tree.map(lambda a: a[None], last))
        outs = jax.tree.map(lambda *a: jnp.concatenate(a), *parts)
        return state, key, order, outs, measured

    return jax.jit(epoch, donate_argnums=0)


@dataclass
class Run:
    """Everything a history file holds, as numpy arrays and lists."""

    model: str
    seed: int
    settings: Settings
    n_train: int
    n_test: int
    layers: list
    params: list
    init_params: dict
    relu_inputs: list
    final_params: dict = None
    evals: list = field(default_factory=list)  # per epoch 0..E: {"train": ..., "test": ...}
    bn: list = field(default_factory=list)  # per epoch 0..E: {layer: {mean, var, scale, bias}}
    step_loss: list = field(default_factory=list)  # per trained epoch: (steps,)
    grads: dict = field(default_factory=dict)  # recorded epoch -> gradient statistics
    seconds: list = field(default_factory=list)
    measured: list = field(default_factory=list)  # per trained epoch, at its measured steps
    diverged: str = None  # where the loss first became non-finite (on_divergence='record')
    chance: str = None  # set when the run ends at chance-level test accuracy


def _first_nonfinite(losses, run, epoch):
    """Where the minibatch loss first stops being finite (None if it does not).

    By default training stops there rather than record NaNs; a learning-rate
    sweep sets on_divergence='record' to keep the run, flagged, instead."""
    bad = np.flatnonzero(~np.isfinite(losses))
    if not bad.size:
        return None
    step = int(bad[0])
    if run.settings.on_divergence == "record":
        return f"epoch {epoch}, step {step} (loss {losses[step]})"
    raise BnlabError(
        f"training diverged: model {run.model}, seed {run.seed}: the minibatch loss is "
        f"{losses[step]} at epoch {epoch}, step {step} (training.learning_rate = "
        f"{run.settings.learning_rate}). No history was written; lower the learning rate in "
        f"config/config.yaml."
    )


def make_optimizer(optimizer, learning_rate, momentum):
    """training.optimizer: plain SGD (Santurkar et al.'s), SGD with momentum,
    or Adam (the blog's)."""
    if optimizer == "sgd":
        return optax.sgd(learning_rate)
    if optimizer == "momentum":
        return optax.sgd(learning_rate, momentum=momentum)
    return optax.adam(learning_rate)


def init_state(net, seed, settings):
    """The blog's initial parameters (PRNGKey(seed)) and a fresh optimizer state."""
    variables = init_variables(net, jax.random.PRNGKey(seed))
    return TrainState.create(
        apply_fn=net.apply,
        params=variables["params"],
        tx=make_optimizer(settings.optimizer, settings.learning_rate, settings.momentum),
        batch_stats=variables.get("batch_stats", {}),
    )


def progress_line(run, epoch, seconds):
    """The job log's line for one epoch (epoch 0: before any step, so no loss)."""
    res = run.evals[-1]
    loss = f"minibatch loss {run.step_loss[-1].mean():.4f}  " if epoch else ""
    return (
        f"model {run.model} seed {run.seed} epoch {epoch:>3}/{run.settings.epochs}  {loss}"
        f"train loss {res['train']['loss']:.4f}  train acc {res['train']['accuracy']:.4f}  "
        f"test acc {res['test']['accuracy']:.4f}  {seconds:.2f} s"
    )


class Trainer:
    """The compiled programs of one run and the device copies of its data."""

    def __init__(self, net, data, stats, settings, relu):
        self.data = {k: jnp.asarray(v) for k, v in data.items()}
        self.stats = {k: jnp.asarray(np.array(v, dtype=np.float32)) for k, v in stats.items()}
        n_train = len(data["train_labels"])
        self.evaluate = {
            "train": make_evaluate(net, settings, True, relu),
            "test": make_evaluate(net, settings, False),
        }
        self.epoch = make_train_epoch(net, settings, n_train, relu)
        images = self.data["train_images"][: settings.probe_examples]
        self.probe = scale_pixels(images, self.stats["train"])

    def record_eval(self, run, state):
        """Evaluate both splits and snapshot BatchNorm, appending to `run`."""
        run.evals.append(
            {
                split: jax.device_get(
                    self.evaluate[split](
                        _variables(state),
                        self.data[f"{split}_images"],
                        self.data[f"{split}_labels"],
                        self.stats[split],
                    )
                )
                for split in ("train", "test")
            }
        )
        run.bn.append(bn_snapshot(*jax.device_get((state.params, state.batch_stats))))

    def train_epoch(self, state, key, order, noise, record):
        d = self.data
        return self.epoch(
            state,
            key,
            order,
            d["train_images"],
            d["train_labels"],
            self.stats["train"],
            noise,
            record,
            self.probe,
        )


def _keep(run, epoch, outs, measured, record):
    """Move one epoch's outputs into `run` (plain epochs copy only the losses)."""
    outs = jax.device_get(outs if record else {"loss": outs["loss"]})
    run.diverged = run.diverged or _first_nonfinite(outs["loss"], run, epoch)
    run.step_loss.append(outs.pop("loss"))
    if record:
        run.grads[epoch] = outs
    if measured is not None:
        run.measured.append(jax.device_get(measured))


def train(model, architecture, seed, data, stats, settings, log: Callable = print):
    """Train one model from one seed; return a Run. `data` holds uint8 images
    and int labels per split, `stats` the (mean, std, max) per split."""
    net = build_model(architecture)
    state = init_state(net, seed, settings)
    n_train = len(data["train_labels"])
    relu = relu_inputs(architecture)
    run = Run(
        model=model,
        seed=seed,
        settings=settings,
        n_train=n_train,
        n_test=len(data["test_labels"]),
        layers=list(layer_widths(architecture)),
        params=param_names(state.params),
        init_params=jax.device_get(state.params),
        relu_inputs=relu,
    )
    trainer = Trainer(net, data, stats, settings, relu)
    tic = time.perf_counter()
    trainer.record_eval(run, state)
    log(progress_line(run, 0, time.perf_counter() - tic))
    key, order = jax.random.PRNGKey(seed), jnp.arange(n_train)
    # Noise for noisy BatchNorm comes from its own stream, so the blog's key
    # usage (permutations split from PRNGKey(seed)) is unchanged.
    noise_root = jax.random.fold_in(jax.random.PRNGKey(seed), 0x6E6F6973)
    for epoch in range(1, settings.epochs + 1):
        tic = time.perf_counter()
        record = epoch in settings.gradient_epochs
        noise = jax.random.fold_in(noise_root, epoch)
        state, key, order, outs, measured = trainer.train_epoch(state, key, order, noise, record)
        _keep(run, epoch, outs, measured, record)
        trainer.record_eval(run, state)
        run.seconds.append(time.perf_counter() - tic)
        log(progress_line(run, epoch, run.seconds[-1]))
    run.final_params = jax.device_get(state.params)
    run.chance = _chance_level(run)
    if run.chance:
        log(
            f"warning: model {model} seed {seed}: {run.chance}; the run learned nothing "
            f"(finite loss, no divergence), try a lower training.learning_rate"
        )
    return run


def _chance_level(run):
    """A description if the run ends at chance-level test accuracy, else None."""
    accuracy = float(run.evals[-1]["test"]["accuracy"])
    if at_chance(accuracy):
        return (
            f"final test accuracy {accuracy:.4f} is at chance level "
            f"(below {AT_CHANCE_BELOW:g}; chance is {CHANCE_ACCURACY:g})"
        )
    return None
