"""Noise against depth (the `depth` study): Santurkar et al. §2.1's noisy
BatchNorm and its control at each depth the study trains (its `widths` axis)."""

from bnlab.spec.claims.claim import ACCURACY, SANTURKAR, claim

FAMILIES = {
    "noise depth": "noisy BatchNorm trains like BatchNorm, and the same noise without it "
    "trains worse, at every depth",
}


def claims(conditions):
    """§2.1 at every depth the study trains (the default: 3, 6 and 12 hidden
    layers): the noise compounds over depth."""
    source = f"{SANTURKAR} §2.1, Fig. 2 (VGG)"
    out = []
    for cond in conditions:
        layers = len(cond["widths"])
        out += [
            claim(
                f"the noise without BN hurts training ({layers} layers)",
                "the same noise without BatchNorm leaves a higher training loss (the paper: it "
                "prevents training; noise_depth counts the runs at chance)",
                source,
                "final_train_loss",
                ("baseline", "noisy_baseline"),
                cond,
                "+",
                "noise depth",
                study="depth",
            ),
            claim(
                f"noisy BN trains like BN ({layers} layers)",
                "BatchNorm with Algorithm 1's noise trains as well as BatchNorm",
                source,
                "final_train_loss",
                ("batchnorm", "noisy_batchnorm"),
                cond,
                "=",
                "noise depth",
                study="depth",
            ),
            claim(
                f"the control's accuracy falls short ({layers} layers)",
                "the noisy control's training accuracy is lower than the baseline's",
                source,
                "final_train_accuracy",
                ("baseline", "noisy_baseline"),
                cond,
                "-",
                "noise depth",
                study="depth",
                primary=False,
                **ACCURACY,
            ),
        ]
    return out
