"""What a run gives back: one EpochRecord per epoch and the RunResult
(bnlab.history.write.history_dataset writes it), and the lines and errors
that describe them."""

from dataclasses import dataclass

import jax
import numpy as np

from bnlab.errors import BnlabError
from bnlab.spec.chance import AT_CHANCE_BELOW, CHANCE_ACCURACY, at_chance
from bnlab.train.landscape import ProbedLayers
from bnlab.train.models import param_names
from bnlab.train.settings import Settings


@dataclass(frozen=True)
class EpochRecord:
    """What one epoch adds to the history, on the host. Epoch 0 is the
    evaluation before any step, so it has no step outputs."""

    epoch: int
    seconds: float  # its steps, evaluation and snapshot
    train: dict  # loss, accuracy, and per layer output: hist, mean, std
    test: dict  # loss, accuracy
    bn: dict  # {BatchNorm layer: {mean, var, scale, bias}} after the epoch
    step_loss: np.ndarray | None = None  # (steps,)
    grads: dict | None = None  # per-step gradient record, in settings.gradient_epochs
    measured: dict | None = None  # at each measured step (settings.measure_every)
    monitor: dict | None = None  # at each monitored step (settings.monitor_every)


@dataclass(frozen=True)
class RunResult:
    """One trained run: what bnlab.history.write.history_dataset writes."""

    model: str
    seed: int
    settings: Settings
    n_train: int
    n_test: int
    layers: dict  # recorded layer outputs, in forward order: their widths
    probed: ProbedLayers  # the measured layers (ICS, ReLU inputs) and their padding
    init_params: dict
    final_params: dict
    epochs: list  # EpochRecord for epochs 0..E
    diverged: str | None  # where the loss first became non-finite (on_divergence='record')
    chance: str | None  # set when the run ends at chance-level test accuracy
    train_mode_test: dict | None = None  # test loss and accuracy in train mode, if asked
    precise_bn_test: dict | None = None  # and with precise BatchNorm statistics

    @property
    def params(self):
        return param_names(self.init_params)

    @property
    def seconds(self):  # each trained epoch's wall time
        return [e.seconds for e in self.epochs[1:]]

    @property
    def wall_seconds(self):  # training and evaluation, epoch 0's evaluation included
        return sum(e.seconds for e in self.epochs)


MONITOR = ("monitor_loss", "monitor_accuracy")


def step_outputs(outs, measured, record, monitor_every=0):
    """One epoch's outputs on the host: the losses, the gradient record of a
    recorded epoch and, of a monitored one (`monitor_every` steps apart; 0: not
    monitored), the monitored steps' rows. Plain epochs copy only the losses."""
    kept = {k: v for k, v in outs.items() if k == "loss" or (record and k not in MONITOR)}
    monitor = {k: outs[k][::monitor_every] for k in MONITOR} if monitor_every else None
    kept, measured, monitor = jax.device_get((kept, measured, monitor))
    grads = kept if record else None
    return {"step_loss": kept.pop("loss"), "grads": grads, "measured": measured, "monitor": monitor}


def first_nonfinite(records):
    """(epoch, step, loss) where the minibatch loss first is NaN or infinite, or None."""
    for r in records:
        bad = np.flatnonzero(~np.isfinite(r.step_loss if r.epoch else []))
        if bad.size:
            return r.epoch, int(bad[0]), r.step_loss[bad[0]]
    return None


def divergence_error(model, seed, learning_rate, epoch, step, loss):
    """on_divergence='stop' (the default) stops rather than record NaNs; a
    learning-rate sweep sets 'record' to keep the run, flagged."""
    return BnlabError(
        f"training diverged: model {model}, seed {seed}: the minibatch loss is {loss} at epoch "
        f"{epoch}, step {step} (training.learning_rate = {learning_rate}). No history was "
        f"written; lower the learning rate in config/config.yaml."
    )


def chance_level(accuracy):
    """A description if the final test accuracy is at chance level, else None."""
    if at_chance(accuracy):
        return (
            f"final test accuracy {accuracy:.4f} is at chance level "
            f"(below {AT_CHANCE_BELOW:g}; chance is {CHANCE_ACCURACY:g})"
        )
    return None


def progress_line(model, seed, epochs, record):
    """The job log's line for one epoch (epoch 0: before any step, so no loss)."""
    loss = f"minibatch loss {record.step_loss.mean():.4f}  " if record.epoch else ""
    return (
        f"model {model} seed {seed} epoch {record.epoch:>3}/{epochs}  {loss}"
        f"train loss {record.train['loss']:.4f}  train acc {record.train['accuracy']:.4f}  "
        f"test acc {record.test['accuracy']:.4f}  {record.seconds:.2f} s"
    )
