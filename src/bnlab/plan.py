"""See a study's size before submitting it: jobs, cluster submissions, core-hours.

Usage: python -m bnlab.plan [SNAKEMAKE ARGS...]
e.g.   python -m bnlab.plan part2 --workflow-profile profiles/slurm
       (targets before options that take several values, such as
       --group-components training=16 figures=50)

Runs `snakemake --dry-run` with the arguments given, so it counts only the
jobs that would run, grouped as the profile groups them, and adds up each
training job's `estimate_s` resource (the workflow's cost model, measured
per epoch: workflow/rules/common.smk) times its threads.
"""

import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field

JOB = re.compile(r"^(?P<indent>\s*)rule (?P<rule>\w+):$")
GROUP = re.compile(r"Group job (?P<group>\w+)")
# Rules Snakemake runs itself: the workflow's `localrules` (workflow/rules/data.smk).
LOCAL = {"prepare_data"}
RESOURCE = re.compile(r"\b(estimate_s)=(\d+)")
THREADS = re.compile(r"^\s*threads: (\d+)")


@dataclass
class Plan:
    jobs: Counter = field(default_factory=Counter)  # rule -> jobs to run (not local)
    local: Counter = field(default_factory=Counter)  # rule -> jobs Snakemake runs itself
    groups: Counter = field(default_factory=Counter)  # group -> group jobs
    single: int = 0  # jobs submitted on their own
    core_seconds: float = 0.0

    @property
    def submissions(self):
        return self.single + sum(self.groups.values())


def parse_dry_run(text):
    """A Plan from the output of `snakemake --dry-run`."""
    plan, current, block, threads = Plan(), None, [], 1
    for line in [*text.splitlines(), "rule end:"]:
        if (found := JOB.match(line)) or GROUP.search(line):
            _close(plan, block)
            block = []
        if found := GROUP.search(line):
            plan.groups[found["group"]] += 1
        elif found := JOB.match(line):
            current = found["rule"]
            block = [found["rule"], not found["indent"]]
        elif block and "output:" in line:
            block.append("output")
        elif found := THREADS.match(line):
            threads = int(found[1])
        if current and "resources:" in line:
            estimate = int(dict(RESOURCE.findall(line)).get("estimate_s", 0))
            plan.core_seconds += estimate * threads
            current, threads = None, 1
    return plan


def _close(plan, block):
    """Count one finished job block: [rule, top level?, 'output' if it has outputs]."""
    if not block:
        return
    rule, top = block[:2]
    if "output" not in block:
        return  # a target rule such as `all`: nothing to run
    if rule in LOCAL:
        plan.local[rule] += 1
        return
    plan.jobs[rule] += 1
    plan.single += top


def report(plan):
    groups = ", ".join(f"{n} '{g}' group jobs" for g, n in sorted(plan.groups.items()))
    lines = [
        f"jobs to run: {sum(plan.jobs.values())} "
        f"({', '.join(f'{r} {n}' for r, n in sorted(plan.jobs.items()))})",
        f"run by Snakemake itself: {', '.join(sorted(plan.local)) or 'none'}",
        f"submissions: {plan.submissions} = {plan.single} single jobs + {groups or '0 groups'}",
        f"estimated training cost: {plan.core_seconds / 3600:.2f} core-hours "
        f"({plan.core_seconds / 60:.1f} core-minutes)",
    ]
    return "\n".join(lines)


def main(argv=sys.argv[1:]):
    done = subprocess.run(
        ["snakemake", "--dry-run", *argv], capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        return done.returncode
    print(report(parse_dry_run(done.stdout)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
