"""The tables (each CSV and Markdown): final_accuracy (per run, per model, and
each model paired with a reference over seeds), part2_accuracy and
part2_measurements (Part 2's pairs, figures.comparisons), and noise_depth
(the noise against depth). The claims tables are bnlab.analysis.findings'."""

import json

import numpy as np
import pandas as pd

from bnlab.analysis.outcomes import ICS, final, landscape_series
from bnlab.analysis.verdicts import paired_interval
from bnlab.io import atomic_path
from bnlab.spec import blog
from bnlab.spec.architecture import compounded_noise_scale
from bnlab.spec.chance import at_chance
from bnlab.spec.studies import label


def _blog_value(model, epoch, split):
    point = blog.ACCURACY.get(model, {}).get(epoch)
    return point[0 if split == "train" else 1] if point else np.nan


def per_run(runs, epochs):
    """One row per model and seed: accuracy at each epoch in `epochs`."""
    rows = []
    for model, seeds in runs.items():
        for ds in seeds:
            row = {"model": model, "seed": int(ds.attrs["seed"])}
            # Flagged runs stay in the table (and its means), marked.
            row["flag"] = "at chance" if ds.attrs.get("at_chance", "no") != "no" else ""
            for epoch in epochs:
                for split in ("train", "test"):
                    row[f"{split}_acc_epoch{epoch}"] = float(
                        ds[f"{split}_accuracy"].sel(epoch=epoch)
                    )
            rows.append(row)
    return pd.DataFrame(rows)


def paired_difference(values_a, values_b, confidence=0.95):
    """Mean of b - a over paired seeds with a t-interval (NaN bounds for one pair)."""
    diff = np.asarray(values_b, float) - np.asarray(values_a, float)
    return paired_interval(diff, 1 - confidence)


def paired_over_seeds(a, b):
    """b - a over the seeds both have (each {seed: value}, or a Series indexed
    by seed): (mean, 95% CI low, high, number of pairs)."""
    common = sorted(set(a.keys()) & set(b.keys()))
    return (*paired_difference([a[s] for s in common], [b[s] for s in common]), len(common))


def summary(table, epochs, reference="baseline", show_blog=True):
    """Per model: mean and sd over seeds and (show_blog) the blog's numbers;
    then, for every other model, its paired difference from `reference` with a
    95% CI."""
    columns = [c for c in table.columns if c.startswith(("train_acc", "test_acc"))]
    rows = []
    for model, group in table.groupby("model", sort=False):
        mean = {"model": model, "seed": "mean", **group[columns].mean().to_dict()}
        sd = {"model": model, "seed": "sd", **group[columns].std(ddof=1).to_dict()}
        rows += [mean, sd]
        if show_blog and model in blog.ACCURACY:
            blog_row = {"model": model, "seed": "blog (seed 42)"}
            for col in columns:
                split, _, epoch = col.partition("_acc_epoch")
                blog_row[col] = _blog_value(model, int(epoch), split)
            rows.append(blog_row)
    if reference in set(table.model):
        a = table[table.model == reference].set_index("seed")
        for treatment in [m for m in table.model.unique() if m != reference]:
            rows += _paired_rows(
                a,
                table[table.model == treatment].set_index("seed"),
                columns,
                f"{treatment} - {reference}",
            )
    return pd.concat([table.astype({"seed": object}), pd.DataFrame(rows)], ignore_index=True)


def _paired_rows(a, b, columns, label):
    diff, low, high = ({"model": label} for _ in range(3))
    for col in columns:
        diff[col], low[col], high[col], n = paired_over_seeds(a[col], b[col])
    diff["seed"], low["seed"], high["seed"] = (
        f"mean over {n} paired seeds",
        "95% CI low",
        "95% CI high",
    )
    return [diff, low, high]


def final_accuracy(conditions, epochs, reference, show_blog):
    """Per setting of the study's axes (columns first, if it has any): every
    run, each model's mean and sd, and every model minus `reference`. The
    blog's printed numbers are shown only for a study without axes."""
    parts = []
    for condition, runs in conditions.items():
        blog_rows = show_blog and not condition
        table = summary(per_run(runs, epochs), epochs, reference, blog_rows)
        for i, (axis, value) in enumerate(condition):
            table.insert(i, axis, label(value))
        parts.append(table)
    return pd.concat(parts, ignore_index=True)


def write_tables(table, csv_path, md_path):
    with atomic_path(csv_path) as tmp:
        table.to_csv(tmp, index=False, float_format="%.4f")
    with atomic_path(md_path) as tmp:
        tmp.write_text(to_markdown(table))


def to_markdown(table):
    cols = list(table.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + " --- |" * len(cols)]
    for _, row in table.iterrows():
        cells = [f"{v:.4f}" if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(c.replace("nan", "–") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def compare(values, pairs):
    """Rows for one quantity: per model, the mean and sd over its seeds; per pair
    [a, b], the mean of b - a over the seeds both have, with a 95% t-interval.

    `values` is {model: {seed: value}}."""
    rows = []
    for model, by_seed in values.items():
        x = np.array(list(by_seed.values()), float)
        sd = x.std(ddof=1) if len(x) > 1 else np.nan
        rows.append({"row": model, "mean": x.mean(), "sd": sd, "seeds": len(x)})
    for a, b in pairs:
        if a in values and b in values:
            mean, low, high, n = paired_over_seeds(values[a], values[b])
            rows.append(
                {"row": f"{b} - {a}", "mean": mean, "ci_low": low, "ci_high": high, "seeds": n}
            )
    return rows


def part2_accuracy(study, epochs, comparisons):
    """Test accuracy at each of `epochs`, per setting of the study's axes: every
    model, every pair."""
    rows = []
    for condition, runs in study.items():
        for epoch in epochs:
            values = {
                model: {
                    int(ds.attrs["seed"]): float(ds.test_accuracy.sel(epoch=epoch)) for ds in seeds
                }
                for model, seeds in runs.items()
            }
            quantity = {**_columns(condition), "quantity": f"test_acc_epoch{epoch}"}
            rows += [{**quantity, **row} for row in compare(values, comparisons)]
    return _long(rows)


def per_seed_measures(ds, first_epoch_only):
    """One number per measurement for one run: its median over the measured steps
    (of epoch 1 only, if asked), so seeds can then be paired. The landscape's
    raw and scale-free forms, and every ICS form of every measured layer."""
    if first_epoch_only:
        ds = ds.sel(measure_step=ds.measure_epoch == 1)
    out = {name: values.values for name, values in landscape_series(ds).items()}
    for layer in ds.ics_layer.values:
        for name in ICS:
            out[f"{name}_{layer}"] = ds[name].sel(ics_layer=layer).values
    return {name: float(np.median(v)) for name, v in out.items()}


def part2_measurements(study, comparisons):
    """Per setting of the study's axes and measurement: per-seed medians over
    training steps (all steps, and epoch 1 alone), summarised per model and
    paired per pair."""
    rows = []
    for condition, runs in study.items():
        for steps, first in (("epoch 1", True), ("all", False)):
            seeds = {
                model: {int(ds.attrs["seed"]): per_seed_measures(ds, first) for ds in histories}
                for model, histories in runs.items()
            }
            names = next(iter(next(iter(seeds.values())).values()))
            for name in names:
                values = {m: {s: v[name] for s, v in by.items()} for m, by in seeds.items()}
                head = {**_columns(condition), "quantity": name, "steps": steps}
                rows += [{**head, **row} for row in compare(values, comparisons)]
    return _long(rows)


def _columns(condition):
    """A condition's axes as table columns: {axis: value as in its path}."""
    return {axis: label(value) for axis, value in condition}


def _long(rows):
    table = pd.DataFrame(rows)
    measures = ["quantity", "steps", "row", "mean", "sd", "ci_low", "ci_high", "seeds"]
    axes = [c for c in table.columns if c not in measures]
    return table[axes + [c for c in measures if c in table.columns]]


def noise_depth(study):
    """Noise against depth (Santurkar et al. §2.1): per setting of the study's
    widths and per model, the final training loss and accuracy over seeds, the
    runs that end at chance, and the scale the noise has compounded to by the
    last hidden layer (bnlab.spec.architecture.compounded_noise_scale)."""
    rows = []
    for condition, models in study.items():
        for model, seeds in models.items():
            architecture = json.loads(seeds[0].attrs["config"])["architecture"]
            scale = compounded_noise_scale(architecture)
            loss = np.array([final(ds, "train_loss") for ds in seeds])
            accuracy = np.array([final(ds, "train_accuracy") for ds in seeds])
            rows.append(
                {
                    **_columns(condition),
                    "hidden_layers": len(architecture["widths"]),
                    "model": model,
                    "noise_scale_mean": scale[0] if scale else np.nan,
                    "noise_scale_max": scale[1] if scale else np.nan,
                    "train_loss": loss.mean(),
                    "train_loss_sd": loss.std(ddof=1) if len(loss) > 1 else np.nan,
                    "train_accuracy": accuracy.mean(),
                    "train_accuracy_min": accuracy.min(),
                    "at_chance": f"{int(at_chance(accuracy).sum())} of {len(seeds)}",
                }
            )
    return pd.DataFrame(rows)
