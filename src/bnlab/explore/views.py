"""The explorer's views: the controls, plots and update callback of an MLP
study (histograms, curves, unit statistics, gradients) and of a deep linear
network study (loss, ICS, landscape)."""

import json

from bokeh.layouts import column, row
from bokeh.models import (
    Button,
    ColumnDataSource,
    CustomJS,
    Div,
    RadioButtonGroup,
    Range1d,
    Select,
    Slider,
    Span,
    Spinner,
)

from bnlab.explore import script
from bnlab.explore.widgets import WIDTH, axis_controls, band_line, legend, new_plot
from bnlab.plots.style import color, label

PLAY_MS = 700
STAGE_HELP = (
    "Left: Dense_i, before any normalization, or what the activation receives "
    "(BatchNorm_i where the model normalizes before it, as the blog's figure compares). "
    "Right: ReLU_i, after the activation."
)


def mlp_views(index, stores):
    """Controls, plots and the update callback of an MLP study."""
    axis_selects, models, seed = axis_controls(index)
    split = RadioButtonGroup(labels=["test set", "training set"], active=0, name="split")
    layer = Select(title="layer", value="0", options=["0"], name="layer")
    stage = RadioButtonGroup(labels=["Dense_i", "activation input"], active=0, name="stage")
    unit = Spinner(
        title="unit (of the left histogram's layer)", low=0, high=1, step=1, value=0, name="unit"
    )
    last = max(run["epochs"][-1] for run in index["runs"])
    epoch = Slider(title="epoch", start=0, end=max(last, 1), step=1, value=last, name="epoch")
    play = Button(label="\u25b6 Play", name="play", width=120)
    grad_epoch = Select(
        title="recorded epoch (gradients)", value="none", options=["none"], name="grad_epoch"
    )
    param = Select(title="parameter (gradients)", value="none", options=["none"], name="parameter")
    grad_stat = RadioButtonGroup(labels=["mean", "std", "norm"], active=1, name="grad_stat")
    status = Div(text="", name="status", width=290)

    # Histograms: x fitted (by the callback) to the bins any epoch fills.
    xlim = index["xlim"]
    plot_a = new_plot("", "output value", "count", name="plot:hist_a", x_range=Range1d(-xlim, xlim))
    plot_b = new_plot("", "output value", "count", name="plot:hist_b", x_range=Range1d(-xlim, xlim))
    plot_err = new_plot("", "epoch", "error rate", y_log=True, name="plot:error")
    plot_loss = new_plot("", "epoch", "loss (nat)", y_log=True, name="plot:loss")
    plot_mean = new_plot("", "epoch", "mean output", name="plot:unit_mean")
    plot_std = new_plot("", "epoch", "std of output", name="plot:unit_std")
    plot_grad = new_plot("", "step", "gradient statistic", name="plot:grad", width=2 * WIDTH)
    spans = [
        Span(location=last, dimension="height", line_dash="dashed", line_color="#444")
        for _ in range(4)
    ]
    for fig, span in zip((plot_err, plot_loss, plot_mean, plot_std), spans, strict=True):
        fig.add_layout(span)

    hist_a, hist_b, curve, unit_src, grad, renderers = [], [], [], [], [], []
    for model in index["models"]:
        a = ColumnDataSource({"left": [], "right": [], "top": []}, name=f"hist_a:{model}")
        b = ColumnDataSource({"left": [], "right": [], "top": []}, name=f"hist_b:{model}")
        c = ColumnDataSource(
            {k: [] for k in ("x", "err_lo", "err_hi", "err", "loss_lo", "loss_hi", "loss")},
            name=f"curve:{model}",
        )
        u = ColumnDataSource({"x": [], "mean": [], "std": []}, name=f"unit:{model}")
        g = ColumnDataSource({"x": [], "lo": [], "hi": [], "y": []}, name=f"grad:{model}")
        style = {
            "fill_color": color(model),
            "fill_alpha": 0.45,
            "line_color": color(model),
            "line_width": 0.6,
        }
        made = [
            *(
                plot.quad(
                    left="left",
                    right="right",
                    top="top",
                    bottom=0,
                    source=source,
                    legend_label=label(model),
                    **style,
                )
                for plot, source in ((plot_a, a), (plot_b, b))
            ),
            *band_line(plot_err, c, model, "err_lo", "err_hi", "err"),
            *band_line(plot_loss, c, model, "loss_lo", "loss_hi", "loss", legend=False),
            plot_mean.line(
                x="x",
                y="mean",
                source=u,
                line_color=color(model),
                line_width=2,
                legend_label=label(model),
            ),
            plot_std.line(x="x", y="std", source=u, line_color=color(model), line_width=2),
            *band_line(plot_grad, g, model),
        ]
        hist_a.append(a)
        hist_b.append(b)
        curve.append(c)
        unit_src.append(u)
        grad.append(g)
        renderers.append(made)
    for fig in (plot_a, plot_b, plot_err, plot_mean, plot_grad):
        legend(fig)

    args = {
        "meta": json.dumps(index, allow_nan=False),
        **{f"col_{name}": source for name, source in stores.items()},
        "axis_selects": axis_selects,
        "models_group": models,
        "seed_select": seed,
        "split_group": split,
        "layer_select": layer,
        "stage_group": stage,
        "unit_spinner": unit,
        "epoch_slider": epoch,
        "grad_epoch_select": grad_epoch,
        "param_select": param,
        "grad_stat_group": grad_stat,
        "status": status,
        "hist_a": hist_a,
        "hist_b": hist_b,
        "curve": curve,
        "unit_src": unit_src,
        "grad": grad,
        "renderers": renderers,
        "epoch_spans": spans,
        "plot_a": plot_a,
        "plot_b": plot_b,
        "plot_err": plot_err,
        "plot_loss": plot_loss,
        "plot_mean": plot_mean,
        "plot_std": plot_std,
        "plot_grad": plot_grad,
    }
    update = CustomJS(args=args, code=script.update(stores), name="explorer_update")
    for widget in (*axis_selects, seed, layer, grad_epoch, param, unit, epoch):
        widget.js_on_change("value", update)
    for widget in (models, split, stage, grad_stat):
        widget.js_on_change("active", update)
    play.js_on_event(
        "button_click",
        CustomJS(args={"slider": epoch, "button": play, "interval_ms": PLAY_MS}, code=script.PLAY),
    )
    controls = [
        *axis_selects,
        Div(text="<b>models</b>"),
        models,
        seed,
        Div(text="<b>curves</b>"),
        split,
        Div(text="<b>layer outputs</b>"),
        layer,
        Div(text=STAGE_HELP, width=290),
        stage,
        unit,
        epoch,
        play,
        Div(text="<b>gradients</b>"),
        grad_epoch,
        param,
        grad_stat,
        status,
    ]
    views = column(
        row(plot_a, plot_b),
        row(plot_err, plot_loss),
        row(plot_mean, plot_std),
        plot_grad,
    )
    return controls, views, update


LANDSCAPE = (
    "loss_variation",
    "gradient_change",
    "beta_smoothness",
    "loss_variation_per_length",
    "gradient_change_relative",
)


def dln_views(index, stores):
    """Controls, plots and the update callback of a deep linear network study."""
    axis_selects, models, seed = axis_controls(index)
    ics_layer = Select(title="ICS layer", value="none", options=["none"], name="ics_layer")
    ics_form = RadioButtonGroup(labels=["cosine", "l2", "relative"], active=0, name="ics_form")
    measure = Select(
        title="landscape measure", value=LANDSCAPE[0], options=list(LANDSCAPE), name="landscape"
    )
    status = Div(text="", name="status", width=290)
    plot_loss = new_plot("", "step", "training loss", y_log=True, name="plot:loss", width=2 * WIDTH)
    plot_ics = new_plot("", "step", "internal covariate shift", name="plot:ics")
    plot_land = new_plot("", "step", "landscape measure", y_log=True, name="plot:landscape")
    loss_src, ics_src, land_src, renderers = [], [], [], []
    for model in index["models"]:
        sources = [
            ColumnDataSource({"x": [], "lo": [], "hi": [], "y": []}, name=f"{kind}:{model}")
            for kind in ("loss", "ics", "landscape")
        ]
        made = [
            *band_line(plot_loss, sources[0], model),
            *band_line(plot_ics, sources[1], model, legend=False),
            *band_line(plot_land, sources[2], model, legend=False),
        ]
        loss_src.append(sources[0])
        ics_src.append(sources[1])
        land_src.append(sources[2])
        renderers.append(made)
    legend(plot_loss)
    args = {
        "meta": json.dumps(index, allow_nan=False),
        **{f"col_{name}": source for name, source in stores.items()},
        "axis_selects": axis_selects,
        "models_group": models,
        "seed_select": seed,
        "ics_layer_select": ics_layer,
        "ics_form_group": ics_form,
        "landscape_select": measure,
        "status": status,
        "loss_src": loss_src,
        "ics_src": ics_src,
        "land_src": land_src,
        "renderers": renderers,
        "plot_loss": plot_loss,
        "plot_ics": plot_ics,
        "plot_land": plot_land,
    }
    update = CustomJS(args=args, code=script.update(stores, dln=True), name="explorer_update")
    for widget in (*axis_selects, seed, ics_layer, measure):
        widget.js_on_change("value", update)
    for widget in (models, ics_form):
        widget.js_on_change("active", update)
    controls = [
        *axis_selects,
        Div(text="<b>models</b>"),
        models,
        seed,
        Div(text="<b>internal covariate shift</b>"),
        ics_layer,
        ics_form,
        measure,
        status,
    ]
    return controls, column(plot_loss, row(plot_ics, plot_land)), update
