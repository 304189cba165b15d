"""Architectures as plain data (no JAX import): options, layer and parameter names.

A model is a name mapped to options. `baseline` and `batchnorm` are the blog's
two models, four Part 2 variants are built in too, and the config may add
more under `architectures`. The workflow
checks figure indices against these shapes when it parses the config.
"""

WIDTHS = (256, 128, 64, 10)
INPUT_SIZE = 28 * 28

DEFAULTS = {
    "normalization": "none",  # none | batch | noisy_batch | layer
    "placement": "before_relu",  # before_relu (the blog's) | after_relu
    "scale_shift": True,  # learned per-unit scale and shift in the normalization
    # noisy_batch: after each BatchNorm, every step draws per-unit shifts from
    # U(-noise_mean, noise_mean) and scales from U(noise_scale) (Santurkar et al. 2018).
    "noise_mean": 0.5,
    "noise_scale": [0.5, 1.5],
}
BUILTIN = {
    # The blog's two models.
    "baseline": {"normalization": "none"},
    "batchnorm": {"normalization": "batch"},
    # Part 2's variants.
    "noisy_batchnorm": {"normalization": "noisy_batch"},
    "batchnorm_after_relu": {"normalization": "batch", "placement": "after_relu"},
    "batchnorm_no_affine": {"normalization": "batch", "scale_shift": False},
    "layernorm": {"normalization": "layer"},
}
# Layers whose internal covariate shift is measured (Dense_0 has no layer before it).
ICS_LAYERS = ("Dense_1", "Dense_2", "Dense_3")
PREFIX = {"batch": "BatchNorm", "noisy_batch": "BatchNorm", "layer": "LayerNorm"}


def architectures(extra=None):
    """Every known model name with its full options (defaults filled in)."""
    merged = {**BUILTIN, **(extra or {})}
    return {name: {**DEFAULTS, **options} for name, options in merged.items()}


def spec_of(model, extra=None):
    return architectures(extra)[model]


def norm_layer(spec, i):
    """Name of the i-th normalization layer, or None."""
    prefix = PREFIX.get(spec["normalization"])
    return f"{prefix}_{i}" if prefix else None


def layer_widths(spec):
    """Width of every recorded layer output, in forward order."""
    if isinstance(spec, str):
        spec = spec_of(spec)
    widths = {}
    *hidden, classes = WIDTHS
    for i, width in enumerate(hidden):
        norm = norm_layer(spec, i)
        widths[f"Dense_{i}"] = width
        if norm and spec["placement"] == "before_relu":
            widths[norm] = width
        widths[f"ReLU_{i}"] = width
        if norm and spec["placement"] == "after_relu":
            widths[norm] = width
    widths[f"Dense_{len(hidden)}"] = classes
    return widths


def relu_inputs(spec):
    """The layer output each ReLU_i receives (Ioffe & Szegedy's 'sigmoid input')."""
    before = spec["normalization"] != "none" and spec["placement"] == "before_relu"
    return [norm_layer(spec, i) if before else f"Dense_{i}" for i in range(len(WIDTHS) - 1)]


def param_shapes(spec=None):
    """Shape of every parameter, by 'Layer/param' name (all models if spec is None)."""
    shapes = {}
    sizes = (INPUT_SIZE, *WIDTHS)
    for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:], strict=False)):
        shapes[f"Dense_{i}/kernel"] = (fan_in, fan_out)
        shapes[f"Dense_{i}/bias"] = (fan_out,)
    specs = [spec] if spec else [{**DEFAULTS, "normalization": n} for n in ("batch", "layer")]
    for s in specs:
        for i, width in enumerate(WIDTHS[:-1]):
            if norm_layer(s, i) and s["scale_shift"]:
                shapes[f"{norm_layer(s, i)}/scale"] = shapes[f"{norm_layer(s, i)}/bias"] = (width,)
    return shapes
