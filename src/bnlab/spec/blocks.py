"""Blocks: the training jobs. A block is up to `seeds_per_job` runs of one
study that differ only in their seed (one model under one setting of the
study's axes), so they share one process, the data and every compiled
program (bnlab.train.job). Each run still has its own history.

Seeds are cut into blocks in the order the study lists them, so a seed added
at the end of the list changes only the last block (or makes a new one), and
a study's other blocks keep their histories.
"""

import json
from dataclasses import dataclass

from bnlab.spec import studies


@dataclass(frozen=True)
class Block:
    study: str
    index: int  # the block's position among its study's blocks
    runs: tuple  # studies.Run, one per seed, in the study's seed order

    @property
    def model(self):
        return self.runs[0].model

    @property
    def seeds(self):
        return [run.seed for run in self.runs]

    @property
    def paths(self):
        return [run.path for run in self.runs]

    @property
    def rule(self):
        """The name of the workflow rule that trains it."""
        return f"train_{self.study}_{self.index}"

    @property
    def name(self):
        """Its runs' folder below the study's histories/ and its seeds, e.g.
        optimizer=sgd/learning_rate=0.3/model=batchnorm/seeds42-3 (seed42 alone)."""
        folder = self.runs[0].name.rsplit("/", 1)[0]
        first, last = self.seeds[0], self.seeds[-1]
        return f"{folder}/seeds{first}-{last}" if len(self.runs) > 1 else f"{folder}/seed{first}"


def study_blocks(config, name):
    """A study's blocks: its runs grouped by model and run config, in
    the study's order, each group cut into blocks of config's seeds_per_job."""
    groups = {}
    for run in studies.study_runs(config, name):
        key = (run.model, json.dumps(studies.config_of(config, run), sort_keys=True))
        groups.setdefault(key, []).append(run)
    size = config["seeds_per_job"]
    cut = [runs[i : i + size] for runs in groups.values() for i in range(0, len(runs), size)]
    return [Block(name, i, tuple(runs)) for i, runs in enumerate(cut)]


def all_blocks(config):
    """{rule name: Block} over every study of a validated config."""
    return {block.rule: block for name in config["studies"] for block in study_blocks(config, name)}
