"""The blog's own claims (the `blog` study), on its "Smoother Gradient Updates"
section: following one kernel, Dense_3's, through epoch 1, the spread of its
gradient's entries at each step is smaller with BatchNorm, "especially early
in the training".

The spread is compared as log10 of its median over the steps, so its margin
is a ratio (margins.RATIO); the first 100 steps are the early window
(secondary). The blog's other curve there, the mean of the entries, is not a
claim: the output layer's kernel gradient is h (p - y)^T, whose every row
sums to zero over the classes (softmax's probabilities and the one-hot label
both sum to one), so its mean is zero in exact arithmetic and what is
plotted is rounding.
"""

from bnlab.spec.claims.claim import claim
from bnlab.spec.claims.margins import RATIO

BLOG = "blog, Smoother Gradient Updates"
LAYER = "Dense_3"  # the blog's tracked kernel
FAMILIES = {"gradients": "BatchNorm's gradient updates spread less (the blog)"}


def claims(conditions):
    """The blog study trains one condition (no axes)."""
    out = []
    for cond in conditions:
        for quantity, window, primary in (
            (f"log_grad_std_{LAYER}", "epoch 1", True),
            (f"log_grad_std_early_{LAYER}", "the first 100 steps", False),
        ):
            out.append(
                claim(
                    f"BN's gradient updates spread less ({LAYER}, {window})",
                    f"the standard deviation of the entries of {LAYER}'s kernel gradient is "
                    f"smaller with BatchNorm over {window}",
                    BLOG,
                    quantity,
                    ("baseline", "batchnorm"),
                    cond,
                    "-",
                    "gradients",
                    study="blog",
                    primary=primary,
                    margin=RATIO,
                )
            )
    return out
