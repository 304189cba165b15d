"""The blog's MLPs: 784-256-128-64-10 ReLU, optionally BatchNorm before each ReLU."""

from collections.abc import Sequence

import flax.linen as nn
import jax.numpy as jnp

from bnlab.architecture import INPUT_SIZE, MODELS, WIDTHS


class MLP(nn.Module):
    """Returns (logits, {layer name: output}) so diagnostics can see every layer."""

    widths: Sequence[int] = WIDTHS
    batchnorm: bool = False

    @nn.compact
    def __call__(self, x, train: bool = False):
        outputs = {}
        *hidden, classes = self.widths
        for i, width in enumerate(hidden):
            x = outputs[f"Dense_{i}"] = nn.Dense(width, name=f"Dense_{i}")(x)
            if self.batchnorm:
                bn = nn.BatchNorm(use_running_average=not train, name=f"BatchNorm_{i}")
                x = outputs[f"BatchNorm_{i}"] = bn(x)
            x = outputs[f"ReLU_{i}"] = nn.relu(x)
        x = outputs[f"Dense_{len(hidden)}"] = nn.Dense(classes, name=f"Dense_{len(hidden)}")(x)
        return x, outputs


def build_model(name):
    return MLP(**MODELS[name])


def init_variables(model, key):
    """Parameters (and BatchNorm statistics) from `key`, as the blog initializes."""
    return model.init(key, jnp.ones((32, INPUT_SIZE)), train=True)


def count_params(params):
    return sum(int(leaf.size) for leaf in _leaves(params))


def _leaves(tree):
    for value in tree.values():
        yield from _leaves(value) if hasattr(value, "values") else [value]


def param_names(params):
    """'Layer/param' names in a fixed (sorted) order, e.g. 'Dense_3/kernel'."""
    return [f"{layer}/{name}" for layer in sorted(params) for name in sorted(params[layer])]
