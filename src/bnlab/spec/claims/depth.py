"""Noise against depth (the `depth` study): Santurkar et al. §2.1's noisy
BatchNorm and its control at each depth the study trains (its `widths` axis).
Measured with the noise on, as §2.1 trains (the minibatch loss over the
epoch, train mode); eval mode, where the noise is replaced by its
expectation, and the test accuracy with the noise on are secondary."""

from bnlab.spec.claims.claim import SANTURKAR, claim
from bnlab.spec.claims.margins import LOSS, TEST_ACCURACY, TRAIN_ACCURACY

FAMILIES = {
    "noise depth": "noisy BatchNorm trains like BatchNorm, and the same noise without it "
    "trains worse, at every depth",
}

# Each claim's measures: (outcome, primary, what it measures, margin, whether
# "worse" is higher: a loss, or lower: an accuracy).
MEASURES = (
    ("final_minibatch_loss", True, "noise on", LOSS, "+"),
    ("final_train_loss", False, "eval mode, noise off", LOSS, "+"),
    ("final_test_accuracy_train_mode", False, "test accuracy, noise on", TEST_ACCURACY, "-"),
)


def claims(conditions):
    """§2.1 at every depth the study trains (the default: 3, 6 and 12 hidden
    layers): the noise compounds over depth."""
    source = f"{SANTURKAR} §2.1, Fig. 2 (VGG)"
    out = []
    for cond in conditions:
        layers = len(cond["widths"])
        rows = (
            (
                "the noise without BN hurts training",
                "the same noise without BatchNorm trains worse (the paper: it prevents "
                "training; noise_depth counts the runs at chance)",
                ("baseline", "noisy_baseline"),
                "worse",
            ),
            (
                "noisy BN trains like BN",
                "BatchNorm with Algorithm 1's noise trains as well as BatchNorm",
                ("batchnorm", "noisy_batchnorm"),
                "=",
            ),
        )
        for name, statement, pair, kind in rows:
            for quantity, primary, mode, margin, worse in MEASURES:
                suffix = "" if primary else f": {mode}"
                out.append(
                    claim(
                        f"{name} ({layers} layers){suffix}",
                        f"{statement} ({mode})",
                        source,
                        quantity,
                        pair,
                        cond,
                        worse if kind == "worse" else "=",
                        "noise depth",
                        study="depth",
                        primary=primary,
                        margin=margin,
                    )
                )
        out.append(
            claim(
                f"the control's accuracy falls short ({layers} layers)",
                "the noisy control's training accuracy is lower than the baseline's (eval mode)",
                source,
                "final_train_accuracy",
                ("baseline", "noisy_baseline"),
                cond,
                "-",
                "noise depth",
                study="depth",
                primary=False,
                margin=TRAIN_ACCURACY,
            )
        )
    return out
