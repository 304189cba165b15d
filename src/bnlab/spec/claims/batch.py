"""BatchNorm at small batches (the `batch` study): Wu & He 2018's comparison
with batch-independent normalizations, at each batch size the study trains.

Directions are Wu & He's published numbers (their Table 1 and Fig. 1; see
../shared/reference/wu-he-2018-group-normalization-facts.md), ResNet-50 on
ImageNet, error per images per GPU: BatchNorm ahead of GroupNorm at 32 and 16
(0.5 points), behind it from 8 down (0.8 at 8, 10.6 at 2); LayerNorm 1.7
points behind BatchNorm at 32, the only size they report it at. Claims at
sizes or pairs they do not report are our own hypotheses (source: bnlab),
following their mechanism: a normalization without batch statistics does not
degrade as the batch shrinks.

At batch 2 BatchNorm normalizes two samples, so in training every unit's
output is exactly -1 or +1: the claim there measures a degenerate network,
not noisy statistics, and is secondary.
"""

from bnlab.spec.claims.claim import IOFFE, claim
from bnlab.spec.claims.margins import TEST_ACCURACY, WU_HE_ACCURACY

WU_HE = "Wu & He 2018"
BNLAB = "bnlab (a hypothesis from Wu & He's mechanism)"
FAMILIES = {
    "small batches": "BatchNorm falls behind batch-independent normalizations as the batch "
    "shrinks, and is ahead at the usual sizes",
    "batch statistics": "BatchNorm's population statistics serve test time better than a "
    "batch's own",
}
PRIMARY = (4, 32)  # the smallest non-degenerate size Wu & He report, and their usual one
# Sizes at which Wu & He report a pair: (other model, sizes).
REPORTED = {"groupnorm": (2, 4, 8, 16, 32), "layernorm": (32,)}


def direction(size):
    """BatchNorm's accuracy against a batch-independent normalization: behind
    from 8 down, ahead from 16 up (Wu & He)."""
    return "-" if size <= 8 else "+"


def claims(conditions):
    """At every batch size the study trains (its `batch_size` axis).
    BatchNorm is tested with precise statistics (recomputed over the training
    set with the final weights, as Ioffe & Szegedy's Algorithm 2 computes its
    inference statistics); its running averages, which lag the weights when
    an epoch has few steps (118 at batch 512), are secondary."""
    out = []
    for cond in conditions:
        size = cond["batch_size"]
        degenerate = " (batch 2: BatchNorm's outputs are ±1 in training)" if size == 2 else ""
        for other, name in (("layernorm", "LayerNorm"), ("groupnorm", "GroupNorm")):
            reported = size in REPORTED[other]
            sign = direction(size)
            verb = {"-": "below", "+": "above"}[sign]
            for quantity, primary, suffix in (
                ("final_test_accuracy_precise_bn", size in PRIMARY and reported, ""),
                ("final_test_accuracy", False, ": running averages"),
            ):
                out.append(
                    claim(
                        f"BN vs {name} (batch {size}){suffix}",
                        f"BatchNorm's test accuracy is {verb} {name}'s{degenerate}",
                        f"{WU_HE} Table 1, Fig. 1 (ResNet-50, ImageNet)" if reported else BNLAB,
                        quantity,
                        (other, "batchnorm"),
                        cond,
                        sign,
                        "small batches",
                        study="batch",
                        primary=primary,
                        margin=WU_HE_ACCURACY,
                    )
                )
        statistics = (
            "at test time BatchNorm's population statistics do better than each batch's own"
        )
        for quantity, primary, suffix, what in (
            ("precise_bn_gap", size in PRIMARY, "population", "precise statistics"),
            ("train_mode_gap", False, "running", "running averages"),
        ):
            out.append(
                claim(
                    f"BN's {suffix} statistics beat its batch statistics (batch {size})",
                    f"{statistics} ({what}){degenerate}",
                    f"{IOFFE} §3.1, Alg. 2; {WU_HE} §3",
                    quantity,
                    ("layernorm", "batchnorm"),  # LayerNorm's gap is 0: no batch statistics
                    cond,
                    "+",
                    "batch statistics",
                    study="batch",
                    primary=primary,
                    margin=TEST_ACCURACY,
                )
            )
    return out
