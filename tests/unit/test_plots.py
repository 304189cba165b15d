"""Each figure function draws from small synthetic histories and uses its options."""

import numpy as np
import pytest
import xarray as xr
from PIL import Image

from bnlab.analysis.tables import final_accuracy, paired_difference, to_markdown
from bnlab.plots import activations, data, gradients, training
from bnlab.plots.render import Condition
from tests.synthetic import opts, synthetic_data, synthetic_history


@pytest.fixture(scope="module")
def runs():
    return {m: [synthetic_history(m, s) for s in (0, 1, 2)] for m in ("baseline", "batchnorm")}


@pytest.fixture(scope="module")
def conditions(runs):
    """A study without axes: one condition."""
    return {Condition(()): runs}


@pytest.fixture(scope="module")
def single(runs):
    return {m: seeds[0] for m, seeds in runs.items()}


@pytest.fixture(scope="module")
def mnist_like():
    arrays = synthetic_data(n_train=100, n_test=20)
    return xr.Dataset({k: (tuple(f"{k}_{i}" for i in range(v.ndim)), v) for k, v in arrays.items()})


def _image(path):
    with Image.open(path) as im:
        im.load()
        return im


def test_samples_draws_count_images(mnist_like, tmp_path):
    data.samples(mnist_like, tmp_path / "a.png", **opts("samples", count=3))
    data.samples(mnist_like, tmp_path / "b.png", **opts("samples", count=6))
    assert _image(tmp_path / "b.png").size[0] > _image(tmp_path / "a.png").size[0]


def test_sample_indices_follow_the_blogs_draw():
    import jax

    expected = jax.random.randint(jax.random.PRNGKey(0), (10,), 0, 60000)
    np.testing.assert_array_equal(data.sample_indices(10, 0, 60000), expected)


def test_input_distribution(mnist_like, tmp_path):
    for mode in ("train", "per_split"):
        options = opts("input_distribution", pixel_scaling=mode, bins=20)
        data.input_distribution(mnist_like, tmp_path / f"{mode}.png", **options)
        assert _image(tmp_path / f"{mode}.png").size[0] > 300


def test_initial_weights_grid(single, tmp_path):
    training.initial_weights(single, tmp_path / "w.pdf", **opts("initial_weights", bins=30))
    assert (tmp_path / "w.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("band", ["minmax", "sd"])
def test_accuracy_over_seeds(conditions, tmp_path, band):
    training.accuracy(conditions, tmp_path / "acc.svg", **opts("accuracy", band=band))
    assert b"<svg" in (tmp_path / "acc.svg").read_bytes()[:500]


def test_accuracy_draws_a_row_per_condition(runs, tmp_path):
    two = {Condition((("batch_size", b),)): runs for b in (8, 32)}
    training.accuracy(two, tmp_path / "two.png", **opts("accuracy"))
    training.accuracy({Condition(()): runs}, tmp_path / "one.png", **opts("accuracy"))
    assert _image(tmp_path / "two.png").size[0] > _image(tmp_path / "one.png").size[0]


def test_accuracy_rejects_unknown_band(conditions, tmp_path):
    with pytest.raises(ValueError, match="unknown band 'iqr2'"):
        training.accuracy(conditions, tmp_path / "acc.png", **opts("accuracy", band="iqr2"))
    assert not (tmp_path / "acc.png").exists()


def test_activations_gif_has_one_frame_per_epoch(single, tmp_path):
    options = opts("activations", layers=(0, 2), xlim=5, rebin=4)
    del options["epochs"], options["dpi"]
    activations.activations_gif(single, tmp_path / "a.gif", **options)
    with Image.open(tmp_path / "a.gif") as gif:
        assert gif.n_frames == 3  # epochs 0, 1, 2


def test_activations_grid(single, tmp_path):
    options = opts("activations", layers=(1,), xlim=5)
    del options["frame_ms"]
    activations.activations_grid(single, tmp_path / "g.png", **{**options, "epochs": [0, 2]})
    wide = _image(tmp_path / "g.png").size
    activations.activations_grid(single, tmp_path / "h.png", **{**options, "epochs": [0, 1, 2]})
    assert _image(tmp_path / "h.png").size[0] > wide[0]


@pytest.mark.parametrize("layer", ["Dense_2", "BatchNorm_2", "ReLU_1"])
def test_unit_statistics(single, tmp_path, layer):
    activations.unit_statistics(
        single, tmp_path / "u.png", **opts("unit_statistics", layer=layer, unit=5)
    )
    assert (tmp_path / "u.png").stat().st_size > 1000


def test_baseline_shows_dense_where_batchnorm_is_asked(single):
    assert activations.compared_layer(single["baseline"], "BatchNorm_1") == "Dense_1"
    assert activations.compared_layer(single["batchnorm"], "BatchNorm_1") == "BatchNorm_1"
    assert activations.activation_input(single["baseline"], 2) == "Dense_2"
    assert activations.activation_input(single["batchnorm"], 2) == "BatchNorm_2"


def test_gradient_figures(runs, single, tmp_path):
    gradients.gradient_trace(single, tmp_path / "t.png", **opts("gradient_trace", row=3, col=4))
    for stat in ("std", "mean"):
        gradients.gradient_stat(runs, tmp_path / f"{stat}.png", stat=stat, **opts("gradient_stats"))
        assert (tmp_path / f"{stat}.png").stat().st_size > 1000


def test_paired_difference_matches_hand_computation():
    mean, low, high = paired_difference([0.90, 0.91, 0.92], [0.93, 0.95, 0.94])
    diffs = np.array([0.03, 0.04, 0.02])
    half = 4.302652729911275 * diffs.std(ddof=1) / np.sqrt(3)  # t(0.975, 2)
    assert mean == pytest.approx(0.03) and low == pytest.approx(0.03 - half)
    assert high == pytest.approx(0.03 + half)
    assert np.isnan(paired_difference([0.9], [0.95])[1])


def test_final_accuracy_table(conditions):
    table = final_accuracy(conditions, [1, 2], "baseline", show_blog=True)
    per_run = table[table.seed.isin([0, 1, 2])]
    assert len(per_run) == 6
    assert "test_acc_epoch2" in table.columns
    diff = table[table.model == "batchnorm - baseline"]
    assert list(diff.seed)[0] == "mean over 3 paired seeds"
    blog_row = table[(table.model == "baseline") & (table.seed == "blog (seed 42)")]
    assert float(blog_row.test_acc_epoch1.iloc[0]) == pytest.approx(0.9608)
    assert "| batchnorm - baseline |" in to_markdown(table)


def test_runs_at_chance_are_flagged_in_history_and_table(runs):
    """Random labels: the synthetic runs cannot beat chance, and say so."""
    ds = runs["baseline"][0]
    assert float(ds.test_accuracy[-1]) < 0.2
    assert ds.attrs["at_chance"].startswith("final test accuracy 0.")
    assert "is at chance level (below 0.2; chance is 0.1)" in ds.attrs["at_chance"]
    table = final_accuracy({Condition(()): runs}, [2], "baseline", show_blog=True)
    assert set(table[table.seed.isin([0, 1, 2])].flag) == {"at chance"}


def test_final_accuracy_table_has_a_block_per_condition_and_any_reference(runs):
    two = {Condition((("batch_size", b),)): runs for b in (8, 32)}
    table = final_accuracy(two, [2], "batchnorm", show_blog=True)
    assert not table.seed.astype(str).str.startswith("blog").any()  # the blog's study has no axes
    assert list(table.columns[:2]) == ["batch_size", "model"]
    diffs = table[table.model == "baseline - batchnorm"]
    assert list(diffs.batch_size.unique()) == ["8", "32"]
    assert list(diffs.seed)[:1] == ["mean over 3 paired seeds"]


def test_every_built_in_model_has_its_own_colour_and_others_a_stable_one():
    from bnlab.plots.style import color
    from bnlab.spec.architecture import BUILTIN

    assert len({color(m) for m in BUILTIN}) == len(BUILTIN)
    assert color("my_variant") == color("my_variant") != ""
