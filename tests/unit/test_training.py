"""The training loop's pure helpers: divergence, chance level, the progress line."""

import numpy as np

from bnlab.train.loop import EpochRecord, chance_level, first_nonfinite, progress_line

EVAL = {"loss": np.float32(0.5), "accuracy": np.float32(0.875)}


def record(epoch, losses=None):
    losses = None if losses is None else np.asarray(losses, np.float32)
    return EpochRecord(epoch, 1.5, EVAL, EVAL, {}, losses)


def test_first_nonfinite_is_the_first_bad_step_of_the_first_bad_epoch():
    records = [
        record(0),
        record(1, [2.0, 1.0]),
        record(2, [1.0, np.inf, np.nan]),
        record(3, [np.nan]),
    ]
    epoch, step, loss = first_nonfinite(records)
    assert (epoch, step, loss) == (2, 1, np.inf)
    assert first_nonfinite(records[:2]) is None  # epoch 0 has no steps to check


def test_chance_level_is_below_twice_chance():
    assert chance_level(0.2) is None
    assert chance_level(0.1999).startswith("final test accuracy 0.1999 is at chance level")


def test_progress_line_shows_the_minibatch_loss_after_a_step_only():
    assert progress_line("baseline", 42, 20, record(0)) == (
        "model baseline seed 42 epoch   0/20  train loss 0.5000  train acc 0.8750  "
        "test acc 0.8750  1.50 s"
    )
    assert "epoch   1/20  minibatch loss 1.5000  train loss" in progress_line(
        "baseline", 42, 20, record(1, [2.0, 1.0])
    )
