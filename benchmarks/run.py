"""bnlab's benchmark, calibrated on the machine at hand, in one run.

    python benchmarks/run.py [--out results/benchmarks/benchmark.json]
    python benchmarks/run.py --table FILE     (print the Markdown table of a result file)
    python benchmarks/run.py --readme FILE    (put that table into README.md)

Measures, each in its own process: the roof (XLA matmul GFLOP/s on 1 core, on
2 cores in one process and as two one-core processes at once, and the MLP's
own batch-32 step); per model, the blog-style loop, bnlab as one run on every
core, bnlab as two one-core runs side by side (how `snakemake --cores all`
runs it), and the PyTorch peer if torch is installed; then the default
study's whole training phase through Snakemake in a scratch directory. Every
time is set against the FLOP floor and the peers. Needs results/data/mnist.nc
(`snakemake --cores all results/data/mnist.nc`) and 2 cores; ~10 minutes.
"""

import argparse
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

from roof import forward_flops_per_example, training_flops_per_example

HERE = Path(__file__).parent
ROOT = HERE.parent
MODELS = ("baseline", "batchnorm")
N_TRAIN, N_TEST, EPOCHS, RUNS = 60_000, 10_000, 20, 2 * 5  # models × seeds


def epoch_flops(n_train=N_TRAIN, n_test=N_TEST):
    """Matmul FLOPs of one epoch: training steps, then both splits evaluated."""
    return n_train * training_flops_per_example() + (n_train + n_test) * forward_flops_per_example()


def study_flops(runs=RUNS, epochs=EPOCHS):
    """The default study's training phase: every run evaluates once before training."""
    evaluation = (N_TRAIN + N_TEST) * forward_flops_per_example()
    return runs * (epochs * epoch_flops() + evaluation)


def _command(script, *args):
    return [sys.executable, str(HERE / script), *map(str, args)]


def _last_json(text):
    return json.loads(text.strip().splitlines()[-1])


def measure(script, *args):
    out = subprocess.run(_command(script, *args), capture_output=True, text=True, check=True)
    return _last_json(out.stdout)


def side_by_side(script, args):
    """`script` with args(core) on core 0 and core 1 at once: both results and the wall time."""
    tic = time.perf_counter()
    procs = [
        subprocess.Popen(_command(script, *args(core)), stdout=subprocess.PIPE, text=True)
        for core in (0, 1)
    ]
    results = [_last_json(p.communicate()[0]) for p in procs]
    return results, time.perf_counter() - tic


def roofs():
    one, two = measure("roof.py", 1), measure("roof.py", 2)
    pair, _ = side_by_side("roof.py", lambda core: (1, core))
    return {
        "matmul_1core": one["matmul"],
        "matmul_2cores": two["matmul"],
        "matmul_two_1core_processes": sum(r["matmul"] for r in pair),
        "mlp_step_1core": one["mlp_step"],
        "mlp_step_two_1core_processes": sum(r["mlp_step"] for r in pair),
    }


def per_epoch(result):
    """Mean seconds per epoch after the first (which compiles)."""
    seconds = result["epoch_s"][1:]
    return sum(seconds) / len(seconds)


def models(torch_epochs):
    rows = {}
    for model in MODELS:
        pair, wall = side_by_side("bnlab_style.py", lambda core: (model, EPOCHS, 1, core))  # noqa: B023
        rows[model] = {
            "blog_loop": measure("blog_style.py", model, EPOCHS),
            "bnlab_all_cores": measure("bnlab_style.py", model, EPOCHS, 2),
            "bnlab_pipeline": {
                "run_s": wall / 2,  # two runs finish in `wall`: the pipeline's cost per run
                "epoch_s_each": per_epoch(pair[0]),
                "peak_rss_mb": max(r["peak_rss_mb"] for r in pair),
            },
        }
        if torch_epochs:
            rows[model]["pytorch"] = measure("torch_style.py", model, torch_epochs, 2)
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
    return [f"results/blog/histories/model={m}/seed{s}.nc" for m in MODELS for s in blog["seed"]]


def snakemake_command():
    """The snakemake beside this Python (the venv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "snakemake"
    return str(beside) if beside.is_file() else shutil.which("snakemake")


def pipeline_phase():
    """`snakemake --cores all` on the default config's 10 histories, in a
    scratch directory with a cold compile cache, as a first run does it."""
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        shutil.copytree(ROOT / "config", scratch / "config")
        (scratch / "results/data").mkdir(parents=True)
        shutil.copy(ROOT / "results/data/mnist.nc", scratch / "results/data/mnist.nc")
        targets = check_default_study()
        command = [
            *(snakemake_command(), "-s", str(ROOT / "Snakefile"), "-d", tmp),
            *("--cores", "all", *targets),
        ]
        tic = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, text=True)
        return {"wall_s": time.perf_counter() - tic, "runs": len(targets)}


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
    pipeline = result["pipeline"]
    blog_runs = [rows["blog_loop"]["run_s"] for rows in result["models"].values()]
    out = {
        "study_floor_s": floor_s,
        "study_vs_floor": pipeline["wall_s"] / floor_s,
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
    return out


def table(result):
    """Markdown: the per-model rows, then the study and the roof."""
    r, m = result["ratios"], result["machine"]
    floor_epoch = epoch_flops() / (result["roof"]["matmul_2cores"] * 1e9)
    lines = [
        f"Measured {result['date']} on {m['cpu']}, {m['cores']} cores "
        f"(jax {m['jax']}, torch {m['torch'] or 'not installed'}), one run of "
        f"`python benchmarks/run.py`.",
        "",
        "| model | approach | s/epoch | s/run | peak RSS MB | bnlab is faster by |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
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
            run = f"{row['run_s']:.1f}" if row["epochs"] == EPOCHS else "–"
            lines.append(
                f"| {model} | {name} | {per_epoch(row):.2f} | {run} | "
                f"{row['peak_rss_mb']:.0f} | {speedup} |"
            )
        pipe = rows["bnlab_pipeline"]
        lines.append(
            f"| {model} | bnlab, two 1-core runs side by side | {pipe['epoch_s_each']:.2f} each | "
            f"{pipe['run_s']:.1f} per run | {pipe['peak_rss_mb']:.0f} | – |"
        )
    roof = result["roof"]
    lines += [
        "",
        f"Default study's training phase (10 runs × 20 epochs, `snakemake --cores all`, cold "
        f"compile cache): **{result['pipeline']['wall_s']:.0f} s**, "
        f"{r['study_vs_floor']:.2f}× its FLOP floor of {r['study_floor_s']:.0f} s "
        f"({result['flops']['study'] / 1e12:.1f} TFLOP at the "
        f"{roof['matmul_two_1core_processes']:.0f} GFLOP/s of two one-core matmul processes); "
        f"{result['pipeline']['wall_s'] / result['pipeline']['runs']:.1f} s per run, "
        f"{r['study_run_vs_blog']:.2f}× faster than the blog loop's mean run. "
        f"Roof: {roof['matmul_1core']:.0f} GFLOP/s on one core, {roof['matmul_2cores']:.0f} on "
        f"two; the MLP's own batch-32 SGD step reaches {roof['mlp_step_1core']:.0f} on one "
        f"core. One epoch's floor on two cores: {floor_epoch:.2f} s "
        f"({epoch_flops() / 1e9:.0f} GFLOP).",
    ]
    return "\n".join(lines) + "\n"


README_BLOCK = (
    "<!-- benchmark table: python benchmarks/run.py --readme ",
    "<!-- end of benchmark table -->",
)


def readme_with_table(readme, result_file, result):
    """README text with the block between the markers replaced by `result`'s table."""
    start, end = README_BLOCK
    head, rest = readme.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}{result_file} -->\n{table(result)}{end}{tail}"


def run(torch_epochs):
    result = {
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "flops": {"epoch": epoch_flops(), "study": study_flops()},
        "roof": roofs(),
    }
    print("roof", json.dumps(result["roof"]), flush=True)
    if result["machine"]["torch"] is None:
        torch_epochs = 0
    result["models"] = models(torch_epochs)
    print("models done", flush=True)
    result["pipeline"] = pipeline_phase()
    result["ratios"] = ratios(result)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="results/benchmarks/benchmark.json")
    parser.add_argument("--torch-epochs", type=int, default=5)
    parser.add_argument("--table", metavar="FILE", help="print the table of a result file")
    parser.add_argument("--readme", metavar="FILE", help="put the table of FILE into README.md")
    args = parser.parse_args()
    if args.table:
        print(table(json.loads(Path(args.table).read_text())), end="")
        return
    if args.readme:
        readme = ROOT / "README.md"
        result = json.loads(Path(args.readme).read_text())
        readme.write_text(readme_with_table(readme.read_text(), args.readme, result))
        return
    if not snakemake_command():
        sys.exit("snakemake not found: run from the project's venv (make setup)")
    check_default_study()
    if len(os.sched_getaffinity(0)) < 2 or not Path("results/data/mnist.nc").is_file():
        sys.exit(
            "needs 2 cores and results/data/mnist.nc: snakemake --cores all results/data/mnist.nc"
        )
    result = run(args.torch_epochs)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    out.with_suffix(".md").write_text(table(result))
    print(table(result))


if __name__ == "__main__":
    main()
