"""Architectures as plain data (no JAX import): options, layer and parameter names.

A model is a name mapped to an architecture: the options of bnlab.models.MLP.
`baseline` and `batchnorm` are the blog's two models, Part 2's variants are
built in too, and the config may add more under `architectures` (their
options and defaults: $defs/architecture of the config schema). The workflow
checks figure indices against these shapes when it parses the config.
"""

from bnlab import schemas

WIDTHS = (256, 128, 64, 10)
INPUT_SIZE = 28 * 28

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
    "lp1_batchnorm": {"normalization": "lp_batch", "p": 1},
    "lp2_batchnorm": {"normalization": "lp_batch", "p": 2},
    "lpinf_batchnorm": {"normalization": "lp_batch", "p": "inf"},
}
# Layers whose internal covariate shift is measured (Dense_0 has no layer before it).
ICS_LAYERS = ("Dense_1", "Dense_2", "Dense_3")
PREFIX = {
    "batch": "BatchNorm",
    "noisy_batch": "BatchNorm",  # the noise is applied to the BatchNorm output
    "noise": "Noise",
    "layer": "LayerNorm",
    "lp_batch": "LpNorm",
}
# Normalizations with a learned per-unit scale and shift (scale_shift).
LEARNED = {"batch", "noisy_batch", "layer", "lp_batch"}


def architectures(extra=None):
    """Every known model name with its full architecture (defaults filled in)."""
    merged = {**BUILTIN, **(extra or {})}
    return {name: {**DEFAULTS, **options} for name, options in merged.items()}


def norm_layer(architecture, i):
    """Name of the i-th normalization layer, or None."""
    prefix = PREFIX.get(architecture["normalization"])
    return f"{prefix}_{i}" if prefix else None


def layer_widths(architecture):
    """Width of every recorded layer output, in forward order."""
    widths = {}
    *hidden, classes = WIDTHS
    for i, width in enumerate(hidden):
        norm = norm_layer(architecture, i)
        widths[f"Dense_{i}"] = width
        if norm and architecture["placement"] == "before_relu":
            widths[norm] = width
        widths[f"ReLU_{i}"] = width
        if norm and architecture["placement"] == "after_relu":
            widths[norm] = width
    widths[f"Dense_{len(hidden)}"] = classes
    return widths


def relu_inputs(architecture):
    """The layer output each ReLU_i receives (Ioffe & Szegedy's 'sigmoid input')."""
    before = architecture["normalization"] != "none" and architecture["placement"] == "before_relu"
    return [norm_layer(architecture, i) if before else f"Dense_{i}" for i in range(len(WIDTHS) - 1)]


def param_shapes(architecture=None):
    """Shape of every parameter, by 'Layer/param' name (all models if None)."""
    shapes = {}
    sizes = (INPUT_SIZE, *WIDTHS)
    for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:], strict=False)):
        shapes[f"Dense_{i}/kernel"] = (fan_in, fan_out)
        shapes[f"Dense_{i}/bias"] = (fan_out,)
    variants = (
        [architecture]
        if architecture
        else [{**DEFAULTS, "normalization": n} for n in ("batch", "layer", "lp_batch")]
    )
    for a in variants:
        for i, width in enumerate(WIDTHS[:-1]):
            if a["normalization"] in LEARNED and a["scale_shift"]:
                shapes[f"{norm_layer(a, i)}/scale"] = shapes[f"{norm_layer(a, i)}/bias"] = (width,)
    return shapes
