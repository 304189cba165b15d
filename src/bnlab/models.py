"""The MLPs: 784-256-128-64-10 ReLU, with an optional normalization per hidden layer."""

from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from bnlab.architecture import INPUT_SIZE, WIDTHS, norm_layer


class MLP(nn.Module):
    """Returns (logits, {layer name: output}) so diagnostics can see every layer.

    The fields are an architecture's options (config schema,
    $defs/architecture, which holds their defaults). Noisy BatchNorm draws its
    per-step shifts from the 'noise' RNG stream.
    """

    normalization: str
    placement: str
    scale_shift: bool
    noise_mean: float
    noise_scale: Sequence[float]

    @nn.compact
    def __call__(self, x, train: bool = False):
        outputs = {}

        def norm(i, x):
            name = norm_layer({"normalization": self.normalization}, i)
            affine = {"use_scale": self.scale_shift, "use_bias": self.scale_shift, "name": name}
            if self.normalization == "layer":
                x = nn.LayerNorm(**affine)(x)
            else:
                x = nn.BatchNorm(use_running_average=not train, **affine)(x)
                if self.normalization == "noisy_batch" and train:
                    x = self._shift(x)
            outputs[name] = x
            return x

        *hidden, classes = WIDTHS
        for i, width in enumerate(hidden):
            x = outputs[f"Dense_{i}"] = nn.Dense(width, name=f"Dense_{i}")(x)
            if self.normalization != "none" and self.placement == "before_relu":
                x = norm(i, x)
            x = outputs[f"ReLU_{i}"] = nn.relu(x)
            if self.normalization != "none" and self.placement == "after_relu":
                x = norm(i, x)
        x = outputs[f"Dense_{len(hidden)}"] = nn.Dense(classes, name=f"Dense_{len(hidden)}")(x)
        return x, outputs

    def _shift(self, x):
        """A fresh per-unit shift and scale: the layer's input distribution moves every step."""
        shift_key, scale_key = jax.random.split(self.make_rng("noise"))
        width = x.shape[-1]
        shift = jax.random.uniform(
            shift_key, (width,), minval=-self.noise_mean, maxval=self.noise_mean
        )
        low, high = self.noise_scale
        return x * jax.random.uniform(scale_key, (width,), minval=low, maxval=high) + shift


def build_model(architecture):
    """An MLP from an architecture (every option given: architectures()[name])."""
    return MLP(**{**architecture, "noise_scale": tuple(architecture["noise_scale"])})


def init_variables(model, key):
    """Parameters (and BatchNorm statistics) from `key`: the blog's values (it
    initializes in train mode; the mode does not change parameters, and eval
    mode needs no noise RNG)."""
    return model.init(key, jnp.ones((32, INPUT_SIZE)), train=False)


def count_params(params):
    return sum(int(leaf.size) for leaf in jax.tree_util.tree_leaves(params))


def param_names(params):
    """'Layer/param' names in a fixed (sorted) order, e.g. 'Dense_3/kernel'."""
    return [f"{layer}/{name}" for layer in sorted(params) for name in sorted(params[layer])]
