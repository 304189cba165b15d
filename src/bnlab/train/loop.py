"""Training one model from one seed, top to bottom in `train`: settings -> net
-> state -> the compiled programs (an epoch is one jitted lax.scan; evaluation
runs on device) -> a loop that returns one EpochRecord per epoch -> a RunResult,
which bnlab.history.write.history_dataset writes as the NetCDF history.

Key usage follows the blog, so seed 42 reproduces its run: parameters from
PRNGKey(seed); each epoch splits a fresh key off the run's key and permutes
the (already permuted) training order with it.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from bnlab.data.pixels import scale_pixels
from bnlab.spec.architecture import layer_widths
from bnlab.train.epoch import create_train_state, optimizer, train_epoch
from bnlab.train.evaluation import (
    evaluate_splits,
    make_evaluate,
    make_monitor,
    make_precise_bn,
    make_train_mode_evaluate,
)
from bnlab.train.landscape import ProbedLayers, probed_layers
from bnlab.train.models import build_model
from bnlab.train.records import (
    EpochRecord,
    RunResult,
    chance_level,
    divergence_error,
    first_nonfinite,
    progress_line,
    step_outputs,
)
from bnlab.train.settings import Settings


def on_device(data, stats):
    """The splits' arrays and (mean, std, max) scaling stats as device arrays."""
    stats = {k: jnp.asarray(np.array(v, dtype=np.float32)) for k, v in stats.items()}
    return {k: jnp.asarray(v) for k, v in data.items()}, stats


@dataclass(frozen=True)
class Program:
    """What every seed of a block shares: the net, the optimizer, the data on
    the device and the compiled programs (an epoch, the evaluation of each split)."""

    model: str
    architecture: dict
    settings: Settings
    net: Any
    tx: Any  # one optax transformation: one compiled epoch for every seed
    probed: ProbedLayers
    data: dict
    stats: dict
    evaluate: dict  # split -> make_evaluate's program
    epoch: Callable  # (state, key, order, noise, record, monitored) -> train_epoch's outputs


def program(model, architecture, data, stats, settings):
    """The Program of `model`: `data` holds uint8 images and int labels per
    split, `stats` the (mean, std, max) per split."""
    net = build_model(architecture)
    data, stats = on_device(data, stats)
    probed = probed_layers(architecture)
    evaluate = {
        "train": make_evaluate(net, settings, True, probed.relu_inputs),
        "test": make_evaluate(net, settings, False),
    }
    epoch = partial(
        train_epoch,
        images=data["train_images"],
        labels=data["train_labels"],
        stats=stats["train"],
        probe=scale_pixels(data["train_images"][: settings.probe_examples], stats["train"]),
        settings=settings,
        layers=probed,
        monitor=make_monitor(net, settings) if settings.monitor_every else None,
    )
    tx = optimizer(settings)
    return Program(model, architecture, settings, net, tx, probed, data, stats, evaluate, epoch)


def start(prog, seed):
    """A seed's train state, its keys and the training order before epoch 1.

    Noise for noisy BatchNorm comes from its own stream, so the blog's key
    usage (permutations split from PRNGKey(seed)) is unchanged."""
    state = create_train_state(prog.net, seed, prog.settings, prog.tx)
    key, order = jax.random.PRNGKey(seed), jnp.arange(len(prog.data["train_labels"]))
    noise_root = jax.random.fold_in(jax.random.PRNGKey(seed), 0x6E6F6973)
    return state, key, order, noise_root


def train(model, architecture, seed, data, stats, settings, log=print):
    """Train one model from one seed; return a RunResult."""
    return train_seed(program(model, architecture, data, stats, settings), seed, log)


def train_seed(prog, seed, log=print):
    """Train one seed with a block's Program; return a RunResult."""
    settings = prog.settings
    state, key, order, noise_root = start(prog, seed)
    init_params = jax.device_get(state.params)  # before the first epoch donates them
    records = []
    for epoch in range(settings.epochs + 1):  # epoch 0: the evaluation before any step
        tic = time.perf_counter()
        steps = {}
        if epoch:
            record, monitored = epoch in settings.gradient_epochs, epoch in settings.monitor_epochs
            noise = jax.random.fold_in(noise_root, epoch)
            state, key, order, outs, measured = prog.epoch(
                state, key, order, noise, record, monitored
            )
            steps = step_outputs(outs, measured, record, monitored and settings.monitor_every)
        evaluation = evaluate_splits(prog.evaluate, state.variables, prog.data, prog.stats)
        records.append(EpochRecord(epoch, time.perf_counter() - tic, **evaluation, **steps))
        check_and_log(prog, seed, records[-1], log)
    return result(prog, seed, init_params, state, noise_root, records, log)


def check_and_log(prog, seed, record, log):
    """Stop a diverged run (on_divergence: stop), else log its epoch's line."""
    settings = prog.settings
    if settings.on_divergence == "stop" and (where := first_nonfinite([record])):
        raise divergence_error(prog.model, seed, settings.learning_rate, *where)
    log(progress_line(prog.model, seed, settings.epochs, record))


def result(prog, seed, init_params, state, noise_root, records, log):
    """The RunResult of a trained seed, after its tests in train mode and with
    precise BatchNorm statistics if asked."""
    settings, model = prog.settings, prog.model
    where = first_nonfinite(records)
    train_mode = precise = None
    if settings.train_mode_test:
        precise = precise_bn_test(
            prog, state.variables, jax.random.fold_in(noise_root, settings.epochs + 2)
        )
        log(f"test accuracy with precise BatchNorm statistics: {precise['accuracy']:.4f}")
        evaluate = make_train_mode_evaluate(prog.net, settings.batch_size)
        key = jax.random.fold_in(noise_root, settings.epochs + 1)
        data = prog.data
        args = (data["test_images"], data["test_labels"], prog.stats["test"], key)
        train_mode = jax.device_get(evaluate(state.variables, *args))
        log(
            f"test accuracy in train mode (batches of {settings.batch_size}): "
            f"{train_mode['accuracy']:.4f}"
        )
    run = RunResult(
        model=model,
        seed=seed,
        settings=settings,
        n_train=len(prog.data["train_labels"]),
        n_test=len(prog.data["test_labels"]),
        layers=layer_widths(prog.architecture),
        probed=prog.probed,
        init_params=init_params,
        final_params=jax.device_get(state.params),
        epochs=records,
        diverged=where and "epoch {}, step {} (loss {})".format(*where),
        chance=chance_level(float(records[-1].test["accuracy"])),
        train_mode_test=train_mode,
        precise_bn_test=precise,
    )
    if run.chance:
        log(
            f"warning: model {model} seed {seed}: {run.chance}; the run learned nothing "
            f"(finite loss, no divergence), try a lower training.learning_rate"
        )
    return run


def precise_bn_test(prog, variables, key):
    """Test loss and accuracy in eval mode after BatchNorm's statistics are
    recomputed over the training set (make_precise_bn); for a model without
    BatchNorm the eval-mode numbers themselves."""
    data, stats = prog.data, prog.stats
    if variables["batch_stats"]:
        precise = make_precise_bn(prog.net)
        variables = precise(variables, data["train_images"], stats["train"], key)
    test = prog.evaluate["test"](variables, data["test_images"], data["test_labels"], stats["test"])
    return jax.device_get(test)
