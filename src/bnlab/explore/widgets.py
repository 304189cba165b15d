"""The explorer's building blocks: a plot, a band with a line, the controls
that choose a study's condition, models and seed."""

from bokeh.models import (
    CheckboxGroup,
    Select,
)
from bokeh.plotting import figure

from bnlab.plots.style import color, label

WIDTH, HEIGHT = 560, 290
TOOLS = "pan,box_zoom,wheel_zoom,reset,save"


def new_plot(title, x_label, y_label, y_log=False, width=WIDTH, height=HEIGHT, **kwargs):
    fig = figure(
        title=title,
        width=width,
        height=height,
        tools=TOOLS,
        y_axis_type="log" if y_log else "linear",
        x_axis_label=x_label,
        y_axis_label=y_label,
        **kwargs,
    )
    fig.title.text_font_size = "9pt"
    fig.toolbar.logo = None
    return fig


def band_line(fig, source, model, lo="lo", hi="hi", y="y", legend=True):
    """A band and a line of one model; returns both renderers."""
    shade = fig.varea(x="x", y1=lo, y2=hi, source=source, fill_color=color(model), fill_alpha=0.2)
    line = fig.line(
        x="x",
        y=y,
        source=source,
        line_color=color(model),
        line_width=2,
        **({"legend_label": label(model)} if legend else {}),
    )
    return [shade, line]


def legend(fig):
    if fig.legend:
        fig.legend.location = "top_right"
        fig.legend.label_text_font_size = "8pt"
        fig.legend.background_fill_alpha = 0.6


def axis_controls(index):
    selects = [
        Select(title=axis, value=values[0], options=values, name=f"axis:{axis}")
        for axis, values in zip(index["axes"], index["axis_values"], strict=True)
    ]
    first = index["conditions"][0]["values"]
    for select, value in zip(selects, first, strict=True):
        select.value = value
    models = CheckboxGroup(
        labels=[label(m) for m in index["models"]],
        active=list(range(len(index["models"]))),
        name="models",
    )
    seeds = [str(s) for s in index["seeds"]]
    seed = Select(title="seed", value=str(index["seed"]), options=seeds, name="seed")
    return selects, models, seed
