"""Where one training job's time goes: imports, reading the data, compiling,
the scanned steps and each split's evaluation.

Usage: python benchmarks/profile_run.py MODEL [EPOCHS [CORES [OVERRIDES_JSON]]] [--mnist FILE]
e.g.   python benchmarks/profile_run.py batchnorm 4 1 '{"diagnostics": {"measure_every": 100}}'
Prints one JSON line of seconds (per-epoch parts: medians over epochs 2..E).
OVERRIDES_JSON updates sections of the default config (the tiny mode:
'{"training": {"train_examples": 500, "test_examples": 200}}').
Needs results/data/mnist.nc; no compile cache, so the compile is seen.
"""

import json
import statistics
import time

from common import MNIST, parser, pin, run_config

START = time.perf_counter()


def _timed(fn, *args):
    import jax

    tic = time.perf_counter()
    out = jax.block_until_ready(fn(*args))
    return out, time.perf_counter() - tic


def profile(model, epochs, overrides, mnist=MNIST):
    import jax

    from bnlab.data.mnist import load_mnist
    from bnlab.data.pixels import scaling_stats
    from bnlab.train.job import split_arrays
    from bnlab.train.loop import program, start
    from bnlab.train.settings import Settings

    out = {"imports": time.perf_counter() - START}
    training = {**overrides.get("training", {}), "epochs": epochs}
    config = run_config(model, **{**overrides, "training": training})
    train_cfg = config["training"]
    tic = time.perf_counter()
    ds = load_mnist(mnist)
    stats = scaling_stats(ds, config["data"]["pixel_scaling"])
    limits = (train_cfg["train_examples"], train_cfg["test_examples"])
    data = jax.device_put(split_arrays(ds, *limits))
    out["read_data"] = time.perf_counter() - tic
    settings = Settings.from_config(config)
    # What every seed of a training job shares: the net, the data and the programs.
    prog = program(model, config["architecture"], data, stats, settings)
    state, key, order, noise_root = start(prog, 42)

    def evaluate(split):
        images, labels = prog.data[f"{split}_images"], prog.data[f"{split}_labels"]
        return prog.evaluate[split](state.variables, images, labels, prog.stats[split])

    compile_s = {}
    for split in ("train", "test"):
        _, compile_s[f"eval_{split}"] = _timed(evaluate, split)
    parts = {"steps": [], "eval_train": [], "eval_test": []}
    for epoch in range(1, epochs + 1):
        record = epoch in settings.gradient_epochs
        noise = jax.random.fold_in(noise_root, epoch)
        (state, key, order, outs, measured), t = _timed(
            prog.epoch, state, key, order, noise, record, epoch in settings.monitor_epochs
        )
        if epoch == 1:
            compile_s["epoch"] = t
        else:
            parts["steps"].append(t)
        for split in ("train", "test"):
            _, t = _timed(evaluate, split)
            if epoch > 1:
                parts[f"eval_{split}"].append(t)
    out["first_epoch_and_evals_incl_compile"] = compile_s
    # Medians over epochs 2..E (a one-epoch run has none: null).
    out.update({k: statistics.median(v) if v else None for k, v in parts.items()})
    return out


if __name__ == "__main__":
    p = parser(__doc__)
    p.add_argument("--mnist", default=MNIST, help=f"the prepared MNIST file ({MNIST})")
    p.add_argument("model")
    p.add_argument("epochs", type=int, nargs="?", default=5)
    p.add_argument("cores", type=int, nargs="?")
    p.add_argument("overrides", type=json.loads, nargs="?", default={})
    args = p.parse_args()
    pin(args.cores)
    print(json.dumps(profile(args.model, args.epochs, args.overrides, args.mnist)))
