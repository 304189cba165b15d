"""Part 2's claims on what the measurements record (diagnostics.measure_every):
internal covariate shift (Santurkar et al. §2.2, Definition 2.1) and the loss
landscape (§3.1). The conditions are part2's, as bnlab.spec.claims.part2
chooses them."""

from bnlab.spec.claims.claim import SANTURKAR, claim, tag

ICS_LAYERS = ("Dense_1", "Dense_2", "Dense_3")
BN = ("baseline", "batchnorm")


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
