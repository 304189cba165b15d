"""Where one training job's time goes: imports, reading the data, compiling,
the scanned steps and each split's evaluation.

Usage: python benchmarks/profile_run.py MODEL [EPOCHS [CORES [OVERRIDES_JSON]]]
e.g.   python benchmarks/profile_run.py batchnorm 4 1 '{"diagnostics": {"measure_every": 100}}'
Prints one JSON line of seconds (per-epoch parts: medians over epochs 2..E).
Needs results/data/mnist.nc; no compile cache, so the compile is seen.
"""

import json
import os
import statistics
import sys
import time
from functools import partial
from pathlib import Path

START = time.perf_counter()


def _timed(fn, *args):
    import jax

    tic = time.perf_counter()
    out = jax.block_until_ready(fn(*args))
    return out, time.perf_counter() - tic


def profile(model, epochs, overrides, mnist="results/data/mnist.nc"):
    import jax
    import jax.numpy as jnp
    import yaml

    from bnlab.data.mnist import load_mnist
    from bnlab.data.pixels import scale_pixels, scaling_stats
    from bnlab.spec.architecture import architectures, relu_inputs
    from bnlab.spec.config import validate_config
    from bnlab.train.evaluation import make_evaluate
    from bnlab.train.job import split_arrays
    from bnlab.train.landscape import probed_layers
    from bnlab.train.loop import create_train_state, on_device, train_epoch
    from bnlab.train.models import build_model
    from bnlab.train.settings import Settings

    out = {"imports": time.perf_counter() - START}
    config = yaml.safe_load(Path("config/config.yaml").read_text())
    for section, values in overrides.items():
        config[section].update(values)
    config["training"]["epochs"] = epochs
    config = validate_config(config)
    tic = time.perf_counter()
    ds = load_mnist(mnist)
    stats = scaling_stats(ds, config["data"]["pixel_scaling"])
    data = jax.device_put(split_arrays(ds))
    out["read_data"] = time.perf_counter() - tic
    settings = Settings.from_config(config)
    architecture = architectures(config["architectures"])[model]
    net = build_model(architecture)
    state = create_train_state(net, 42, settings)
    relu = relu_inputs(architecture)
    data, stats = on_device(data, stats)
    evaluators = {
        "train": make_evaluate(net, settings, True, relu),
        "test": make_evaluate(net, settings, False),
    }
    train_images = data["train_images"]
    epoch_fn = partial(
        train_epoch,
        images=train_images,
        labels=data["train_labels"],
        stats=stats["train"],
        probe=scale_pixels(train_images[: settings.probe_examples], stats["train"]),
        settings=settings,
        layers=probed_layers(architecture),
    )
    key, order = jax.random.PRNGKey(42), jnp.arange(len(data["train_labels"]))
    noise = jax.random.PRNGKey(1)

    def evaluate(split):
        images, labels = data[f"{split}_images"], data[f"{split}_labels"]
        return evaluators[split](state.variables, images, labels, stats[split])

    compile_s = {}
    for split in ("train", "test"):
        _, compile_s[f"eval_{split}"] = _timed(evaluate, split)
    parts = {"steps": [], "eval_train": [], "eval_test": []}
    for epoch in range(1, epochs + 1):
        record = epoch in settings.gradient_epochs
        (state, key, order, outs, measured), t = _timed(epoch_fn, state, key, order, noise, record)
        if epoch == 1:
            compile_s["epoch"] = t
        else:
            parts["steps"].append(t)
        for split in ("train", "test"):
            _, t = _timed(evaluate, split)
            if epoch > 1:
                parts[f"eval_{split}"].append(t)
    out["first_epoch_and_evals_incl_compile"] = compile_s
    out.update({k: statistics.median(v) for k, v in parts.items()})
    return out


if __name__ == "__main__":
    model = sys.argv[1]
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    if len(sys.argv) > 3:
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[: int(sys.argv[3])])
    overrides = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}
    print(json.dumps(profile(model, epochs, overrides)))
