"""Forest plot of a claims table: every claim's interval of b − a against zero
and its equivalence margin, coloured by verdict, grouped by family, primary
claims filled.

Claims measure different quantities (accuracies, log10 losses, ICS), so each
row is drawn in units of its own margin: the grey band, ±1, is every claim's
±margin, and the x axis is symmetric-log (linear within ±1). The numbers in
the quantity's own units are written at the right of each row.

The table is the one results/tables/claims*.csv holds, computed the same way
(bnlab.analysis.findings.claims) from the histories the figure reads.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from bnlab.analysis.findings import outcome_rows, values_of
from bnlab.analysis.verdicts import VERDICT_COLORS, claims_table
from bnlab.plots.style import save
from bnlab.spec import claims as registry
from bnlab.spec.claims import FAMILIES


def claims_result(conditions, alpha, claims_of):
    """The claims table of study `claims_of` from its loaded histories
    ({condition: {model: [history]}}), as bnlab.analysis.findings.claims writes it."""
    table = outcome_rows(conditions)
    declared = registry.claims_of(claims_of, conditions)
    return claims_table(declared, values_of(table), alpha=alpha)


def draw(conditions, out, *, alpha, claims_of, dpi):
    """Draw function of the registry's forest entries."""
    forest(
        claims_result(conditions, alpha, claims_of),
        out.figure,
        alpha=alpha,
        dpi=dpi,
        study=claims_of,
    )


def _number(x):
    return "–" if not np.isfinite(x) else f"{x:.3g}"


def layout(table):
    """Rows top to bottom: ("family", name) headers, each followed by its claims
    ("claim", row), families in the table's order."""
    rows = []
    for family, claims in table.groupby("family", sort=False):
        rows.append(("family", family))
        rows += [("claim", row) for _, row in claims.iterrows()]
    return rows


def scaled(row):
    """(mean, low, high) of a row in units of its margin (NaN where undefined)."""
    margin = row["margin"]
    if not (np.isfinite(margin) and margin > 0):
        return np.nan, np.nan, np.nan
    return row["mean"] / margin, row["ci_low"] / margin, row["ci_high"] / margin


def forest(table, path, *, alpha, dpi, study=""):
    """The forest plot of a claims table (bnlab.analysis.verdicts.claims_table's columns)."""
    save(figure(table, alpha=alpha, study=study), path, dpi)


def figure(table, *, alpha, study=""):
    """The forest plot's matplotlib Figure."""
    rows = layout(table)
    height = 1.6 + 0.24 * max(len(rows), 1)
    fig, ax = plt.subplots(figsize=(11, height))
    ax.axvspan(-1, 1, color="#dddddd", zorder=0, lw=0)
    ax.axvline(0, color="black", lw=1, zorder=1)
    labels, bound = [], 2.0
    for i, (kind, item) in enumerate(rows):
        y = -i
        if kind == "family":
            labels.append((y, item, True))
            question = FAMILIES.get(item, "")
            ax.annotate(
                question,
                xy=(0.005, y),
                xycoords=("axes fraction", "data"),
                va="center",
                fontsize=7,
                style="italic",
                color="#444444",
            )
            continue
        row = item
        mean, low, high = scaled(row)
        colour = VERDICT_COLORS.get(row["verdict"], "black")
        primary = bool(row["primary"])
        if np.isfinite(low) and np.isfinite(high):
            ax.plot([low, high], [y, y], color=colour, lw=2.2 if primary else 1.4, zorder=2)
            bound = max(bound, abs(low), abs(high))
        if np.isfinite(mean):
            ax.plot(
                mean,
                y,
                "o",
                ms=6,
                color=colour,
                markerfacecolor=colour if primary else "white",
                zorder=3,
            )
            bound = max(bound, abs(mean))
        labels.append((y, row["claim"], False))
        note = (
            f"{_number(row['mean'])} [{_number(row['ci_low'])}, {_number(row['ci_high'])}] "
            f"±{_number(row['margin'])}  paper {row['direction']}  {row['verdict']}"
        )
        ax.annotate(
            note,
            xy=(1.01, y),
            xycoords=("axes fraction", "data"),
            va="center",
            fontsize=7,
            color=colour,
            annotation_clip=False,
        )
    if not rows:
        ax.text(
            0.5,
            0.5,
            "no claim could be tested: the study lacks its models or conditions",
            transform=ax.transAxes,
            ha="center",
            va="center",
        )
    ax.set_xscale("symlog", linthresh=1, linscale=1)
    ax.set_xlim(-1.15 * bound, 1.15 * bound)
    ax.set_ylim(-len(rows) + 0.5, 0.7)
    ax.set_yticks([y for y, _, _ in labels])
    ax.set_yticklabels([text for _, text, _ in labels], fontsize=7)
    for tick, (_, _, header) in zip(ax.get_yticklabels(), labels, strict=True):
        if header:
            tick.set_fontweight("bold")
            tick.set_fontsize(7.5)
    ax.grid(axis="y", alpha=0)
    ax.set_xlabel(
        "b − a in units of the claim's equivalence margin (grey: ±margin; symmetric log beyond ±1)"
    )
    ax.set_title(
        f"Claims of {study}: paired intervals over seeds (primary at their Holm level, "
        f"α = {alpha:g}); right: b − a [interval] ±margin in the quantity's units",
        fontsize=9,
    )
    handles = [Patch(color=c, label=v) for v, c in VERDICT_COLORS.items()]
    handles += [
        Line2D([], [], marker="o", color="black", ls="", label="primary"),
        Line2D(
            [], [], marker="o", color="black", markerfacecolor="white", ls="", label="secondary"
        ),
    ]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.55 / height),
        ncol=len(handles),
        fontsize=7,
    )
    return fig
