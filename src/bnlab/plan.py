"""See a study's size before submitting it: jobs, cluster submissions, core-hours.

Usage: python -m bnlab.plan [TARGET ...] [--configfile FILE ...]
                            [--group-components training=N figures=M] [--forceall]
e.g.   python -m bnlab.plan part2 --group-components training=32 figures=50

TARGET is `all` (the default), `part2` or a target named in `figures.more`.
The plan comes from the pure functions the workflow's rules are made of
(bnlab.studies, bnlab.figures): a history or figure is planned when its file
is missing (or with --forceall), a figure also when a history it reads is
planned. Like `snakemake -n` it cannot see params changes; unlike it, it
builds no DAG and imports no JAX. Training cost is the workflow's cost model
(bnlab.studies.train_seconds) times each job's threads; groups bundle N jobs
per submission, as --group-components does.
"""

import argparse
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bnlab import studies
from bnlab.config import CONFIG, load_config
from bnlab.errors import exit_on_error
from bnlab.figures import figure_runs, registry, targets
from bnlab.sweeps import DIVERGENCE, cap_study

MNIST = "results/data/mnist.nc"
# The workflow's groups (workflow/rules/*.smk) and local rules (data.smk).
GROUPS = ("training", "figures")
LOCAL = {"prepare_data", "divergence"}


@dataclass
class Plan:
    train: dict = field(default_factory=dict)  # history path -> estimated seconds x threads
    figures: list = field(default_factory=list)  # figure names
    local: list = field(default_factory=list)  # rules Snakemake runs itself

    def submissions(self, components):
        """{group: submissions}: each group bundles `components[group]` jobs."""
        counts = {"training": len(self.train), "figures": len(self.figures)}
        return {g: math.ceil(n / components.get(g, 1)) for g, n in counts.items() if n}

    @property
    def core_seconds(self):
        return sum(self.train.values())


def make_plan(config, wanted, root=".", force=False):
    """The jobs that building `wanted` targets would run."""
    root = Path(root)
    missing = lambda path: force or not (root / path).exists()  # noqa: E731
    runs, figures = {}, {}
    for target in wanted:
        outputs = targets(config, target)
        if target == "all":
            runs |= {r.path: r for r in studies.study_runs(config, "blog")}
        elif not outputs:
            known = sorted({"all", *(fig.target for fig in registry(config).values())})
            raise SystemExit(f"unknown target {target!r}; known: {', '.join(known)}")
        figures |= outputs
    plan = Plan()
    for name, paths in figures.items():
        reads = figure_runs(config, name)
        runs |= reads
        if any(map(missing, paths)) or any(map(missing, reads)):
            plan.figures.append(name)
    threads = config["training"]["threads"]
    sweeps = set()
    for path, run in runs.items():
        if missing(path):
            run_config = studies.config_of(config, run)
            plan.train[path] = studies.train_seconds(run_config) * threads
            sweeps.add(cap_study(run_config))
    for sweep in sorted(sweeps - {None}):
        # The capped runs need the sweep's histories, trained if missing.
        swept = [run for run in studies.study_runs(config, sweep) if missing(run.path)]
        for run in swept:
            plan.train[run.path] = studies.train_seconds(studies.config_of(config, run)) * threads
        if swept or missing(DIVERGENCE.format(study=sweep)):
            plan.local.append(f"divergence ({sweep})")
    if (plan.train or figures) and missing(MNIST):
        plan.local.insert(0, "prepare_data")
    return plan


def report(plan, components):
    subs = plan.submissions(components)
    groups = ", ".join(
        f"{n} '{g}' submissions of up to {components.get(g, 1)}" for g, n in subs.items()
    )
    lines = [
        f"jobs to run: {len(plan.train) + len(plan.figures)} "
        f"(train {len(plan.train)}, figures and tables {len(plan.figures)})",
        f"run by Snakemake itself: {', '.join(plan.local) or 'none'}",
        f"submissions: {sum(subs.values())} ({groups or 'none'})",
        f"estimated training cost: {plan.core_seconds / 3600:.2f} core-hours "
        f"({plan.core_seconds / 60:.1f} core-minutes)",
    ]
    return "\n".join(lines)


def parse_components(items):
    """['training=16', 'figures=50'] -> {'training': 16, 'figures': 50}."""
    out = {}
    for item in items:
        group, _, n = item.partition("=")
        if group not in GROUPS or not n.isdigit() or int(n) < 1:
            raise SystemExit(f"--group-components {item!r}: expected training=N or figures=N")
        out[group] = int(n)
    return out


def main(argv=sys.argv[1:]):
    parser = argparse.ArgumentParser(
        prog="python -m bnlab.plan", description=__doc__.split("\n")[0]
    )
    parser.add_argument("targets", nargs="*", default=["all"])
    parser.add_argument("--configfile", nargs="+", default=[])
    parser.add_argument("--group-components", nargs="+", default=[])
    parser.add_argument("--forceall", action="store_true")
    args = parser.parse_args(argv)
    config = load_config([CONFIG, *args.configfile])
    plan = make_plan(config, args.targets, force=args.forceall)
    print(report(plan, parse_components(args.group_components)))
    return 0


if __name__ == "__main__":
    exit_on_error(main)
