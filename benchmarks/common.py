"""What the benchmark scripts share: the repository's config, the run config a
training job of the default study gets, the tiny-mode options, core pinning."""

import argparse
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MNIST = "results/data/mnist.nc"


def blog_only_config():
    """The repository's config/config.yaml as written, with only its blog study
    (the one the benchmark times) and no figure options (they may read the
    studies left out)."""
    import yaml

    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    config["studies"] = {"blog": config["studies"]["blog"]}
    config.pop("figures", None)
    return config


def default_config(**sections):
    """blog_only_config() with `sections` ({section: {key: value}}) merged in
    (other studies' runs may not allow them), validated (the schema's
    defaults filled in)."""
    from bnlab.spec.config import merge_configs, validate_config

    return validate_config(merge_configs(blog_only_config(), sections))


def run_config(model, **sections):
    """The run config a training job of `model` in the default blog study gets
    (bnlab.spec.studies.run_config), with `sections` changed."""
    from bnlab.spec.studies import run_config

    return run_config(default_config(**sections), model, {})


def data_options(parser):
    """--mnist and the tiny-mode limits on both splits."""
    parser.add_argument("--mnist", default=MNIST, help=f"the prepared MNIST file ({MNIST})")
    parser.add_argument("--train-examples", type=int, help="the first N training examples only")
    parser.add_argument("--test-examples", type=int, help="the first N test examples only")
    return parser


def parser(doc):
    return argparse.ArgumentParser(
        description=doc.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )


def pin(cores, first=0):
    """Pin this process to `cores` cores from its `first` allowed one (before JAX starts)."""
    if cores:
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[first : first + cores])
    return len(os.sched_getaffinity(0))
