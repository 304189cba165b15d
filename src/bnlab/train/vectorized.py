"""A block's seeds as one program (training.vectorize_seeds): every seed's
state stacked on a leading axis and each epoch and evaluation vmapped over
it, so an accelerator trains the block at once. The arithmetic is the
sequential loop's (bnlab.train.loop), batched: the same keys, orders and
noise per seed, so the histories match the sequential ones within float
rounding (tests/unit/test_vectorized.py states the tolerance). On a CPU the
sequential loop is as fast or faster (docs/performance.md)."""

import time

import jax
import jax.numpy as jnp

from bnlab.train.evaluation import bn_snapshot
from bnlab.train.loop import check_and_log, result, start
from bnlab.train.records import EpochRecord, step_outputs


def stacked(trees):
    return jax.tree.map(lambda *leaves: jnp.stack(leaves), *trees)


def nth(tree, i):
    return jax.tree.map(lambda leaf: leaf[i], tree)


def vmapped_epoch(prog):
    """One epoch of every seed as one program: the block's epoch, vmapped over
    the stacked states, keys, orders and noise keys (`record` and `monitored`
    are shared)."""
    return jax.jit(jax.vmap(prog.epoch, in_axes=(0, 0, 0, 0, None, None)))


def _evaluate(prog, variables):
    """Both splits' evaluation of every seed (vmapped), on the host."""
    out = {}
    for split in ("train", "test"):
        batched = jax.vmap(prog.evaluate[split], in_axes=(0, None, None, None))
        images, labels = prog.data[f"{split}_images"], prog.data[f"{split}_labels"]
        out[split] = jax.device_get(batched(variables, images, labels, prog.stats[split]))
    return out


def train_seeds(prog, seeds, log=print):
    """Train every seed of a block at once with its Program; a RunResult each."""
    settings = prog.settings
    starts = [start(prog, seed) for seed in seeds]
    init_params = [jax.device_get(s[0].params) for s in starts]
    # One state whose arrays are stacked: the seeds' states share their
    # non-array fields (the net's apply, the optimizer), but not by identity.
    first = starts[0][0]
    fields = ("step", "params", "opt_state", "batch_stats")
    states = first.replace(**{f: stacked([getattr(s[0], f) for s in starts]) for f in fields})
    keys, orders = (stacked([s[i] for s in starts]) for i in (1, 2))
    noise_roots = [s[3] for s in starts]
    n = len(seeds)
    records = [[] for _ in seeds]
    epochs = vmapped_epoch(prog)
    for epoch in range(settings.epochs + 1):  # epoch 0: the evaluation before any step
        tic = time.perf_counter()
        steps = [{} for _ in seeds]
        if epoch:
            record, monitored = epoch in settings.gradient_epochs, epoch in settings.monitor_epochs
            noises = jnp.stack([jax.random.fold_in(root, epoch) for root in noise_roots])
            outputs = epochs(states, keys, orders, noises, record, monitored)
            states, keys, orders, outs, measured = outputs
            every = monitored and settings.monitor_every
            steps = [step_outputs(nth(outs, i), nth(measured, i), record, every) for i in range(n)]
        evaluation = _evaluate(prog, states.variables)
        snapshot = jax.device_get((states.params, states.batch_stats))
        seconds = (time.perf_counter() - tic) / len(seeds)
        for i, seed in enumerate(seeds):
            split = {name: nth(evaluation[name], i) for name in ("train", "test")}
            bn = bn_snapshot(*nth(snapshot, i))
            records[i].append(EpochRecord(epoch, seconds, **split, bn=bn, **steps[i]))
            check_and_log(prog, seed, records[i][-1], log)
    return [
        result(prog, seed, init_params[i], nth(states, i), noise_roots[i], records[i], log)
        for i, seed in enumerate(seeds)
    ]
