"""bnlab's training of one model, timed the same way as blog_style.py.

Usage: python benchmarks/bnlab_style.py MODEL EPOCHS [CORES]  (prints one JSON line)
CORES pins the process (e.g. 1 = one core) before JAX starts.
"""

import json
import os
import resource
import sys
import time


def main(model_name, epochs, mnist="results/data/mnist.nc"):
    from bnlab.data import load_mnist, normalization
    from bnlab.train_job import split_arrays
    from bnlab.training import Settings, train

    start = time.perf_counter()
    ds = load_mnist(mnist)
    stats = normalization(ds, "per_split")
    data = split_arrays(ds)
    run = train(model_name, 42, data, stats, Settings(epochs=epochs), log=lambda _: None)
    return {
        "approach": "bnlab",
        "model": model_name,
        "epochs": epochs,
        "run_s": time.perf_counter() - start,
        "epoch_s": run.seconds,
        "final_test_acc": float(run.evals[-1]["test"]["accuracy"]),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


if __name__ == "__main__":
    cores = int(sys.argv[3]) if len(sys.argv) > 3 else None
    if cores:
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:cores])
    result = main(sys.argv[1], int(sys.argv[2]))
    result["cores"] = len(os.sched_getaffinity(0))
    print(json.dumps(result))
