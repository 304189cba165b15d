"""Part 2's claims on layer inputs' distributions: ℓp normalizations (Santurkar
et al. §3.3) and the stability of the inputs to each ReLU (Ioffe & Szegedy
Fig. 1; Santurkar et al. Fig. 1c, §2.1). The conditions are part2's, as
bnlab.spec.claims.part2 chooses them.

Fig. 8 compares the moments of successive training steps, so a shift
between steps is the change over one step (before and after a measured
step's update), tested as log10 of its median with a ratio margin
(margins.RATIO): a one-step change has no scale of its own to anchor an
absolute margin on. The change between measured steps (diagnostics.
measure_every apart) is secondary."""

from bnlab.spec.claims.claim import IOFFE, SANTURKAR, claim, tag
from bnlab.spec.claims.margins import LOSS, MOMENTS, RATIO
from bnlab.spec.claims.measured import BN

LP = ("lp1_batchnorm", "lp2_batchnorm", "lpinf_batchnorm")


def lp(sgd, lower, adam):
    """§3.3: ℓp normalizations train like BatchNorm (Fig. 5) and smooth the
    landscape (Fig. 12), without controlling the moments (Fig. 6; between
    successive steps, Fig. 8)."""
    fig5, fig6 = f"{SANTURKAR} §3.3, Fig. 5 (VGG, DLN)", f"{SANTURKAR} §3.3, Figs. 6, 8 (VGG)"
    out = []
    for model in LP:
        out += [
            claim(
                f"{model} trains faster than the baseline",
                "ℓp normalization helps training (training loss after epoch 1, eval mode)",
                fig5,
                "train_loss_after_epoch1",
                ("baseline", model),
                sgd,
                "-",
                "lp",
                margin=LOSS,
            ),
            claim(
                f"{model} shifts its inputs more than the baseline",
                "ℓp normalization's layer inputs change more between steps than an "
                "unnormalized network's",
                fig6,
                "log_input_spread_step_change",
                ("baseline", model),
                sgd,
                "+",
                "lp moments",
                margin=RATIO,
            ),
            *(
                claim(
                    f"{model} shifts its inputs more than the baseline: {window}",
                    statement,
                    fig6,
                    quantity,
                    ("baseline", model),
                    sgd,
                    "+",
                    "lp moments",
                    primary=False,
                    margin=MOMENTS,
                )
                for window, statement, quantity in (
                    (
                        "between measured steps",
                        "ℓp normalization's layer inputs change more between measured steps",
                        "input_spread_measured_change",
                    ),
                    (
                        "over training",
                        "ℓp normalization's layer inputs drift further from the first "
                        "measured step",
                        "input_spread_drift",
                    ),
                )
            ),
            claim(
                f"{model} trains like BN",
                "ℓp normalization trains as fast as BatchNorm",
                fig5,
                "train_loss_after_epoch1",
                ("batchnorm", model),
                sgd,
                "=",
                "lp",
                primary=False,
                margin=LOSS,
            ),
            claim(
                f"{model} shifts its inputs more than BN",
                "ℓp normalization does not control the moments as BatchNorm does",
                fig6,
                "log_input_spread_step_change",
                ("batchnorm", model),
                sgd,
                "+",
                "lp moments",
                primary=False,
                margin=RATIO,
            ),
            claim(
                f"{model} smooths the landscape",
                "ℓp normalization smooths the loss landscape",
                f"{SANTURKAR} §3.3, Fig. 12 (VGG)",
                "log_loss_variation",
                ("baseline", model),
                sgd,
                "-",
                "lp",
                primary=False,
                margin=RATIO,
            ),
        ]
    return out


def stability(sgd, lower, adam):
    """Ioffe & Szegedy Fig. 1: the inputs to a nonlinearity are steadier with
    BatchNorm; Santurkar et al. Fig. 1c: the difference is marginal; §2.1:
    noisy BatchNorm's inputs are less steady than even the standard network's."""
    out = []
    for cond in (sgd, adam):
        primary = cond is sgd
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
                primary=primary,
                margin=MOMENTS,
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
                margin=MOMENTS,
            ),
            claim(
                f"BN's input stability differs marginally ({tag(cond)})",
                "the change of each unit's input distribution over training is about the same "
                "with and without BatchNorm",
                f"{SANTURKAR} §1, Fig. 1c (VGG)",
                "input_location_drift",
                BN,
                cond,
                "=",
                "stability",
                primary=primary,
                margin=MOMENTS,
            ),
            claim(
                f"noisy BN's inputs are less steady than the baseline's ({tag(cond)})",
                "with Algorithm 1's noise the layer inputs change more between steps than "
                "even the unnormalized network's",
                f"{SANTURKAR} §2.1, Fig. 8 (VGG)",
                "log_input_location_step_change",
                ("baseline", "noisy_batchnorm"),
                cond,
                "+",
                "stability",
                primary=primary,
                margin=RATIO,
            ),
            claim(
                f"noisy BN's inputs are less steady than the baseline's: between measured "
                f"steps ({tag(cond)})",
                "with Algorithm 1's noise the layer inputs change more between measured steps",
                f"{SANTURKAR} §2.1, Fig. 8 (VGG)",
                "input_location_measured_change",
                ("baseline", "noisy_batchnorm"),
                cond,
                "+",
                "stability",
                primary=False,
                margin=MOMENTS,
            ),
        ]
    return out
