"""Part 2's claims on what the measurements record (diagnostics.measure_every):
internal covariate shift (Santurkar et al. §2.2, Definition 2.1) and the loss
landscape (§3.1). The conditions are part2's, as bnlab.spec.claims.part2
chooses them. Scale-bound measures are tested as log10 of their median, so
that their margin is a ratio (margins.RATIO)."""

from bnlab.spec.claims.claim import SANTURKAR, claim, tag
from bnlab.spec.claims.margins import COSINE, RATIO, Margin

ICS_LAYERS = ("Dense_1", "Dense_2", "Dense_3")
BN = ("baseline", "batchnorm")
GRADIENT_SHARE = Margin(0.05, "5% of ||G||")

# ICS in Definition 2.1's form (primary) and two others: the quantity, the
# direction "does not reduce ICS" takes in it, the margin and the statement.
ICS_FORMS = (
    ("log_ics_l2", "+", True, RATIO, "the l2 difference ||G - G'|| does not shrink with BatchNorm"),
    ("ics_cosine", "-", False, COSINE, "the cosine of G and G' does not rise with BatchNorm"),
    (
        "ics_relative",
        "+",
        False,
        GRADIENT_SHARE,
        "||G - G'|| / ||G|| does not shrink with BatchNorm",
    ),
)


def ics(sgd, lower, adam):
    """§2.2, Fig. 3: BatchNorm does not reduce ICS, and often increases it."""
    source = f"{SANTURKAR} §2.2, Def. 2.1, Fig. 3a (VGG)"

    def one(quantity, direction, primary, margin, statement, cond, layer):
        name = f"BN does not reduce ICS: {quantity.removeprefix('log_')}, {layer} ({tag(cond)})"
        return claim(
            name,
            statement,
            source,
            f"{quantity}_{layer}",
            BN,
            cond,
            direction,
            "ics",
            primary=primary,
            margin=margin,
        )

    out = [
        one(*form, cond, layer)
        for cond in (sgd, *lower)
        for layer in ICS_LAYERS
        for form in ICS_FORMS
    ]
    out.append(one(*ICS_FORMS[0][:2], False, *ICS_FORMS[0][3:], adam, "Dense_2"))
    return out


def landscape(sgd, lower, adam):
    """§3.1, Fig. 4: smoother with BatchNorm, along SGD's step; and the
    gradients themselves smaller (§3.1's improved Lipschitzness of the loss)."""
    source = f"{SANTURKAR} §3.1, Fig. 4 (VGG)"
    measures = (
        ("loss_variation", "the loss varies less along the gradient"),
        ("gradient_change", "the gradient changes less along the gradient (more predictive)"),
        ("beta_smoothness", "the effective beta-smoothness is smaller"),
    )
    out = [
        claim(
            f"BN smooths the landscape: {q}",
            s,
            source,
            f"log_{q}",
            BN,
            sgd,
            "-",
            "landscape",
            margin=RATIO,
        )
        for q, s in measures
    ]
    out.append(
        claim(
            "BN makes the gradients smaller",
            "the loss is more Lipschitz with BatchNorm: its gradients are smaller in magnitude",
            f"{SANTURKAR} §3.1",
            "log_gradient_norm",
            BN,
            sgd,
            "-",
            "landscape",
            margin=RATIO,
        )
    )
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
            f"log_{q}",
            BN,
            c,
            "-",
            "landscape",
            primary=False,
            margin=RATIO,
        )
        for q, c, s in secondary
    ]
    return out
