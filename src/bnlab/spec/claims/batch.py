"""BatchNorm at small batches (the `batch` study): Wu & He 2018's comparison
with batch-independent normalizations, at each batch size the study trains."""

from bnlab.spec.claims.claim import ACCURACY, IOFFE, claim

WU_HE = "Wu & He 2018"
FAMILIES = {
    "small batches": "BatchNorm falls behind batch-independent normalizations as the batch "
    "shrinks, and is level or ahead at the usual sizes",
    "batch statistics": "BatchNorm's running statistics serve test time better than a batch's own",
}


def claims(conditions):
    """BatchNorm at small batches (Wu & He 2018, Fig. 1; ResNet-50 on ImageNet):
    BatchNorm's error grows sharply below batch 16, GroupNorm's does not; at 32
    (their usual size) GroupNorm is level with BatchNorm and LayerNorm behind
    it. LayerNorm and GroupNorm use no batch statistics, so the direction below
    16 is the same for both. Primary: batch 2 and 32, the ends of their range;
    the other sizes the study trains (its `batch_size` axis) are secondary."""
    source = f"{WU_HE} Fig. 1, §4 (ResNet-50, ImageNet)"
    out = []
    for cond in conditions:
        size = cond["batch_size"]
        for other, name in (("layernorm", "LayerNorm"), ("groupnorm", "GroupNorm")):
            small = size < 16
            direction = "-" if small else "=" if other == "groupnorm" else "+"
            verb = {"-": "below", "=": "level with", "+": "above"}[direction]
            out.append(
                claim(
                    f"BN vs {name} (batch {size})",
                    f"BatchNorm's test accuracy is {verb} {name}'s",
                    source,
                    "final_test_accuracy",
                    (other, "batchnorm"),
                    cond,
                    direction,
                    "small batches",
                    study="batch",
                    primary=size in (2, 32),
                    **ACCURACY,
                )
            )
        out.append(
            claim(
                f"BN's running statistics beat its batch statistics (batch {size})",
                "at test time BatchNorm's running averages do better than each batch's own "
                "statistics",
                f"{IOFFE} §3.1; {WU_HE} §3",
                "train_mode_gap",
                ("layernorm", "batchnorm"),  # LayerNorm's gap is 0: no batch statistics
                cond,
                "+",
                "batch statistics",
                study="batch",
                primary=size in (2, 32),
                **ACCURACY,
            )
        )
    return out
