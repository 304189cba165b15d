"""The `bnlab` command: what a user runs beside Snakemake.

    bnlab plan [TARGET ...]          jobs, submissions and core-hours a target needs
    bnlab compare RESULTS_A RESULTS_B
                                     histories of two result folders, bit for bit
    bnlab findings CSV ...           docs/claims.csv and the docs' Findings blocks
    bnlab rerun HISTORY MNIST OUT    train again the run a history records
    bnlab defaults [--write FILE]    every config option with its default

Each command imports only what it needs (plan and defaults: no numerics).
"""

import argparse
import sys

from bnlab.errors import exit_on_error


def _plan(args):
    from bnlab.spec.plan import main

    return main(args.targets, args.configfile, args.group_components, args.forceall, args.snakefile)


def _compare(args):
    from bnlab.history.compare import main

    return main(args.a, args.b)


def _findings(args):
    from bnlab.analysis.findings import update_docs

    update_docs(args.csv)
    return 0


def _rerun(args):
    from bnlab.train.job import rerun

    rerun(args.history, args.mnist, args.output)
    return 0


def _defaults(args):
    from bnlab.spec.defaults import defaults_yaml, write_defaults

    if args.write:
        write_defaults(args.write)
    else:
        print(defaults_yaml(), end="")
    return 0


def parser():
    top = argparse.ArgumentParser(prog="bnlab", description=__doc__.split("\n")[0])
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, run, help):
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(run=run)
        return sub

    plan = command("plan", _plan, "jobs, cluster submissions and core-hours a target needs")
    plan.add_argument("targets", nargs="*", default=["all"], help="Snakemake targets (all)")
    plan.add_argument("--configfile", nargs="+", default=[], help="config files over the default")
    plan.add_argument(
        "--group-components", nargs="+", default=[], help="training=N figures=M per submission"
    )
    plan.add_argument("--forceall", action="store_true", help="plan every job, as if none ran")
    plan.add_argument(
        "-s", "--snakefile", help="the workflow, when not ./Snakefile (snakemake -s ... -d .)"
    )

    compare = command("compare", _compare, "compare the histories of two results folders")
    compare.add_argument("a", help="a results folder")
    compare.add_argument("b", help="another results folder")

    findings = command("findings", _findings, "docs/claims.csv and the docs' Findings blocks")
    findings.add_argument("csv", nargs="+", help="claims tables, results/tables/claims*.csv")

    rerun = command("rerun", _rerun, "train again the run a history records")
    rerun.add_argument("history", help="a history file")
    rerun.add_argument("mnist", help="results/data/mnist.nc")
    rerun.add_argument("output", help="where the new history goes")

    defaults = command("defaults", _defaults, "every config option with its default, as YAML")
    defaults.add_argument("--write", metavar="FILE", help="(re)write FILE's block of defaults")
    return top


def main(argv=None):
    args = parser().parse_args(argv)
    return exit_on_error(args.run, args)


if __name__ == "__main__":
    sys.exit(main())
