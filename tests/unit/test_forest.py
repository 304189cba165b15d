"""The forest plot of a claims table: one row per claim under its family, the
interval in units of the claim's margin, coloured by verdict, primary filled."""

from types import SimpleNamespace

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from bnlab.analysis.findings import claims as claims_table_files
from bnlab.plots import forest
from bnlab.plots.render import Condition
from tests.synthetic import synthetic_history

# (family, claim, mean, low, high, margin, verdict, primary)
ROWS = [
    ("faster", "BN trains faster", -0.03, -0.05, -0.01, 0.01, "reproduced", True),
    ("faster", "BN tests better", 0.001, -0.001, 0.003, 0.002, "equivalent", False),
    ("ics", "BN does not reduce ICS", 0.4, 0.1, 0.7, 0.05, "opposite", True),
    ("ics", "one seed only", 0.2, np.nan, np.nan, 0.1, "inconclusive", True),
]


def hand_made_table():
    keys = ("family", "claim", "mean", "ci_low", "ci_high", "margin", "verdict", "primary")
    rows = [dict(zip(keys, row, strict=True)) for row in ROWS]
    extra = {"direction": "-", "n": 5, "pair": "batchnorm - baseline", "quantity": "q"}
    return pd.DataFrame([{**extra, **row} for row in rows])


def test_rows_are_grouped_by_family_in_table_order():
    kinds = [
        (kind, item if kind == "family" else item["claim"])
        for kind, item in forest.layout(hand_made_table())
    ]
    assert kinds == [
        ("family", "faster"),
        ("claim", "BN trains faster"),
        ("claim", "BN tests better"),
        ("family", "ics"),
        ("claim", "BN does not reduce ICS"),
        ("claim", "one seed only"),
    ]


def test_intervals_are_drawn_in_units_of_the_margin_and_coloured_by_verdict():
    fig = forest.figure(hand_made_table(), alpha=0.05, study="part2")
    (ax,) = fig.axes
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [
        "faster",
        "BN trains faster",
        "BN tests better",
        "ics",
        "BN does not reduce ICS",
        "one seed only",
    ]
    assert ax.get_xscale() == "symlog"
    segments = {tuple(line.get_ydata()): line for line in ax.lines if len(line.get_xdata()) == 2}
    markers = {float(line.get_ydata()[0]): line for line in ax.lines if line.get_marker() == "o"}
    for (_, _, mean, low, high, margin, verdict, primary), y in zip(
        ROWS, (-1, -2, -4, -5), strict=True
    ):
        colour = mcolors.to_hex(forest.VERDICT_COLORS[verdict])
        point = markers[y]
        assert point.get_xdata()[0] == pytest.approx(mean / margin)
        assert mcolors.to_hex(point.get_color()) == colour
        face = mcolors.to_hex(point.get_markerfacecolor())
        assert face == (colour if primary else "#ffffff")
        if np.isfinite(low):
            line = segments[(y, y)]
            np.testing.assert_allclose(line.get_xdata(), [low / margin, high / margin])
            assert mcolors.to_hex(line.get_color()) == colour
        else:
            assert (y, y) not in segments  # no interval from one pair
    # the margin band is ±1 in these units, zero the black line
    (band,) = [p for p in ax.patches if p.get_width() == pytest.approx(2)]
    assert band.get_x() == pytest.approx(-1)


def test_forest_writes_a_picture(tmp_path):
    path = tmp_path / "forest.png"
    forest.forest(hand_made_table(), path, alpha=0.05, dpi=60, study="part2")
    with Image.open(path) as image:
        assert image.format == "PNG" and image.height > 100


def test_an_empty_table_still_draws(tmp_path):
    empty = hand_made_table().iloc[:0]
    forest.forest(empty, tmp_path / "empty.png", alpha=0.05, dpi=60)
    assert (tmp_path / "empty.png").stat().st_size > 0


def test_the_drawn_table_is_the_claims_table_of_the_same_histories(tmp_path):
    """The figure computes the table bnlab.analysis.findings.claims writes."""
    runs = {m: [synthetic_history(m, s) for s in (0, 1)] for m in ("baseline", "batchnorm")}
    conditions = {Condition((("optimizer", "sgd"), ("learning_rate", 0.3))): runs}
    out = SimpleNamespace(csv=tmp_path / "c.csv", md=tmp_path / "c.md", outcomes=tmp_path / "o.csv")
    claims_table_files(conditions, out, alpha=0.05, claims_of="part2")
    written = pd.read_csv(out.csv)
    drawn = forest.claims_result(conditions, 0.05, "part2")
    assert list(drawn.claim) == list(written.claim) and list(drawn.verdict) == list(written.verdict)
    np.testing.assert_allclose(drawn.margin, written.margin, rtol=1e-5)
    np.testing.assert_allclose(drawn.ci_low, written.ci_low, rtol=1e-5)
    figure = SimpleNamespace(figure=tmp_path / "forest.png")
    forest.draw(conditions, figure, alpha=0.05, claims_of="part2", dpi=50)
    assert figure.figure.stat().st_size > 0
