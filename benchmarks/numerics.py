"""What portable CPU numerics cost: seconds per epoch of the default models,
native against portable, measured side by side in one run (docs/reproducibility.md).

Usage: python benchmarks/numerics.py [EPOCHS [ROUNDS]]
           [--mnist FILE] [--train-examples N] [--test-examples N]   (prints a Markdown table)
Each measurement is its own process pinned to one core (the first this process
may use), since XLA's flags are fixed when JAX starts; rounds interleave the
settings so drift hits all alike.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile

from common import data_options, parser, run_config

# (model, training.cpu_numerics, diagnostics.eval_chunk): portable mode needs
# chunks of at most 256 rows, so native at 250 separates the two effects.
SETTINGS = [
    ("baseline", "native", 1000),
    ("baseline", "native", 250),
    ("baseline", "portable", 250),
    ("batchnorm", "native", 1000),
    ("batchnorm", "portable", 250),
]


def one_run(model, mode, chunk, epochs, mnist, train_examples=None, test_examples=None):
    """Each epoch's seconds of one training job (history written), read back from its history."""
    config = run_config(
        model,
        training={
            "epochs": epochs,
            "cpu_numerics": mode,
            "train_examples": train_examples,
            "test_examples": test_examples,
        },
        diagnostics={"eval_chunk": chunk, "probe_examples": 256},
    )
    from bnlab.history.read import load_history
    from bnlab.train.job import run_training

    with tempfile.TemporaryDirectory() as tmp:
        run_training(model, 42, mnist, config, tmp + "/h.nc", log=lambda line: None)
        history = load_history(tmp + "/h.nc")
        seconds = json.loads(history.attrs["epoch_seconds"])
        history.close()
    return seconds


def epoch_seconds(model, mode, chunk, epochs, limits=()):
    """Seconds of each epoch after the first (which compiles), cold compile cache
    (with one epoch, that one)."""
    out = subprocess.run(
        [
            *("taskset", "-c", str(sorted(os.sched_getaffinity(0))[0])),
            *(sys.executable, __file__, "--one-run", model, mode, str(chunk), str(epochs)),
            *limits,
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "BNLAB_JAX_CACHE": "", "XLA_FLAGS": ""},
    )
    seconds = json.loads(out.stdout.strip().splitlines()[-1])
    return seconds[1:] or seconds


def main(epochs=3, rounds=2, limits=()):
    times = {s: [] for s in SETTINGS}
    for _ in range(rounds):
        for setting in SETTINGS:
            times[setting] += epoch_seconds(*setting, epochs, limits)
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
    p = data_options(parser(__doc__))
    p.add_argument("--one-run", nargs=4, metavar=("MODEL", "MODE", "CHUNK", "EPOCHS"))
    p.add_argument("epochs", type=int, nargs="?", default=3)
    p.add_argument("rounds", type=int, nargs="?", default=2)
    args = p.parse_args()
    limits = (args.mnist, args.train_examples, args.test_examples)
    if args.one_run:
        model, mode, chunk, epochs = args.one_run
        print(json.dumps(one_run(model, mode, int(chunk), int(epochs), *limits)))
    else:
        options = [f"--mnist={args.mnist}"]
        options += [f"--train-examples={args.train_examples}"] * bool(args.train_examples)
        options += [f"--test-examples={args.test_examples}"] * bool(args.test_examples)
        main(args.epochs, args.rounds, options)
