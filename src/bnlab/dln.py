"""The deep linear network testbed of Santurkar et al. 2018 (Appendix A.1, item 2).

Fit y = A x, A a 10 x 10 matrix of i.i.d. N(0, 1) entries and x ~ N(0, I), with
a product of k = 25 square matrices W_1 ... W_k (no activations), by minimising
A.1's ||W_1 ... W_k x - A x||^2 with full-batch gradient descent: 1,000
examples, 10,000 steps, learning rate 1e-6, Glorot initialization. Optionally a
BatchNorm (§2, Fig. 3b, 10) or an lp BatchNorm (§3.3, Fig. 13) follows every
hidden layer.

Every step is one gradient step on the whole set, so a run has no epochs,
minibatches or noise: `settings.epochs` counts steps. At every
`measure_every`-th step, before its update, the run measures §3.1's loss
landscape along the step (A.2.2 probes [1/100, 30] x the step), the effective
beta-smoothness and Definition 2.1's internal covariate shift of every layer
but the first, with the pure functions of bnlab.landscape.

Networks compute in the row-vector convention of flax: out = x @ K_0 @ ... @ K_k,
so the kernels' product fits A^T.
"""

import hashlib
import json
import time
from functools import partial

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import xarray as xr
from jax import lax

from bnlab.architecture import norm_layer
from bnlab.errors import BnlabError
from bnlab.history import describe, history_schema, write_history
from bnlab.io import check_writable
from bnlab.landscape import (
    ics_forms,
    internal_covariate_shift,
    landscape,
    layer_index,
    tree_norm,
)
from bnlab.layers import LpBatchNorm
from bnlab.models import count_params
from bnlab.numerics import use_cpu_numerics
from bnlab.provenance import provenance
from bnlab.settings import Settings
from bnlab.train_job import enable_compile_cache

DIM = 10  # A is 10 x 10; inputs and outputs have 10 dims (A.1)
EXAMPLES = 1000  # A.1: "The size of the dataset is 1000 (same as the batch size)"
LOG_EVERY = 1000  # steps per progress line when nothing is measured
SCHEMA = history_schema()["deep_linear"]


def synthetic_task(seed, examples, dim=DIM):
    """A.1's regression task: A with i.i.d. N(0, 1) entries (dim, dim), inputs
    x ~ N(0, I) (examples, dim), targets y = A x (rows: x @ A^T).

    Drawn in float64 from np.random.default_rng(seed), A first, then x, and y
    computed before the cast to float32, so a seed gives the same bits on any
    machine (numpy's generators are platform-independent)."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((dim, dim))
    x = rng.standard_normal((examples, dim))
    f32 = lambda v: np.ascontiguousarray(v, dtype=np.float32)  # noqa: E731
    return {"x": f32(x), "a": f32(a), "y": f32(x @ a.T)}


def task_digest(task):
    """sha256 of x's and A's bytes (y follows from them): the history records it."""
    digest = hashlib.sha256()
    for key in ("x", "a"):
        digest.update(np.ascontiguousarray(task[key], dtype=np.float32).tobytes())
    return digest.hexdigest()


class DeepLinear(nn.Module):
    """Dense_0 ... Dense_k without biases or activations (A.1's W_1 ... W_k),
    Glorot-uniform kernels, the last mapping to DIM; the normalization, if
    any, after every Dense but the last. Returns (output, {layer name: output})."""

    normalization: str  # none | batch | lp_batch
    p: int | str  # lp_batch: 1, 2 or "inf"
    scale_shift: bool
    widths: tuple  # hidden widths; the paper's (10,) * 24

    @nn.compact
    def __call__(self, x, train: bool = False):
        outputs = {}
        glorot = nn.initializers.glorot_uniform()  # A.1: "standard Glorot initialization"
        for i, width in enumerate((*self.widths, DIM)):
            name = f"Dense_{i}"
            x = outputs[name] = nn.Dense(width, use_bias=False, kernel_init=glorot, name=name)(x)
            if i == len(self.widths) or self.normalization == "none":
                continue
            norm = {
                "use_running_average": not train,
                "use_scale": self.scale_shift,
                "use_bias": self.scale_shift,
                "name": norm_layer({"normalization": self.normalization}, i),
            }
            if self.normalization == "batch":
                x = nn.BatchNorm(**norm)(x)
            elif self.normalization == "lp_batch":
                x = LpBatchNorm(p=self.p, **norm)(x)
            else:
                raise BnlabError(
                    f"architecture.normalization = {self.normalization!r}: the deep linear "
                    f"network supports none, batch and lp_batch"
                )
            outputs[norm["name"]] = x
        return x, outputs


def build_dln(architecture):
    """A DeepLinear from an architecture's normalization, p, scale_shift and
    widths (its other options, e.g. activation, do not apply)."""
    return DeepLinear(
        normalization=architecture["normalization"],
        p=architecture["p"],
        scale_shift=bool(architecture["scale_shift"]),
        widths=tuple(int(w) for w in architecture["widths"]),
    )


def squared_error(pred, y):
    """A.1's loss ||W_1 ... W_k x - A x||^2, summed over the examples (the full
    batch) and the output dims.

    A sum, not a mean: that is what makes the paper's learning rate of 1e-6 a
    sensible step. Its Fig. 5b training losses run from 10^2 to 10^4 on 1,000
    examples, which a per-example mean of ||A x||^2 ~ 100 could not reach."""
    return jnp.sum((pred - y) ** 2)


def full_batch_loss(net, state, x, y):
    """The loss as a function of the parameters, in train mode: BatchNorm and
    lp BatchNorm normalize with the whole set's statistics. `state` holds the
    other collections (batch_stats); their running-average updates are
    discarded, since full-batch training never evaluates with them."""

    def loss(params):
        (pred, _), _ = net.apply(
            {"params": params, **state}, x, train=True, mutable=["batch_stats"]
        )
        return squared_error(pred, y)

    return loss


def gd_step(loss, params, learning_rate):
    """One full-batch gradient descent step (optax.sgd): (loss before it, new params)."""
    value, grads = jax.value_and_grad(loss)(params)
    tx = optax.sgd(learning_rate)
    updates, _ = tx.update(grads, tx.init(params), params)
    return value, optax.apply_updates(params, updates)


@partial(jax.jit, static_argnames=("net", "steps"))
def gd_steps(params, state, x, y, learning_rate, net, steps):
    """`steps` gradient steps as one program: (new params, the loss before each)."""
    loss = full_batch_loss(net, state, x, y)

    def step(params, _):
        value, params = gd_step(loss, params, learning_rate)
        return params, value

    return lax.scan(step, params, None, length=steps)


@partial(jax.jit, static_argnames="net")
def final_loss_of(params, state, x, y, net):
    return full_batch_loss(net, state, x, y)(params)


def dense_names(net):
    """Dense_0 ... Dense_k."""
    return tuple(f"Dense_{i}" for i in range(len(net.widths) + 1))


def _moved(group, update, mask):
    return jax.tree.map(lambda w, u: w + mask * u, group, update)


def vectorised_ics(grad_fn, params, grads, updates, layers, param="kernel"):
    """bnlab.landscape.internal_covariate_shift (Definition 2.1), with the G'
    of all `layers` from one vmapped gradient rather than one traced gradient
    per layer. The same arithmetic, but one traced gradient: the paper's 25-layer
    BatchNorm net's measurement compiled in 4 s instead of 16 s (2 shared AMD
    EPYC cores), and each layer's G' costs as much as in the loop.

    For layer i, every group of `params` whose index j is below i (Dense_j and
    its normalization) takes its update; a 0/1 mask per group does that."""
    targets = jnp.array([layer_index(layer) for layer in layers])

    def shifted_grads(i):
        shifted = {
            name: _moved(group, updates[name], layer_index(name) < i)  # a traced 0/1 per group
            for name, group in params.items()
        }
        return grad_fn(shifted)

    every = jax.vmap(shifted_grads)(targets)
    forms = [
        ics_forms(grads[layer][param], every[layer][param][n]) for n, layer in enumerate(layers)
    ]
    return tuple(jnp.stack(form) for form in zip(*forms, strict=True))


ICS = {"loop": internal_covariate_shift, "vectorised": vectorised_ics}


@partial(jax.jit, static_argnames=("net", "ics"))
def measure_dln(params, state, x, y, learning_rate, multiples, net, ics="vectorised"):
    """Santurkar et al.'s measurements at one step, before its update: the loss
    and gradient change at each multiple of the step along it (§3.1, A.2.2),
    the effective beta-smoothness, the lengths of the gradient and of the step,
    every kernel's norm, and Definition 2.1's ICS of Dense_1 ... Dense_k."""
    loss = full_batch_loss(net, state, x, y)
    grads = jax.grad(loss)(params)
    step = jax.tree.map(lambda g: -learning_rate * g, grads)  # plain GD: update = step
    losses, changes, beta = landscape(jax.value_and_grad(loss), params, grads, step, multiples)
    dense = dense_names(net)
    ics_l2, ics_relative, ics_cosine = ICS[ics](jax.grad(loss), params, grads, step, dense[1:])
    return {
        "landscape_loss": losses,
        "grad_change": changes,
        "beta_smoothness": beta,
        "full_grad_norm": tree_norm(grads),
        "step_length": tree_norm(step),
        "kernel_norm": jnp.stack([jnp.linalg.norm(params[d]["kernel"]) for d in dense]),
        "ics_l2": ics_l2,
        "ics_relative": ics_relative,
        "ics_cosine": ics_cosine,
    }


def divergence_error(model, seed, learning_rate, step, loss):
    return BnlabError(
        f"training diverged: model {model}, seed {seed}: the full-batch loss is {loss} at "
        f"step {step} (training.learning_rate = {learning_rate}). No history was written; "
        f"lower the learning rate, or set training.on_divergence: record to keep the run."
    )


def check_settings(settings):
    if settings.optimizer != "sgd":
        raise BnlabError(
            f"training.optimizer = {settings.optimizer!r}: the deep linear network trains with "
            f"full-batch gradient descent (Santurkar et al. A.1); set training.optimizer: sgd"
        )


def chunks(steps, every):
    """(first step, length) of each program call: `every` steps, the last shorter."""
    return [(start, min(every, steps - start)) for start in range(0, steps, every)]


def train_dln(model, architecture, seed, settings, log=print, config=None):
    """Train one DLN from one seed by full-batch GD; return its history Dataset.

    The task and the parameters both come from `seed` (the task from numpy,
    the parameters from PRNGKey(seed)). `settings.epochs` is the number of
    steps; `settings.batch_size` does not apply (the batch is the whole set)."""
    check_settings(settings)
    tic = time.perf_counter()
    examples = settings.train_examples or EXAMPLES
    task = synthetic_task(seed, examples)
    net = build_dln(architecture)
    x, y = jnp.asarray(task["x"]), jnp.asarray(task["y"])
    variables = net.init(jax.random.PRNGKey(seed), x, train=False)
    params = variables["params"]
    state = {k: v for k, v in variables.items() if k != "params"}
    data = (state, x, y, jnp.float32(settings.learning_rate))
    multiples = jnp.asarray(settings.probe_multiples)
    parameter_count = count_params(params)

    steps, every = settings.epochs, settings.measure_every
    step_loss = np.full(steps, np.nan, np.float32)
    measured, diverged = [], None
    for start, length in chunks(steps, every or LOG_EVERY):
        if every:  # the chunk's first step is a multiple of measure_every
            measured.append(jax.device_get(measure_dln(params, *data, multiples, net=net)))
        params, losses = gd_steps(params, *data, net=net, steps=length)
        step_loss[start : start + length] = losses = np.asarray(losses)
        bad = np.flatnonzero(~np.isfinite(losses))
        if bad.size and diverged is None:
            where, value = start + int(bad[0]), losses[bad[0]]
            if settings.on_divergence == "stop":
                raise divergence_error(model, seed, settings.learning_rate, where, value)
            diverged = f"step {where} (loss {value})"
        log(
            f"model {model} seed {seed} step {start:>6}/{steps}  loss {losses[0]:.6g}  "
            f"{time.perf_counter() - tic:.1f} s"
        )
    final = float(final_loss_of(params, state, x, y, net=net))
    seconds = time.perf_counter() - tic
    log(f"model {model} seed {seed}: final loss {final:.6g} after {steps} steps, {seconds:.1f} s")

    ds = xr.Dataset(
        {
            "step_loss": (("step",), step_loss),
            "final_loss": ((), np.float32(final)),
            **_measure_arrays(measured),
        },
        coords={"step": np.arange(steps), **_measure_coords(measured, steps, settings, net)},
        attrs={
            "format": SCHEMA["format"],
            "format_version": SCHEMA["version"],
            "model": model,
            "seed": seed,
            "config": json.dumps(config or {}, sort_keys=True),
            "data_seed": seed,
            "data_sha256": task_digest(task),
            "examples": examples,
            "dim": DIM,
            "parameter_count": parameter_count,
            "diverged": diverged or "no",
            **provenance(),
            "wall_time_s": seconds,
        },
    )
    describe(ds, {**SCHEMA["coordinates"], **SCHEMA["variables"], **SCHEMA["measurements"]})
    return ds


# The measured variables' dims, from the history schema (less its coordinates).
MEASURE_DIMS = {
    name: tuple(spec["dims"])
    for name, spec in SCHEMA["measurements"].items()
    if spec["dims"] != [name]
}


def _measure_arrays(measured):
    """The measured steps' results, stacked; nothing when measure_every is 0."""
    if not measured:
        return {}
    stack = lambda key: np.stack([m[key] for m in measured]).astype(np.float32)  # noqa: E731
    return {name: (dims, stack(name)) for name, dims in MEASURE_DIMS.items()}


def _measure_coords(measured, steps, settings, net):
    if not measured:
        return {}
    dense = list(dense_names(net))
    return {
        "measure_step": np.arange(0, steps, settings.measure_every),
        "probe_step": settings.probe_multiples,
        "ics_layer": dense[1:],
        "dense_layer": dense,
    }


def run_dln(model, seed, config, output, log=print):
    """Train one DLN run from a resolved config and write its history to `output`."""
    use_cpu_numerics(config["training"]["cpu_numerics"])  # before JAX's backend starts
    check_writable(output)
    enable_compile_cache()
    settings = Settings.from_config(config)
    ds = train_dln(model, config["architecture"], seed, settings, log=log, config=config)
    write_history(ds, output)
    log(f"wrote {output} ({ds.attrs['wall_time_s']:.1f} s of training)")
    return ds
