"""What portable CPU numerics cost: seconds per epoch of the default models,
native against portable, measured side by side in one run (docs/reproducibility.md).

Usage: python benchmarks/numerics.py [EPOCHS [ROUNDS]]   (prints a Markdown table)
Each measurement is its own process pinned to core 0, since XLA's flags are
fixed when JAX starts; rounds interleave the settings so drift hits all alike.
"""

import json
import os
import statistics
import subprocess
import sys

# (model, training.cpu_numerics, diagnostics.eval_chunk): portable mode needs
# chunks of at most 256 rows, so native at 250 separates the two effects.
SETTINGS = [
    ("baseline", "native", 1000),
    ("baseline", "native", 250),
    ("baseline", "portable", 250),
    ("batchnorm", "native", 1000),
    ("batchnorm", "portable", 250),
]

ONE_RUN = """
import json, sys, tempfile
from bnlab.spec.architecture import architectures
from bnlab.spec.config import validate_config
from bnlab.train.job import run_training
model, mode, chunk, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
config = validate_config({"training": {"epochs": epochs, "cpu_numerics": mode},
                          "diagnostics": {"eval_chunk": chunk, "probe_examples": 256}})
config["architecture"] = architectures({})[model]
with tempfile.TemporaryDirectory() as tmp:
    quiet = lambda line: None
    run = run_training(model, 42, "results/data/mnist.nc", config, tmp + "/h.nc", log=quiet)
print(json.dumps(run.seconds))
"""


def epoch_seconds(model, mode, chunk, epochs):
    """Seconds of each epoch after the first (which compiles), cold compile cache."""
    out = subprocess.run(
        ["taskset", "-c", "0", sys.executable, "-c", ONE_RUN, model, mode, str(chunk), str(epochs)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "BNLAB_JAX_CACHE": "", "XLA_FLAGS": ""},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])[1:]


def main(epochs=3, rounds=2):
    times = {s: [] for s in SETTINGS}
    for _ in range(rounds):
        for setting in SETTINGS:
            times[setting] += epoch_seconds(*setting, epochs)
    native = {m: statistics.median(times[(m, "native", 1000)]) for m in ("baseline", "batchnorm")}
    print("| model | cpu_numerics | eval_chunk | s/epoch (median) | range | vs native, 1000 |")
    print("| --- | --- | --- | --- | --- | --- |")
    for (model, mode, chunk), ts in times.items():
        median = statistics.median(ts)
        print(
            f"| {model} | {mode} | {chunk} | {median:.2f} | {min(ts):.2f}–{max(ts):.2f} "
            f"| {median / native[model]:.2f}x |"
        )


if __name__ == "__main__":
    main(*map(int, sys.argv[1:]))
