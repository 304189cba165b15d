"""Blocks: the training jobs. A block trains one model of one study under
every setting of the study's axes, for up to `seeds_per_job` seeds each, in
one process: the data is loaded once, and each setting's runs share one
compiled program (bnlab.train.job). Each run still has its own history.

Each setting's seeds are cut into chunks in the order the study lists them,
and block i holds chunk i of every setting, so a seed added at the end of the
list changes only each model's last block (or makes a new one), and the
study's other blocks keep their histories.

Runs that must not share a process (other numerics, threads or task: they
are fixed when JAX starts) go to separate blocks. With `jobs_span_axes:
false` a block holds one setting, so that adding a value to an axis trains
only the new runs (a spanning block would gain runs, and Snakemake reruns
a job whole).
"""

import json
from dataclasses import dataclass

from bnlab.spec import studies

# Training options fixed for a whole process.
PROCESS_OPTIONS = ("task", "cpu_numerics", "threads")


@dataclass(frozen=True)
class Setting:
    """A block's runs under one setting of the study's axes: one run config."""

    config: dict
    runs: tuple  # studies.Run, one per seed, in the study's seed order

    @property
    def seeds(self):
        return [run.seed for run in self.runs]

    @property
    def paths(self):
        return [run.path for run in self.runs]

    @property
    def label(self):
        """The setting's folder below the study's histories/ (the model's, with no axes)."""
        return self.runs[0].name.rsplit("/", 1)[0]


@dataclass(frozen=True)
class Block:
    study: str
    index: int  # the block's position among its study's blocks
    settings: tuple  # Setting, in the study's order
    name: str  # its log's name below the study's (block_name)

    @property
    def model(self):
        return self.runs[0].model

    @property
    def runs(self):
        return tuple(run for setting in self.settings for run in setting.runs)

    @property
    def seeds(self):
        """Every seed the block trains, in first-use order."""
        return list(dict.fromkeys(run.seed for run in self.runs))

    @property
    def paths(self):
        return [run.path for run in self.runs]

    @property
    def configs(self):
        return [setting.config for setting in self.settings]

    @property
    def rule(self):
        """The name of the workflow rule that trains it."""
        return f"train_{self.study}_{self.index}"


def study_blocks(config, name):
    """A study's blocks: per model (and process options), chunk i of every
    setting's seeds, chunks of config's seeds_per_job."""
    groups = {}  # (model, process options) -> {run config JSON: [runs]}
    for run in studies.study_runs(config, name):
        run_cfg = studies.config_of(config, run)
        process = {key: run_cfg["training"].get(key) for key in PROCESS_OPTIONS}
        if not config["jobs_span_axes"]:
            process["setting"] = run_cfg
        group = groups.setdefault((run.model, json.dumps(process, sort_keys=True)), {})
        group.setdefault(json.dumps(run_cfg, sort_keys=True), []).append(run)
    size = config["seeds_per_job"]
    found = [chunk for group in groups.values() for chunk in chunks(group, size)]
    return [Block(name, i, chunk, unique_name(chunk, found[:i])) for i, chunk in enumerate(found)]


def chunks(group, size):
    """Chunk i of every setting's runs in {run config JSON: [runs]}, as Settings."""
    count = max(-(-len(runs) // size) for runs in group.values())
    cut = lambda runs, i: tuple(runs[i * size : (i + 1) * size])  # noqa: E731
    return [
        tuple(Setting(json.loads(key), cut(runs, i)) for key, runs in group.items() if cut(runs, i))
        for i in range(count)
    ]


def block_name(settings):
    """<setting's folder>/seeds<first>-<last> for one setting, model=<m>/... for several."""
    seeds = list(dict.fromkeys(run.seed for s in settings for run in s.runs))
    span = f"seeds{seeds[0]}-{seeds[-1]}" if len(seeds) > 1 else f"seed{seeds[0]}"
    folder = settings[0].label if len(settings) == 1 else f"model={settings[0].runs[0].model}"
    return f"{folder}/{span}"


def unique_name(settings, before):
    """block_name, numbered if an earlier block of the study has it (other process options)."""
    name = block_name(settings)
    taken = sum(block_name(other) == name for other in before)
    return f"{name}.{taken}" if taken else name


def all_blocks(config):
    """{rule name: Block} over every study of a validated config."""
    return {block.rule: block for name in config["studies"] for block in study_blocks(config, name)}
