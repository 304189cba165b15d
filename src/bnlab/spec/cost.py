"""The cost model for cluster requests and `bnlab plan`: estimated seconds of
every run and training job, from the run's config (pure data)."""

import json

from bnlab.spec.architecture import dense_widths

# The cost model for cluster requests and `bnlab plan`, measured on one core of
# a 2-core AMD EPYC VM (blog MLP, 12,000 images, batch sizes 8 to 512): an
# epoch costs 1.23 s per 60,000 images (training and evaluation, scaled for
# other widths by multiply-adds per image, or by the units whose outputs
# evaluation bins, whichever grows more: deep nets) plus 0.17 ms per optimizer
# step, so batch 8 costs 1.6x batch 32; the evaluation before training about
# 0.4 of an epoch's per-image time (0.69 s of the blog's 1.8 s epoch; 1.9 of
# 5.0 s at 12 hidden layers); each of Part 2's measurements about 15 ms (a
# Part 2 epoch measured every 100th step: 1.90 s, against 1.78 s unmeasured,
# 2026-12-07). Those are one job alone; with a job on every core each MLP run
# takes 1.24x as long (own seconds over this estimate in full builds: depth
# 1.24, batch 1.25, part2 1.24). Start-up (imports, JAX, mnist.nc) 5 s per
# job, 0.5 s per setting it trains (a Program) and 0.2 s per run (writing its
# history), fitted to the spanning blocks of depth, batch and the sweep.
# The monitor (diagnostics.monitor_every) inside the training program: 5.5 us
# per image and pass (Part 2's epoch 1, 188 monitored steps of 2,000 images:
# 2.05 s more than epoch 2 for the baseline, 4.5 s with BatchNorm's extra
# pass, 2026-12-07).
MONITOR_IMAGE_SECONDS = 5.5e-6
RUNNING_STATISTICS = ("batch", "noisy_batch", "lp_batch")
IMAGE_SECONDS = 1.23 / 60000
STEP_SECONDS = 0.17e-3
EVALUATION_EPOCHS = 0.4
MEASUREMENT_SECONDS = 0.015
ALL_CORES_BUSY = 1.24
START_SECONDS = 5
SETTING_SECONDS = 0.5
RUN_START_SECONDS = 0.2
BLOG_MACS = 784 * 256 + 256 * 128 + 128 * 64 + 64 * 10
BLOG_UNITS = 2 * (256 + 128 + 64) + 10  # the baseline's Dense and ReLU outputs


def recorded_units(architecture):
    """Units of the Dense and ReLU outputs the evaluation bins into histograms
    (a normalization's outputs add about as much at every depth)."""
    relu = architecture["activation"] == "relu"
    return sum(dense_widths(architecture)) + (sum(architecture["widths"]) if relu else 0)


def macs(architecture):
    sizes = (784, *architecture["widths"], 10)
    return sum(a * b for a, b in zip(sizes, sizes[1:], strict=False))


# The deep linear network (bnlab.train.dln), same machine, 1,000 examples: a
# full-batch step costs about 0.05 ms per layer without normalization and 0.1 ms
# with BatchNorm or lp (25 layers: 1.2, 2.1 and 2.7 ms); a measurement about 45 steps.
DLN_LAYER_STEP_SECONDS = {"none": 0.05e-3, "normalized": 0.1e-3}
DLN_MEASUREMENT_STEPS = 45


def deep_linear_seconds(run_cfg):
    """Estimated wall time of one deep-linear-network run on one core."""
    architecture, every = run_cfg["architecture"], run_cfg["diagnostics"]["measure_every"]
    normalized = "none" if architecture["normalization"] == "none" else "normalized"
    scale = (run_cfg["training"]["train_examples"] or 1000) / 1000
    step = DLN_LAYER_STEP_SECONDS[normalized] * (len(architecture["widths"]) + 1) * scale
    steps = run_cfg["training"]["epochs"]  # one full-batch step per epoch
    measurements = -(-steps // every) if every else 0
    return (steps + measurements * DLN_MEASUREMENT_STEPS) * step


def run_seconds(run_cfg):
    """Estimated wall time of one run on one core, less the job's start-up."""
    if run_cfg["training"].get("task") == "deep_linear":
        return deep_linear_seconds(run_cfg)
    training, every = run_cfg["training"], run_cfg["diagnostics"]["measure_every"]
    images = training["train_examples"] or 60000
    steps = -(-images // training["batch_size"])
    architecture = run_cfg["architecture"]
    work = max(macs(architecture) / BLOG_MACS, recorded_units(architecture) / BLOG_UNITS, 0.25)
    passes = images * IMAGE_SECONDS * work  # one epoch's training and evaluation
    epoch = passes + steps * STEP_SECONDS
    epoch += (steps / every) * MEASUREMENT_SECONDS if every else 0
    watched = monitor_seconds(run_cfg, steps, work)
    return ALL_CORES_BUSY * (training["epochs"] * epoch + EVALUATION_EPOCHS * passes + watched)


def monitor_seconds(run_cfg, steps, work):
    """The monitor's seconds in a run (diagnostics.monitor_every): at each
    monitored step an evaluation pass of its images, and a pass before it that
    recomputes BatchNorm's statistics where the model keeps any."""
    diagnostics = run_cfg["diagnostics"]
    every = diagnostics.get("monitor_every")
    if not every:
        return 0
    monitored = len(diagnostics["monitor_epochs"]) * -(-steps // every)
    passes = 2 if run_cfg["architecture"]["normalization"] in RUNNING_STATISTICS else 1
    return monitored * passes * diagnostics["monitor_examples"] * MONITOR_IMAGE_SECONDS * work


def block_seconds(run_cfgs):
    """Estimated wall time of one training job (a block of runs) on one core:
    one start-up, a Program per setting (distinct run config), then each run."""
    settings = len({json.dumps(c, sort_keys=True) for c in run_cfgs})
    runs = sum(run_seconds(c) + RUN_START_SECONDS for c in run_cfgs)
    return int(START_SECONDS + SETTING_SECONDS * settings + runs)


def train_minutes(run_cfgs):
    """SLURM runtime of one training job: three times the estimate, plus 5 minutes."""
    return 5 + 3 * block_seconds(run_cfgs) // 60
