"""A study's claims in the explorer: the claims table exactly as
bnlab.analysis.findings.claims computes it (results/tables/claims*.csv),
beside each row the per-seed paired differences b − a it rests on, and the
view that draws a chosen row's differences, interval, zero and margin."""

import json

import numpy as np
from bokeh.layouts import column
from bokeh.models import (
    BoxAnnotation,
    ColumnDataSource,
    CustomJS,
    DataTable,
    Div,
    HoverTool,
    HTMLTemplateFormatter,
    Span,
    TableColumn,
)

from bnlab.analysis.findings import outcome_rows, values_of
from bnlab.analysis.verdicts import VERDICT_COLORS, claims_table
from bnlab.explore import script
from bnlab.explore.widgets import WIDTH, new_plot
from bnlab.spec import claims as registry


def claims_result(conditions, claims_of, alpha):
    """(claims table, {claim name: (seeds, differences b − a)}) of the claims
    declared on study `claims_of`, from its histories {condition: {model: [history]}}."""
    rows = outcome_rows(conditions)
    values = _cached(values_of(rows))
    declared = registry.claims_of(claims_of, conditions)
    table = claims_table(declared, values, alpha=alpha)
    differences = {}
    for claim in declared:
        a, b = (values(claim).get(model, {}) for model in claim.pair)
        seeds = sorted(set(a) & set(b))
        differences[claim.name] = (seeds, [b[s] - a[s] for s in seeds])
    return table, {name: differences[name] for name in table.claim}


def _cached(values):
    cache = {}

    def lookup(claim):
        if claim.name not in cache:
            cache[claim.name] = values(claim)
        return cache[claim.name]

    return lookup


def number(x):
    """A table cell: three significant digits, '–' for a missing value."""
    return "–" if x is None or not np.isfinite(x) else f"{x:.3g}"


def none(x):
    x = float(x)
    return x if np.isfinite(x) else None


def claims_views(table, differences, alpha):
    """The claims table (a DataTable) and, for the chosen row, its per-seed
    differences b − a as dots, with its interval, zero and ±margin."""
    rows = table.reset_index(drop=True)
    source = ColumnDataSource(
        {
            "family": list(rows.family),
            "claim": list(rows.claim),
            "pair": list(rows.pair),
            "conditions": list(rows.conditions),
            "direction": list(rows.direction),
            "n": [int(n) for n in rows.n],
            "interval": [
                f"{number(m)} [{number(lo)}, {number(hi)}]"
                for m, lo, hi in zip(rows["mean"], rows.ci_low, rows.ci_high, strict=True)
            ],
            "margin": [number(m) for m in rows.margin],
            "verdict": list(rows.verdict),
            "verdict_color": [VERDICT_COLORS.get(v, "#000") for v in rows.verdict],
            "primary": ["primary" if p else "secondary" for p in rows.primary],
        },
        name="claims",
    )
    verdict = HTMLTemplateFormatter(
        template='<b style="color:<%= verdict_color %>"><%= value %></b>'
    )
    columns = [
        TableColumn(field="claim", title="claim", width=300),
        TableColumn(field="family", title="family", width=90),
        TableColumn(field="pair", title="pair (b − a)", width=190),
        TableColumn(field="conditions", title="conditions", width=170),
        TableColumn(field="direction", title="paper", width=45),
        TableColumn(field="n", title="n", width=30),
        TableColumn(field="interval", title="Δ mean [interval]", width=200),
        TableColumn(field="margin", title="margin", width=70),
        TableColumn(field="verdict", title="verdict", formatter=verdict, width=90),
        TableColumn(field="primary", title="", width=70),
    ]
    data_table = DataTable(
        source=source,
        columns=columns,
        width=2 * WIDTH + 300,
        height=min(400, 30 + 26 * len(rows)),
        index_position=None,
        reorderable=False,
        name="claims_table",
    )
    claims = [
        {
            "claim": r.claim,
            "pair": r.pair,
            "quantity": r.quantity,
            "verdict": r.verdict,
            "primary": bool(r.primary),
            "mean": none(r["mean"]),
            "low": none(r.ci_low),
            "high": none(r.ci_high),
            "margin": none(r.margin),
            "seeds": [int(s) for s in differences[r.claim][0]],
            "diffs": [none(d) for d in differences[r.claim][1]],
        }
        for _, r in rows.iterrows()
    ]
    dots = ColumnDataSource({"x": [], "y": [], "seed": []}, name="claim_dots")
    interval = ColumnDataSource({"x0": [], "x1": [], "y": [], "mean": []}, name="claim_interval")
    extent = ColumnDataSource({"x": [], "y": []}, name="claim_extent")
    plot = new_plot(
        "",
        "difference b − a (per seed: dots; interval at y = 0)",
        "seed",
        width=2 * WIDTH + 300,
        height=260,
        name="plot:claim",
    )
    box = BoxAnnotation(left=0, right=0, fill_color="#999999", fill_alpha=0.2, name="margin")
    plot.add_layout(box)
    plot.add_layout(Span(location=0, dimension="height", line_color="black", line_width=1.5))
    plot.segment(x0="x0", y0="y", x1="x1", y1="y", source=interval, line_width=4, line_color="#333")
    plot.scatter(x="mean", y="y", source=interval, marker="diamond", size=14, color="#333")
    points = plot.scatter(x="x", y="y", source=dots, size=9, color="#0072B2")
    plot.scatter(x="x", y="y", source=extent, alpha=0)
    plot.add_tools(HoverTool(renderers=[points], tooltips=[("seed", "@seed"), ("b − a", "@x")]))
    callback = CustomJS(
        args={
            "claims_json": json.dumps(claims, allow_nan=False),
            "claims_source": source,
            "dots": dots,
            "interval": interval,
            "extent": extent,
            "margin_box": box,
            "diff_plot": plot,
        },
        code=script.CLAIM,
        name="explorer_claim",
    )
    source.selected.js_on_change("indices", callback)
    intro = Div(
        text=(
            "<h3 style='margin-bottom:0'>Claims</h3><p style='max-width:1100px'>The study's claims "
            "table (as results/tables/claims*.csv): paired over seeds (b − a), Holm within each "
            f"family's primary claims at α = {alpha:g}. Choose a row to see its per-seed "
            "differences (dots), its interval (bar, at its Holm level for a primary claim), "
            "zero (line) and its equivalence margin (grey band).</p>"
        )
    )
    return column(intro, data_table, plot), callback
