"""Part 2's claims (the `part2` study): Santurkar et al. 2018's questions and
Ioffe & Szegedy's, each family one question.

The conditions are the settings of the study's axes it trains: the SGD
condition with the highest rate is the main one (Santurkar et al.'s
optimizer, at the rate the sweep found best for the baseline), the other SGD
rates are Fig. 3's lower ones (ICS at rates a factor of 10 apart), and the
Adam condition is the blog's. Claims at a condition the study does not train
are not declared.
"""

from bnlab.spec.claims.claim import ACCURACY, IOFFE, SANTURKAR, claim, tag
from bnlab.spec.claims.measured import BN, ics, landscape

LP = ("lp1_batchnorm", "lp2_batchnorm", "lpinf_batchnorm")

FAMILIES = {
    "faster": "BatchNorm trains faster",
    "noise": "BatchNorm still helps when its outputs shift every step (noisy BatchNorm)",
    "ics": "BatchNorm does not reduce internal covariate shift",
    "landscape": "BatchNorm makes the loss landscape smoother",
    "lp": "ℓp normalizations help training as BatchNorm does",
    "lp moments": "ℓp normalizations shift layer inputs more than an unnormalized network",
    "stability": "BatchNorm keeps the inputs to later layers steady",
}


def claims(conditions):
    """Every Part 2 claim at the conditions (dicts of axis values) the study trains."""
    sgd = sorted(
        (c for c in conditions if c.get("optimizer") == "sgd"), key=lambda c: -c["learning_rate"]
    )
    adam = [c for c in conditions if c.get("optimizer") == "adam"]
    main, lower = (sgd[0], sgd[1:]) if sgd else (None, [])
    first_adam = adam[0] if adam else None
    out = []
    for family in (faster, noise, ics, landscape, lp, stability):
        out += family(main, lower, first_adam)
    return [c for c in out if c.conditions is not None]


def faster(sgd, lower, adam):
    out = []
    for cond in (sgd, adam):
        out.append(
            claim(
                f"BN trains faster ({tag(cond)})",
                "BatchNorm lowers the training loss faster",
                f"blog; {IOFFE}; {SANTURKAR} Fig. 2 (VGG)",
                "train_loss_epoch1",
                BN,
                cond,
                "-",
                "faster",
            )
        )
        out.append(
            claim(
                f"BN ends with a lower training loss ({tag(cond)})",
                "BatchNorm's training loss after the last epoch is lower",
                f"{SANTURKAR} Fig. 2 (VGG)",
                "final_train_loss",
                BN,
                cond,
                "-",
                "faster",
                primary=False,
            )
        )
        out.append(
            claim(
                f"BN ends with a higher test accuracy ({tag(cond)})",
                "BatchNorm's test accuracy after the last epoch is higher",
                "blog",
                "final_test_accuracy",
                BN,
                cond,
                "+",
                "faster",
                primary=False,
                **ACCURACY,
            )
        )
    return out


def noise(sgd, lower, adam):
    source = f"{SANTURKAR} §2.1, Fig. 2 (VGG)"
    rows = [
        (
            "noisy BN trains like BN",
            "BatchNorm with Algorithm 1's noise trains as fast as BatchNorm",
            "train_loss_epoch1",
            ("batchnorm", "noisy_batchnorm"),
            "=",
        ),
        (
            "noisy BN trains faster than the baseline",
            "noisy BatchNorm still beats the unnormalized network",
            "train_loss_epoch1",
            ("baseline", "noisy_batchnorm"),
            "-",
        ),
        (
            "the noise without BN stops training",
            "the same noise without BatchNorm prevents training",
            "final_train_loss",
            ("baseline", "noisy_baseline"),
            "+",
        ),
    ]
    out = [claim(n, s, source, q, p, sgd, d, "noise") for n, s, q, p, d in rows]
    out.append(
        claim(
            "noisy BN tests like BN",
            "noisy BatchNorm's test accuracy equals BatchNorm's",
            source,
            "final_test_accuracy",
            ("batchnorm", "noisy_batchnorm"),
            sgd,
            "=",
            "noise",
            primary=False,
            **ACCURACY,
        )
    )
    out += [
        claim(f"{n} ({tag(adam)})", s, source, q, p, adam, d, "noise", primary=False)
        for n, s, q, p, d in rows
    ]
    return out


def lp(sgd, lower, adam):
    """§3.3: ℓp normalizations train like BatchNorm (Fig. 5) and smooth the
    landscape (Fig. 12), without controlling the moments (Fig. 6)."""
    out = []
    for model in LP:
        out += [
            claim(
                f"{model} trains faster than the baseline",
                "ℓp normalization helps training",
                f"{SANTURKAR} §3.3, Fig. 5 (VGG, DLN)",
                "train_loss_epoch1",
                ("baseline", model),
                sgd,
                "-",
                "lp",
            ),
            claim(
                f"{model} shifts its inputs more than the baseline",
                "ℓp normalization gives larger distributional shift than an unnormalized network",
                f"{SANTURKAR} §3.3, Fig. 6 (VGG)",
                "input_spread_drift",
                ("baseline", model),
                sgd,
                "+",
                "lp moments",
            ),
            claim(
                f"{model} trains like BN",
                "ℓp normalization trains as fast as BatchNorm",
                f"{SANTURKAR} §3.3, Fig. 5 (VGG, DLN)",
                "train_loss_epoch1",
                ("batchnorm", model),
                sgd,
                "=",
                "lp",
                primary=False,
            ),
            claim(
                f"{model} shifts its inputs more than BN",
                "ℓp normalization does not control the moments as BatchNorm does",
                f"{SANTURKAR} §3.3, Fig. 6 (VGG)",
                "input_spread_drift",
                ("batchnorm", model),
                sgd,
                "+",
                "lp moments",
                primary=False,
            ),
            claim(
                f"{model} smooths the landscape",
                "ℓp normalization smooths the loss landscape",
                f"{SANTURKAR} §3.3, Fig. 12 (VGG)",
                "loss_variation",
                ("baseline", model),
                sgd,
                "-",
                "lp",
                primary=False,
            ),
        ]
    return out


def stability(sgd, lower, adam):
    """Ioffe & Szegedy Fig. 1: the inputs to a nonlinearity are steadier with BatchNorm."""
    out = []
    for cond in (sgd, adam):
        out += [
            claim(
                f"BN steadies ReLU inputs ({tag(cond)})",
                "the median of each unit's ReLU input moves less over training",
                f"{IOFFE} Fig. 1",
                "input_location_drift",
                BN,
                cond,
                "-",
                "stability",
            ),
            claim(
                f"BN steadies ReLU input spread ({tag(cond)})",
                "the spread of each unit's ReLU input changes less over training",
                f"{IOFFE} Fig. 1",
                "input_spread_drift",
                BN,
                cond,
                "-",
                "stability",
                primary=False,
            ),
        ]
    return out
