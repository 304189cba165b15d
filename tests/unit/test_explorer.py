"""The explorer page embeds exactly the histories' data: re-binned histograms,
accuracies, unit statistics, gradient statistics and the claims table, read back
from the written HTML as its scripts read them (bnlab.explore.page.embedded)."""

import json
import re
from types import SimpleNamespace

import numpy as np
import pytest
import xarray as xr

from bnlab.explore import data, page
from bnlab.explore.claims import claims_result
from bnlab.plots.render import Condition
from bnlab.plots.summary import rebin
from tests.synthetic import synthetic_history

XLIM, REBIN = 5.0, 5  # synthetic histograms: 200 bins on [-10, 10]
SGD = Condition((("optimizer", "sgd"), ("learning_rate", 0.3)))
ADAM = Condition((("optimizer", "adam"), ("learning_rate", 0.001)))


@pytest.fixture(scope="module")
def conditions():
    """A study with two axes; Adam trains the baseline alone."""
    runs = {m: [synthetic_history(m, s) for s in (0, 1)] for m in ("baseline", "batchnorm")}
    return {SGD: runs, ADAM: {"baseline": runs["baseline"]}}


@pytest.fixture(scope="module")
def written(conditions, tmp_path_factory):
    path = tmp_path_factory.mktemp("explorer") / "part2.html"
    page.write(
        conditions,
        SimpleNamespace(html=path),
        xlim=XLIM,
        rebin=REBIN,
        seed=1,
        study_name="part2",
        claims_of="part2",
        alpha=0.05,
    )
    return path, page.embedded(path)


def run_of(index, condition_label, model, seed):
    (cond,) = [c for c in index["conditions"] if c["label"] == condition_label]
    return index["runs"][cond["runs"][model][str(seed)]]


def test_the_page_is_one_file_that_asks_for_nothing(written):
    path, _ = written
    html = path.read_text(encoding="utf-8")
    assert not [tag for tag in re.findall(r"<script\b[^>]*>", html) if "src=" in tag]
    outside_scripts = re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.S)
    assert not re.search(r"<link\b|\bsrc=|\bhref=|https?://", outside_scripts)
    assert "Bokeh" in html and "bnlab explorer: part2" in html
    assert not list(path.parent.glob(".part2.html.*"))  # written atomically, nothing left over


def test_the_index_names_axes_conditions_models_and_seeds(written):
    _, (index, _, _) = written
    assert index["kind"] == "mlp"
    assert index["axes"] == ["optimizer", "learning_rate"]
    assert index["axis_values"] == [["sgd", "adam"], ["0.3", "0.001"]]
    labels = [c["label"] for c in index["conditions"]]
    assert labels == ["optimizer=sgd, learning_rate=0.3", "optimizer=adam, learning_rate=0.001"]
    assert index["conditions"][1]["models"] == ["baseline"]
    assert index["models"] == ["baseline", "batchnorm"] and index["seeds"] == [0, 1]
    assert index["seed"] == 1
    json.dumps(index, allow_nan=False)  # the page parses it as strict JSON


@pytest.mark.parametrize(
    ("model", "layer", "epoch"), [("batchnorm", "BatchNorm_1", 2), ("baseline", "ReLU_0", 1)]
)
def test_a_histogram_is_the_history_rebinned_within_xlim(conditions, written, model, layer, epoch):
    _, (index, columns, _) = written
    ds = conditions[SGD][model][1]
    run = run_of(index, str(SGD), model, 1)
    entry = run["layers"][layer]
    e = run["epochs"].index(epoch)
    shown = columns["hist"][entry["hist"] + e * entry["bins"] :][: entry["bins"]]
    counts, edges = rebin(ds.hist.sel(layer=layer, epoch=epoch).values, ds.bin_edges.values, REBIN)
    keep = (edges[:-1] >= -XLIM) & (edges[1:] <= XLIM)
    np.testing.assert_array_equal(shown, counts[keep].astype(np.float32))
    assert entry["bins"] == 20  # 200 fine bins of 0.1, 5 per drawn bin, within ±5
    np.testing.assert_allclose(index["edges"][entry["edges"]], np.linspace(-5, 5, 21), atol=1e-6)


def test_accuracy_loss_and_unit_statistics_are_the_histories(conditions, written):
    _, (index, columns, _) = written
    ds = conditions[ADAM]["baseline"][0]
    run = run_of(index, str(ADAM), "baseline", 0)
    n = len(run["epochs"])
    assert run["epochs"] == list(ds.epoch.values)
    for name in ("test_accuracy", "train_accuracy", "test_loss", "train_loss"):
        np.testing.assert_array_equal(
            columns[name][run["curve"] : run["curve"] + n], ds[name].values.astype(np.float32)
        )
    assert columns["test_accuracy"][run["curve"] + n - 1] == np.float32(ds.test_accuracy[-1])
    entry = run["layers"]["Dense_2"]
    width = entry["width"]
    assert width == int(ds.layer_width.sel(layer="Dense_2"))
    means = columns["unit_mean"][entry["units"] :][: n * width].reshape(n, width)
    np.testing.assert_array_equal(means, ds.unit_mean.sel(layer="Dense_2").values[:, :width])
    stds = columns["unit_std"][entry["units"] :][: n * width].reshape(n, width)
    np.testing.assert_array_equal(stds[:, 5], ds.unit_std.sel(layer="Dense_2", unit=5).values)


def test_hidden_layers_name_dense_activation_input_and_relu(written):
    _, (index, _, _) = written
    bn = run_of(index, str(SGD), "batchnorm", 0)
    base = run_of(index, str(SGD), "baseline", 0)
    assert bn["hidden"][1] | {"width": 0} == {
        "dense": "Dense_1",
        "input": "BatchNorm_1",
        "relu": "ReLU_1",
        "width": 0,
    }
    assert base["hidden"][1]["input"] == "Dense_1"
    assert bn["output"] == "Dense_3"


def test_gradient_statistics_at_the_kept_steps(conditions, written):
    _, (index, columns, _) = written
    ds = conditions[SGD]["batchnorm"][0]
    run = run_of(index, str(SGD), "batchnorm", 0)
    (grads,) = run["grads"]
    assert grads["epoch"] == int(ds.grad_epoch[0])
    steps = columns["grad_step"][grads["steps"] :][: grads["n"]]
    np.testing.assert_array_equal(steps, ds.step.values)  # few steps: all kept
    at = grads["params"]["Dense_1/kernel"]
    expected = ds.grad_norm.sel(grad_epoch=grads["epoch"], parameter="Dense_1/kernel").values
    np.testing.assert_array_equal(
        columns["grad_norm"][at:][: grads["n"]], expected.astype(np.float32)
    )


def test_thin_keeps_the_ends_and_at_most_the_points_asked():
    assert list(data.thin(5, 10)) == [0, 1, 2, 3, 4]
    kept = data.thin(938, 300)
    assert len(kept) <= 300 and kept[0] == 0 and kept[-1] == 937
    assert (np.diff(kept) > 0).all()


def test_the_claims_are_the_claims_table_with_their_differences(conditions, written):
    _, (_, _, claims) = written
    table, differences = claims_result(conditions, "part2", 0.05)
    assert len(table) and [c["claim"] for c in claims] == list(table.claim)
    first, row = claims[0], table.iloc[0]
    assert first["verdict"] == row.verdict
    assert first["mean"] == pytest.approx(row["mean"]) and first["margin"] == pytest.approx(
        row.margin
    )
    assert first["seeds"] == [0, 1] and len(first["diffs"]) == row.n
    assert np.mean(first["diffs"]) == pytest.approx(row["mean"])
    # the per-seed difference of a final test accuracy, b - a, from the histories
    (acc,) = [c for c in claims if c["claim"] == "BN ends with a higher test accuracy (sgd 0.3)"]
    expected = [
        float(conditions[SGD]["batchnorm"][s].test_accuracy[-1])
        - float(conditions[SGD]["baseline"][s].test_accuracy[-1])
        for s in (0, 1)
    ]
    assert acc["diffs"] == pytest.approx(expected)
    assert differences[acc["claim"]][1] == pytest.approx(expected)


def dln_history(model, seed, rate, steps=1500, measured=(0, 500, 1000)):
    """A hand-made deep linear network history (format bnlab-dln-history)."""
    rng = np.random.default_rng(seed + (model == "batchnorm"))
    layers = [f"Dense_{i}" for i in range(1, 25)]
    m, k = len(measured), np.geomspace(0.01, 30, 4)
    values = lambda *shape: rng.uniform(0.5, 2.0, shape).astype(np.float32)  # noqa: E731
    ds = xr.Dataset(
        {
            "step_loss": ("step", np.geomspace(100, 1, steps).astype(np.float32) * values(1)),
            "final_loss": ((), np.float32(0.5)),
            "landscape_loss": (("measure_step", "probe_step"), values(m, len(k))),
            "grad_change": (("measure_step", "probe_step"), values(m, len(k))),
            "beta_smoothness": ("measure_step", values(m)),
            "full_grad_norm": ("measure_step", values(m)),
            "step_length": ("measure_step", values(m)),
            "ics_l2": (("measure_step", "ics_layer"), values(m, 24)),
            "ics_relative": (("measure_step", "ics_layer"), values(m, 24)),
            "ics_cosine": (("measure_step", "ics_layer"), values(m, 24) - 1),
        },
        coords={
            "step": np.arange(steps),
            "measure_step": list(measured),
            "probe_step": k,
            "ics_layer": layers,
        },
        attrs={"format": "bnlab-dln-history", "model": model, "seed": seed, "config": "{}"},
    )
    return ds


def test_a_deep_linear_network_page_embeds_loss_ics_and_landscape(tmp_path):
    conditions = {
        Condition((("learning_rate", rate),)): {
            m: [dln_history(m, s, rate) for s in (0, 1, 2)] for m in ("baseline", "batchnorm")
        }
        for rate in (1e-6, 1e-7)
    }
    path = tmp_path / "dln.html"
    page.write(conditions, SimpleNamespace(html=path), seed=42, study_name="dln", claims_of="dln")
    index, columns, claims = page.embedded(path)
    assert index["kind"] == "dln" and index["seed"] == 0  # 42 is not a seed of this study
    ds = conditions[Condition((("learning_rate", 1e-7),))]["batchnorm"][2]
    run = run_of(index, "learning_rate=1e-07", "batchnorm", 2)
    kept = data.thin(1500, data.LOSS_POINTS)
    assert run["n"] == len(kept) <= data.LOSS_POINTS
    np.testing.assert_array_equal(columns["loss_step"][run["loss"] :][: run["n"]], kept)
    np.testing.assert_array_equal(
        columns["loss"][run["loss"] :][: run["n"]], ds.step_loss.values[kept]
    )
    at = run["ics"]["ics_cosine"]["Dense_8"]
    np.testing.assert_array_equal(
        columns["ics"][at : at + 3], ds.ics_cosine.sel(ics_layer="Dense_8")
    )
    at = run["landscape"]["beta_smoothness"]
    np.testing.assert_array_equal(columns["landscape"][at : at + 3], ds.beta_smoothness.values)
    assert claims and {c["verdict"] for c in claims} <= {
        "reproduced",
        "opposite",
        "equivalent",
        "inconclusive",
    }
