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
numbers, Santurkar et al.'s Fig. 2 curves) and the steps to 90% training
accuracy (Fig. 1a; bnlab.analysis.outcomes.steps_to); the noise claims of §2.1 by the
minibatch loss with the noise on (train mode), since evaluation replaces the
noise by its expectation; ℓp's shift (§3.3, Fig. 8) by the change between
successive steps (bnlab.spec.claims.moments). The other forms are
secondary, labelled.
"""

from bnlab.spec.claims.claim import IOFFE, SANTURKAR, claim, tag
from bnlab.spec.claims.margins import LOSS, RATIO, TEST_ACCURACY, TRAIN_ACCURACY
from bnlab.spec.claims.measured import BN, ics, landscape
from bnlab.spec.claims.moments import lp, stability

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
                f"BN trains faster: steps to 90% ({tag(cond)})",
                "BatchNorm reaches 90% training accuracy (eval mode) in fewer steps",
                f"{SANTURKAR} Fig. 1a (training accuracy against steps)",
                "log_steps_to_90",
                BN,
                cond,
                "-",
                "faster",
                margin=RATIO,
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
