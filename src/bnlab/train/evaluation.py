"""Evaluation of a whole split on device, in chunks: accuracy, loss and, for
the training set, a histogram and per-unit moments of every layer output."""

from functools import cache

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax

from bnlab.data.pixels import scale_pixels
from bnlab.train.diagnostics import histogram, merge_moments, moments, relu_histogram


def make_evaluate(net, settings, layers, relu_inputs=()):
    """Jitted full-split evaluation in chunks: accuracy, loss and, if `layers`,
    a histogram and per-unit moments of every layer output.

    `relu_inputs[i]` names the output that ReLU_i receives; ReLU_i's histogram
    is derived from that output's histogram rather than binned again. One
    program per net and settings: every seed of a block shares it.
    """
    return _evaluate(net, settings, layers, tuple(relu_inputs))


@cache
def _evaluate(net, settings, layers, relu_inputs):
    edges = jnp.asarray(settings.edges)
    derived = {f"ReLU_{i}": name for i, name in enumerate(relu_inputs)}

    def chunk_stats(variables, images, labels, stats):
        logits, outputs = net.apply(variables, scale_pixels(images, stats), train=False)
        loss = optax.softmax_cross_entropy_with_integer_labels(logits, labels).sum()
        res = {"loss": loss, "correct": (logits.argmax(-1) == labels).sum()}
        if layers:
            res["hist"] = {k: histogram(v, edges) for k, v in outputs.items() if k not in derived}
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
            res["hist"] = {
                **acc["hist"],
                **{k: relu_histogram(acc["hist"][v], edges) for k, v in derived.items()},
            }
            res["mean"] = {k: m[1] for k, m in acc["moments"].items()}
            res["std"] = {k: jnp.sqrt(m[2] / m[0]) for k, m in acc["moments"].items()}
        return res

    return jax.jit(evaluate)


@cache
def make_train_mode_evaluate(net, batch_size):
    """Jitted test evaluation in train mode: the split in batches of `batch_size`
    (a remainder left out), each normalized by its own statistics as in
    training, with no noise drawn twice the same (key). The gap to `evaluate`'s
    accuracy is what running statistics change at this batch size."""

    def evaluate(variables, images, labels, stats, key):
        n = images.shape[0] // batch_size * batch_size
        batches = (
            images[:n].reshape(-1, batch_size, *images.shape[1:]),
            labels[:n].reshape(-1, batch_size),
            jax.random.split(key, n // batch_size),
        )

        def batch(b):
            x, y, noise = b
            (logits, _), _ = net.apply(
                variables,
                scale_pixels(x, stats),
                train=True,
                mutable=["batch_stats"],
                rngs={"noise": noise},
            )
            loss = optax.softmax_cross_entropy_with_integer_labels(logits, y).sum()
            return loss, (logits.argmax(-1) == y).sum()

        loss, correct = lax.map(batch, batches)
        return {"loss": loss.sum() / n, "accuracy": correct.sum() / n}

    return jax.jit(evaluate)


@cache
def make_precise_bn(net):
    """Jitted precise BatchNorm statistics: each BatchNorm layer's mean and
    variance over the whole training set with the final weights, the earlier
    layers normalized by theirs (the usual precise-BN step before testing;
    running averages lag the weights, badly when an epoch has few steps).

    One forward pass of the set as a single batch in train mode computes
    exactly these, layer by layer; flax folds them into the running averages
    as momentum · old + (1 − momentum) · new, so starting from zeros and
    dividing by 1 − momentum reads them back. Layers without a running
    variance (ℓp) are left as they are; a noisy model's statistics include
    one draw of its noise (`key`). The whole split is one matrix product:
    under portable numerics its last bits are not pinned (more than 256 rows,
    docs/reproducibility.md)."""
    from bnlab.train.models import BN_MOMENTUM

    def precise(variables, images, stats, key):
        zeros = jax.tree.map(jnp.zeros_like, variables["batch_stats"])
        _, updated = net.apply(
            {**variables, "batch_stats": zeros},
            scale_pixels(images, stats),
            train=True,
            mutable=["batch_stats"],
            rngs={"noise": key},
        )
        fresh = jax.tree.map(lambda x: x / (1 - BN_MOMENTUM), updated["batch_stats"])
        batch_stats = {
            layer: fresh[layer] if "var" in old else old
            for layer, old in variables["batch_stats"].items()
        }
        return {**variables, "batch_stats": batch_stats}

    return jax.jit(precise)


@cache
def make_monitor(net, settings):
    """The monitor (diagnostics.monitor_every): loss and accuracy of a set of
    training images in eval mode, BatchNorm's statistics first recomputed over
    that set from the current weights (make_precise_bn). Early in epoch 1 the
    running averages still hold mostly their initial values (0.99^100 = 37%
    after 100 steps), so eval mode with them would judge the averages, not
    the network. ℓp layers keep their running averages (make_precise_bn
    recomputes only BatchNorm's), so their early monitor lags: no claim reads
    it. Traced inside the epoch, so not jitted here."""
    evaluate = make_evaluate(net, settings, False)
    precise = make_precise_bn(net)

    def monitor(variables, images, labels, stats, key):
        if variables["batch_stats"]:
            variables = precise(variables, images, stats, key)
        return evaluate(variables, images, labels, stats)

    return monitor


def bn_snapshot(params, batch_stats):
    """Running statistics and (if learned) scale/shift of every BatchNorm layer
    (layers with a running variance; an ℓp layer keeps a running ℓp average)."""
    snapshot = {}
    for layer in sorted(k for k, v in batch_stats.items() if "var" in v):
        stats, learned = batch_stats[layer], params.get(layer, {})
        nan = np.full_like(stats["mean"], np.nan)
        snapshot[layer] = {
            "mean": np.asarray(stats["mean"]),
            "var": np.asarray(stats["var"]),
            "scale": np.asarray(learned.get("scale", nan)),
            "bias": np.asarray(learned.get("bias", nan)),
        }
    return snapshot


def evaluate_splits(evaluate, variables, data, stats):
    """`evaluate[split]` (make_evaluate's programs) on each split, and the
    BatchNorm snapshot: on the host, as one epoch record's train, test and bn."""
    out = {
        split: jax.device_get(
            evaluate[split](
                variables, data[f"{split}_images"], data[f"{split}_labels"], stats[split]
            )
        )
        for split in ("train", "test")
    }
    return out | {
        "bn": bn_snapshot(*jax.device_get((variables["params"], variables["batch_stats"])))
    }
