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

ICS_LAYERS = ("Dense_1", "Dense_2", "Dense_3")
LP = ("lp1_batchnorm", "lp2_batchnorm", "lpinf_batchnorm")
BN = ("baseline", "batchnorm")

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


# ICS in Definition 2.1's form (primary) and two others: the quantity, the
# direction "does not reduce ICS" takes in it, and the statement.
ICS_FORMS = (
    ("ics_l2", "+", True, "the l2 difference ||G - G'|| does not shrink with BatchNorm"),
    ("ics_cosine", "-", False, "the cosine of G and G' does not rise with BatchNorm"),
    ("ics_relative", "+", False, "||G - G'|| / ||G|| does not shrink with BatchNorm"),
)


def ics(sgd, lower, adam):
    """§2.2, Fig. 3: BatchNorm does not reduce ICS, and often increases it."""
    source = f"{SANTURKAR} §2.2, Def. 2.1, Fig. 3a (VGG)"
    out = [
        claim(
            f"BN does not reduce ICS: {quantity}, {layer} ({tag(cond)})",
            statement,
            source,
            f"{quantity}_{layer}",
            BN,
            cond,
            direction,
            "ics",
            primary=primary,
        )
        for cond in (sgd, *lower)
        for layer in ICS_LAYERS
        for quantity, direction, primary, statement in ICS_FORMS
    ]
    quantity, direction, _, statement = ICS_FORMS[0]
    out.append(
        claim(
            f"BN does not reduce ICS: {quantity}, Dense_2 ({tag(adam)})",
            statement,
            source,
            f"{quantity}_Dense_2",
            BN,
            adam,
            direction,
            "ics",
            primary=False,
        )
    )
    return out


def landscape(sgd, lower, adam):
    """§3.1, Fig. 4: smoother with BatchNorm, along SGD's step."""
    source = f"{SANTURKAR} §3.1, Fig. 4 (VGG)"
    measures = (
        ("loss_variation", "the loss varies less along the gradient"),
        ("gradient_change", "the gradient changes less along the gradient (more predictive)"),
        ("beta_smoothness", "the effective beta-smoothness is smaller"),
    )
    out = [
        claim(f"BN smooths the landscape: {q}", s, source, q, BN, sgd, "-", "landscape")
        for q, s in measures
    ]
    secondary = (
        [(f"{q}_epoch1", sgd, f"{s}, epoch 1") for q, s in measures]
        + [
            ("loss_variation_per_length", sgd, "the loss varies less per unit of distance moved"),
            ("gradient_change_relative", sgd, "the gradient changes less relative to its length"),
        ]
        + [(q, cond, s) for cond in (*lower, adam) for q, s in measures[:2]]
    )
    out += [
        claim(
            f"BN smooths the landscape: {q} ({tag(c)})",
            s,
            source,
            q,
            BN,
            c,
            "-",
            "landscape",
            primary=False,
        )
        for q, c, s in secondary
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
