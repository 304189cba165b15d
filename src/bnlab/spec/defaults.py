"""Every config option with its default and meaning, written from the config
schema (the one home of both) as commented YAML: `bnlab defaults` prints it,
and config/config.yaml carries it below its studies so a reader sees every
option there without a second copy to keep equal by hand
(`bnlab defaults --write config/config.yaml` regenerates that block)."""

import textwrap
from pathlib import Path

import yaml

from bnlab import schemas
from bnlab.spec.schema import resolve

START = "# >>> every other option, at its default (generated: bnlab defaults --write FILE)"
END = "# <<< end of the defaults"
# Sections a config fills in itself rather than by default.
SKIPPED = ("studies",)
WIDTH = 88


def _value(value):
    """One YAML scalar or flow collection, as a config would write it."""
    return yaml.safe_dump(value, default_flow_style=True, width=1000).strip().removesuffix("...")


def _lines(name, spec, root, depth):
    spec = resolve(spec, root)
    pad = "  " * depth
    out = []
    if "description" in spec:
        text = " ".join(spec["description"].split())
        width = WIDTH - len(pad) - 4
        out += [f"# {pad}# {line}" for line in textwrap.wrap(text, width)]
    children = spec.get("properties") if spec.get("type") == "object" else None
    if children:
        out.append(f"# {pad}{name}:")
        for child, sub in children.items():
            out += _lines(child, sub, root, depth + 1)
    else:
        out.append(f"# {pad}{name}: {_value(spec.get('default'))}".rstrip())
    return out


def defaults_yaml():
    """The commented block: every option but the studies, at its default."""
    schema = schemas.load("config")
    lines = [START]
    for name, spec in schema["properties"].items():
        if name not in SKIPPED:
            lines += ["#", *_lines(name, spec, schema, 0)]
    return "\n".join([*lines, END]) + "\n"


def with_defaults(text):
    """A config file's text with its defaults block (re)written at the end."""
    head = text.split(START, 1)[0].rstrip("\n")
    return f"{head}\n\n{defaults_yaml()}"


def write_defaults(path):
    path = Path(path)
    path.write_text(with_defaults(path.read_text()))
