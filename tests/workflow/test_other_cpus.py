"""The same numbers on other x86-64 CPUs (docs/reproducibility.md).

Two references stand in for machines we do not have: the smoke run made on an
AVX2-only AMD EPYC (../shared/reference/avx2), and qemu-user emulating an AVX2
CPU (apt-get install qemu-user), which runs the very same job on this machine.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from bnlab.history.read import differences, load_history
from bnlab.spec.numerics import cpu_info
from tests.conftest import REPO, snakemake, test_config

REFERENCE = REPO.parent / "shared/reference/avx2/smoke-histories.json"
# A portable smoke run made on an Intel Xeon (AVX-512): a check across vendors.
INTEL = REPO.parent / "shared/reference/portable-intel/smoke-histories.json"
QEMU = shutil.which("qemu-x86_64")
# Like the reference's machine: AVX2 and FMA, no AVX-512. An Intel one too.
AVX2_CPUS = ("EPYC-Rome", "Haswell")
MODELS = ("baseline", "batchnorm")
PORTABLE = {
    "training": {"cpu_numerics": "portable"},
    "diagnostics": {"eval_chunk": 250, "probe_examples": 256},
}

needs_qemu = pytest.mark.skipif(
    QEMU is None, reason="qemu-x86_64 is not installed (apt-get install qemu-user)"
)


# The reference was made by commit 5c93d28; a change that alters training's
# bits on purpose must say so and have the reference remade on an AVX2 CPU.
STALE = "differs from the AVX2 reference (../shared/reference/avx2/README.md)"


def reference():
    """Variable digests by history path (paths from before studies: results/histories/<model>/)."""
    if not REFERENCE.is_file():
        pytest.fail(f"the AVX2 reference {REFERENCE} is missing (it ships in ../shared/)")
    return json.loads(REFERENCE.read_text())


def digests(path):
    """SHA-256 of every data variable's bytes, as the reference records them."""
    ds = load_history(path)
    return {
        name: hashlib.sha256(np.ascontiguousarray(ds[name].values).tobytes()).hexdigest()
        for name in ds.data_vars
    }


def smoke_histories(workdir, mnist, mnist_dir, tfds_dir, **sections):
    """The smoke config's two histories, trained by the workflow from `mnist`."""
    (workdir / "results/data").mkdir(parents=True)
    shutil.copy2(mnist, workdir / "results/data/mnist.nc")
    config = test_config(mnist_dir, tfds_dir, **sections)
    targets = [f"results/blog/histories/model={m}/seed42.nc" for m in MODELS]
    run = snakemake(workdir, config, *targets)
    assert run.returncode == 0, run.stdout[-3000:]
    return {m: workdir / t for m, t in zip(MODELS, targets, strict=True)}


@pytest.fixture(scope="module")
def native(tmp_path_factory, prepared_mnist, mnist_dir, tfds_dir):
    workdir = tmp_path_factory.mktemp("native")
    return smoke_histories(workdir, prepared_mnist, mnist_dir, tfds_dir)


@pytest.fixture(scope="module")
def portable(tmp_path_factory, prepared_mnist, mnist_dir, tfds_dir):
    workdir = tmp_path_factory.mktemp("portable")
    return smoke_histories(workdir, prepared_mnist, mnist_dir, tfds_dir, **PORTABLE)


def emulate(jobs, mnist):
    """Rerun each (history, cpu, output) under qemu, one core each, two at a time."""
    for pair in (jobs[i : i + 2] for i in range(0, len(jobs), 2)):
        procs = [
            subprocess.Popen(
                ["taskset", "-c", str(core), QEMU, "-cpu", cpu, sys.executable]
                + ["-m", "bnlab", "rerun", str(history), str(mnist), str(out)],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                # No compile cache: this machine's programs are not the emulated CPU's.
                env=dict(os.environ, BNLAB_JAX_CACHE=""),
            )
            for core, (history, cpu, out) in enumerate(pair)
        ]
        for proc in procs:
            log = proc.communicate(timeout=900)[0]
            assert proc.returncode == 0, log[-3000:]


def test_rerunning_a_history_reproduces_it(native, prepared_mnist, tmp_path):
    """bnlab rerun retrains what a history records, on the
    thread count it records, bit for bit: what the emulated runs rely on."""
    out = tmp_path / "rerun.nc"
    run = subprocess.run(
        [sys.executable, "-m", "bnlab", "rerun", native["batchnorm"], prepared_mnist, out],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert differences(load_history(native["batchnorm"]), load_history(out)) == []


def test_a_native_run_on_an_avx2_only_cpu_matches_the_reference(native):
    info = cpu_info()
    if info["cpu_isa"] != "avx2":
        pytest.skip(
            f"this CPU ({info['cpu_model']}) has {info['cpu_isa']}, the reference's has avx2: "
            f"native kernels differ between them by design; the emulated tests cover this machine"
        )
    for model, path in native.items():
        expected = reference()[f"results/histories/{model}/seed42.nc"]["variables"]
        assert digests(path) == expected, f"{model} {STALE}"


@needs_qemu
def test_an_emulated_avx2_cpu_computes_what_the_avx2_machine_did(native, prepared_mnist, tmp_path):
    """The emulator is a faithful stand-in: a native baseline run under it
    equals the real AVX2 machine's in every variable (BatchNorm's rsqrt is
    emulated exactly, unlike hardware, so only the baseline is compared)."""
    out = tmp_path / "emulated.nc"
    emulate([(native["baseline"], AVX2_CPUS[0], out)], prepared_mnist)
    expected = reference()["results/histories/baseline/seed42.nc"]["variables"]
    assert digests(out) == expected, f"the emulated baseline {STALE}"
    if cpu_info()["cpu_isa"] == "avx512f":  # what portable mode is for
        assert digests(native["baseline"]) != expected


@needs_qemu
def test_portable_runs_give_the_same_bits_on_emulated_avx2_cpus(portable, prepared_mnist, tmp_path):
    """Each model on another emulated CPU (AMD, Intel), side by side."""
    jobs = [
        (portable[m], cpu, tmp_path / f"{cpu}-{m}.nc")
        for m, cpu in zip(MODELS, AVX2_CPUS, strict=True)
    ]
    emulate(jobs, prepared_mnist)
    for history, cpu, out in jobs:
        assert differences(load_history(history), load_history(out)) == [], (cpu, history)


def test_a_portable_run_matches_the_intel_reference_in_every_variable(portable):
    """Portable numerics promise the same bits on every x86-64 CPU with AVX2
    and FMA, AMD or Intel: this machine's portable smoke run against the one
    made on an Intel Xeon (../shared/reference/portable-intel/README.md)."""
    if not INTEL.is_file():
        pytest.fail(f"the Intel reference {INTEL} is missing (it ships in ../shared/)")
    recorded = json.loads(INTEL.read_text())
    for model, path in portable.items():
        expected = recorded[f"results/blog/histories/model={model}/seed42.nc"]["variables"]
        found = digests(path)
        differing = sorted(name for name in expected if found.get(name) != expected[name])
        assert differing == [], f"{model}: {differing} differ from the Intel reference"
