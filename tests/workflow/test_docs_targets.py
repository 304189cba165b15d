"""Every Snakemake command the docs show names targets the workflow can make
and rules it has (README.md and docs/*.md)."""

import re
import shlex

from tests.conftest import snakemake, test_config
from tests.unit.test_docs import DOCS

# Options whose next word is a value, not a target (--forcerun's are rules);
# options with several values take key=value words, never targets.
VALUED = {"--cores", "--configfile", "--workflow-profile", "--report", "-d", "-s"}
RULE_OPTIONS = {"--forcerun", "--until"}


def commands(text):
    """The words of each `snakemake ...` command in the docs, comments dropped."""
    for line in re.findall(r"(?m)(?:^\s*|`)(snakemake [^`#\n\\]*)", text):
        yield shlex.split(line)[1:]


def targets_and_rules(words):
    targets, rules, previous = [], [], None
    for word in words:
        if previous in RULE_OPTIONS:
            rules.append(word)
        elif not (word.startswith("-") or previous in VALUED or "=" in word):
            targets.append(word)
        previous = word
    return targets, rules


def test_the_docs_name_only_targets_and_rules_the_workflow_has(tmp_path, mnist_dir, tfds_dir):
    targets, rules = set(), set()
    for doc in DOCS:
        for words in commands(doc.read_text()):
            found = targets_and_rules(words)
            targets.update(found[0])
            rules.update(found[1])
    assert {"part2", "results/figures/accuracy.png"} <= targets and "accuracy" in rules
    config = test_config(mnist_dir, tfds_dir)
    run = snakemake(tmp_path, config, *sorted(targets), "-n")
    assert run.returncode == 0, run.stdout[-3000:]
    listed = snakemake(tmp_path, config, "--list-rules").stdout.split()
    assert sorted(rules - set(listed)) == []
