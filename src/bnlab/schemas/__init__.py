"""The library's contracts as package data: the config and history schemas."""

from functools import cache
from importlib.resources import files

import yaml


@cache
def load(name):
    """A schema by name ('config' or 'history'), parsed from <name>.schema.yaml."""
    return yaml.safe_load(files(__package__).joinpath(f"{name}.schema.yaml").read_text())


def path(name):
    """The schema file itself (for Snakemake's `validate`, or a reader)."""
    return files(__package__).joinpath(f"{name}.schema.yaml")


def defaults(schema):
    """{key: default} of an object schema's properties that declare one."""
    return {k: v["default"] for k, v in schema["properties"].items() if "default" in v}
