"""The docs cannot rot silently: every config key and repository path they
name exists (README.md and docs/*.md)."""

import re

import pytest

from bnlab import schemas
from bnlab.spec.studies import option_sections
from tests.conftest import REPO

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SECTIONS = "data|architectures|studies|training|diagnostics|figures|gpu"
# `training.cpu_numerics: portable`, `figures.seed = 7 ...`: the key is the first word.
KEY = re.compile(rf"`(({SECTIONS})\.[A-Za-z0-9_.<>]+)")
# Keys the docs name on purpose although the schema lacks them.
NOT_KEYS = {
    "training.epoch": "docs/reliability.md: the misspelled key of an error example",
    "studies.blog.set.epoch": "docs/reliability.md: the misspelled option of an error example",
    "training.weight_decay": "docs/developing.md: how to add an option",
    "figures.my_plot": "docs/developing.md: how to add a figure",
    "figures.claims_<study>": "docs/developing.md: how to add a study with claims",
}
FILE = re.compile(r"\.(py|md|smk|yaml|rst|nc|png|json)$")  # `figures.py` is a file
# Paths in the repository, in backticks or as Markdown link targets.
PATH = re.compile(
    r"(?:`|\]\()((?:src|docs|workflow|config|tests|benchmarks|profiles|\.ci)/[^`)\s:]*)"
)


NOT_PATHS = {
    "workflow/report/my_plot.rst": "docs/developing.md: how to add a figure",
    "src/bnlab/spec/claims/<study>.py": "docs/developing.md: how to add a study with claims",
    "workflow/report/claims_<study>.rst": "docs/developing.md: how to add a study with claims",
}


def schema_has(key, node=None, root=None):
    """Whether the config schema allows the dotted `key` (placeholders <...>
    and list indices match anything there; a study's `set` and grids take the
    options bnlab.spec.studies names)."""
    study_option = re.fullmatch(r"studies\.[^.]+\.(?:set|grids\.\d+)\.([^.]+)(?:\.\d+)*", key)
    if node is None and study_option:
        return study_option.group(1) in {*option_sections(), "model", "seed"}
    root = root or schemas.load("config")
    node = root if node is None else node
    if "$ref" in node:
        node = root["$defs"][node["$ref"].rsplit("/", 1)[1]]
    if not key:
        return True
    head, _, rest = key.partition(".")
    if "items" in node and head.isdigit():
        return schema_has(rest, node["items"], root)
    properties = node.get("properties", {})
    if head in properties:
        return schema_has(rest, properties[head], root)
    extra = node.get("additionalProperties")
    if isinstance(extra, dict) or head.startswith("<"):
        return schema_has(rest, extra if isinstance(extra, dict) else {}, root)
    return False


def named(pattern, text):
    return sorted({m.group(1).rstrip(".,") for m in pattern.finditer(text)})


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_config_key_the_docs_name_exists(doc):
    keys = [k for k in named(KEY, doc.read_text()) if k not in NOT_KEYS and not FILE.search(k)]
    assert [k for k in keys if not schema_has(k)] == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_repository_path_the_docs_name_exists(doc):
    text = doc.read_text()
    paths = [p for p in named(PATH, text) if p not in NOT_PATHS]
    # Links are relative to the doc's own folder; backticked paths to the repository.
    links = {m.group(1) for m in re.finditer(r"\]\(([^)#\s]+)", text) if "://" not in m.group(1)}
    missing = [p for p in paths if not (REPO / p).exists() and not (doc.parent / p).exists()]
    missing += [p for p in sorted(links) if not (doc.parent / p).exists()]
    assert missing == []


def test_the_checks_can_fail():
    assert not schema_has("training.no_such_key")
    assert not schema_has("gpu.jobs_per_cpu")
    assert schema_has("figures.unit_statistics.unit") and schema_has("studies.blog.seed.0")
    assert schema_has("studies.bs.grids.0.batch_size") and schema_has("studies.part2.set.epochs")
    assert not schema_has("studies.bs.grids.0.batchsize") and not schema_has("part2.epochs")
    assert named(KEY, "set `training.cpu_numerics: portable`") == ["training.cpu_numerics"]
    assert named(PATH, "see [x](src/bnlab/nope.py)") == ["src/bnlab/nope.py"]


def layout_block():
    """docs/developing.md's layout: the indented block under '## Layout'."""
    text = (REPO / "docs/developing.md").read_text()
    return text.split("## Layout", 1)[1].split("\n## ", 1)[0]


def test_the_layout_names_every_module():
    """Every module of src/bnlab/ appears in docs/developing.md's layout, under
    its subpackage (a module added without a line there fails this)."""
    block = layout_block()
    package = REPO / "src/bnlab"
    missing = []
    for module in sorted(package.rglob("*.py")):
        rel = module.relative_to(package)
        folders = [f"{part}/" for part in rel.parts[:-1]]
        names = folders + ([] if module.name == "__init__.py" else [module.name])
        missing += [str(rel) for name in names if name not in block][:1]
    assert missing == [], "add them to docs/developing.md's layout"
