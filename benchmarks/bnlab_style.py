"""bnlab's training of one model, timed the same way as blog_style.py.

Usage: python benchmarks/bnlab_style.py MODEL EPOCHS [CORES [FIRST]]
           [--mnist FILE] [--train-examples N] [--test-examples N]   (prints one JSON line)
CORES pins the process to that many cores, starting at core FIRST (default 0),
before JAX starts.
"""

import json
import os
import resource
import tempfile
import time

from common import data_options, parser, pin, run_config


def main(model_name, epochs, mnist, train_examples=None, test_examples=None):
    """Exactly what a training job does (history written), with a cold compile
    cache; the epoch times and accuracy are read back from the history."""
    os.environ["BNLAB_JAX_CACHE"] = ""
    from bnlab.history.read import load_history
    from bnlab.train.job import run_training

    config = run_config(
        model_name,
        data={"pixel_scaling": "per_split"},
        training={
            "epochs": epochs,
            "train_examples": train_examples,
            "test_examples": test_examples,
        },
    )
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        run_training(model_name, 42, mnist, config, f"{tmp}/h.nc", log=lambda _: None)
        run_s = time.perf_counter() - start
        history = load_history(f"{tmp}/h.nc")
        epoch_s = json.loads(history.attrs["epoch_seconds"])
        final_test_acc = float(history.test_accuracy[-1])
        history.close()
    return {
        "approach": "bnlab",
        "model": model_name,
        "epochs": epochs,
        "run_s": run_s,
        "epoch_s": epoch_s,
        "final_test_acc": final_test_acc,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


if __name__ == "__main__":
    p = data_options(parser(__doc__))
    p.add_argument("model")
    p.add_argument("epochs", type=int)
    p.add_argument("cores", type=int, nargs="?")
    p.add_argument("first", type=int, nargs="?", default=0)
    args = p.parse_args()
    cores = pin(args.cores, args.first)
    result = main(args.model, args.epochs, args.mnist, args.train_examples, args.test_examples)
    result["cores"] = cores
    print(json.dumps(result))
