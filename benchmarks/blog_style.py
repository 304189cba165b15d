"""The blog's way of training, re-implemented for timing: a jitted step called
from Python for every minibatch, every layer's raw outputs kept for every
epoch, every step's gradients kept for the first epoch.

Usage: python benchmarks/blog_style.py MODEL EPOCHS
           [--mnist FILE] [--train-examples N] [--test-examples N]   (prints one JSON line)
"""

import json
import resource
import time

import jax
import jax.numpy as jnp
import optax
from common import MNIST, data_options, parser

from bnlab.data.mnist import load_mnist
from bnlab.data.pixels import scale_pixels, scaling_stats
from bnlab.spec.architecture import architectures
from bnlab.train.models import build_model, init_variables


def main(
    model_name,
    epochs,
    mnist=MNIST,
    train_examples=None,
    test_examples=None,
    batch_size=32,
    seed=42,
):
    ds = load_mnist(mnist)
    stats = scaling_stats(ds, "per_split")
    train, test = slice(train_examples), slice(test_examples)
    x_train = jnp.asarray(scale_pixels(ds.train_images.values[train], stats["train"]))
    x_test = jnp.asarray(scale_pixels(ds.test_images.values[test], stats["test"]))
    y_train = jnp.asarray(ds.train_labels.values[train])
    y_test = jnp.asarray(ds.test_labels.values[test])
    del ds
    model = build_model(architectures()[model_name])
    variables = init_variables(model, jax.random.PRNGKey(seed))
    params, batch_stats = variables["params"], variables.get("batch_stats", {})
    tx = optax.adam(1e-3)
    opt_state = tx.init(params)

    @jax.jit
    def step(params, batch_stats, opt_state, x, y):
        def loss_fn(p):
            (logits, _), upd = model.apply(
                {"params": p, "batch_stats": batch_stats}, x, train=True, mutable=["batch_stats"]
            )
            loss = optax.softmax_cross_entropy(logits, jax.nn.one_hot(y, 10)).mean()
            return loss, upd.get("batch_stats", batch_stats)

        grads, batch_stats = jax.grad(loss_fn, has_aux=True)(params)
        updates, opt_state = tx.update(grads, opt_state, params)
        return grads, optax.apply_updates(params, updates), batch_stats, opt_state

    @jax.jit
    def evaluate(params, batch_stats, x, y):
        logits, outputs = model.apply({"params": params, "batch_stats": batch_stats}, x)
        return (logits.argmax(-1) == y).mean(), outputs

    start = time.perf_counter()
    outputs_history, grads_history, epoch_seconds = [], [], []
    acc, outputs = evaluate(params, batch_stats, x_train, y_train)
    evaluate(params, batch_stats, x_test, y_test)
    outputs_history.append(outputs)
    key, n = jax.random.PRNGKey(seed), x_train.shape[0]
    for epoch in range(epochs):
        tic = time.perf_counter()
        key, sub = jax.random.split(key)
        perm = jax.random.permutation(sub, n)
        x_train, y_train = x_train[perm], y_train[perm]
        for i in range(0, n, batch_size):
            grads, params, batch_stats, opt_state = step(
                params,
                batch_stats,
                opt_state,
                x_train[i : i + batch_size],
                y_train[i : i + batch_size],
            )
            if epoch == 0:
                grads_history.append(grads)
        acc, outputs = evaluate(params, batch_stats, x_train, y_train)
        test_acc, _ = evaluate(params, batch_stats, x_test, y_test)
        outputs_history.append(outputs)
        float(test_acc)  # wait for the epoch's work
        epoch_seconds.append(time.perf_counter() - tic)
    return {
        "approach": "blog-style loop",
        "model": model_name,
        "epochs": epochs,
        "run_s": time.perf_counter() - start,
        "epoch_s": epoch_seconds,
        "final_test_acc": float(test_acc),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


if __name__ == "__main__":
    p = data_options(parser(__doc__))
    p.add_argument("model")
    p.add_argument("epochs", type=int)
    args = p.parse_args()
    print(
        json.dumps(
            main(args.model, args.epochs, args.mnist, args.train_examples, args.test_examples)
        )
    )
