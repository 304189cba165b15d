"""One look for every figure: colour-blind-safe model colours, atomic saving."""

import zlib

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from bnlab.io import atomic_path  # noqa: E402

# Okabe & Ito's palette: distinguishable with every common colour-vision deficiency.
COLORS = {
    "baseline": "#0072B2",
    "batchnorm": "#D55E00",
    "noisy_batchnorm": "#009E73",
    "batchnorm_after_relu": "#CC79A7",
    "batchnorm_no_affine": "#E69F00",
    "layernorm": "#56B4E9",
    "noisy_baseline": "#000000",
    "lp1_batchnorm": "#882255",  # Tol's wine and teal: the 8 above are taken
    "lp2_batchnorm": "#44AA99",
    "lpinf_batchnorm": "#B8A200",  # Okabe & Ito's yellow, darkened to show on white
    "groupnorm": "#332288",  # Tol's indigo
}
LABELS = {
    "baseline": "baseline",
    "batchnorm": "BatchNorm",
    "noisy_batchnorm": "noisy BatchNorm",
    "batchnorm_after_relu": "BatchNorm after ReLU",
    "batchnorm_no_affine": "BatchNorm, no scale/shift",
    "layernorm": "LayerNorm",
    "noisy_baseline": "noisy baseline (control)",
    "lp1_batchnorm": "l1 BatchNorm",
    "lp2_batchnorm": "l2 BatchNorm",
    "lpinf_batchnorm": "l-inf BatchNorm",
    "groupnorm": "GroupNorm",
}
BLOG_MARKER = {"marker": "D", "s": 28, "facecolor": "white", "zorder": 5, "linewidths": 1.4}

plt.rcParams.update(
    {
        "figure.dpi": 100,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "legend.frameon": False,
        "font.size": 9,
    }
)


# Models defined in the config take one of these by a hash of their name, so
# a variant keeps its colour in every figure (two may share one).
MORE_COLORS = ["#332288", "#117733", "#999933", "#AA4499", "#661100", "#6699CC", "#888888"]


def color(model):
    return COLORS.get(model) or MORE_COLORS[zlib.crc32(model.encode()) % len(MORE_COLORS)]


def label(model):
    return LABELS.get(model, model)


def save(fig, path, dpi):
    """Write a figure atomically (a killed job leaves no complete-looking file)."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight", format=str(path).rsplit(".", 1)[-1])
    plt.close(fig)
