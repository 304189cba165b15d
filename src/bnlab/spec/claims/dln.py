"""The deep linear network's claims (the `dln` study, Santurkar et al. A.1):
the paper's layers #9 and #17 (1-based) are our Dense_8 and Dense_16."""

from bnlab.spec.claims.claim import SANTURKAR, claim
from bnlab.spec.claims.margins import COSINE, RATIO

LP = ("lp1_batchnorm", "lp2_batchnorm", "lpinf_batchnorm")
BN = ("baseline", "batchnorm")
DLN_LAYERS = ("Dense_8", "Dense_16")
FAMILIES = {
    "dln training": "on the deep linear network, BatchNorm and ℓp normalizations reach a "
    "lower loss, and ℓ1 beats BatchNorm",
    "dln ics": "on the deep linear network, BatchNorm makes G and G' nearly uncorrelated",
    "dln landscape": "on the deep linear network, BatchNorm makes the landscape smoother",
}


def claims(conditions):
    """The deep linear network (A.1): 25 linear layers, full-batch GD, at the
    study's rates (its `learning_rate` axis): A.1's is the highest, Fig. 3b's
    second column the others."""
    rates = sorted(conditions, key=lambda c: -c["learning_rate"])
    main = rates[0]

    def dln_claim(name, statement, source, quantity, pair, cond, direction, family, **kw):
        options = {"margin": RATIO, **kw}
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
            main,
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
                main,
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
            main,
            "-",
            "dln training",
        ),
    ]
    for cond in rates:
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
                    margin=COSINE,
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
                main,
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
                main,
                "-",
                "dln landscape",
                primary=False,
            )
            for model in LP
        ]
    return out
