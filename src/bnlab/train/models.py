"""The MLPs: 784 inputs, hidden widths from the architecture (the blog's 256-128-64),
ReLU or no activation, an optional normalization per hidden layer, 10 classes."""

from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from bnlab.errors import BnlabError
from bnlab.spec.architecture import CLASSES, GROUP_SIZE, INPUT_SIZE, norm_layer
from bnlab.train.layers import LpBatchNorm, algorithm1_expectation, algorithm1_noise

# BatchNorm's running averages keep this share of their value per step
# (flax's default, written out: bnlab.train.evaluation.make_precise_bn reads it).
BN_MOMENTUM = 0.99


class MLP(nn.Module):
    """Returns (logits, {layer name: output}) so diagnostics can see every layer.

    The fields are an architecture's options (config schema,
    $defs/architecture, which holds their defaults). Algorithm 1's noise (noisy
    BatchNorm and its control) draws from the 'noise' RNG stream in training;
    evaluation applies its expectation instead, so the next layer sees inputs
    of the scale it was trained on.
    """

    normalization: str
    placement: str
    scale_shift: bool
    noise_mean: float
    noise_scale: float
    noise_spread: Sequence[float]
    p: int | str
    widths: Sequence[int]
    activation: str

    @nn.compact
    def __call__(self, x, train: bool = False):
        outputs = {}

        def norm(i, x):
            name = norm_layer({"normalization": self.normalization}, i)
            affine = {"use_scale": self.scale_shift, "use_bias": self.scale_shift, "name": name}
            frozen = not train
            if self.normalization == "layer":
                x = nn.LayerNorm(**affine)(x)
            elif self.normalization == "group":
                x = nn.GroupNorm(num_groups=None, group_size=GROUP_SIZE, **affine)(x)
            elif self.normalization == "lp_batch":
                x = LpBatchNorm(p=self.p, use_running_average=frozen, **affine)(x)
            elif self.normalization in ("batch", "noisy_batch"):
                x = nn.BatchNorm(use_running_average=frozen, momentum=BN_MOMENTUM, **affine)(x)
            if self.normalization in ("noisy_batch", "noise"):
                noise = (self.noise_mean, self.noise_scale, self.noise_spread)
                if train:
                    x = algorithm1_noise(self.make_rng("noise"), x, *noise)
                else:
                    x = algorithm1_expectation(x, *noise)
            outputs[name] = x
            return x

        for i, width in enumerate(self.widths):
            x = outputs[f"Dense_{i}"] = nn.Dense(width, name=f"Dense_{i}")(x)
            if self.normalization != "none" and self.placement == "before_relu":
                x = norm(i, x)
            if self.activation == "relu":
                x = outputs[f"ReLU_{i}"] = nn.relu(x)
            if self.normalization != "none" and self.placement == "after_relu":
                x = norm(i, x)
        last = f"Dense_{len(self.widths)}"
        x = outputs[last] = nn.Dense(CLASSES, name=last)(x)
        return x, outputs


def build_model(architecture):
    """An MLP from an architecture (every option given: architectures()[name])."""
    tuples = {key: tuple(architecture[key]) for key in ("noise_spread", "widths")}
    return MLP(**{**architecture, **tuples})


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


# The deep linear network of Santurkar et al. A.1 (trained by bnlab.train.dln).
DIM = 10  # A is 10 x 10; inputs and outputs have 10 dims (A.1)


class DeepLinear(nn.Module):
    """Dense_0 ... Dense_k without biases or activations (A.1's W_1 ... W_k),
    Glorot-uniform kernels, the last mapping to DIM; the normalization, if
    any, after every Dense but the last. Returns (output, {layer name: output})."""

    normalization: str  # none | batch | lp_batch
    p: int | str  # lp_batch: 1, 2 or "inf"
    scale_shift: bool
    widths: tuple  # hidden widths; the paper's (10,) * 24

    @nn.compact
    def __call__(self, x, train: bool = False):
        outputs = {}
        glorot = nn.initializers.glorot_uniform()  # A.1: "standard Glorot initialization"
        for i, width in enumerate((*self.widths, DIM)):
            name = f"Dense_{i}"
            x = outputs[name] = nn.Dense(width, use_bias=False, kernel_init=glorot, name=name)(x)
            if i == len(self.widths) or self.normalization == "none":
                continue
            norm = {
                "use_running_average": not train,
                "use_scale": self.scale_shift,
                "use_bias": self.scale_shift,
                "name": norm_layer({"normalization": self.normalization}, i),
            }
            if self.normalization == "batch":
                x = nn.BatchNorm(**norm)(x)
            elif self.normalization == "lp_batch":
                x = LpBatchNorm(p=self.p, **norm)(x)
            else:
                raise BnlabError(
                    f"architecture.normalization = {self.normalization!r}: the deep linear "
                    f"network supports none, batch and lp_batch"
                )
            outputs[norm["name"]] = x
        return x, outputs


def build_dln(architecture):
    """A DeepLinear from an architecture's normalization, p, scale_shift and
    widths (its other options, e.g. activation, do not apply)."""
    return DeepLinear(
        normalization=architecture["normalization"],
        p=architecture["p"],
        scale_shift=bool(architecture["scale_shift"]),
        widths=tuple(int(w) for w in architecture["widths"]),
    )
