"""Which figure function each figure rule calls, with which inputs and options."""

from collections import defaultdict

import pandas as pd

from bnlab.data import load_mnist
from bnlab.history import load_history
from bnlab.plots import activations, data, gradients, part2, training
from bnlab.tables import final_accuracy, write_tables


def load_runs(paths):
    """Histories grouped by model, seeds in the order given: {model: [ds, ...]}."""
    runs = defaultdict(list)
    for path in paths:
        ds = load_history(path)
        runs[ds.attrs["model"]].append(ds)
    return dict(runs)


def single(paths):
    """{model: ds} for histories of one seed."""
    return {model: seeds[0] for model, seeds in load_runs(paths).items()}


def _samples(input, params, output):
    data.samples(load_mnist(input.mnist), output[0], dpi=params.dpi, **params.options)


def _input_distribution(input, params, output):
    mnist = load_mnist(input.mnist)
    data.input_distribution(
        mnist, output[0], mode=params.normalization, dpi=params.dpi, **params.options
    )


def _initial_weights(input, params, output):
    training.initial_weights(single(input.histories), output[0], dpi=params.dpi, **params.options)


def _accuracy(input, params, output):
    training.accuracy(load_runs(input.histories), output[0], dpi=params.dpi, **params.options)


def _activations(input, params, output):
    opts, histories = dict(params.options), single(input.histories)
    shared = {"layers": opts["layers"], "xlim": opts["xlim"], "rebin_factor": opts["rebin"]}
    activations.activations_grid(
        histories, output.grid, epochs=opts["epochs"], dpi=params.dpi, **shared
    )
    activations.activations_gif(histories, output.gif, frame_ms=opts["frame_ms"], **shared)


def _unit_statistics(input, params, output):
    activations.unit_statistics(
        single(input.histories), output[0], dpi=params.dpi, **params.options
    )


def _gradient_trace(input, params, output):
    gradients.gradient_trace(single(input.histories), output[0], dpi=params.dpi, **params.options)


def _gradient_stats(input, params, output):
    runs = load_runs(input.histories)
    for stat in ("std", "mean"):
        gradients.gradient_stat(runs, output[stat], stat=stat, dpi=params.dpi, **params.options)


def _final_accuracy(input, params, output):
    table = final_accuracy(load_runs(input.histories), params.options["epochs"])
    write_tables(table, output.csv, output.md)


def _landscape(input, params, output):
    part2.landscape(load_runs(input.histories), output[0], dpi=params.dpi)


def _ics(input, params, output):
    part2.ics(load_runs(input.histories), output[0], dpi=params.dpi)


def _unit_percentiles(input, params, output):
    part2.unit_percentiles(single(input.histories), output[0], dpi=params.dpi, **params.options)


def _lr_sweep(input, params, output):
    histories = [load_history(path) for path in input.histories]
    table = part2.sweep_table(histories)
    part2.lr_sweep(table, output.fig, epochs=int(histories[0].train_epoch[-1]), dpi=params.dpi)
    write_tables(table, output.csv, output.md)


def _part2_measurements(input, params, output):
    runs = load_runs(input.histories)
    table = pd.concat(
        [part2.measurement_summary(runs, first) for first in (True, False)], ignore_index=True
    )
    write_tables(table, output.csv, output.md)


FIGURES = {
    "samples": _samples,
    "input_distribution": _input_distribution,
    "initial_weights": _initial_weights,
    "accuracy": _accuracy,
    "activations": _activations,
    "unit_statistics": _unit_statistics,
    "gradient_trace": _gradient_trace,
    "gradient_stats": _gradient_stats,
    "final_accuracy": _final_accuracy,
    "landscape": _landscape,
    "ics": _ics,
    "noisy_bn_accuracy": _accuracy,
    "unit_percentiles": _unit_percentiles,
    "lr_sweep": _lr_sweep,
    "part2_accuracy": _final_accuracy,
    "part2_measurements": _part2_measurements,
}


def draw(rule, input, params, output):
    FIGURES[rule](input, params, output)
