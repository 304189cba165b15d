"""The machine's roof, measured with XLA: float32 GFLOP/s of a large matmul,
and of the MLP's own batch-32 training step (forward, backward, plain SGD),
in this process on the cores it is pinned to.

Usage: python benchmarks/roof.py CORES [FIRST] [--size N] [--steps N]  (prints one JSON line)
(--size: the matmul's N x N operands; --steps: the MLP's scanned steps; the
tiny mode makes both small.)
"""

import argparse
import json
import os
import time

SIZE = 2000
WIDTHS = (784, 256, 128, 64, 10)


def best_seconds(fn, *args, repeats=5):
    import jax

    jax.block_until_ready(fn(*args))  # compile
    times = []
    for _ in range(repeats):
        tic = time.perf_counter()
        jax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - tic)
    return min(times)


def training_flops_per_example(widths=WIDTHS):
    """Matmul FLOPs of one example's training step: forward (2 per
    multiply-add), weight gradients (as many), input gradients of every layer
    but the first (nothing needs the gradient of the images)."""
    macs = [a * b for a, b in zip(widths, widths[1:], strict=False)]
    return 2 * sum(macs) + 2 * sum(macs) + 2 * sum(macs[1:])


def forward_flops_per_example(widths=WIDTHS):
    return 2 * sum(a * b for a, b in zip(widths, widths[1:], strict=False))


def matmul_gflops(size=SIZE):
    import jax
    import jax.numpy as jnp

    a = jnp.ones((size, size), jnp.float32)
    return 2 * size**3 / best_seconds(jax.jit(jnp.matmul), a, a) / 1e9


def mlp_step_gflops(steps=1875, batch=32):
    """Plain-SGD steps of the MLP in a lax.scan: the best this model's
    shapes reach, without optimizer state or data handling."""
    import jax

    key = jax.random.PRNGKey(0)
    weights = [
        jax.random.normal(key, (a, b)) * 0.05 for a, b in zip(WIDTHS, WIDTHS[1:], strict=False)
    ]
    images = jax.random.normal(key, (steps, batch, WIDTHS[0]))

    def loss(weights, x):
        for w in weights[:-1]:
            x = jax.nn.relu(x @ w)
        return (x @ weights[-1]).sum()

    def step(weights, x):
        grads = jax.grad(loss)(weights, x)
        return [w - 1e-3 * g for w, g in zip(weights, grads, strict=True)], None

    scan = jax.jit(lambda w, xs: jax.lax.scan(step, w, xs)[0])
    return training_flops_per_example() * steps * batch / best_seconds(scan, weights, images) / 1e9


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cores", type=int)
    parser.add_argument("first", type=int, nargs="?", default=0)
    parser.add_argument("--size", type=int, default=SIZE)
    parser.add_argument("--steps", type=int, default=1875)
    args = parser.parse_args()
    allowed = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, allowed[args.first : args.first + args.cores])
    result = {"matmul": matmul_gflops(args.size), "mlp_step": mlp_step_gflops(args.steps)}
    print(json.dumps({"cores": args.cores, **result}))
