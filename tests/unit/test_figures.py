"""The figure registry agrees with the config schema and the report captions."""

import inspect

import pytest

from bnlab import figures, schemas
from bnlab.figures import FIGURES, caption, options, output_paths
from tests.conftest import REPO
from tests.synthetic import DEFAULT_CONFIG

# Keys under `figures` that are shared by all figures, not one figure's options.
SHARED = {"format", "dpi", "seed", "seeds", "stale_histories"}


def test_every_figure_option_section_belongs_to_a_figure():
    sections = set(schemas.load("config")["properties"]["figures"]["properties"]) - SHARED
    used = {fig.options or name for name, fig in FIGURES.items()}
    assert sections <= used, f"option sections no figure reads: {sections - used}"
    assert used - set(FIGURES) <= sections  # borrowed sections exist


@pytest.mark.parametrize("name", FIGURES)
def test_reported_outputs_have_captions(name):
    for key in FIGURES[name].reported:
        assert (REPO / "workflow/report" / caption(name, key)).is_file(), caption(name, key)


@pytest.mark.parametrize("name", FIGURES)
def test_outputs_are_distinct_files_under_results(name):
    paths = output_paths(name, "pdf")
    assert all(p.startswith("results/") for p in paths.values())
    others = {p for n in FIGURES if n != name for p in output_paths(n, "pdf").values()}
    assert not set(paths.values()) & others


@pytest.mark.parametrize("name", FIGURES)
def test_options_are_named_as_the_plot_functions_parameters(name):
    """Config keys reach the code under their own names: every option must be
    a parameter of the plotting function (no renaming table in between)."""
    fig = FIGURES[name]
    target = fig.draw
    if target.__name__ == "<lambda>":  # _one(plot) or _table(build): wrapped in the closure
        target = target.__closure__[0].cell_contents
    params = inspect.signature(target).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return  # passes them on; the workflow tests draw every figure
    assert set(options(name, DEFAULT_CONFIG)) <= set(params)


def test_sources_are_the_workflows_input_kinds():
    common = (REPO / "workflow/rules/common.smk").read_text()
    for kind in figures.SOURCES:
        assert f'"{kind}"' in common, kind
    assert {fig.reads for fig in FIGURES.values()} <= set(figures.SOURCES)
