"""Where a learning-rate sweep's runs fail, and the probe cap that follows
(Santurkar et al. Appendix A.2.2 keep their largest probe step a little below
the learning rate at which the network without BatchNorm diverges in
training). Pure data: the workflow reads the histories.

A run fails if its loss became non-finite, or it ended at chance
(bnlab.spec.chance), or (the deep linear network) no lower than it started;
the rate a model diverges at, per optimizer, is the smallest
swept rate at which any of its seeds failed.
"""

import json

from bnlab.errors import BnlabError

# The standard network of A.2.2, whose divergence caps every model's probes.
STANDARD_MODEL = "baseline"


FAILURES = ("diverged", "at_chance", "did_not_train")  # history attributes, "no" or why


def failed(attrs):
    """Whether a history's run failed (its attributes)."""
    return any(attrs.get(flag, "no") != "no" for flag in FAILURES)


def record_of(attrs):
    """(model, optimizer, learning rate, failed) of one history, from its attributes."""
    training = json.loads(attrs["config"])["training"]
    return attrs["model"], training["optimizer"], float(training["learning_rate"]), failed(attrs)


def divergence_rates(records):
    """{model: {optimizer: {"diverges_at": smallest failing rate or None,
    "trained_up_to": largest rate with no failing seed below it}}}."""
    out = {}
    for model, optimizer, rate, fail in records:
        entry = out.setdefault(model, {}).setdefault(optimizer, {"rates": {}})
        entry["rates"][rate] = entry["rates"].get(rate, False) or fail
    for by_optimizer in out.values():
        for optimizer, entry in by_optimizer.items():
            rates = entry.pop("rates")
            failing = [r for r in sorted(rates) if rates[r]]
            first = failing[0] if failing else None
            fine = [r for r in sorted(rates) if first is None or r < first]
            by_optimizer[optimizer] = {
                "diverges_at": first,
                "trained_up_to": fine[-1] if fine else None,
            }
    return out


def cap_study(run_config):
    """The sweep whose divergence caps this run's probes, or None (no cap, or
    no measurements)."""
    diag = run_config["diagnostics"]
    return diag.get("probe_cap_study") if diag["measure_every"] > 0 else None


def divergence_rate(rates, optimizer):
    """The standard network's divergence rate under `optimizer` from a
    divergence.json's contents; None if it trained at every swept rate."""
    try:
        return rates[STANDARD_MODEL][optimizer]["diverges_at"]
    except KeyError:
        raise BnlabError(
            f"the probe cap's sweep has no run of {STANDARD_MODEL} under {optimizer}"
        ) from None
