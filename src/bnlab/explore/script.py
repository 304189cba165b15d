"""The explorer page's JavaScript: bodies of Bokeh CustomJS callbacks (BokehJS
runs them in the page; no server). Every control calls UPDATE (or DLN_UPDATE);
it reads the embedded columns through the index (bnlab.explore.data) and
refills the display sources, so what is drawn is always computed from the
embedded data, at load (document_ready) as after any change.

Arguments (CustomJS args, set by bnlab.explore.page): `meta` the index as
JSON, `col_<name>` a ColumnDataSource whose column `v` is one embedded
column, widgets by role, per-model lists of display sources and renderers
in the order of the index's `models`. The scripts themselves are
package data, bnlab/explore/js/*.js.
"""

from importlib.resources import files


def _js(name):
    return files(__package__).joinpath("js", f"{name}.js").read_text(encoding="utf-8")


COMMON, UPDATE, DLN_UPDATE, CLAIM, PLAY = map(
    _js, ("common", "update", "dln_update", "claim", "play")
)


def prelude(columns):
    """JS that parses the index once per page and names the columns C.<name>."""
    names = ", ".join(f"{name}: plain(col_{name}.data.v)" for name in columns)
    return f"""
const S = (window.__bnlab = window.__bnlab || {{}});
// BokehJS hands binary columns over as its own typed arrays; a plain
// Float32Array view of the same memory slices (subarray) as expected
const plain = (a) =>
  a.buffer ? new Float32Array(a.buffer, a.byteOffset, a.length) : Float32Array.from(a);
if (S.meta === undefined) S.meta = JSON.parse(meta);
if (S.columns === undefined) S.columns = {{{names}}};
const M = S.meta;
const C = S.columns;
"""


def update(columns, dln=False):
    """The body of the main callback for a page embedding `columns`."""
    body = DLN_UPDATE if dln else UPDATE
    return prelude(columns) + body.replace("__COMMON__", COMMON)
