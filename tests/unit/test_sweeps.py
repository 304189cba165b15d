"""The probe cap (Santurkar et al. A.2.2) from a sweep's divergence rate."""

import json

import numpy as np
import pytest

from bnlab.errors import BnlabError
from bnlab.history.dln import did_not_train
from bnlab.spec.config import merge_configs
from bnlab.spec.sweeps import divergence_rate, divergence_rates, failed, record_of
from bnlab.train.settings import Settings, probe_high
from tests.conftest import default_config


def attrs(model, optimizer, rate, diverged="no", at_chance="no"):
    config = {"training": {"optimizer": optimizer, "learning_rate": rate}}
    return {
        "model": model,
        "config": json.dumps(config),
        "diverged": diverged,
        "at_chance": at_chance,
    }


def test_a_model_diverges_at_the_smallest_rate_where_any_seed_failed():
    runs = [
        attrs("baseline", "sgd", 0.1),
        attrs("baseline", "sgd", 0.3),
        attrs("baseline", "sgd", 0.3, at_chance="epoch 2"),  # one seed of two fails
        attrs("baseline", "sgd", 1.0, diverged="epoch 1, step 3 (loss nan)"),
        attrs("baseline", "adam", 0.01),
        attrs("batchnorm", "sgd", 1.0),
    ]
    assert [failed(a) for a in runs] == [False, False, True, True, False, False]
    rates = divergence_rates([record_of(a) for a in runs])
    assert rates["baseline"]["sgd"] == {"diverges_at": 0.3, "trained_up_to": 0.1}
    assert rates["baseline"]["adam"] == {"diverges_at": None, "trained_up_to": 0.01}
    assert divergence_rate(rates, "sgd") == 0.3
    assert divergence_rate(rates, "adam") is None
    with pytest.raises(BnlabError, match="no run of baseline under momentum"):
        divergence_rate(rates, "momentum")


def test_the_probe_cap_follows_the_divergence_rate():
    """Training at 0.3 with the baseline diverging at 1.0: the largest probe is
    0.9 x 1.0 = 0.9, i.e. 3 steps, not the appendix's 4; at 0.03 the cap (30
    steps) is beyond 4 and the range is the paper's."""
    assert probe_high(0.5, 4.0, 0.3, 1.0, 0.9) == pytest.approx(3.0)
    assert probe_high(0.5, 4.0, 0.03, 1.0, 0.9) == 4.0
    assert probe_high(0.5, 4.0, 0.3, None, 0.9) == 4.0
    settings = Settings.with_defaults(learning_rate=0.3, divergence_rate=1.0)
    multiples = settings.probe_multiples
    assert multiples[0] == 0.5 and multiples[-1] == pytest.approx(3.0)
    assert np.allclose(np.diff(np.log(multiples)), np.log(6) / 7)  # 8 geometric values
    with pytest.raises(BnlabError, match="no larger than the smallest probe"):
        probe_high(0.5, 4.0, 1.0, 0.5, 0.9)


def test_a_rerun_takes_the_cap_its_history_recorded():
    import xarray as xr

    from bnlab.train.job import recorded_cap

    assert recorded_cap(xr.Dataset({"probe_divergence_rate": ((), np.float32(1.0))})) == 1.0
    assert recorded_cap(xr.Dataset({"probe_divergence_rate": ((), np.float32(np.nan))})) is None
    assert recorded_cap(xr.Dataset()) is None  # unmeasured, or from before the cap


def test_a_probe_cap_must_read_a_sweep_of_the_baseline_under_the_same_optimizer():
    from bnlab.errors import BnlabError
    from bnlab.spec.config import validate_config

    part2 = lambda cap: {"part2": {"set": {"probe_cap_study": cap}}}  # noqa: E731
    with pytest.raises(BnlabError, match="another study of `studies`"):
        validate_config(merge_configs(default_config(), {"studies": part2("part2")}))
    sgd_only = {"lr_sweep": {"grids": [{"optimizer": ["sgd"], "learning_rate": [0.1]}]}}
    with pytest.raises(BnlabError, match="trains no baseline under adam"):
        validate_config(
            merge_configs(default_config(), {"studies": {**part2("lr_sweep"), **sgd_only}})
        )


def test_a_misspelt_optimizer_in_the_sweep_is_named_before_the_probe_cap():
    """The sweep's own values are checked before any check that relates two
    studies, so the root cause is named (docs/reliability.md)."""
    from bnlab.errors import BnlabError
    from bnlab.spec.config import validate_config

    typo = {"lr_sweep": {"grids": [{"optimizer": ["sdg"], "learning_rate": [0.1]}]}}
    with pytest.raises(BnlabError, match="studies.lr_sweep.grids.0.optimizer.0 = 'sdg'"):
        validate_config(merge_configs(default_config(), {"studies": typo}))


def test_a_deep_linear_run_that_ends_no_lower_than_it_started_failed():
    """A rate past stability can leave the loss finite for all 10,000 steps."""
    assert did_not_train(np.array([9152.0, 10.0]), 1356.0) == "no"
    assert did_not_train(np.array([9152.0, 1e5]), 9228.0) != "no"
    assert did_not_train(np.array([9152.0]), np.nan) != "no"
    assert failed({"diverged": "no", "did_not_train": "final loss 9228 >= untrained loss 9152"})
