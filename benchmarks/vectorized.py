"""Vectorized seeds on the CPU: one block of K seeds of one model trained one
after another (bnlab.train.loop.train_seed per seed, one shared Program) and
as one vmapped program (bnlab.train.vectorized.train_seeds), in this process,
after a warm-up that compiles both.

Usage: python benchmarks/vectorized.py K [K ...] [--model batchnorm] [--epochs E]
           [--cores C [--first F]] [--compile-cache DIR]
           [--mnist FILE] [--train-examples N] [--test-examples N]   (prints one JSON line)
Batch 32 and Adam (the defaults); C cores (default 1: one training job's
share). The seeds of a block share one Program (its optimizer included), so
only the first run of each kind compiles; a persistent compile cache (a
scratch folder unless --compile-cache names one) serves later processes.
"""

import json
import os
import tempfile
import time

from common import data_options, parser, pin, run_config


def main(ks, model, epochs, mnist, train_examples, test_examples, cache):
    from bnlab.data.mnist import load_mnist
    from bnlab.train.job import enable_compile_cache, mlp_program
    from bnlab.train.loop import train_seed
    from bnlab.train.settings import Settings
    from bnlab.train.vectorized import train_seeds

    os.environ["BNLAB_JAX_CACHE"] = cache
    enable_compile_cache()
    training = {"epochs": epochs, "train_examples": train_examples, "test_examples": test_examples}
    config = run_config(model, training=training)
    settings = Settings.from_config(config)
    prog, _ = mlp_program(model, config, load_mnist(mnist), settings)
    quiet = lambda _: None  # noqa: E731
    tic = time.perf_counter()
    warm = 1000  # the warm-up's seeds: not the measured ones
    train_seed(prog, warm, quiet)
    for k in ks:  # each block size is its own vmapped program
        train_seeds(prog, list(range(warm, warm + k)), quiet)
    out = {"model": model, "epochs": epochs, "warmup_s": time.perf_counter() - tic, "blocks": {}}
    for k in ks:
        seeds = list(range(k))
        tic = time.perf_counter()
        for seed in seeds:
            train_seed(prog, seed, quiet)
        sequential = (time.perf_counter() - tic) / k
        tic = time.perf_counter()
        train_seeds(prog, seeds, quiet)
        vectorized = (time.perf_counter() - tic) / k
        out["blocks"][str(k)] = {
            "sequential_s_per_run": sequential,
            "vectorized_s_per_run": vectorized,
            "vectorized_vs_sequential": vectorized / sequential,
        }
    return out


if __name__ == "__main__":
    p = data_options(parser(__doc__))
    p.add_argument("ks", type=int, nargs="+", metavar="K")
    p.add_argument("--model", default="batchnorm")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--cores", type=int, default=1)
    p.add_argument("--first", type=int, default=0)
    p.add_argument("--compile-cache", help="a persistent compile cache (default: a scratch one)")
    args = p.parse_args()
    cores = pin(args.cores, args.first)
    limits = (args.mnist, args.train_examples, args.test_examples)
    with tempfile.TemporaryDirectory() as tmp:
        result = main(args.ks, args.model, args.epochs, *limits, args.compile_cache or tmp)
    print(json.dumps({**result, "cores": cores}))
