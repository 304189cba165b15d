"""See a target's size before running it: jobs, cluster submissions, core-hours.

    bnlab plan [TARGET ...] [--configfile FILE ...]
               [--group-components training=N figures=M] [--forceall]

The jobs are Snakemake's own: its API builds the workflow's DAG as
`snakemake -n` does (missing outputs, changed params, code or inputs, and
--forceall), so the plan cannot drift from the workflow. Training cost is the
cost model (bnlab.spec.cost) of each training job's block of runs times its
threads; groups bundle N jobs per submission, as --group-components does.
"""

import math
from dataclasses import dataclass, field
from pathlib import Path

from bnlab.spec import blocks, cost, studies
from bnlab.spec.config import CONFIG, load_config
from bnlab.spec.figures import registry

GROUPS = ("training", "figures")


@dataclass
class Plan:
    train: dict = field(default_factory=dict)  # training rule -> estimated seconds x threads
    figures: list = field(default_factory=list)  # figure and table rules
    local: list = field(default_factory=list)  # rules Snakemake runs itself

    def submissions(self, components):
        """{group: submissions}: each group bundles `components[group]` jobs."""
        counts = {"training": len(self.train), "figures": len(self.figures)}
        return {g: math.ceil(n / components.get(g, 1)) for g, n in counts.items() if n}

    @property
    def core_seconds(self):
        return sum(self.train.values())


def snakemake_jobs(targets, configfiles=(), root=".", force=False, snakefile=None):
    """The rule of every job Snakemake would run to build `targets` (target
    rules, which run nothing, left out)."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.enums import Quietness
    from snakemake.settings.types import (
        ConfigSettings,
        DAGSettings,
        OutputSettings,
        ResourceSettings,
    )

    root = Path(root).resolve()
    files = [root / CONFIG, *(root / f for f in configfiles)]
    quiet = OutputSettings(quiet={Quietness.ALL})
    with SnakemakeApi(quiet) as api:
        workflow_api = api.workflow(
            resource_settings=ResourceSettings(cores=1),
            config_settings=ConfigSettings(configfiles=files),
            snakefile=Path(snakefile or root / "Snakefile"),
            workdir=root,
        )
        workflow_api.dag(dag_settings=DAGSettings(targets=set(targets), forceall=force))
        # What `snakemake -n` runs (snakemake.workflow.Workflow.printdag does the same).
        workflow = workflow_api._workflow
        workflow._prepare_dag(forceall=force, ignore_incomplete=True, lock_warn_only=True)
        workflow._build_dag()
        jobs = workflow.dag.needrun_jobs()
        return [job.rule.name for job in jobs if not job.rule.norun]


def make_plan(config, rules):
    """The plan of jobs of `rules` (snakemake_jobs) under a validated config:
    training jobs (group "training"), figure and table jobs (group "figures")
    and the rest, which Snakemake runs itself (workflow/rules: localrules)."""
    training, figures = blocks.all_blocks(config), registry(config)
    threads = config["training"]["threads"]
    plan = Plan()
    for rule in rules:
        if rule in training:
            runs = [studies.config_of(config, run) for run in training[rule].runs]
            plan.train[rule] = cost.block_seconds(runs) * threads
        elif rule in figures:
            plan.figures.append(rule)
        else:
            plan.local.append(rule)
    return plan


def report(plan, components):
    subs = plan.submissions(components)
    groups = ", ".join(
        f"{n} '{g}' submissions of up to {components.get(g, 1)}" for g, n in subs.items()
    )
    lines = [
        f"jobs to run: {len(plan.train) + len(plan.figures)} "
        f"(train {len(plan.train)}, figures and tables {len(plan.figures)})",
        f"run by Snakemake itself: {', '.join(sorted(plan.local)) or 'none'}",
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


def main(targets, configfiles, components, force, snakefile=None, root="."):
    config = load_config([CONFIG, *configfiles], root)
    plan = make_plan(config, snakemake_jobs(targets, configfiles, root, force, snakefile))
    print(report(plan, parse_components(components)))
    return 0
