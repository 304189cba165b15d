"""A run's settings: the config's `training` and `diagnostics` sections."""

from dataclasses import dataclass, fields

import numpy as np

from bnlab.config import validate_config


@dataclass(frozen=True)
class Settings:
    """The config's `training` and `diagnostics` sections, key for key (their
    defaults and meanings: bnlab/schemas/config.schema.yaml)."""

    # training
    epochs: int
    batch_size: int
    optimizer: str  # sgd | momentum | adam
    learning_rate: float
    momentum: float
    drop_remainder: bool
    train_examples: int | None
    test_examples: int | None
    threads: int
    on_divergence: str  # stop | record
    cpu_numerics: str  # native | portable (bnlab.numerics)
    # diagnostics
    gradient_epochs: tuple
    tracked_parameter: str
    histogram_range: tuple
    histogram_bins: int
    eval_chunk: int
    measure_every: int
    probe_steps: tuple  # (low, high, count): multiples of the step, geometric
    probe_direction: str  # gradient | update
    percentiles: tuple
    probe_examples: int
    # A run's config omits these when it does not cap its probes (bnlab.studies).
    probe_cap_study: str | None = None  # the sweep whose baseline divergence caps the probes
    probe_cap_margin: float = 0.9
    # Left out of a run's config at their defaults (bnlab.studies.OMITTED_AT_DEFAULT).
    task: str = "mnist"  # mnist | deep_linear (bnlab.dln)
    train_mode_test: bool = False
    # Not a config key: the rate the probe_cap_study's baseline diverged at,
    # read from its histories by the workflow (bnlab.sweeps); None: no cap.
    divergence_rate: float | None = None

    @classmethod
    def from_config(cls, config, **overrides):
        given = {**config["training"], **config["diagnostics"], **overrides}
        return cls(**{f.name: _frozen(given[f.name]) for f in fields(cls) if f.name in given})

    @classmethod
    def with_defaults(cls, **overrides):
        """The schema's defaults, with some keys changed (tests, benchmarks)."""
        return cls.from_config(validate_config({}), **overrides)

    @property
    def edges(self):
        low, high = self.histogram_range
        return np.linspace(low, high, self.histogram_bins + 1, dtype=np.float32)

    @property
    def probe_multiples(self):
        """The landscape probes' distances, in steps (geometric)."""
        low, high, count = self.probe_steps
        high = probe_high(
            low, high, self.learning_rate, self.divergence_rate, self.probe_cap_margin
        )
        return np.geomspace(low, high, int(count)).astype(np.float32)

    def steps_per_epoch(self, n_train):
        full, rest = divmod(n_train, self.batch_size)
        return full + (1 if rest and not self.drop_remainder else 0)


def probe_high(low, high, learning_rate, divergence_rate, margin):
    """The largest probe multiple (Santurkar et al. A.2.2): `high` steps, but no
    further than `margin` x the rate at which the baseline diverges, so the
    largest probe is a step training could still take. Probes scale with the
    training rate, so the cap in steps is margin * divergence_rate / learning_rate."""
    if divergence_rate is None:
        return high
    cap = margin * divergence_rate / learning_rate
    if cap <= low:
        raise ValueError(
            f"the probes' cap, {margin} x the baseline's divergence rate {divergence_rate} = "
            f"{cap * learning_rate:g}, is no larger than the smallest probe, {low} x the "
            f"learning rate {learning_rate}: train at a lower rate or lower probe_steps' low"
        )
    return min(high, cap)


def _frozen(value):
    return tuple(value) if isinstance(value, list) else value
