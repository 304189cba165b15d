"""Part 2's cost: one measured step, piece by piece, against a plain step.

Usage: python benchmarks/profile_measure.py [MODEL [CORES]]  (prints one JSON line of ms)
Part 2's settings (SGD, its learning rate, the default probes) on random
batches; each piece is jitted alone and timed at its best of 5.
"""

import json
import os
import sys

from roof import best_seconds


def best_ms(fn, *args):
    return 1000 * best_seconds(fn, *args)


def profile(model):
    import jax
    import jax.numpy as jnp
    import numpy as np

    from bnlab.spec.architecture import architectures
    from bnlab.train.epoch import create_train_state, loss_fn, train_step
    from bnlab.train.landscape import (
        internal_covariate_shift,
        landscape,
        measure,
        probed_layers,
        unit_percentiles,
    )
    from bnlab.train.models import build_model
    from bnlab.train.settings import Settings

    architecture = architectures()[model]
    settings = Settings.with_defaults(optimizer="sgd", learning_rate=0.3, measure_every=100)
    net = build_model(architecture)
    state = create_train_state(net, 0, settings)
    layers = probed_layers(architecture)
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(size=(settings.batch_size, 784)), jnp.float32)
    y = jnp.asarray(rng.integers(0, 10, settings.batch_size), jnp.int32)
    probe = jnp.asarray(rng.normal(size=(settings.probe_examples, 784)), jnp.float32)
    key = jax.random.PRNGKey(0)
    loss_of = lambda p: loss_fn(p, state, x, y, key)[0]  # noqa: E731
    grads = jax.grad(loss_of)(state.params)
    updates, _ = state.tx.update(grads, state.opt_state, state.params)
    multiples = jnp.asarray(settings.probe_multiples)

    def hundred_steps(state):
        def body(s, _):
            return train_step(s, x, y, key, False, settings.tracked_parameter)[0], None

        return jax.lax.scan(body, state, None, length=100)[0].params

    def probe_outputs(state):
        (_, outputs), _ = state.apply_fn(
            state.variables, probe, train=True, mutable=["batch_stats"], rngs={"noise": key}
        )
        return outputs

    def measure_all(state):
        loss_of = lambda p: loss_fn(p, state, x, y, key)[0]  # noqa: E731
        return measure(state, loss_of, key, jax.random.fold_in(key, 1), probe, settings, layers)

    outputs = jax.jit(probe_outputs)(state)
    pieces = {
        "plain_step": best_ms(jax.jit(hundred_steps), state) / 100,
        "measure_all": best_ms(jax.jit(measure_all), state),
        "gradient": best_ms(jax.jit(jax.grad(loss_of)), state.params),
        "landscape": best_ms(
            jax.jit(lambda p: landscape(jax.value_and_grad(loss_of), p, grads, updates, multiples)),
            state.params,
        ),
        "ics": best_ms(
            jax.jit(
                lambda p: internal_covariate_shift(jax.grad(loss_of), p, grads, updates, layers.ics)
            ),
            state.params,
        ),
        "probe_forward": best_ms(jax.jit(probe_outputs), state),
        "percentiles": best_ms(
            jax.jit(
                lambda o: unit_percentiles(
                    o, layers.relu_inputs, settings.percentiles, layers.width
                )
            ),
            outputs,
        ),
    }
    pieces["measured_step_vs_plain"] = pieces["measure_all"] / pieces["plain_step"]
    return pieces


if __name__ == "__main__":
    model = sys.argv[1] if len(sys.argv) > 1 else "batchnorm"
    cores = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:cores])
    print(json.dumps({"model": model, **profile(model)}))
