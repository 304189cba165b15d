"""The claims we test, declared once (like the figure registry): each names its
source, the per-run quantity (bnlab.outcomes), the pair, the conditions, the
direction the source reports and an equivalence margin. bnlab.verdicts
computes every verdict; `results/tables/claims*.{csv,md}` are the result, and
docs/part2.md's and docs/questions.md's Findings quote them.

Families are the questions; Holm's correction runs over each family's
primary claims. Secondary claims describe (other windows, scale-free forms,
other optimizers or rates) and are not corrected.

Each claim reads one study: Part 2's below, then the deep linear network's
(`dln`), noise against depth (`depth`) and small batches (`batch`); each
study's claims make one table (bnlab.figures: claims, claims_<study>), and
Holm's correction never spans two. Part 2's conditions are settings of the
`part2` study's axes as the default config trains them: SGD at 0.3
(Santurkar et al.'s optimizer, at the rate the sweep found best for the
baseline), SGD at 0.03 and 0.003 (Fig. 3 measures ICS at two rates a factor
of 10 apart), Adam at 1e-3 (the blog's). A config that trains other settings
leaves those claims without pairs: they get no row.
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


def claim(
    name, statement, source, quantity, pair, conditions, direction, family, study="part2", **options
):
    return Claim(
        name=name,
        statement=statement,
        source=source,
        quantity=quantity,
        pair=pair,
        conditions=conditions,
        study=study,
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


# The `depth` study: hidden layers -> widths (the default config's grid).
DEPTHS = {
    3: (256, 128, 64),
    6: (256, 256, 128, 128, 64, 64),
    12: (256,) * 4 + (128,) * 4 + (64,) * 4,
}


def depth():
    """§2.1 at 3, 6 and 12 hidden layers: the noise compounds over depth."""
    source = f"{SANTURKAR} §2.1, Fig. 2 (VGG)"
    out = []
    for layers, widths in DEPTHS.items():
        cond = {"widths": widths}
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


BATCH_SIZES = (2, 4, 8, 16, 32, 128, 512)
WU_HE = "Wu & He 2018"


def batch():
    """BatchNorm at small batches (Wu & He 2018, Fig. 1; ResNet-50 on ImageNet):
    BatchNorm's error grows sharply below batch 16, GroupNorm's does not; at 32
    (their usual size) GroupNorm is level with BatchNorm and LayerNorm behind
    it. LayerNorm and GroupNorm use no batch statistics, so the direction below
    16 is the same for both. Primary: batch 2 and 32, the ends of their range;
    512 and the sizes between are secondary."""
    source = f"{WU_HE} Fig. 1, §4 (ResNet-50, ImageNet)"
    out = []
    for size in BATCH_SIZES:
        cond = {"batch_size": size}
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


# The `dln` study: full-batch gradient descent at A.1's rate, and Fig. 3b's
# second, 10x lower; the paper's layers #9 and #17 (1-based) are our Dense_8
# and Dense_16.
DLN_RATE, DLN_LOWER = {"learning_rate": 1e-6}, {"learning_rate": 1e-7}
DLN_LAYERS = ("Dense_8", "Dense_16")
# log10 quantities: a margin of 0.05 is a factor of about 1.12.
LOG = {"margin": 0.05, "relative_margin": False}


def dln():
    """The deep linear network (A.1): 25 linear layers, full-batch GD."""

    def dln_claim(name, statement, source, quantity, pair, cond, direction, family, **kw):
        options = {**LOG, **kw}
        return claim(
            name, statement, source, quantity, pair, cond, direction, family, "dln", **options
        )

    fig13 = f"{SANTURKAR} §3.3, Fig. 13 (DLN)"
    out = [
        dln_claim(
            "DLN: BN reaches a lower loss",
            "BatchNorm ends full-batch training at a lower loss",
            f"{SANTURKAR} A.1, Fig. 5b (DLN)",
            "log_final_loss",
            BN,
            DLN_RATE,
            "-",
            "dln training",
        ),
        *(
            dln_claim(
                f"DLN: {model.removesuffix('_batchnorm')} reaches a lower loss than the baseline",
                "ℓp normalization ends training at a lower loss than no normalization",
                fig13,
                "log_final_loss",
                ("baseline", model),
                DLN_RATE,
                "-",
                "dln training",
            )
            for model in LP
        ),
        dln_claim(
            "DLN: l1 beats BN",
            "ℓ1 normalization ends training at a lower loss than BatchNorm",
            f"{SANTURKAR} §3.3 (DLN)",
            "log_final_loss",
            ("batchnorm", "lp1_batchnorm"),
            DLN_RATE,
            "-",
            "dln training",
        ),
    ]
    for cond in (DLN_RATE, DLN_LOWER):
        for layer in DLN_LAYERS:
            tag = f"{layer}, lr {cond['learning_rate']:g}"
            out += [
                dln_claim(
                    f"DLN: BN decorrelates G and G' ({tag})",
                    "with BatchNorm G and G' are far less aligned (lower cosine)",
                    f"{SANTURKAR} §2.2, Fig. 3b (DLN)",
                    f"ics_cosine_{layer}",
                    BN,
                    cond,
                    "-",
                    "dln ics",
                    **ACCURACY,
                ),
                dln_claim(
                    f"DLN: BN increases ||G - G'|| ({tag})",
                    "with BatchNorm the l2 difference of G and G' is larger",
                    f"{SANTURKAR} §2.2, Fig. 3b (DLN)",
                    f"log_ics_l2_{layer}",
                    BN,
                    cond,
                    "+",
                    "dln ics",
                    primary=False,
                ),
            ]
    measures = (
        ("log_loss_variation", "the loss varies less along the gradient", "10a, 13b"),
        ("log_gradient_change", "the gradient changes less along the gradient", "10b, 13c"),
        ("log_beta_smoothness", "the effective beta-smoothness is smaller", "10c, 13d"),
    )
    for quantity, statement, figures in measures:
        short = quantity.removeprefix("log_")
        out.append(
            dln_claim(
                f"DLN: BN smooths the landscape: {short}",
                statement,
                f"{SANTURKAR} §3.1, Fig. {figures.split(',')[0]} (DLN)",
                quantity,
                BN,
                DLN_RATE,
                "-",
                "dln landscape",
            )
        )
        out += [
            dln_claim(
                f"DLN: {model.removesuffix('_batchnorm')} smooths the landscape: {short}",
                f"with ℓp normalization {statement}",
                f"{SANTURKAR} §3.3, Fig. {figures.split(', ')[1]} (DLN)",
                quantity,
                ("baseline", model),
                DLN_RATE,
                "-",
                "dln landscape",
                primary=False,
            )
            for model in LP
        ]
    return out


CLAIMS = [
    *faster(),
    *noise(),
    *ics(),
    *landscape(),
    *lp(),
    *stability(),
    *dln(),
    *depth(),
    *batch(),
]
# Each family's claim, as its sources make it; its rows test it.
FAMILIES = {
    "faster": "BatchNorm trains faster",
    "noise": "BatchNorm still helps when its outputs shift every step (noisy BatchNorm)",
    "ics": "BatchNorm does not reduce internal covariate shift",
    "landscape": "BatchNorm makes the loss landscape smoother",
    "lp": "ℓp normalizations help training as BatchNorm does",
    "lp moments": "ℓp normalizations shift layer inputs more than an unnormalized network",
    "stability": "BatchNorm keeps the inputs to later layers steady",
    "dln training": "on the deep linear network, BatchNorm and ℓp normalizations reach a "
    "lower loss, and ℓ1 beats BatchNorm",
    "dln ics": "on the deep linear network, BatchNorm makes G and G' nearly uncorrelated",
    "dln landscape": "on the deep linear network, BatchNorm makes the landscape smoother",
    "noise depth": "noisy BatchNorm trains like BatchNorm, and the same noise without it "
    "trains worse, at every depth",
    "small batches": "BatchNorm falls behind batch-independent normalizations as the batch "
    "shrinks, and is level or ahead at the usual sizes",
    "batch statistics": "BatchNorm's running statistics serve test time better than a batch's own",
}
