"""Drawing a registered figure (bnlab.spec.figures): load what it reads, check that
every history was trained as the config says, call its draw function."""

import json
from collections import defaultdict
from importlib import import_module

from bnlab.analysis import tables
from bnlab.analysis.tables import write_tables
from bnlab.data.mnist import load_mnist
from bnlab.errors import BnlabError
from bnlab.history.read import load_history
from bnlab.plots import activations as _activations
from bnlab.plots import batch, data, dln, gradients, part2, training
from bnlab.spec.studies import freeze, label


class Condition(tuple):
    """One setting of a study's axes, ((axis, value), ...); prints as
    'optimizer=sgd, learning_rate=0.3' (or 'every run' for a study without axes)."""

    def __str__(self):
        return ", ".join(f"{axis}={label(value)}" for axis, value in self) or "every run"


def by_condition(runs):
    """{Condition: {model: [history per seed]}} from [(coords, history)], in the order given."""
    grouped = defaultdict(lambda: defaultdict(list))
    for coords, ds in runs:
        condition = Condition((axis, freeze(value)) for axis, value in coords)
        grouped[condition][ds.attrs["model"]].append(ds)
    return {condition: dict(models) for condition, models in grouped.items()}


def load(reads, paths, coords):
    """What a figure `reads` (bnlab.spec.figures.READS) from its input files; `coords`
    gives each history's setting of its study's axes."""
    if reads == "mnist":
        return load_mnist(paths[0])
    runs = [(coords.get(str(p), ()), load_history(p)) for p in paths]
    if reads == "histories":
        return [ds for _, ds in runs]
    grouped = by_condition(runs)
    if reads in ("run", "runs"):
        (models,) = grouped.values()  # the config allows only studies without axes here
        return {m: seeds[0] for m, seeds in models.items()} if reads == "run" else models
    if reads == "condition_run":
        return {c: {m: seeds[0] for m, seeds in models.items()} for c, models in grouped.items()}
    return grouped


# Draw functions (named in the registry): draw(data, out, **options).
def _one(plot):
    """A plot drawing one picture: draw(data, out.figure, **options)."""
    return lambda data, out, **options: plot(data, out.figure, **options)


def _table(build):
    """A table: CSV and Markdown of build(data, **options)."""
    return lambda data, out, **options: write_tables(build(data, **options), out.csv, out.md)


samples = _one(data.samples)
input_distribution = _one(data.input_distribution)
initial_weights = _one(training.initial_weights)
accuracy = _one(training.accuracy)
unit_statistics = _one(_activations.unit_statistics)
gradient_trace = _one(gradients.gradient_trace)
landscape = _one(part2.landscape)
ics = _one(part2.ics)
variant_accuracy = _one(part2.variant_accuracy)
unit_percentiles = _one(part2.unit_percentiles)
input_drift = _one(part2.input_drift)
steps_to_threshold = _one(training.steps_to_threshold)
final_accuracy = _table(tables.final_accuracy)
part2_accuracy = _table(tables.part2_accuracy)
part2_measurements = _table(tables.part2_measurements)
noise_depth = _table(tables.noise_depth)
batch_size = _one(batch.batch_size)
dln_training = _one(dln.training)
dln_ics = _one(dln.ics)
dln_landscape = _one(dln.landscape)


def activations(runs, out, layers, xlim, rebin, epochs, frame_ms, dpi):
    shared = {"layers": layers, "xlim": xlim, "rebin": rebin}
    _activations.activations_grid(runs, out.grid, epochs=epochs, dpi=dpi, **shared)
    _activations.activations_gif(runs, out.gif, frame_ms=frame_ms, **shared)


def gradient_stats(runs, out, **options):
    for stat in ("std", "mean"):
        gradients.gradient_stat(runs, out[stat], stat=stat, **options)


def lr_sweep(histories, out, dpi):
    table = part2.sweep_table(histories)
    part2.lr_sweep(table, out.figure, epochs=int(histories[0].train_epoch[-1]), dpi=dpi)
    write_tables(table, out.csv, out.md)


def render(
    fig, input_paths, out, opts, coords=None, trained_with=None, stale_histories="stop", log=print
):
    """Load what figure `fig` reads and draw it, after checking that every
    history was trained with the config in `trained_with` ({path: config})."""
    for problem in stale(trained_with or {}):
        if stale_histories == "stop":
            raise BnlabError(
                f"{problem}. Retrain it (delete it, or snakemake --cores all --force "
                f"<the history>), or set figures.stale_histories: warn to draw it anyway."
            )
        log(f"warning: {problem}")
    module, function = fig.draw.split(":")
    draw = getattr(import_module(module), function)
    draw(load(fig.reads, list(input_paths), coords or {}), out, **opts)


def stale(trained_with):
    """One sentence per history whose recorded training config is not the one
    expected: the file and every differing key."""
    problems = []
    for path, expected in trained_with.items():
        recorded = json.loads(load_history(path).attrs["config"])
        changed = config_differences(recorded, json.loads(json.dumps(expected)))
        if changed:
            problems.append(
                f"{path} was trained with another config than the current one: {'; '.join(changed)}"
            )
    return problems


def config_differences(recorded, expected, prefix=""):
    """'key: <recorded> in the history, <expected> now' for every differing leaf."""
    out = []
    for key in sorted(set(recorded) | set(expected)):
        a, b = recorded.get(key), expected.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out += config_differences(a, b, f"{prefix}{key}.")
        elif a != b:
            out.append(f"{prefix}{key} = {a!r} in the history, {b!r} now")
    return out
