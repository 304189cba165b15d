"""The explorer page of one study: Bokeh models laid out in a Document, written
as one HTML file with every script and datum inline (bokeh.resources.INLINE,
bokeh.embed.file_html). The controls' CustomJS (bnlab.explore.script) redraws
from the embedded columns in the browser: no server, no network request.

Draw function of the registry's explorer_<study> entries: write(data, out, ...).
"""

import html
import json
import re
from pathlib import Path

import bokeh
import numpy as np
from bokeh.document import Document
from bokeh.embed import file_html
from bokeh.layouts import column, row
from bokeh.models import (
    ColumnDataSource,
    Div,
)
from bokeh.resources import INLINE

from bnlab.explore.claims import claims_result, claims_views
from bnlab.explore.data import GRAD_POINTS, study_data
from bnlab.explore.views import dln_views, mlp_views
from bnlab.io import atomic_path

INTRO = {
    "mlp": (
        "Choose the runs on the left; every view redraws from the histories' data embedded "
        "in this file. Histograms: the layer's outputs on the whole training set (eval mode) "
        "at the chosen epoch, fine bins summed {rebin} at a time, within &plusmn;{xlim:g}. "
        "Curves: band min&ndash;max over the condition's seeds, line the chosen seed. "
        "Gradients: every step of a recorded epoch (at most {points} evenly spaced steps)."
    ),
    "dln": (
        "The deep linear network (full-batch gradient descent, one step per epoch): its "
        "training loss per step, and at every measured step the internal covariate shift "
        "of a layer and the loss landscape along the step. Band min&ndash;max over seeds, "
        "line the chosen seed."
    ),
}


def write(conditions, out, *, study_name, seed, xlim=50.0, rebin=20, claims_of=None, alpha=0.05):
    """Draw function: the explorer of a study loaded as {condition: {model: [history]}}."""
    text = page_html(
        conditions,
        xlim=xlim,
        rebin=rebin,
        seed=seed,
        study_name=study_name,
        claims_of=claims_of,
        alpha=alpha,
    )
    with atomic_path(out.html) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")


def page_html(conditions, **options):
    doc = page(conditions, **options)
    return file_html(doc, INLINE, doc.title)


def page(conditions, *, xlim, rebin, seed, study_name, claims_of=None, alpha=0.05):
    """The page's Bokeh Document."""
    index, columns = study_data(conditions, xlim=xlim, rebin=rebin, seed=seed)
    stores = {
        name: ColumnDataSource({"v": values}, name=f"col:{name}")
        for name, values in columns.items()
    }
    controls, views, callback = (dln_views if index["kind"] == "dln" else mlp_views)(index, stores)
    intro = INTRO[index["kind"]].format(
        rebin=index["rebin"], xlim=index["xlim"], points=GRAD_POINTS
    )
    header = Div(
        text=(
            f"<h2 style='margin:0'>bnlab explorer: {html.escape(study_name)}</h2>"
            f"<p style='max-width:1100px'>{intro}</p>"
            f"<p style='color:#666;font-size:85%'>{len(index['runs'])} runs in "
            f"{len(index['conditions'])} condition(s) &middot; Bokeh {bokeh.__version__}, "
            "every script and datum inline: no server, no network</p>"
        ),
        name="header",
    )
    parts = [header, row(column(*controls, width=300), views)]
    callbacks = [callback]
    if claims_of is not None:
        table, differences = claims_result(conditions, claims_of, alpha)
        if len(table):
            claims_part, claim_callback = claims_views(table, differences, alpha)
            parts.append(claims_part)
            callbacks.append(claim_callback)
    doc = Document()
    doc.title = f"bnlab explorer: {study_name}"
    doc.add_root(column(*parts, name="explorer"))
    for cb in callbacks:
        doc.js_on_event("document_ready", cb)
    return doc


def embedded(path):
    """(index, {column: float32 array}, claims) embedded in an explorer page:
    the data as the page's scripts read it (for tests and inspection)."""
    text = Path(path).read_text(encoding="utf-8")
    match = re.search(
        r'<script type="application/json" id="[^"]+">\s*(.*?)\s*</script>', text, re.S
    )
    (doc_json,) = json.loads(match.group(1)).values()
    doc = Document.from_json(doc_json)
    update = doc.select_one({"name": "explorer_update"})
    columns = {
        source.name.split(":", 1)[1]: np.asarray(source.data["v"])
        for source in doc.select({"type": ColumnDataSource})
        if (source.name or "").startswith("col:")
    }
    claim = doc.select_one({"name": "explorer_claim"})
    claims = json.loads(claim.args["claims_json"]) if claim is not None else []
    return json.loads(update.args["meta"]), columns, claims
