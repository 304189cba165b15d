"""A run's settings: the config's `training` and `diagnostics` sections as one
frozen record, built from the config schema (its keys and defaults), so a key
added to the schema reaches training with no list to update, and a key the
schema does not know is an error."""

from dataclasses import field, make_dataclass

import numpy as np

from bnlab import schemas
from bnlab.errors import BnlabError

SECTIONS = ("training", "diagnostics")


def _frozen(value):
    return tuple(_frozen(v) for v in value) if isinstance(value, list) else value


def _schema_fields():
    """(name, type, field) of every training and diagnostics key, with its default."""
    properties = schemas.load("config")["properties"]
    out = []
    for section in SECTIONS:
        for name, spec in properties[section]["properties"].items():
            default = _frozen(spec.get("default"))
            out.append((name, object, field(default=default)))
    return out


class _Derived:
    """What training derives from the settings."""

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

    @classmethod
    def from_config(cls, config, **overrides):
        """From a (run) config's sections; keys it leaves out take the schema's defaults."""
        given = {**config["training"], **config["diagnostics"], **overrides}
        unknown = sorted(set(given) - set(cls.__dataclass_fields__))
        if unknown:
            raise BnlabError(
                f"unknown training or diagnostics key(s) {unknown}; the config schema "
                f"(bnlab/schemas/config.schema.yaml) names every key"
            )
        return cls(**{name: _frozen(value) for name, value in given.items()})

    @classmethod
    def with_defaults(cls, **overrides):
        """The schema's defaults, with some keys changed (tests, benchmarks)."""
        return cls(**{name: _frozen(value) for name, value in overrides.items()})


Settings = make_dataclass(
    "Settings",
    [
        *_schema_fields(),
        # Not a config key: the rate the probe_cap_study's baseline diverged at,
        # read from its histories by the workflow (bnlab.spec.sweeps); None: no cap.
        ("divergence_rate", object, field(default=None)),
    ],
    bases=(_Derived,),
    frozen=True,
)
Settings.__module__ = __name__
Settings.__doc__ = """The config's `training` and `diagnostics` sections, key for key
(their defaults and meanings: bnlab/schemas/config.schema.yaml)."""


def probe_high(low, high, learning_rate, divergence_rate, margin):
    """The largest probe multiple (Santurkar et al. A.2.2): `high` steps, but no
    further than `margin` x the rate at which the baseline diverges, so the
    largest probe is a step training could still take. Probes scale with the
    training rate, so the cap in steps is margin * divergence_rate / learning_rate."""
    if divergence_rate is None:
        return high
    cap = margin * divergence_rate / learning_rate
    if cap <= low:
        raise BnlabError(
            f"the probes' cap, {margin} x the baseline's divergence rate {divergence_rate} = "
            f"{cap * learning_rate:g}, is no larger than the smallest probe, {low} x the "
            f"learning rate {learning_rate}: train at a lower rate or lower "
            f"diagnostics.probe_steps' low"
        )
    return min(high, cap)
