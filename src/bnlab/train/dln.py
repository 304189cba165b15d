"""The deep linear network testbed of Santurkar et al. 2018 (Appendix A.1, item 2).

Fit y = A x, A a 10 x 10 matrix of i.i.d. N(0, 1) entries and x ~ N(0, I), with
a product of k = 25 square matrices W_1 ... W_k (no activations), by minimising
A.1's ||W_1 ... W_k x - A x||^2 (mean over the output dims, summed over the
examples: `squared_error`) with full-batch gradient descent: 1,000
examples, 10,000 steps, learning rate 1e-6, Glorot initialization. Optionally a
BatchNorm (§2, Fig. 3b, 10) or an lp BatchNorm (§3.3, Fig. 13) follows every
hidden layer.

Every step is one gradient step on the whole set, so a run has no epochs,
minibatches or noise: `settings.epochs` counts steps. At every
`measure_every`-th step, before its update, the run measures §3.1's loss
landscape along the step (A.2.2 probes [1/100, 30] x the step), the effective
beta-smoothness and Definition 2.1's internal covariate shift of every layer
but the first, with the pure functions of bnlab.train.landscape.

Networks compute in the row-vector convention of flax: out = x @ K_0 @ ... @ K_k,
so the kernels' product fits A^T.
"""

import time
from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax

from bnlab.errors import BnlabError
from bnlab.train.landscape import (
    ics_forms,
    internal_covariate_shift,
    landscape,
    layer_index,
    tree_norm,
)
from bnlab.train.models import DIM, build_dln
from bnlab.train.settings import Settings

EXAMPLES = 1000  # A.1: "The size of the dataset is 1000 (same as the batch size)"
LOG_EVERY = 1000  # steps per progress line when nothing is measured


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


def squared_error(pred, y):
    """A.1's loss ||W_1 ... W_k x - A x||^2, averaged over the output dims and
    summed over the examples (the full batch).

    A.1 writes the loss of one x and gives no reduction over the batch. This
    reading is the one that puts the untrained loss where the paper's DLN axes
    start: E||A x||^2 = 10 and Glorot's product keeps E||W x||^2 = 10, so 1,000
    examples give about 1.1e4 (Fig. 3b plots 10^3 to 10^4, Fig. 5b 10^2 to
    10^4); the plain sum would start at 1.1e5, a per-example mean at 11. A sum
    over the dims as well is ten times this loss, and gradient descent on it
    at 1e-6 is the run on this one at 1e-5: there the baseline sat at the edge
    of stability (cos(G, G') below 0 on a tenth of the measured steps in 9 of
    10 seeds), while on this loss at 1e-6 it stays above 0.99 on nine tenths
    of them in 9 of 10 seeds, as Fig. 3b's standard network's does."""
    return jnp.sum(jnp.mean((pred - y) ** 2, axis=-1))


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
    """bnlab.train.landscape.internal_covariate_shift (Definition 2.1), with the G'
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


@dataclass(frozen=True)
class DLNResult:
    """One trained deep linear network: what bnlab.history.dln.dln_dataset writes."""

    model: str
    seed: int
    settings: Settings
    config: dict
    task: dict  # synthetic_task's arrays
    step_loss: np.ndarray  # (steps,), the loss before each step
    final_loss: float
    measured: list  # one dict per measured step (measure_dln), host arrays
    dense: tuple  # Dense_0 ... Dense_k
    parameter_count: int
    diverged: str | None
    seconds: float


def train_dln(model, architecture, seed, settings, log=print, config=None):
    """Train one DLN from one seed by full-batch GD; return a DLNResult.

    The task and the parameters both come from `seed` (the task from numpy,
    the parameters from PRNGKey(seed)). `settings.epochs` is the number of
    steps; `settings.batch_size` does not apply (the batch is the whole set)."""
    check_settings(settings)
    tic = time.perf_counter()
    task = synthetic_task(seed, settings.train_examples or EXAMPLES)
    net = build_dln(architecture)
    x, y = jnp.asarray(task["x"]), jnp.asarray(task["y"])
    variables = net.init(jax.random.PRNGKey(seed), x, train=False)
    params = variables["params"]
    state = {k: v for k, v in variables.items() if k != "params"}
    data = (state, x, y, jnp.float32(settings.learning_rate))
    multiples = jnp.asarray(settings.probe_multiples)
    parameter_count = sum(int(leaf.size) for leaf in jax.tree_util.tree_leaves(params))

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
    return DLNResult(
        model,
        seed,
        settings,
        config or {},
        task,
        step_loss,
        final,
        measured,
        dense_names(net),
        parameter_count,
        diverged,
        seconds,
    )
