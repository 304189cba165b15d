"""Part 2's claims (the `part2` study): Santurkar et al. 2018's questions and
Ioffe & Szegedy's, each family one question.

The conditions are the settings of the study's axes it trains: the SGD
condition with the highest rate is the main one (Santurkar et al.'s
optimizer, at the rate the sweep found best for the baseline), the other SGD
rates are Fig. 3's lower ones (ICS at rates a factor of 10 apart), and the
Adam condition is the blog's. Claims at a condition the study does not train
are not declared.

Each primary quantity is measured as its source measured it: "trains faster"
by the eval-mode training loss and accuracy after epoch 1 (the blog's
numbers, Santurkar et al.'s Fig. 2 curves); the noise claims of §2.1 by the
minibatch loss with the noise on (train mode), since evaluation replaces the
noise by its expectation; ℓp's shift (§3.3, Fig. 8) by the change between
successive measured steps. The other forms are secondary, labelled.
"""

from bnlab.spec.claims.claim import IOFFE, SANTURKAR, claim, tag
from bnlab.spec.claims.margins import LOSS, MOMENTS, RATIO, TEST_ACCURACY, TRAIN_ACCURACY
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
        source = f"blog; {IOFFE}; {SANTURKAR} Fig. 2 (VGG)"
        out += [
            claim(
                f"BN trains faster ({tag(cond)})",
                "BatchNorm's training loss after epoch 1 (eval mode) is lower",
                source,
                "train_loss_after_epoch1",
                BN,
                cond,
                "-",
                "faster",
                margin=LOSS,
            ),
            claim(
                f"BN trains faster: accuracy ({tag(cond)})",
                "BatchNorm's training accuracy after epoch 1 (eval mode) is higher",
                source,
                "train_accuracy_after_epoch1",
                BN,
                cond,
                "+",
                "faster",
                margin=TRAIN_ACCURACY,
            ),
            claim(
                f"BN trains faster: minibatch loss, train mode ({tag(cond)})",
                "BatchNorm's mean minibatch loss over epoch 1 (train mode) is lower",
                source,
                "train_loss_epoch1",
                BN,
                cond,
                "-",
                "faster",
                primary=False,
                margin=LOSS,
            ),
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
                margin=LOSS,
            ),
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
                margin=TEST_ACCURACY,
            ),
        ]
    return out


def noise(sgd, lower, adam):
    """§2.1: measured with the noise on (train-mode minibatch losses); the
    eval-mode forms, noise replaced by its expectation, are secondary."""
    source = f"{SANTURKAR} §2.1, Fig. 2 (VGG)"
    rows = [
        (
            "noisy BN trains like BN",
            "BatchNorm with Algorithm 1's noise trains as fast as BatchNorm (noise on)",
            "train_loss_epoch1",
            ("batchnorm", "noisy_batchnorm"),
            "=",
        ),
        (
            "noisy BN trains faster than the baseline",
            "noisy BatchNorm still beats the unnormalized network (noise on)",
            "train_loss_epoch1",
            ("baseline", "noisy_batchnorm"),
            "-",
        ),
        (
            "the noise without BN stops training",
            "the same noise without BatchNorm prevents training (noise on)",
            "final_minibatch_loss",
            ("baseline", "noisy_baseline"),
            "+",
        ),
    ]
    noise_off = {
        "train_loss_epoch1": "train_loss_after_epoch1",
        "final_minibatch_loss": "final_train_loss",
    }
    out = [claim(n, s, source, q, p, sgd, d, "noise", margin=LOSS) for n, s, q, p, d in rows]
    out += [
        claim(
            f"{n}: eval mode, noise off",
            s.replace("noise on", "noise off, eval mode"),
            source,
            noise_off[q],
            p,
            sgd,
            d,
            "noise",
            primary=False,
            margin=LOSS,
        )
        for n, s, q, p, d in rows
    ]
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
            margin=TEST_ACCURACY,
        )
    )
    out += [
        claim(f"{n} ({tag(adam)})", s, source, q, p, adam, d, "noise", primary=False, margin=LOSS)
        for n, s, q, p, d in rows
    ]
    return out


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
                "input_spread_step_change",
                ("baseline", model),
                sgd,
                "+",
                "lp moments",
                margin=MOMENTS,
            ),
            claim(
                f"{model} shifts its inputs more than the baseline: over training",
                "ℓp normalization's layer inputs drift further from the first measured step",
                fig6,
                "input_spread_drift",
                ("baseline", model),
                sgd,
                "+",
                "lp moments",
                primary=False,
                margin=MOMENTS,
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
                "input_spread_step_change",
                ("batchnorm", model),
                sgd,
                "+",
                "lp moments",
                primary=False,
                margin=MOMENTS,
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
                "input_location_step_change",
                ("baseline", "noisy_batchnorm"),
                cond,
                "+",
                "stability",
                primary=primary,
                margin=MOMENTS,
            ),
        ]
    return out
