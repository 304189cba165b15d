"""The `bnlab` command: every subcommand has --help, and the light ones run."""

import subprocess
import sys

import pytest

from bnlab.cli import parser
from bnlab.spec.defaults import defaults_yaml

COMMANDS = ("plan", "compare", "findings", "rerun", "defaults")


def bnlab(*args):
    return subprocess.run(
        [sys.executable, "-m", "bnlab", *args], capture_output=True, text=True, timeout=120
    )


def test_every_command_is_listed_and_has_help():
    listed = bnlab("--help").stdout
    for command in COMMANDS:
        assert command in listed
        run = bnlab(command, "--help")
        assert run.returncode == 0 and f"usage: bnlab {command}" in run.stdout


def test_defaults_prints_every_option_from_the_schema():
    run = bnlab("defaults")
    assert run.returncode == 0 and run.stdout == defaults_yaml()
    assert "#   epochs: 20" in run.stdout and "# seeds_per_job: 10" in run.stdout


def test_bad_arguments_are_usage_errors():
    with pytest.raises(SystemExit):
        parser().parse_args(["rerun", "only-one-file"])
    run = bnlab("compare", "/nonexistent/a", "/nonexistent/b")
    assert run.returncode == 1 and "0 histories compared" in run.stdout
