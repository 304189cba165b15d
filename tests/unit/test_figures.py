"""The figure registry agrees with the config schema, the report captions and
the drawing functions it names."""

import inspect
from importlib import import_module

import pytest

from bnlab import schemas
from bnlab.plots import render as drawing
from bnlab.spec import figures
from bnlab.spec.figures import FIGURES, READS, caption, options, output_paths
from tests.conftest import REPO
from tests.synthetic import DEFAULT_CONFIG

# Keys under `figures` that are shared by all figures, not one figure's options.
SHARED = {"format", "dpi", "seed", "seeds", "stale_histories", "comparisons", "more"}


def draw_function(fig):
    module, name = fig.draw.split(":")
    return getattr(import_module(module), name)


def test_every_figure_option_section_belongs_to_a_figure():
    sections = set(schemas.load("config")["properties"]["figures"]["properties"]) - SHARED
    used = {fig.options or name for name, fig in FIGURES.items()}
    assert sections <= used, f"option sections no figure reads: {sections - used}"
    assert used - set(FIGURES) <= sections  # borrowed sections exist


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_reading_histories_names_its_study(name):
    study = figures.study_of(DEFAULT_CONFIG, name)
    assert (study is None) == (FIGURES[name].reads == "mnist")
    assert study is None or study in DEFAULT_CONFIG["studies"]


@pytest.mark.parametrize("name", FIGURES)
def test_reported_outputs_have_captions(name):
    fig = FIGURES[name]
    for key in fig.reported:
        assert (REPO / "workflow/report" / caption(fig, name, key)).is_file(), name


@pytest.mark.parametrize("name", FIGURES)
def test_outputs_are_distinct_files_under_results(name):
    paths = output_paths(FIGURES[name], name, "pdf")
    assert all(p.startswith("results/") for p in paths.values())
    others = {
        p for n, f in FIGURES.items() if n != name for p in output_paths(f, n, "pdf").values()
    }
    assert not set(paths.values()) & others


@pytest.mark.parametrize("name", FIGURES)
def test_options_are_named_as_the_plot_functions_parameters(name):
    """Config keys reach the code under their own names: every option must be
    a parameter of the plotting function (no renaming table in between)."""
    target = draw_function(FIGURES[name])
    if target.__name__ == "<lambda>":  # _one(plot) or _table(build): wrapped in the closure
        target = target.__closure__[0].cell_contents
    params = inspect.signature(target).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return  # passes them on; the workflow tests draw every figure
    assert set(options(name, DEFAULT_CONFIG)) <= set(params)


def test_every_kind_of_input_is_loaded():
    assert {fig.reads for fig in FIGURES.values()} <= set(READS)
    source = inspect.getsource(drawing.load)
    assert all(f'"{kind}"' in source for kind in READS if kind != "conditions")


def test_a_more_entry_copies_its_figure_under_its_own_name():
    config = {**DEFAULT_CONFIG, "figures": {**DEFAULT_CONFIG["figures"]}}
    config["figures"]["more"] = {"bs": {"like": "accuracy", "study": "blog", "target": "bs"}}
    fig = figures.registry(config)["bs"]
    assert fig.draw == FIGURES["accuracy"].draw and fig.target == "bs"
    assert output_paths(fig, "bs", "png") == {"figure": "results/figures/bs.png"}
