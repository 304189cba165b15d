"""The architectures as plain facts (no JAX import): widths, layer and parameter names.

The workflow checks figure indices against these when it parses the config.
"""

WIDTHS = (256, 128, 64, 10)
INPUT_SIZE = 28 * 28
MODELS = {"baseline": {"batchnorm": False}, "batchnorm": {"batchnorm": True}}


def layer_widths(name):
    """Width of every recorded layer output, in forward order."""
    widths = {}
    *hidden, classes = WIDTHS
    for i, width in enumerate(hidden):
        widths[f"Dense_{i}"] = width
        if MODELS[name]["batchnorm"]:
            widths[f"BatchNorm_{i}"] = width
        widths[f"ReLU_{i}"] = width
    widths[f"Dense_{len(hidden)}"] = classes
    return widths


def param_shapes():
    """Shape of every parameter of any model, by 'Layer/param' name."""
    shapes = {}
    sizes = (INPUT_SIZE, *WIDTHS)
    for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:], strict=False)):
        shapes[f"Dense_{i}/kernel"] = (fan_in, fan_out)
        shapes[f"Dense_{i}/bias"] = (fan_out,)
    for i, width in enumerate(WIDTHS[:-1]):
        shapes[f"BatchNorm_{i}/scale"] = shapes[f"BatchNorm_{i}/bias"] = (width,)
    return shapes
