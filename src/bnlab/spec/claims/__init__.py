"""The claims we test, declared once per study (like the figure registry):
each names its source, the per-run quantity (bnlab.analysis.outcomes), the
pair, the conditions, the direction the source reports and an equivalence
margin. bnlab.analysis.verdicts computes every verdict;
`results/tables/claims*.{csv,md}` are the result, and docs/part2.md's and
docs/questions.md's Findings quote them.

A study's registry (REGISTRY) declares its claims from the conditions the
study trains, read from the study, never from a copy of its grid. Families
are the questions; Holm's correction runs over each family's primary claims,
within one study's table. Secondary claims describe (other windows,
scale-free forms, other optimizers or rates) and are not corrected.
"""

from bnlab.spec import studies
from bnlab.spec.claims import batch, blog, depth, dln, part2

REGISTRY = {"blog": blog, "part2": part2, "dln": dln, "depth": depth, "batch": batch}
FAMILIES = {family: text for m in REGISTRY.values() for family, text in m.FAMILIES.items()}
# The study each family's claims read.
STUDY = {family: study for study, m in REGISTRY.items() for family in m.FAMILIES}


def claims_of(study, conditions):
    """The claims declared on `study` (a key of REGISTRY) at `conditions`, the
    settings of its axes it trains (dicts, or ((axis, value), ...) tuples)."""
    return REGISTRY[study].claims([dict(c) for c in conditions])


def study_conditions(config, study):
    """The settings of a study's axes its runs take, in order, each once."""
    coords = dict.fromkeys(run.coords for run in studies.study_runs(config, study))
    return [dict(c) for c in coords]


def all_claims(config):
    """Every claim of the config's studies that have a registry."""
    return [
        c
        for study in REGISTRY
        if study in config["studies"]
        for c in claims_of(study, study_conditions(config, study))
    ]
