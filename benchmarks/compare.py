"""Blog-style loop vs bnlab, same machine, one process per measurement.

Usage: python benchmarks/compare.py [EPOCHS]   (needs results/data/mnist.nc)
Prints a Markdown table; the README quotes it.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent


def _command(script, *args):
    return [sys.executable, str(HERE / script), *map(str, args)]


def measure(script, *args):
    out = subprocess.run(_command(script, *args), capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure_side_by_side(model, epochs):
    """Two one-core bnlab runs at once, as `snakemake --cores all` runs them:
    the time per run is the wall time of the pair divided by two."""
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            _command("bnlab_style.py", model, epochs, 1, core), stdout=subprocess.PIPE, text=True
        )
        for core in (0, 1)
    ]
    results = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    wall = time.perf_counter() - start
    return dict(
        results[0],
        approach="bnlab, 2 one-core runs side by side",
        run_s=wall / 2,
        epoch_s=[s / 2 for s in results[0]["epoch_s"]],
        peak_rss_mb=max(r["peak_rss_mb"] for r in results),
    )


def row(r, base=None):
    mean_epoch = sum(r["epoch_s"][1:]) / max(len(r["epoch_s"]) - 1, 1)  # skip compile epoch
    cells = [
        r["approach"] + (" (1 core)" if r["approach"] == "bnlab" and r.get("cores") == 1 else ""),
        r["model"],
        f"{mean_epoch:.2f}",
        f"{r['run_s']:.1f}",
        f"{r['peak_rss_mb']:.0f}",
        f"{r['final_test_acc']:.4f}",
    ]
    if base:
        cells += [
            f"{base['run_s'] / r['run_s']:.2f}x",
            f"{base['peak_rss_mb'] / r['peak_rss_mb']:.1f}x",
        ]
    else:
        cells += ["1x", "1x"]
    return "| " + " | ".join(cells) + " |"


def main(epochs):
    cpus = len(os.sched_getaffinity(0))
    print(f"{epochs} epochs, seed 42, batch 32, {cpus} cores available\n")
    head = ["approach", "model", "s/epoch (after 1st)", "s/run", "peak RSS MB", "test acc"]
    print("| " + " | ".join([*head, "speed-up", "memory"]) + " |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for model in ("baseline", "batchnorm"):
        blog = measure("blog_style.py", model, epochs)
        print(row(blog), flush=True)
        print(row(measure("bnlab_style.py", model, epochs), blog), flush=True)
        print(row(measure("bnlab_style.py", model, epochs, 1), blog), flush=True)
        if cpus >= 2:
            print(row(measure_side_by_side(model, epochs), blog), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
