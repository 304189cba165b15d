"""bnlab's training of one model, timed the same way as blog_style.py.

Usage: python benchmarks/bnlab_style.py MODEL EPOCHS [CORES [FIRST]]  (prints one JSON line)
CORES pins the process to that many cores, starting at core FIRST (default 0),
before JAX starts.
"""

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path


def main(model_name, epochs, mnist="results/data/mnist.nc"):
    """Exactly what a training job does (history written), with a cold compile cache."""
    os.environ["BNLAB_JAX_CACHE"] = ""
    import yaml

    from bnlab.spec.architecture import architectures
    from bnlab.spec.config import validate_config
    from bnlab.train.job import run_training

    config = yaml.safe_load(Path("config/config.yaml").read_text())
    config["data"]["pixel_scaling"] = "per_split"
    config["training"]["epochs"] = epochs
    config = validate_config(config)
    config["architecture"] = architectures(config["architectures"])[model_name]
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        run = run_training(model_name, 42, mnist, config, f"{tmp}/h.nc", log=lambda _: None)
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
    first = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    if cores:
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[first : first + cores])
    result = main(sys.argv[1], int(sys.argv[2]))
    result["cores"] = len(os.sched_getaffinity(0))
    print(json.dumps(result))
