"""bnlab's benchmark, calibrated on the machine at hand, in one run.

    python benchmarks/run.py [--out results/benchmarks/benchmark.json] [--mnist FILE]
    python benchmarks/run.py --tiny           (every phase on a few hundred examples)
    python benchmarks/run.py --table FILE     (print the Markdown table of a result file)
    python benchmarks/run.py --docs FILE      (put that table into docs/results.md)

Measures, each in its own process: the roof (XLA matmul GFLOP/s on 1 core, on
2 cores in one process and as two one-core processes at once, and the MLP's
own batch-32 step); per model, the blog-style loop, bnlab as one run on every
core, bnlab as two one-core runs side by side (how `snakemake --cores all`
runs it), and the PyTorch peer if torch is installed; the default study's
whole training phase through Snakemake in a scratch directory; training jobs
as blocks (a small multi-seed study built through Snakemake twice, one run per
job and one block of seeds per model); and vectorized seeds on one core (a
block of K seeds trained one after another and as one vmapped program). Every
time is set against the FLOP floor and the peers. Needs results/data/mnist.nc
(`snakemake --cores all results/data/mnist.nc`) and 2 cores; ~15 minutes.

--tiny runs every phase on a few hundred examples for one epoch, the default
study replaced by a tiny one, with a compile cache shared by every process
($BNLAB_JAX_CACHE, else .cache/jax): a check that the benchmark still runs (a
minute or two on 2 cores), whose times mean nothing.
"""

import argparse
import csv
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from common import blog_only_config
from roof import forward_flops_per_example, training_flops_per_example

HERE = Path(__file__).parent
ROOT = HERE.parent
MODELS = ("baseline", "batchnorm")
N_TRAIN, N_TEST, EPOCHS, RUNS = 60_000, 10_000, 20, 2 * 5  # models × seeds
DEFAULT_STUDY = {"runs": RUNS, "epochs": EPOCHS, "train_examples": N_TRAIN, "test_examples": N_TEST}


class Scale:
    """How big each phase is: the full benchmark's, or the tiny mode's."""

    def __init__(self, tiny=False):
        self.tiny = tiny
        # per model: the blog loop, bnlab, PyTorch; the tiny mode's default study
        self.epochs = 1 if tiny else EPOCHS
        self.examples = [500, 200] if tiny else [None, None]  # training, test
        self.roof_args = ["--size", 500, "--steps", 100] if tiny else []
        # blocks: the blog's models × seeds, through Snakemake twice
        self.block_seeds = [42, 0] if tiny else [42, 0, 1, 2, 3, 4]
        self.block_epochs = 1 if tiny else 2
        self.block_examples = [500, 200] if tiny else [12_000, None]
        # vectorized seeds: blocks of K seeds of the batchnorm MLP
        self.ks = [2] if tiny else [4, 8]
        self.vector_epochs = 1 if tiny else 2
        self.vector_examples = [500, 200] if tiny else [12_000, None]

    def data_args(self, examples=None):
        train, test = self.examples if examples is None else examples
        return [
            *(["--train-examples", train] if train else []),
            *(["--test-examples", test] if test else []),
        ]


def epoch_flops(n_train=N_TRAIN, n_test=N_TEST):
    """Matmul FLOPs of one epoch: training steps, then both splits evaluated."""
    return n_train * training_flops_per_example() + (n_train + n_test) * forward_flops_per_example()


def study_flops(runs=RUNS, epochs=EPOCHS, n_train=N_TRAIN, n_test=N_TEST):
    """A study's training phase: every run evaluates once before training."""
    evaluation = (n_train + n_test) * forward_flops_per_example()
    return runs * (epochs * epoch_flops(n_train, n_test) + evaluation)


ENV = dict(os.environ)  # the scripts' environment (main sets the compile cache)
MNIST = ["--mnist", "results/data/mnist.nc"]  # main sets the file


def _command(script, *args):
    data = MNIST if script != "roof.py" else []  # every other script reads MNIST
    return [sys.executable, str(HERE / script), *map(str, args), *data]


def _last_json(text):
    return json.loads(text.strip().splitlines()[-1])


def measure(script, *args):
    command = _command(script, *args)
    out = subprocess.run(command, capture_output=True, text=True, env=ENV)
    if out.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{out.stderr[-3000:]}")
    return _last_json(out.stdout)


def side_by_side(script, args):
    """`script` with args(core) on core 0 and core 1 at once: both results and the wall time."""
    tic = time.perf_counter()
    procs = [
        subprocess.Popen(_command(script, *args(core)), stdout=subprocess.PIPE, text=True, env=ENV)
        for core in (0, 1)
    ]
    results = [_last_json(p.communicate()[0]) for p in procs]
    if any(p.returncode for p in procs):
        sys.exit(f"{script} failed: {[p.args for p in procs if p.returncode]}")
    return results, time.perf_counter() - tic


def roofs(scale):
    extra = scale.roof_args
    one, two = measure("roof.py", 1, *extra), measure("roof.py", 2, *extra)
    pair, _ = side_by_side("roof.py", lambda core: (1, core, *extra))
    return {
        "matmul_1core": one["matmul"],
        "matmul_2cores": two["matmul"],
        "matmul_two_1core_processes": sum(r["matmul"] for r in pair),
        "mlp_step_1core": one["mlp_step"],
        "mlp_step_two_1core_processes": sum(r["mlp_step"] for r in pair),
    }


def per_epoch(result):
    """Mean seconds per epoch after the first (which compiles); with one epoch, that one."""
    seconds = result["epoch_s"][1:] or result["epoch_s"]
    return sum(seconds) / len(seconds)


def models(torch_epochs, scale):
    rows, epochs, data = {}, scale.epochs, scale.data_args()
    for model in MODELS:
        pair, wall = side_by_side("bnlab_style.py", lambda core: (model, epochs, 1, core, *data))  # noqa: B023
        rows[model] = {
            "blog_loop": measure("blog_style.py", model, epochs, *data),
            "bnlab_all_cores": measure("bnlab_style.py", model, epochs, 2, *data),
            "bnlab_pipeline": {
                "run_s": wall / 2,  # two runs finish in `wall`: the pipeline's cost per run
                "epoch_s_each": per_epoch(pair[0]),
                "peak_rss_mb": max(r["peak_rss_mb"] for r in pair),
            },
        }
        if torch_epochs:
            rows[model]["pytorch"] = measure("torch_style.py", model, torch_epochs, 2, *data)
    return rows


def check_default_study(config_file=ROOT / "config/config.yaml"):
    """The floor and the peers assume the default study: say so before any work."""
    from bnlab.spec.config import load_config

    config = load_config(Path(config_file), root="/")
    training, blog = config["training"], config["studies"]["blog"]
    study = (tuple(blog["model"]), len(blog["seed"]), training["epochs"])
    if (
        study != (MODELS, RUNS // len(MODELS), EPOCHS)
        or training["train_examples"]
        or blog["set"]
        or blog["grids"] != [{}]
    ):
        sys.exit(
            f"{config_file} is not the default study (models {list(MODELS)}, "
            f"{RUNS // len(MODELS)} seeds, {EPOCHS} epochs, all training examples); "
            f"the benchmark times that study: restore it (git checkout config/config.yaml)."
        )
    return histories(blog["seed"])


def histories(seeds):
    return [f"results/blog/histories/model={m}/seed{s}.nc" for m in MODELS for s in seeds]


def snakemake_command():
    """The snakemake beside this Python (the venv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "snakemake"
    return str(beside) if beside.is_file() else shutil.which("snakemake")


def blog_study_config(seeds, epochs, examples, **top):
    """config/config.yaml with only the blog study, on `seeds`, and training
    changed: the scratch config of the tiny study and the blocks phase."""
    config = blog_only_config()
    config["studies"]["blog"] = {"model": list(MODELS), "seed": list(seeds)}
    train, test = examples
    config["training"] = {
        **config.get("training", {}),
        "epochs": epochs,
        "train_examples": train,
        "test_examples": test,
    }
    return {**config, **top}


def build(scratch, targets, config=None):
    """`snakemake --cores all targets` in `scratch` (its config/config.yaml
    `config`, or the repository's config folder), with results/data/mnist.nc
    in place: the wall time. Each build has its own compile cache
    (scratch/.cache/jax), cold, as a first run's, unless the tiny mode shares one."""
    scratch = Path(scratch)
    if config is None:
        shutil.copytree(ROOT / "config", scratch / "config")
    else:
        (scratch / "config").mkdir(parents=True)
        (scratch / "config/config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    (scratch / "results/data").mkdir(parents=True)
    shutil.copy(MNIST[1], scratch / "results/data/mnist.nc")
    command = [
        *(snakemake_command(), "-s", str(ROOT / "Snakefile"), "-d", str(scratch)),
        *("--cores", "all", *targets),
    ]
    tic = time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True, env=ENV)
    if run.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{run.stdout[-3000:]}{run.stderr[-3000:]}")
    return time.perf_counter() - tic


def pipeline_phase(scale):
    """`snakemake --cores all` on the default config's 10 histories, in a
    scratch directory with a cold compile cache, as a first run does it (the
    tiny mode: a tiny study, one seed per model)."""
    with tempfile.TemporaryDirectory() as tmp:
        if scale.tiny:
            targets = histories([42])
            config = blog_study_config([42], scale.epochs, scale.examples)
            wall = build(tmp, targets, config)
        else:
            targets = check_default_study()
            wall = build(tmp, targets)
        return {"wall_s": wall, "runs": len(targets)}


def study_of(scale):
    """The training phase's study: the default one, or the tiny mode's."""
    if not scale.tiny:
        return DEFAULT_STUDY
    train, test = scale.examples
    return {
        "runs": len(MODELS),
        "epochs": scale.epochs,
        "train_examples": train,
        "test_examples": test,
    }


def block_build(scratch, scale, seeds_per_job):
    """The blocks phase's study built with `seeds_per_job`: its wall time, the
    jobs' core-seconds (each job's benchmark `s` times its threads), the runs'
    own seconds of training and evaluation (their histories' wall_time_s)."""
    from bnlab.history.read import load_history

    seeds = scale.block_seeds
    config = blog_study_config(
        seeds, scale.block_epochs, scale.block_examples, seeds_per_job=seeds_per_job
    )
    wall = build(scratch, histories(seeds), config)
    threads = config["training"].get("threads", 1)
    tsvs = sorted(Path(scratch).glob("results/benchmarks/train/blog/**/*.tsv"))
    job_s = []
    for tsv in tsvs:
        with open(tsv) as f:
            job_s += [float(row["s"]) * threads for row in csv.DictReader(f, delimiter="\t")]
    own = 0.0
    for path in histories(seeds):
        history = load_history(Path(scratch) / path)
        own += float(history.attrs["wall_time_s"])
        history.close()
    runs, core_s = len(histories(seeds)), sum(job_s)
    return {
        "seeds_per_job": seeds_per_job,
        "jobs": len(job_s),
        "runs": runs,
        "wall_s": wall,
        "job_core_s": core_s,
        "runs_own_s": own,
        "core_s_per_run": core_s / runs,
        "startup_share": (core_s - own) / core_s,
    }


def blocks_phase(scale):
    """The blog's models × seeds built twice, side by side in one run: one run
    per job, then one block of every seed per model."""
    out = {
        "models": list(MODELS),
        "seeds": len(scale.block_seeds),
        "epochs": scale.block_epochs,
        "train_examples": scale.block_examples[0],
        "test_examples": scale.block_examples[1],
        "builds": [],
    }
    for size in (1, len(scale.block_seeds)):
        with tempfile.TemporaryDirectory() as tmp:
            out["builds"].append(block_build(tmp, scale, size))
    return out


def vectorized_phase(scale, cache):
    train, test = scale.vector_examples
    args = [*scale.ks, "--model", "batchnorm", "--epochs", scale.vector_epochs]
    args += scale.data_args(scale.vector_examples)
    result = measure("vectorized.py", *args, *(["--compile-cache", cache] if cache else []))
    return {**result, "train_examples": train, "test_examples": test}


def machine():
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    import jax

    info = {"cpu": cpu, "cores": len(os.sched_getaffinity(0)), "jax": jax.__version__}
    try:
        import torch

        info["torch"] = torch.__version__
    except ImportError:
        info["torch"] = None
    return info


def ratios(result):
    """The numbers the issue asks for, from the measured times."""
    roof = result["roof"]
    floor_s = result["flops"]["study"] / (roof["matmul_two_1core_processes"] * 1e9)
    step_floor_s = result["flops"]["study"] / (roof["mlp_step_two_1core_processes"] * 1e9)
    pipeline = result["pipeline"]
    blog_runs = [rows["blog_loop"]["run_s"] for rows in result["models"].values()]
    out = {
        "study_floor_s": floor_s,
        "study_vs_floor": pipeline["wall_s"] / floor_s,
        # the same FLOPs at the MLP's own batch-32 step's roof
        "study_step_floor_s": step_floor_s,
        "study_vs_step_floor": pipeline["wall_s"] / step_floor_s,
        # the pipeline's wall time per run against the blog loop's mean run
        "study_run_vs_blog": sum(blog_runs)
        / len(blog_runs)
        / (pipeline["wall_s"] / pipeline["runs"]),
    }
    for model, rows in result["models"].items():
        blog, bnlab = rows["blog_loop"], rows["bnlab_pipeline"]
        out[f"{model}_run_vs_blog"] = blog["run_s"] / bnlab["run_s"]
        out[f"{model}_epoch_vs_blog"] = per_epoch(blog) / per_epoch(rows["bnlab_all_cores"])
        if "pytorch" in rows:
            out[f"{model}_epoch_vs_pytorch"] = per_epoch(rows["pytorch"]) / per_epoch(
                rows["bnlab_all_cores"]
            )
    if "blocks" in result:
        one, block = result["blocks"]["builds"]
        out["blocks_core_s_per_run_vs_one_run_jobs"] = (
            block["core_s_per_run"] / one["core_s_per_run"]
        )
    return out


def table(result):
    """Markdown: the per-model rows, then the study and the roof, then the
    blocks and vectorized seeds where the result has them."""
    r, m = result["ratios"], result["machine"]
    study = result.get("study", DEFAULT_STUDY)
    n_train, n_test = study["train_examples"], study["test_examples"]
    floor_epoch = epoch_flops(n_train, n_test) / (result["roof"]["matmul_2cores"] * 1e9)
    command = "python benchmarks/run.py" + (" --tiny" if result.get("tiny") else "")
    lines = [
        f"Measured {result['date']} on {m['cpu']}, {m['cores']} cores "
        f"(jax {m['jax']}, torch {m['torch'] or 'not installed'}), one run of "
        f"`{command}`.",
        "",
        "| model | approach | s/epoch | s/run | peak RSS MB | bnlab is faster by |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    if result.get("tiny"):
        lines[1:1] = ["", "**Tiny mode: a check that every phase runs; its times mean nothing.**"]
    for model, rows in result["models"].items():
        for name, row, speedup in [
            (
                "blog-style loop",
                rows["blog_loop"],
                f"{r[f'{model}_run_vs_blog']:.2f}x per run, side by side",
            ),
            ("PyTorch, 2 threads", rows.get("pytorch"), None),
            ("bnlab, 2 threads", rows["bnlab_all_cores"], "–"),
        ]:
            if row is None:
                continue
            if speedup is None:
                speedup = f"{r[f'{model}_epoch_vs_pytorch']:.2f}x per epoch, 2 threads each"
            run = f"{row['run_s']:.1f}" if row["epochs"] == study["epochs"] else "–"
            lines.append(
                f"| {model} | {name} | {per_epoch(row):.2f} | {run} | "
                f"{row['peak_rss_mb']:.0f} | {speedup} |"
            )
        pipe = rows["bnlab_pipeline"]
        lines.append(
            f"| {model} | bnlab, two 1-core runs side by side | {pipe['epoch_s_each']:.2f} each | "
            f"{pipe['run_s']:.1f} per run | {pipe['peak_rss_mb']:.0f} | – |"
        )
    lines += ["", study_paragraph(result, study, floor_epoch)]
    if "blocks" in result:
        lines += ["", *blocks_table(result)]
    if "vectorized" in result:
        lines += ["", *vectorized_table(result["vectorized"])]
    return "\n".join(lines) + "\n"


def study_paragraph(result, study, floor_epoch):
    r, roof, pipeline = result["ratios"], result["roof"], result["pipeline"]
    name = "Default study" if study == DEFAULT_STUDY else "Tiny study"
    examples = "" if study == DEFAULT_STUDY else f" on {study['train_examples']:,} examples"
    step_floor = (
        f", {r['study_vs_step_floor']:.2f}× its floor of {r['study_step_floor_s']:.0f} s at the "
        f"{roof['mlp_step_two_1core_processes']:.0f} GFLOP/s of two one-core processes of the "
        f"MLP's own batch-32 step"
        if "study_vs_step_floor" in r
        else ""
    )
    n_train, n_test = study["train_examples"], study["test_examples"]
    return (
        f"{name}'s training phase ({study['runs']} runs × {study['epochs']} epochs{examples}, "
        f"`snakemake --cores all`, {_cache(result)}): **{pipeline['wall_s']:.0f} s**, "
        f"{r['study_vs_floor']:.2f}× its FLOP floor of {r['study_floor_s']:.0f} s "
        f"({result['flops']['study'] / 1e12:.1f} TFLOP at the "
        f"{roof['matmul_two_1core_processes']:.0f} GFLOP/s of two one-core matmul processes)"
        f"{step_floor}; "
        f"{pipeline['wall_s'] / pipeline['runs']:.1f} s per run, "
        f"{r['study_run_vs_blog']:.2f}× faster than the blog loop's mean run. "
        f"Roof: {roof['matmul_1core']:.0f} GFLOP/s on one core, {roof['matmul_2cores']:.0f} on "
        f"two; the MLP's own batch-32 SGD step reaches {roof['mlp_step_1core']:.0f} on one "
        f"core. One epoch's floor on two cores: {floor_epoch:.2f} s "
        f"({epoch_flops(n_train, n_test) / 1e9:.0f} GFLOP)."
    )


def _cache(result):
    return "the tiny run's shared compile cache" if result.get("tiny") else "cold compile cache"


def _examples(train, test):
    return f"{train or N_TRAIN:,} training and {test or N_TEST:,} test examples"


def blocks_table(result):
    blocks, r = result["blocks"], result["ratios"]
    one, block = blocks["builds"]
    return [
        f"Training jobs as blocks (`seeds_per_job`): the blog's {len(blocks['models'])} models × "
        f"{blocks['seeds']} seeds, {blocks['epochs']} epochs on "
        f"{_examples(blocks['train_examples'], blocks['test_examples'])}, built by "
        f"`snakemake --cores all` twice in scratch directories ({_cache(result)}). A run's "
        f"own seconds are its history's `wall_time_s` (its training and evaluation, the "
        f"evaluation before training included); "
        f"the start-up share is the rest of its job's core-seconds. Per run, blocks take "
        f"{r['blocks_core_s_per_run_vs_one_run_jobs']:.2f}× the core-seconds of one-run jobs.",
        "",
        "| seeds_per_job | jobs | wall s | jobs' core-s | runs' own s | core-s per run "
        "| start-up share |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *(
            f"| {b['seeds_per_job']} | {b['jobs']} | {b['wall_s']:.1f} | {b['job_core_s']:.1f} | "
            f"{b['runs_own_s']:.1f} | {b['core_s_per_run']:.2f} | {b['startup_share']:.0%} |"
            for b in (one, block)
        ),
    ]


def vectorized_table(vectorized):
    v = vectorized
    return [
        f"Vectorized seeds on the CPU (`training.vectorize_seeds`): one block of K seeds of the "
        f"{v['model']} MLP, batch 32, Adam, {v['epochs']} epochs on "
        f"{_examples(v['train_examples'], v['test_examples'])}, on {v['cores']} core, trained "
        f"one after another and as one vmapped program, in one process after a warm-up.",
        "",
        "| seeds K | one after another, s/run | vmapped, s/run | vmapped / one after another |",
        "| --- | --- | --- | --- |",
        *(
            f"| {k} | {b['sequential_s_per_run']:.2f} | {b['vectorized_s_per_run']:.2f} | "
            f"{b['vectorized_vs_sequential']:.2f}× the time |"
            for k, b in v["blocks"].items()
        ),
    ]


DOCS = ROOT / "docs/results.md"
DOCS_BLOCK = (
    "<!-- benchmark table: python benchmarks/run.py --docs ",
    "<!-- end of benchmark table -->",
)


def docs_with_table(docs, result_file, result):
    """docs/results.md's text with the block between the markers replaced by `result`'s table."""
    start, end = DOCS_BLOCK
    head, rest = docs.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}{result_file} -->\n{table(result)}{end}{tail}"


def run(torch_epochs, scale, cache):
    study = study_of(scale)
    limits = (study["train_examples"], study["test_examples"])
    result = {
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "flops": {
            "epoch": epoch_flops(*limits),
            "study": study_flops(study["runs"], study["epochs"], *limits),
        },
    }
    if scale.tiny:
        result.update(tiny=True, study=study)
    phases = [
        ("roof", lambda: roofs(scale)),
        ("models", lambda: models(torch_epochs, scale)),
        ("pipeline", lambda: pipeline_phase(scale)),
        ("blocks", lambda: blocks_phase(scale)),
        ("vectorized", lambda: vectorized_phase(scale, cache)),
    ]
    for name, phase in phases:
        tic = time.perf_counter()
        result[name] = phase()
        print(f"{name} done in {time.perf_counter() - tic:.0f} s", flush=True)
    result["ratios"] = ratios(result)
    return result


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default="results/benchmarks/benchmark.json")
    parser.add_argument("--mnist", default="results/data/mnist.nc", help="the prepared MNIST file")
    parser.add_argument("--torch-epochs", type=int, default=5)
    parser.add_argument("--tiny", action="store_true", help="every phase tiny: a check it runs")
    parser.add_argument("--table", metavar="FILE", help="print the table of a result file")
    parser.add_argument("--docs", metavar="FILE", help="put the table of FILE into docs/results.md")
    args = parser.parse_args()
    if args.table:
        print(table(json.loads(Path(args.table).read_text())), end="")
        return
    if args.docs:
        result = json.loads(Path(args.docs).read_text())
        DOCS.write_text(docs_with_table(DOCS.read_text(), args.docs, result))
        return
    if not snakemake_command():
        sys.exit("snakemake not found: run from the project's venv (make setup)")
    scale = Scale(args.tiny)
    if not scale.tiny:
        check_default_study()
    if len(os.sched_getaffinity(0)) < 2 or not Path(args.mnist).is_file():
        sys.exit(f"needs 2 cores and {args.mnist}: snakemake --cores all results/data/mnist.nc")
    MNIST[1] = str(Path(args.mnist).resolve())
    cache = None
    for name in ("BNLAB_JAX_CACHE", "JAX_COMPILATION_CACHE_DIR"):
        ENV.pop(name, None)  # every measurement compiles afresh ...
    if scale.tiny and os.environ.get("BNLAB_JAX_CACHE", ".cache/jax"):
        # ... but the tiny mode's: one compile cache for all (an empty
        # BNLAB_JAX_CACHE turns it off)
        cache = str(Path(os.environ.get("BNLAB_JAX_CACHE", ".cache/jax")).resolve())
        ENV.update(BNLAB_JAX_CACHE=cache, JAX_COMPILATION_CACHE_DIR=cache)
    torch_epochs = args.torch_epochs if machine()["torch"] else 0
    result = run(min(torch_epochs, scale.epochs) if scale.tiny else torch_epochs, scale, cache)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    out.with_suffix(".md").write_text(table(result))
    print(table(result))


if __name__ == "__main__":
    main()
