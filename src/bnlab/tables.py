"""The final-accuracy table: per run, per model, and the paired BN - baseline effect."""

import numpy as np
import pandas as pd
from scipy import stats

from bnlab import blog
from bnlab.io import atomic_path


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
    mean = diff.mean()
    if len(diff) < 2:
        return mean, np.nan, np.nan
    half = stats.t.ppf(0.5 + confidence / 2, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff))
    return mean, mean - half, mean + half


def summary(table, epochs, reference="baseline"):
    """Per model: mean and sd over seeds and the blog's numbers; then, for every
    other model, its paired difference from `reference` with a 95% CI."""
    columns = [c for c in table.columns if c.startswith(("train_acc", "test_acc"))]
    rows = []
    for model, group in table.groupby("model", sort=False):
        mean = {"model": model, "seed": "mean", **group[columns].mean().to_dict()}
        sd = {"model": model, "seed": "sd", **group[columns].std(ddof=1).to_dict()}
        rows += [mean, sd]
        if model in blog.ACCURACY:
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
    common = sorted(set(a.index) & set(b.index))
    diff = {"model": label, "seed": f"mean over {len(common)} paired seeds"}
    low = {"model": label, "seed": "95% CI low"}
    high = {"model": label, "seed": "95% CI high"}
    for col in columns:
        diff[col], low[col], high[col] = paired_difference(a.loc[common, col], b.loc[common, col])
    return [diff, low, high]


def final_accuracy(runs, epochs):
    return summary(per_run(runs, epochs), epochs)


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
