"""How XLA computes on the CPU, and which CPU a history was made on.

XLA's CPU backend hands matrix products and many reductions to libraries that
pick their kernels when the program runs, from the CPU's instruction set:
YNNPACK by default, oneDNN when YNNPACK is off. An AVX-512 kernel sums in
another order than an AVX2 kernel, so the same program gives other bits on
another CPU (measured: docs/reproducibility.md). XLA's own `--xla_cpu_max_isa`
caps only the code XLA emits itself, not these libraries.

`training.cpu_numerics: portable` pins every choice that depends on the CPU:

- YNNPACK off, so products go to oneDNN, whose kernels `ONEDNN_MAX_CPU_ISA`
  caps at AVX2 (Intel since Haswell, AMD since Zen; not some Atoms and Pentiums);
- XLA's own code capped at SSE4.2, below what any AVX2 CPU has (AVX2 would do,
  but SSE4.2 is what we could check under emulation: docs/reproducibility.md);
- no platform-dependent math (rsqrt, tanh and friends by the hardware's
  approximations, which also differ between CPU vendors).

This module imports no JAX: the flags must be in the environment before JAX
starts, and the workflow reads it at parse time.
"""

import os
import platform
import sys

from bnlab.errors import BnlabError

MODES = ("native", "portable")
PORTABLE_XLA_FLAGS = (
    "--xla_cpu_experimental_ynn_fusion_type=",
    "--xla_cpu_max_isa=SSE4_2",
    "--xla_cpu_enable_platform_dependent_math=false",
)
PORTABLE_ENV = {"ONEDNN_MAX_CPU_ISA": "AVX2"}
# What portable mode needs of the CPU: the kernels it pins must exist.
PORTABLE_NEEDS = ("avx2", "fma")
# oneDNN blocks a product by the CPU's cache sizes once it has enough rows:
# measured, products of up to 384 rows (K <= 784) agreed on every CPU model
# tried, 500 did not (docs/reproducibility.md). So portable runs keep every
# product's row count (batch, evaluation chunk, probe batch) at most this.
PORTABLE_MAX_ROWS = 256
ROW_KEYS = ("training.batch_size", "diagnostics.eval_chunk", "diagnostics.probe_examples")
# x86-64 vector extensions, widest first: the first one a CPU has names its ISA.
ISA_LADDER = ("avx512f", "avx2", "avx", "sse4_2")


def cpu_info(cpuinfo="/proc/cpuinfo"):
    """{'cpu_model': ..., 'cpu_isa': 'avx512f' | 'avx2' | ..., 'cpu_flags': the
    vector extensions present} of this machine, from /proc/cpuinfo (Linux);
    'unknown' where it cannot be read."""
    try:
        text = open(cpuinfo).read()  # noqa: SIM115
    except OSError:
        text = ""
    first = text.split("\n\n", 1)[0]  # the first processor speaks for all
    fields = {
        k.strip(): v.strip() for k, _, v in (line.partition(":") for line in first.splitlines())
    }
    flags = set(fields.get("flags", "").split())
    vector = sorted(f for f in flags if f.startswith(("avx", "fma", "sse4", "amx")))
    return {
        "cpu_model": fields.get("model name") or platform.processor() or "unknown",
        "cpu_isa": next((isa for isa in ISA_LADDER if isa in flags), "unknown"),
        "cpu_flags": " ".join(vector),
    }


def numerics_env(mode, environ):
    """The environment variables to set for `mode`, given the current ones.

    Keeps any XLA flag the user set, except those portable mode decides."""
    if mode not in MODES:
        raise BnlabError(f"training.cpu_numerics = {mode!r}: use one of {', '.join(MODES)}")
    ours = {flag.split("=", 1)[0] for flag in PORTABLE_XLA_FLAGS}
    kept = [f for f in environ.get("XLA_FLAGS", "").split() if f.split("=", 1)[0] not in ours]
    if mode == "native":
        return {"XLA_FLAGS": " ".join(kept), **dict.fromkeys(PORTABLE_ENV)}
    return {"XLA_FLAGS": " ".join([*kept, *PORTABLE_XLA_FLAGS]), **PORTABLE_ENV}


def check_cpu(mode, info):
    """Stop before training when portable mode cannot give the portable bits here."""
    flags = set(info["cpu_flags"].split())
    missing = [f for f in PORTABLE_NEEDS if f not in flags]
    if mode == "portable" and info["cpu_isa"] != "unknown" and missing:
        raise BnlabError(
            f"training.cpu_numerics = portable needs a CPU with {' and '.join(PORTABLE_NEEDS)}; "
            f"this one ({info['cpu_model']}) lacks {', '.join(missing)}. Use "
            f"training.cpu_numerics: native (its numbers are then this CPU's own)."
        )


def check_rows(config):
    """Portable runs: the config keys that set a product's rows stay within
    PORTABLE_MAX_ROWS (raise BnlabError naming the first that does not)."""
    if config["training"]["cpu_numerics"] != "portable":
        return
    for key in ROW_KEYS:
        section, name = key.split(".")
        value = config[section][name]
        if value > PORTABLE_MAX_ROWS:
            raise BnlabError(
                f"invalid config: {key} = {value} is too large for training.cpu_numerics = "
                f"portable, whose matrix products give the same bits on every CPU only up to "
                f"{PORTABLE_MAX_ROWS} rows; set it to at most {PORTABLE_MAX_ROWS} "
                f"(docs/reproducibility.md)."
            )


def use_cpu_numerics(mode, environ=os.environ):
    """Set the environment for `mode` before JAX starts its CPU backend.

    Once the backend runs, its flags are fixed: asking for another mode then
    is an error, not a silent mislabel of the history."""
    check_cpu(mode, cpu_info())
    wanted = numerics_env(mode, environ)
    if _jax_backend_started():
        if any((environ.get(k) or None) != (v or None) for k, v in wanted.items()):
            raise BnlabError(
                f"training.cpu_numerics = {mode} must be set before JAX starts, but this "
                f"process already runs JAX with XLA_FLAGS={environ.get('XLA_FLAGS', '')!r}. "
                f"Run the training in a new process (as the workflow does)."
            )
        return wanted
    for key, value in wanted.items():
        if value:
            environ[key] = value
        else:
            environ.pop(key, None)
    return wanted


def _jax_backend_started():
    bridge = sys.modules.get("jax._src.xla_bridge")
    return bool(bridge and getattr(bridge, "_backends", None))
