"""The claims we test, declared once (like the figure registry): each names its
source, the per-run quantity (bnlab.outcomes), the pair, the conditions, the
direction the source reports and an equivalence margin. bnlab.verdicts
computes every verdict; `results/tables/claims.{csv,md}` is the result, and
docs/part2.md's Findings quote it.

Families are the questions; Holm's correction runs over each family's
primary claims. Secondary claims describe (other windows, scale-free forms,
other optimizers or rates) and are not corrected.

Conditions are settings of the `part2` study's axes as the default config
trains them: SGD at 0.3 (Santurkar et al.'s optimizer, at the rate the sweep
found best for the baseline), SGD at 0.03 and 0.003 (Fig. 3 measures ICS at
two rates a factor of 10 apart), Adam at 1e-3 (the blog's). A config that
trains other rates leaves these rows without pairs (n = 0, inconclusive).
"""

from bnlab.verdicts import Claim

SGD = {"optimizer": "sgd", "learning_rate": 0.3}
SGD_LOWER = (
    {"optimizer": "sgd", "learning_rate": 0.03},
    {"optimizer": "sgd", "learning_rate": 0.003},
)
ADAM = {"optimizer": "adam", "learning_rate": 0.001}
ICS_LAYERS = ("Dense_1", "Dense_2", "Dense_3")
LP = ("lp1_batchnorm", "lp2_batchnorm", "lpinf_batchnorm")
BN = ("baseline", "batchnorm")

SANTURKAR = "Santurkar et al. 2018"
IOFFE = "Ioffe & Szegedy 2015"
# Equivalence margins: 10% of model a's value for scale-bound quantities;
# 0.2 percentage points for accuracies.
RELATIVE = {"margin": 0.1, "relative_margin": True}
ACCURACY = {"margin": 0.002, "relative_margin": False}


def claim(name, statement, source, quantity, pair, conditions, direction, family, **options):
    return Claim(
        name=name,
        statement=statement,
        source=source,
        quantity=quantity,
        pair=pair,
        conditions=conditions,
        study="part2",
        direction=direction,
        family=family,
        **{**RELATIVE, **options},
    )


def _tag(conditions):
    return f"{conditions['optimizer']} {conditions['learning_rate']:g}"


def faster():
    out = []
    for cond in (SGD, ADAM):
        out.append(
            claim(
                f"BN trains faster ({_tag(cond)})",
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
                f"BN ends with a lower training loss ({_tag(cond)})",
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
                f"BN ends with a higher test accuracy ({_tag(cond)})",
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


def noise():
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
    out = [claim(n, s, source, q, p, SGD, d, "noise") for n, s, q, p, d in rows]
    out.append(
        claim(
            "noisy BN tests like BN",
            "noisy BatchNorm's test accuracy equals BatchNorm's",
            source,
            "final_test_accuracy",
            ("batchnorm", "noisy_batchnorm"),
            SGD,
            "=",
            "noise",
            primary=False,
            **ACCURACY,
        )
    )
    out += [
        claim(f"{n} (adam 0.001)", s, source, q, p, ADAM, d, "noise", primary=False)
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


def ics():
    """§2.2, Fig. 3: BatchNorm does not reduce ICS, and often increases it."""
    source = f"{SANTURKAR} §2.2, Def. 2.1, Fig. 3a (VGG)"
    out = [
        claim(
            f"BN does not reduce ICS: {quantity}, {layer} ({_tag(cond)})",
            statement,
            source,
            f"{quantity}_{layer}",
            BN,
            cond,
            direction,
            "ics",
            primary=primary,
        )
        for cond in (SGD, *SGD_LOWER)
        for layer in ICS_LAYERS
        for quantity, direction, primary, statement in ICS_FORMS
    ]
    quantity, direction, _, statement = ICS_FORMS[0]
    out.append(
        claim(
            f"BN does not reduce ICS: {quantity}, Dense_2 (adam 0.001)",
            statement,
            source,
            f"{quantity}_Dense_2",
            BN,
            ADAM,
            direction,
            "ics",
            primary=False,
        )
    )
    return out


def landscape():
    """§3.1, Fig. 4: smoother with BatchNorm, along SGD's step."""
    source = f"{SANTURKAR} §3.1, Fig. 4 (VGG)"
    measures = (
        ("loss_variation", "the loss varies less along the gradient"),
        ("gradient_change", "the gradient changes less along the gradient (more predictive)"),
        ("beta_smoothness", "the effective beta-smoothness is smaller"),
    )
    out = [
        claim(f"BN smooths the landscape: {q}", s, source, q, BN, SGD, "-", "landscape")
        for q, s in measures
    ]
    secondary = (
        [(f"{q}_epoch1", SGD, f"{s}, epoch 1") for q, s in measures]
        + [
            ("loss_variation_per_length", SGD, "the loss varies less per unit of distance moved"),
            ("gradient_change_relative", SGD, "the gradient changes less relative to its length"),
        ]
        + [(q, cond, s) for cond in (*SGD_LOWER, ADAM) for q, s in measures[:2]]
    )
    out += [
        claim(
            f"BN smooths the landscape: {q} ({_tag(c)})",
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


def lp():
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
                SGD,
                "-",
                "lp",
            ),
            claim(
                f"{model} shifts its inputs more than the baseline",
                "ℓp normalization gives larger distributional shift than an unnormalized network",
                f"{SANTURKAR} §3.3, Fig. 6 (VGG)",
                "input_spread_drift",
                ("baseline", model),
                SGD,
                "+",
                "lp moments",
            ),
            claim(
                f"{model} trains like BN",
                "ℓp normalization trains as fast as BatchNorm",
                f"{SANTURKAR} §3.3, Fig. 5 (VGG, DLN)",
                "train_loss_epoch1",
                ("batchnorm", model),
                SGD,
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
                SGD,
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
                SGD,
                "-",
                "lp",
                primary=False,
            ),
        ]
    return out


def stability():
    """Ioffe & Szegedy Fig. 1: the inputs to a nonlinearity are steadier with BatchNorm."""
    out = []
    for cond in (SGD, ADAM):
        out += [
            claim(
                f"BN steadies ReLU inputs ({_tag(cond)})",
                "the median of each unit's ReLU input moves less over training",
                f"{IOFFE} Fig. 1",
                "input_location_drift",
                BN,
                cond,
                "-",
                "stability",
            ),
            claim(
                f"BN steadies ReLU input spread ({_tag(cond)})",
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


CLAIMS = [*faster(), *noise(), *ics(), *landscape(), *lp(), *stability()]
# Each family's claim, as its sources make it; its rows test it.
FAMILIES = {
    "faster": "BatchNorm trains faster",
    "noise": "BatchNorm still helps when its outputs shift every step (noisy BatchNorm)",
    "ics": "BatchNorm does not reduce internal covariate shift",
    "landscape": "BatchNorm makes the loss landscape smoother",
    "lp": "ℓp normalizations help training as BatchNorm does",
    "lp moments": "ℓp normalizations shift layer inputs more than an unnormalized network",
    "stability": "BatchNorm keeps the inputs to later layers steady",
}
