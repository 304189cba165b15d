"""Architectures as plain data (no JAX import): options, layer and parameter names.

A model is a name mapped to an architecture: the options of bnlab.train.models.MLP.
`baseline` and `batchnorm` are the blog's two models, Part 2's variants are
built in too, and the config may add more under `architectures` (their
options and defaults: $defs/architecture of the config schema). Every layer
name, width and parameter shape is derived here from an architecture, so a
variant's depth or normalization needs no code elsewhere; the workflow checks
figure options against these shapes when it parses the config.
"""

import math

from bnlab import schemas

INPUT_SIZE = 28 * 28
CLASSES = 10

DEFAULTS = schemas.defaults(schemas.load("config")["$defs"]["architecture"])
BUILTIN = {
    # The blog's two models.
    "baseline": {"normalization": "none"},
    "batchnorm": {"normalization": "batch"},
    # Part 2's variants (Santurkar et al. 2018, §2.1, §3.3, Appendix A.2.1).
    "noisy_batchnorm": {"normalization": "noisy_batch"},
    "noisy_baseline": {"normalization": "noise"},
    "batchnorm_after_relu": {"normalization": "batch", "placement": "after_relu"},
    "batchnorm_no_affine": {"normalization": "batch", "scale_shift": False},
    "layernorm": {"normalization": "layer"},
    "groupnorm": {"normalization": "group"},
    "lp1_batchnorm": {"normalization": "lp_batch", "p": 1},
    "lp2_batchnorm": {"normalization": "lp_batch", "p": 2},
    "lpinf_batchnorm": {"normalization": "lp_batch", "p": "inf"},
}
PREFIX = {
    "batch": "BatchNorm",
    "noisy_batch": "BatchNorm",  # the noise is applied to the BatchNorm output
    "noise": "Noise",
    "layer": "LayerNorm",
    "group": "GroupNorm",
    "lp_batch": "LpNorm",
}
# Normalizations with a learned per-unit scale and shift (scale_shift).
LEARNED = {"batch", "noisy_batch", "layer", "group", "lp_batch"}
# GroupNorm's units per group (Wu & He 2018, §4, Table 3b, "channels per group"):
# a fixed group size, since 32 groups of a 64-unit layer would normalize pairs.
GROUP_SIZE = 16


def architectures(extra=None):
    """Every known model name with its full architecture (defaults filled in)."""
    merged = {**BUILTIN, **(extra or {})}
    return {name: {**DEFAULTS, **options} for name, options in merged.items()}


def with_options(architecture, options):
    """`architecture` with some options replaced (a study's grid, say)."""
    return {**architecture, **{k: v for k, v in options.items() if k in DEFAULTS}}


def dense_widths(architecture):
    """Output width of every Dense layer, Dense_0 to the classifier."""
    return (*architecture["widths"], CLASSES)


def norm_layer(architecture, i):
    """Name of the i-th normalization layer, or None."""
    prefix = PREFIX.get(architecture["normalization"])
    return f"{prefix}_{i}" if prefix else None


def layer_widths(architecture):
    """Width of every recorded layer output, in forward order."""
    widths = {}
    relu = architecture["activation"] == "relu"
    for i, width in enumerate(architecture["widths"]):
        norm = norm_layer(architecture, i)
        widths[f"Dense_{i}"] = width
        if norm and architecture["placement"] == "before_relu":
            widths[norm] = width
        if relu:
            widths[f"ReLU_{i}"] = width
        if norm and architecture["placement"] == "after_relu":
            widths[norm] = width
    widths[f"Dense_{len(architecture['widths'])}"] = CLASSES
    return widths


def activation_inputs(architecture):
    """The layer output each hidden layer's activation receives: its
    normalization's if that comes first, else its Dense's."""
    before = architecture["normalization"] != "none" and architecture["placement"] == "before_relu"
    return [
        norm_layer(architecture, i) if before else f"Dense_{i}"
        for i in range(len(architecture["widths"]))
    ]


def relu_inputs(architecture):
    """The layer output each ReLU_i receives (Ioffe & Szegedy's 'sigmoid input');
    none in a linear network."""
    return activation_inputs(architecture) if architecture["activation"] == "relu" else []


def dense_layers(architecture):
    """Every Dense layer, Dense_0 to the classifier."""
    return [f"Dense_{i}" for i in range(len(architecture["widths"]) + 1)]


def ics_layers(architecture):
    """Layers whose internal covariate shift is measured: every Dense but the
    first, which has no layer before it."""
    return dense_layers(architecture)[1:]


def max_width(architecture):
    return max(dense_widths(architecture))


def param_shapes(architecture):
    """Shape of every parameter, by 'Layer/param' name."""
    shapes = {}
    sizes = (INPUT_SIZE, *dense_widths(architecture))
    for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:], strict=False)):
        shapes[f"Dense_{i}/kernel"] = (fan_in, fan_out)
        shapes[f"Dense_{i}/bias"] = (fan_out,)
    if architecture["normalization"] in LEARNED and architecture["scale_shift"]:
        for i, width in enumerate(architecture["widths"]):
            layer = norm_layer(architecture, i)
            shapes[f"{layer}/scale"] = shapes[f"{layer}/bias"] = (width,)
    return shapes


def compounded_noise_scale(architecture):
    """The factor Algorithm 1's noise (Santurkar et al. A.2.1) has scaled a
    signal by at the last hidden layer: (mean, largest), or None without noise.

    Each noisy layer scales unit j by s ~ N(σ_j, r_σ), σ_j ~ U(1, n_σ): by
    (1 + n_σ) / 2 on average and by up to about n_σ. Without normalization
    (the control) ReLU and Dense are linear in that factor, so over L hidden
    layers the factors multiply: ((1 + n_σ) / 2)^L and n_σ^L. BatchNorm
    divides the factor of the layers before it out again, so noisy BatchNorm
    carries one layer's."""
    noise = architecture["normalization"]
    if noise not in ("noise", "noisy_batch"):
        return None
    layers = len(architecture["widths"]) if noise == "noise" else 1
    n_sigma = architecture["noise_scale"]
    return ((1 + n_sigma) / 2) ** layers, n_sigma**layers


def param_count(architecture):
    """How many parameters the model has (the Flax model's own count; tested)."""
    return sum(math.prod(shape) for shape in param_shapes(architecture).values())
