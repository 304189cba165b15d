"""The claims table (bnlab.spec.claims, bnlab.analysis.verdicts) from a study's histories,
as CSV and Markdown, and the docs blocks that quote it.

    bnlab findings results/tables/claims*.csv

joins the claims tables (Part 2's and one per further study) into
docs/claims.csv and rewrites from it the Findings blocks of docs/part2.md and
docs/questions.md, the README's summary and the report's (a test checks that
they match).
"""

import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from bnlab.analysis.outcomes import describe, outcomes
from bnlab.analysis.verdicts import claims_table
from bnlab.io import atomic_path
from bnlab.spec import claims as registry
from bnlab.spec.claims import FAMILIES, STUDY

DOCS_CSV = Path("docs/claims.csv")


def _markers(comment, what):
    """A block's start and end markers in one kind of comment."""
    return comment.format(f"{what}: bnlab findings"), comment.format(f"end {what}")


HTML, RST = "<!-- {} -->", ".. {}"  # RST comments: the report shows the block, not its markers
# Each generated block: (file, markers, the studies whose claims it shows
# (None: all), what it shows: the full table or the README's summary).
BLOCKS = [
    ("docs/results.md", _markers(HTML, "claims table blog"), ("blog",), "table"),
    ("docs/part2.md", _markers(HTML, "claims table"), ("part2",), "table"),
    *(
        ("docs/questions.md", _markers(HTML, f"claims table {study}"), (study,), "table")
        for study in ("dln", "depth", "batch")
    ),
    ("README.md", _markers(HTML, "claims summary"), None, "summary"),
    ("workflow/report/workflow.rst", _markers(RST, "claims summary"), None, "summary"),
]


# Hand-written prose that states results: each result names its claim and
# verdict in a tag, [claim: <name> — <verdict>], which a test checks against
# docs/claims.csv.
PROSE = ("README.md", "docs/results.md", "docs/part2.md", "docs/questions.md")
TAG = re.compile(r"\[claim: (.+?) — (\w+)\]")
VERDICT_WORD = re.compile(r"\b(reproduced|opposite|negligible|equivalent|inconclusive)\b")


def prose(text):
    """`text` without its generated blocks (bnlab findings)."""
    for _, (start, end), _, _ in BLOCKS:
        while start in text and end in text:
            head, rest = text.split(start, 1)
            text = head + rest.split(end, 1)[1]
    return text


def tag_errors(text, table):
    """Where the tags of hand-written `text` disagree with the claims table:
    an unknown claim, or a verdict word other than the table's; and a
    parenthesised verdict word outside any tag (an untagged result)."""
    verdicts = dict(zip(table.claim, table.verdict, strict=True))
    text = re.sub(r"\s+", " ", prose(text))  # a tag may wrap across lines
    errors = []
    for name, word in TAG.findall(text):
        if name not in verdicts:
            errors.append(f"no claim named {name!r}")
        elif verdicts[name] != word:
            errors.append(f"{name!r} is {verdicts[name]} in the table, not {word}")
    for sentence in re.findall(r"\(([^()]*)\)", TAG.sub("", text)):
        if VERDICT_WORD.search(sentence):
            errors.append(f"an untagged verdict: ({sentence.strip()[:80]})")
    return errors


def outcome_rows(conditions):
    """One row per run and quantity: the condition's axes, model, seed, value."""
    rows = []
    for condition, models in conditions.items():
        for model, histories in models.items():
            for ds in histories:
                head = {axis: value for axis, value in condition}
                head |= {"model": model, "seed": int(ds.attrs["seed"])}
                rows += [{**head, "quantity": q, "value": v} for q, v in outcomes(ds).items()]
    return pd.DataFrame(rows)


def _matches(row, conditions):
    return all(
        np.isclose(row[k], v) if isinstance(v, float) else row[k] == v
        for k, v in conditions.items()
    )


def values_of(table):
    """claim -> {model: {seed: value}} of its quantity at its conditions."""

    def values(claim):
        if table.empty or not set(claim.conditions) <= set(table.columns):
            return {}
        rows = table[table.quantity == claim.quantity]
        rows = rows[[_matches(r, claim.conditions) for _, r in rows.iterrows()]]
        out = {}
        for _, r in rows.iterrows():
            out.setdefault(r["model"], {})[int(r["seed"])] = float(r["value"])
        return out

    return values


def claims(conditions, out, alpha, claims_of):
    """Draw function of a claims table: the verdict of every claim declared on
    study `claims_of`, and each run's outcomes beside them."""
    table = outcome_rows(conditions)
    declared = registry.claims_of(claims_of, conditions)
    result = claims_table(declared, values_of(table), alpha=alpha)
    with atomic_path(out.outcomes) as tmp:
        table.to_csv(tmp, index=False, float_format="%.6g")
    with atomic_path(out.csv) as tmp:
        result.to_csv(tmp, index=False, float_format="%.6g")
    with atomic_path(out.md) as tmp:
        tmp.write_text(to_markdown(result, alpha))


def _number(x):
    return "–" if pd.isna(x) else f"{x:.3g}"


def _interval(row):
    return f"{_number(row['mean'])} [{_number(row['ci_low'])}, {_number(row['ci_high'])}]"


def _row(row):
    flip = _number(row["p_signflip"]) + ("" if row["signflip_agrees"] else " †")
    return (
        f"| {row['claim']} | {row['source']} | {row['pair']} | {row['direction']} | "
        f"{row['n']} | {_interval(row)} | {_number(row['margin'])} | {row['test']} | "
        f"{_number(row['p'])} | {_number(row['p_holm'])} | {flip} | **{row['verdict']}** |"
    )


HEADER = (
    "| claim | source | pair (b − a) | paper | n | Δ mean [interval] | margin | test | p | "
    "p (Holm) | sign-flip p | verdict |"
)
RULE = "|" + " --- |" * 12


def _margins(rows):
    """The margins' reasons (bnlab.spec.claims.margins), each once."""
    reasons = dict.fromkeys(zip(rows.margin, rows.margin_reason, strict=True))
    return [f"Margin ±{_number(m)}: {reason}." for m, reason in reasons]


def _near_threshold(primary, alpha):
    """Primary verdicts whose deciding p (Holm) lies within a factor of 2 of α:
    a last-bit change of the runs (another CPU, docs/reproducibility.md) or a
    seed more could move them."""
    near = primary[(primary.p_holm > alpha / 2) & (primary.p_holm < 2 * alpha)]
    if near.empty:
        return [
            f"No primary verdict's deciding p (Holm) lies within a factor of 2 of α = {alpha:g}.",
            "",
        ]
    names = ", ".join(f"{r.claim} ({r.verdict}, {_number(r.p_holm)})" for r in near.itertuples())
    return [f"Near the threshold (deciding p, Holm, within a factor of 2 of α): {names}.", ""]


def to_markdown(table, alpha):
    """Per family (a question) its primary claims, Holm-corrected; then the
    secondary measures at the nominal level; then what each quantity is."""
    lines = [
        f"Verdicts at α = {alpha:g}, paired over seeds (b − a). Each claim gets two tests: the "
        "paired t-test of no difference (*difference*) and two one-sided tests that the "
        "difference lies within ±margin (*equivalence*); within each family Holm's correction "
        "runs over both tests of every primary claim, and intervals are at their Holm level. "
        "*reproduced*: a difference on the paper's side (paper: + or −) whose interval reaches "
        "beyond the margin; *opposite*: on the other side (for a claim of no difference, =, on "
        "either); *negligible*: a difference detected but inside ±margin; *equivalent*: the "
        "equivalence test passes; *inconclusive*: none of these. `test` names the test that "
        "decided the verdict and `p` its p-value. The sign-flip p is the exact permutation "
        "test of the same difference (no normality assumed); † marks a row where it and the "
        "t-test disagree at the row's level.",
        "",
    ]
    primary = table[table.primary.astype(bool)]
    for family, rows in primary.groupby("family", sort=False):
        lines += [
            f"**{FAMILIES.get(family, family)}** ({len(rows)} primary claim"
            f"{'s' if len(rows) > 1 else ''}, Holm over {2 * len(rows)} tests)",
            "",
            HEADER,
            RULE,
            *(_row(r) for _, r in rows.iterrows()),
            "",
            *_margins(rows),
            "",
        ]
    lines += _near_threshold(primary, alpha)
    secondary = table[~table.primary.astype(bool)]
    if len(secondary):
        lines += [
            "**Secondary measures** (descriptive: not corrected, intervals at 1 − α)",
            "",
            HEADER,
            RULE,
            *(_row(r) for _, r in secondary.iterrows()),
            "",
            *_margins(secondary),
            "",
        ]
    quantities = dict.fromkeys(table.quantity)
    lines += ["Quantities (per run; bnlab.analysis.outcomes):", ""]
    lines += [f"- `{q}`: {describe(q)}" for q in quantities]
    return "\n".join(lines) + "\n"


def summary(table):
    """The README's lines: each family's primary verdicts, counted."""
    lines = []
    primary = table[table.primary.astype(bool)]
    for family, rows in primary.groupby("family", sort=False):
        counts = rows.verdict.value_counts()
        tally = ", ".join(f"{n} {v}" for v, n in counts.items())
        lines.append(f"- {FAMILIES.get(family, family)}: {tally} (of {len(rows)})")
    return "\n".join(lines) + "\n"


def blocks(table, alpha=0.05):
    """{(file, markers): block text} generated from a claims table."""
    out = {}
    for path, markers, studies, kind in BLOCKS:
        rows = table if studies is None else table[table.family.map(STUDY).isin(studies)]
        text = to_markdown(rows, alpha) if kind == "table" else summary(rows)
        out[path, markers] = f"\n{text}\n" if path.endswith(".rst") else text
    return out


def replace_block(text, markers, block):
    start, end = markers
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{block}{end}{tail}"


def update_docs(csvs, root="."):
    """Join claims tables into docs/claims.csv and rewrite the docs' blocks from
    it. Each table's per-run outcomes (claims*_outcomes.csv, which the
    documented glob also matches) are not claims: they are left out."""
    root = Path(root)
    csvs = [csv for csv in csvs if not str(csv).endswith("_outcomes.csv")]
    table = pd.concat([pd.read_csv(csv) for csv in csvs], ignore_index=True)
    table.to_csv(root / DOCS_CSV, index=False, float_format="%.6g")
    table = pd.read_csv(root / DOCS_CSV)
    for (path, markers), block in blocks(table).items():
        file = root / path
        file.write_text(replace_block(file.read_text(), markers, block))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__.split("\n\n", 2)[1])
    update_docs(sys.argv[1:])
