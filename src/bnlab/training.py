"""Training: a whole epoch is one jitted lax.scan; evaluation and diagnostics on device.

Key usage follows the blog, so seed 42 reproduces its run: parameters from
PRNGKey(seed); each epoch splits a fresh key off the run's key and permutes
the (already permuted) training order with it.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax

from bnlab.architecture import ICS_LAYERS, WIDTHS, layer_widths, relu_inputs, spec_of
from bnlab.data import normalize
from bnlab.diagnostics import histogram, merge_moments, moments, tree_stats
from bnlab.errors import BnlabError
from bnlab.landscape import internal_covariate_shift, landscape, unit_percentiles
from bnlab.models import build_model, init_variables, param_names


@dataclass(frozen=True)
class Settings:
    epochs: int = 20
    batch_size: int = 32
    learning_rate: float = 1e-3
    drop_remainder: bool = False
    gradient_epochs: tuple = (1,)
    tracked_parameter: str = "Dense_3/kernel"
    histogram_range: tuple = (-100.0, 100.0)
    histogram_bins: int = 4000
    eval_chunk: int = 5000
    measure_every: int = 0
    step_size_range: tuple = (0.01, 0.5)
    step_size_count: int = 8
    percentiles: tuple = (15.0, 50.0, 85.0)
    probe_examples: int = 1024
    on_divergence: str = "stop"  # stop | record

    @classmethod
    def from_config(cls, config):
        train, diag = config["training"], config["diagnostics"]
        return cls(
            epochs=train["epochs"],
            batch_size=train["batch_size"],
            learning_rate=train["learning_rate"],
            drop_remainder=train["drop_remainder"],
            gradient_epochs=tuple(diag["gradient_epochs"]),
            tracked_parameter=diag["tracked_parameter"],
            histogram_range=tuple(diag["histogram_range"]),
            histogram_bins=diag["histogram_bins"],
            eval_chunk=diag["eval_chunk"],
            measure_every=diag["measure_every"],
            step_size_range=tuple(diag["step_sizes"][:2]),
            step_size_count=int(diag["step_sizes"][2]),
            percentiles=tuple(diag["percentiles"]),
            probe_examples=diag["probe_examples"],
            on_divergence=train["on_divergence"],
        )

    @property
    def edges(self):
        low, high = self.histogram_range
        return np.linspace(low, high, self.histogram_bins + 1, dtype=np.float32)

    @property
    def etas(self):
        """Step sizes of the loss-landscape probes (geometric)."""
        low, high = self.step_size_range
        return np.geomspace(low, high, self.step_size_count).astype(np.float32)

    def steps_per_epoch(self, n_train):
        full, rest = divmod(n_train, self.batch_size)
        return full + (1 if rest and not self.drop_remainder else 0)


def _variables(params, batch_stats):
    return {"params": params, "batch_stats": batch_stats}


def make_loss_fn(model):
    """Minibatch cross-entropy in train mode, and the updated BatchNorm statistics."""

    def loss_fn(params, batch_stats, x, y, noise):
        (logits, _), updates = model.apply(
            _variables(params, batch_stats),
            x,
            train=True,
            mutable=["batch_stats"],
            rngs={"noise": noise},
        )
        loss = optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()
        return loss, updates.get("batch_stats", batch_stats)

    return loss_fn


def make_train_step(model, tx, tracked):
    """One Adam step; with `record` (a traced bool) also the gradient statistics
    and the tracked parameter's full gradient, zeros otherwise."""
    layer, name = tracked.split("/")
    loss_fn = make_loss_fn(model)

    def diagnostics(grads):
        mean, std, norm = tree_stats(grads)
        return {
            "grad_mean": mean,
            "grad_std": std,
            "grad_norm": norm,
            "tracked_grad": grads[layer][name],
        }

    def step(state, x, y, noise, record):
        params, batch_stats, opt_state = state
        (loss, batch_stats), grads = jax.value_and_grad(loss_fn, has_aux=True)(
            params, batch_stats, x, y, noise
        )
        updates, opt_state = tx.update(grads, opt_state, params)
        skipped = jax.tree.map(jnp.zeros_like, jax.eval_shape(diagnostics, grads))
        out = lax.cond(record, diagnostics, lambda _: skipped, grads)
        out["loss"] = loss
        return (optax.apply_updates(params, updates), batch_stats, opt_state), out

    return step


def make_measure(model, tx, settings, relu_inputs):
    """Santurkar et al.'s and Ioffe & Szegedy's measurements at one step, before
    its update: loss landscape along the gradient, gradient predictiveness,
    effective beta-smoothness, internal covariate shift, and per-unit
    percentiles of every ReLU input on a fixed probe batch."""
    loss_fn = make_loss_fn(model)
    etas = jnp.asarray(settings.etas)

    def measure(state, x, y, noise, probe):
        params, batch_stats, opt_state = state
        loss_of = lambda p: loss_fn(p, batch_stats, x, y, noise)[0]  # noqa: E731
        grads = jax.grad(loss_of)(params)
        updates, _ = tx.update(grads, opt_state, params)
        losses, changes, beta = landscape(jax.value_and_grad(loss_of), params, grads, etas)
        ics_l2, ics_cos = internal_covariate_shift(jax.grad(loss_of), params, updates, ICS_LAYERS)
        (_, outputs), _ = model.apply(
            _variables(params, batch_stats),
            probe,
            train=True,
            mutable=["batch_stats"],
            rngs={"noise": noise},
        )
        return {
            "landscape_loss": losses,
            "grad_change": changes,
            "beta_smoothness": beta,
            "ics_l2": ics_l2,
            "ics_cosine": ics_cos,
            "relu_input_percentiles": unit_percentiles(
                outputs, relu_inputs, settings.percentiles, max(WIDTHS)
            ),
        }

    return measure


def make_train_epoch(model, tx, settings, n_train, relu_inputs=()):
    """Jitted epoch: permute, scan the full batches, then the remainder batch.

    With measurements on, the full batches are scanned in chunks of
    `measure_every` steps and the first step of each chunk is measured, so
    only the measured steps' results leave the scan. One program serves
    recorded and plain epochs (`record` is traced): it compiles once per run.
    """
    step = make_train_step(model, tx, settings.tracked_parameter)
    measure = make_measure(model, tx, settings, relu_inputs)
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
            return step(state, normalize(images[idx], stats), labels[idx], noise, record)

        def chunk(state, xs):
            idx, keys = xs
            measured = measure(
                state, normalize(images[idx[0]], stats), labels[idx[0]], keys[0], probe
            )
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


def make_evaluate(model, settings, layers):
    """Jitted full-split evaluation in chunks: accuracy, loss and, if `layers`,
    a histogram and per-unit moments of every layer output."""
    edges = jnp.asarray(settings.edges)

    def chunk_stats(variables, images, labels, stats):
        logits, outputs = model.apply(variables, normalize(images, stats), train=False)
        loss = optax.softmax_cross_entropy_with_integer_labels(logits, labels).sum()
        res = {"loss": loss, "correct": (logits.argmax(-1) == labels).sum()}
        if layers:
            res["hist"] = {k: histogram(v, edges) for k, v in outputs.items()}
            res["moments"] = {k: moments(v) for k, v in outputs.items()}
        return res

    def merge(a, b):
        out = {"loss": a["loss"] + b["loss"], "correct": a["correct"] + b["correct"]}
        if layers:
            out["hist"] = jax.tree.map(jnp.add, a["hist"], b["hist"])
            out["moments"] = {
                k: merge_moments(a["moments"][k], b["moments"][k]) for k in a["moments"]
            }
        return out

    def evaluate(variables, images, labels, stats):
        n = images.shape[0]
        size = min(settings.eval_chunk, n)
        full, rest = divmod(n, size)
        acc = chunk_stats(variables, images[:size], labels[:size], stats)
        if full > 1:
            chunks = (
                images[size : full * size].reshape(full - 1, size, *images.shape[1:]),
                labels[size : full * size].reshape(full - 1, size),
            )
            acc, _ = lax.scan(
                lambda acc, c: (merge(acc, chunk_stats(variables, *c, stats)), None), acc, chunks
            )
        if rest:
            acc = merge(
                acc, chunk_stats(variables, images[full * size :], labels[full * size :], stats)
            )
        res = {"loss": acc["loss"] / n, "accuracy": acc["correct"] / n}
        if layers:
            res["hist"] = acc["hist"]
            res["mean"] = {k: m[1] for k, m in acc["moments"].items()}
            res["std"] = {k: jnp.sqrt(m[2] / m[0]) for k, m in acc["moments"].items()}
        return res

    return jax.jit(evaluate)


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
    final_params: dict = None
    evals: list = None  # per epoch 0..E: {"train": ..., "test": ...}
    bn: list = None  # per epoch 0..E: {layer: {mean, var, scale, bias}}
    step_loss: list = None  # per trained epoch: (steps,)
    grads: dict = None  # recorded epoch -> {grad_mean, grad_std, grad_norm, tracked_grad}
    seconds: list = None
    measured: list = None  # per trained epoch: measurements at its measured steps
    relu_inputs: list = None
    diverged: str = None  # where the loss first became non-finite (on_divergence='record')


def _bn_snapshot(params, batch_stats):
    """Running statistics and (if learned) scale/shift of every BatchNorm layer."""
    snapshot = {}
    for layer in sorted(batch_stats):
        stats, learned = batch_stats[layer], params.get(layer, {})
        nan = np.full_like(stats["mean"], np.nan)
        snapshot[layer] = {
            "mean": np.asarray(stats["mean"]),
            "var": np.asarray(stats["var"]),
            "scale": np.asarray(learned.get("scale", nan)),
            "bias": np.asarray(learned.get("bias", nan)),
        }
    return snapshot


def _first_nonfinite(losses, model_name, seed, epoch, settings):
    """Where the minibatch loss first stops being finite (None if it does not).

    By default training stops there rather than record NaNs; a learning-rate
    sweep sets on_divergence='record' to keep the run, flagged, instead."""
    bad = np.flatnonzero(~np.isfinite(losses))
    if bad.size:
        step, learning_rate = int(bad[0]), settings.learning_rate
        if settings.on_divergence == "record":
            return f"epoch {epoch}, step {step} (loss {losses[step]})"
        raise BnlabError(
            f"training diverged: model {model_name}, seed {seed}: the minibatch loss is "
            f"{losses[step]} at epoch {epoch}, step {step} (training.learning_rate = "
            f"{learning_rate}). No history was written; lower the learning rate in "
            f"config/config.yaml."
        )
    return None


def train(model_name, seed, data, stats, settings, log: Callable = print, spec=None):
    """Train one model from one seed; return a Run. `data` holds uint8 images
    and int labels per split, `stats` the (mean, std, max) per split."""
    spec = spec or spec_of(model_name)
    model = build_model(spec)
    tx = optax.adam(settings.learning_rate)
    variables = init_variables(model, jax.random.PRNGKey(seed))
    params, batch_stats = variables["params"], variables.get("batch_stats", {})
    state = (params, batch_stats, tx.init(params))
    n_train = len(data["train_labels"])
    relu = relu_inputs(spec)
    run = Run(
        model=model_name,
        seed=seed,
        settings=settings,
        n_train=n_train,
        n_test=len(data["test_labels"]),
        layers=list(layer_widths(spec)),
        params=param_names(params),
        init_params=jax.device_get(params),
        evals=[],
        bn=[],
        step_loss=[],
        grads={},
        seconds=[],
        measured=[],
        relu_inputs=relu,
    )
    device = {k: jnp.asarray(v) for k, v in data.items()}
    stats = {k: jnp.asarray(np.array(v, dtype=np.float32)) for k, v in stats.items()}
    evaluate = {
        "train": make_evaluate(model, settings, True),
        "test": make_evaluate(model, settings, False),
    }
    train_epoch = make_train_epoch(model, tx, settings, n_train, relu)
    probe = normalize(device["train_images"][: settings.probe_examples], stats["train"])

    def record_eval(state):
        variables = _variables(state[0], state[1])
        run.evals.append(
            {
                split: jax.device_get(
                    evaluate[split](
                        variables,
                        device[f"{split}_images"],
                        device[f"{split}_labels"],
                        stats[split],
                    )
                )
                for split in ("train", "test")
            }
        )
        run.bn.append(_bn_snapshot(*jax.device_get(state[:2])))

    def report(epoch, seconds):
        res, loss = run.evals[-1], run.step_loss[-1].mean() if epoch else float("nan")
        log(
            f"model {model_name} seed {seed} epoch {epoch:>3}/{settings.epochs}  "
            f"minibatch loss {loss:.4f}  train loss {res['train']['loss']:.4f}  "
            f"train acc {res['train']['accuracy']:.4f}  test acc {res['test']['accuracy']:.4f}  "
            f"{seconds:.2f} s"
        )

    tic = time.perf_counter()
    record_eval(state)
    report(0, time.perf_counter() - tic)
    key, order = jax.random.PRNGKey(seed), jnp.arange(n_train)
    # Noise for noisy BatchNorm comes from its own stream, so the blog's key
    # usage (permutations split from PRNGKey(seed)) is unchanged.
    noise_root = jax.random.fold_in(jax.random.PRNGKey(seed), 0x6E6F6973)
    for epoch in range(1, settings.epochs + 1):
        tic = time.perf_counter()
        record = epoch in settings.gradient_epochs
        state, key, order, outs, measured = train_epoch(
            state,
            key,
            order,
            device["train_images"],
            device["train_labels"],
            stats["train"],
            jax.random.fold_in(noise_root, epoch),
            record,
            probe,
        )
        # Plain epochs copy only the losses to the host; the zeros stay on device.
        outs = jax.device_get(outs if record else {"loss": outs["loss"]})
        run.diverged = run.diverged or _first_nonfinite(
            outs["loss"], model_name, seed, epoch, settings
        )
        run.step_loss.append(outs.pop("loss"))
        if record:
            run.grads[epoch] = outs
        if measured is not None:
            run.measured.append(jax.device_get(measured))
        record_eval(state)
        run.seconds.append(time.perf_counter() - tic)
        report(epoch, run.seconds[-1])
    run.final_params = jax.device_get(state[0])
    return run
