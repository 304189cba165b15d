"""Figure checks, once the studies are valid: `figures.more` entries against
the figure they are like, then every figure's study, seeds, epochs and the
layer, unit and element indices JAX would silently clamp."""

from bnlab.spec import studies
from bnlab.spec.architecture import layer_widths, param_shapes
from bnlab.spec.figure_defaults import last_epoch
from bnlab.spec.figures import FIGURES, figure_options, registry, study_of
from bnlab.spec.schema import fail, fill_defaults, raise_first, resolve

# Rules every workflow has: a figures.more target may not take their names
# (the training jobs' rules are train_<study>_<n>).
RULES = ("prepare_data", "divergence", "train")


def check_more_figures(config, schema):
    """`figures.more` entries: like a registered figure, with its options
    (checked against that figure's schema, defaults filled in)."""
    figures = schema["properties"]["figures"]["properties"]
    more = config["figures"]["more"]
    for name, entry in more.items():
        like = entry["like"]
        if like not in FIGURES:
            fail(f"figures.more.{name}.like", like, f"a registered figure: {', '.join(FIGURES)}")
        if name in FIGURES:
            fail(f"figures.more.{name}", name, "a name that no registered figure has")
        if any("{name}" not in path for path in FIGURES[like].outputs.values()):
            fail(f"figures.more.{name}.like", like, "a figure whose files are named after it")
        target = entry.get("target")
        if target in (*RULES, *FIGURES, *more) or str(target).startswith("train_"):
            fail(f"figures.more.{name}.target", target, "a name no rule has")
        sub = resolve(figures.get(FIGURES[like].options or like, {"properties": {}}), schema)
        sub = {**sub, "properties": {**sub["properties"], "like": {}, "target": {}}}
        raise_first({**sub, "$defs": schema["$defs"]}, entry, ("figures", "more", name))
        fill_defaults(entry, sub, schema)
        entry.setdefault("target", "all")


def check_figure_studies(config, chosen):
    """The study of every `figures.more` entry and of every figure whose study
    the config chose (`chosen`: their option keys) exists. A built-in figure
    whose default study the config leaves out is not drawn (bnlab.spec.figures)."""
    figs = config["figures"]
    keys = {f"figures.more.{name}": entry for name, entry in figs["more"].items()}
    keys |= {f"figures.{name}": figs[name] for name in chosen}
    for key, opts in keys.items():
        if opts["study"] not in config["studies"]:
            known = ", ".join(config["studies"])
            fail(f"{key}.study", opts["study"], f"a study of `studies`: {known}")


def check_figures(config):
    """Each drawn figure's study suits it; seeds, epochs and indices are checked
    against every run the figure draws."""
    figs = config["figures"]
    for name, fig in registry(config).items():
        if fig.reads == "mnist":
            continue
        key = f"figures.more.{name}" if name in figs["more"] else f"figures.{fig.options or name}"
        check_figure(config, name, fig, key, study_of(config, name))


def check_figure(config, name, fig, key, study):
    figs = config["figures"]
    entry = config["studies"][study]
    seeds, axes = studies.seeds(entry), studies.axes(config, entry)
    runs = [studies.config_of(config, r) for r in studies.study_runs(config, study)]
    opts = {**figure_options(config, name)}
    if fig.reads in ("run", "runs") and axes:
        fail(
            f"{key}.study",
            study,
            f"a study whose runs differ only in model and seed (this figure draws one run per "
            f"model; {study!r} varies {', '.join(axes)})",
        )
    if fig.reads in ("run", "condition_run") and figs["seed"] not in seeds:
        fail("figures.seed", figs["seed"], f"one of the seeds of study {study!r}: {seeds}")
    if figs["seeds"] is not None and not set(figs["seeds"]) <= set(seeds):
        fail("figures.seeds", figs["seeds"], f"a subset of the seeds of study {study!r}: {seeds}")
    last = last_epoch(config, study)
    late = [e for e in opts.get("epochs") or [] if e > last]
    if late:
        fail(f"{key}.epochs", opts["epochs"], f"epochs 0..{last} (study {study!r})")
    for run_cfg in runs:
        _check_indices(run_cfg, opts, key)
    models = studies.models(entry)
    if "reference" in opts and opts["reference"] not in models:
        fail(f"{key}.reference", opts["reference"], f"a model of study {study!r}: {models}")
    compared = "figures.comparisons" in fig.from_config.values()
    for i, pair in enumerate(figs["comparisons"] if compared else []):
        if any(m not in models for m in pair) or pair[0] == pair[1]:
            fail(f"figures.comparisons.{i}", pair, f"two different models of study {study!r}")


def _check_indices(run_cfg, opts, key):
    """A figure's layer, unit, epoch and element options against one run."""
    architecture, diag = run_cfg["architecture"], run_cfg["diagnostics"]
    depth = len(architecture["widths"])
    widths = layer_widths(architecture)
    if "xlim" in opts:
        low, high = diag["histogram_range"]
        if -opts["xlim"] < low or opts["xlim"] > high:
            fail(f"{key}.xlim", opts["xlim"], f"within diagnostics.histogram_range {[low, high]}")
    if "layers" in opts and max(opts["layers"]) >= depth:
        fail(f"{key}.layers", opts["layers"], f"hidden layers 0..{depth - 1}")
    if "epoch" in opts and opts["epoch"] not in diag["gradient_epochs"]:
        fail(
            f"{key}.epoch",
            opts["epoch"],
            f"one of diagnostics.gradient_epochs = {diag['gradient_epochs']}",
        )
    if "row" in opts:
        shape = param_shapes(architecture)[diag["tracked_parameter"]]
        rows, cols = shape if len(shape) == 2 else (1, shape[0])
        if not (opts["row"] < rows and opts["col"] < cols):
            fail(
                f"{key} (row, col)",
                (opts["row"], opts["col"]),
                f"0 <= row < {rows}, 0 <= col < {cols}: {diag['tracked_parameter']} is "
                f"{rows} x {cols}",
            )
    if "layer" in opts:  # a layer by name: Dense_2, BatchNorm_1, ...
        layer, unit = opts["layer"], opts["unit"]
        if layer not in widths:
            fail(f"{key}.layer", layer, f"a layer of every model drawn: {sorted(widths)}")
        if unit >= widths[layer]:
            fail(
                f"{key}.unit",
                unit,
                f"0..{widths[layer] - 1}, since {layer} has {widths[layer]} units",
            )
    if "hidden_layer" in opts:  # a hidden layer by index
        layer, unit = opts["hidden_layer"], opts["unit"]
        if layer >= depth:
            fail(f"{key}.hidden_layer", layer, f"hidden layers 0..{depth - 1}")
        if unit >= architecture["widths"][layer]:
            fail(
                f"{key}.unit",
                unit,
                f"0..{architecture['widths'][layer] - 1} (layer {layer} "
                f"has {architecture['widths'][layer]} units)",
            )
