"""The dry-run summary: jobs, submissions and core-hours from Snakemake's output."""

import re

from bnlab.plan import LOCAL, parse_dry_run, report
from tests.conftest import REPO

DRY_RUN = """
[Mon Nov 30 19:31:45 2026]
rule prepare_data:
    output: results/data/mnist.nc
    resources: tmpdir=/tmp, mem_mb=2000, runtime=10
Shell command: None
[Mon Nov 30 19:31:45 2026] Group job training (jobs in lexicogr. order):

    [Mon Nov 30 19:31:45 2026]
    rule train:
        output: results/histories/batchnorm/seed4.nc
        resources: tmpdir=/tmp, mem_mb=1500, runtime=5, estimate_s=100
Shell command: None

    [Mon Nov 30 19:31:45 2026]
    rule train:
        output: results/histories/baseline/seed4.nc
        threads: 2
        resources: tmpdir=/tmp, mem_mb=1500, runtime=5, estimate_s=100
Shell command: None
[Mon Nov 30 19:31:45 2026]
rule accuracy:
    output: results/figures/accuracy.png
    resources: tmpdir=/tmp, mem_mb=2000, runtime=10
Shell command: None

[Mon Nov 30 19:31:45 2026]
rule all:
    input: results/figures/accuracy.png
    resources: tmpdir=/tmp
Shell command: None
"""


def test_counts_jobs_groups_and_core_seconds():
    plan = parse_dry_run(DRY_RUN)
    assert plan.jobs == {"train": 2, "accuracy": 1}
    assert plan.local == {"prepare_data": 1}  # run by Snakemake, not submitted
    assert plan.groups == {"training": 1}
    assert plan.single == 1 and plan.submissions == 2  # the group and `accuracy`
    assert plan.core_seconds == 100 * 1 + 100 * 2
    text = report(plan)
    assert "submissions: 2 = 1 single jobs + 1 'training' group jobs" in text
    assert "0.08 core-hours (5.0 core-minutes)" in text


def test_local_rules_are_the_workflows():
    data = (REPO / "workflow/rules/data.smk").read_text()
    declared = re.search(r"localrules:\s*([\w,\s]+?),?\s*\n\n", data).group(1)
    assert {name.strip() for name in declared.split(",") if name.strip()} == LOCAL
