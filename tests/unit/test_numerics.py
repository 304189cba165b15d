"""CPU numerics modes: the environment they set, the CPUs they accept, and
what a history records of the machine (bnlab.spec.numerics, bnlab.history.read)."""

import pytest

from bnlab.errors import BnlabError
from bnlab.history import compare
from bnlab.history.read import differences, likely_causes
from bnlab.history.write import write_history
from bnlab.spec import studies
from bnlab.spec.config import merge_configs, validate_config
from bnlab.spec.numerics import (
    PORTABLE_ENV,
    PORTABLE_XLA_FLAGS,
    check_cpu,
    check_rows,
    cpu_info,
    numerics_env,
    use_cpu_numerics,
)
from tests.conftest import default_config
from tests.synthetic import synthetic_history

ZEN4 = "fpu sse4_1 sse4_2 avx f16c fma avx2 avx512f avx512dq avx512vl avx512_bf16"
ZEN2 = "fpu sse4_1 sse4_2 avx f16c fma avx2"
OLD = "fpu sse4_1 sse4_2 avx"


def fake_cpuinfo(tmp_path, model, flags):
    path = tmp_path / "cpuinfo"
    path.write_text(
        f"processor\t: 0\nmodel name\t: {model}\nflags\t\t: {flags}\n\nprocessor\t: 1\n"
    )
    return path


@pytest.mark.parametrize(
    ("flags", "isa"), [(ZEN4, "avx512f"), (ZEN2, "avx2"), (OLD, "avx"), ("fpu", "unknown")]
)
def test_cpu_isa_is_the_widest_vector_extension(tmp_path, flags, isa):
    info = cpu_info(fake_cpuinfo(tmp_path, "AMD EPYC 7B13", flags))
    assert info["cpu_model"] == "AMD EPYC 7B13"
    assert info["cpu_isa"] == isa
    assert "fpu" not in info["cpu_flags"].split()


def test_cpu_info_without_proc_says_unknown(tmp_path):
    assert cpu_info(tmp_path / "missing")["cpu_isa"] == "unknown"


def test_portable_mode_adds_its_flags_and_keeps_the_users():
    env = numerics_env("portable", {"XLA_FLAGS": "--xla_dump_to=/tmp/d --xla_cpu_max_isa=AVX512"})
    flags = env["XLA_FLAGS"].split()
    assert flags[0] == "--xla_dump_to=/tmp/d"
    assert flags[1:] == list(PORTABLE_XLA_FLAGS)  # the user's ISA cap is replaced, not doubled
    assert {k: env[k] for k in PORTABLE_ENV} == PORTABLE_ENV


def test_native_mode_removes_portable_settings():
    portable = numerics_env("portable", {})
    env = numerics_env("native", {"XLA_FLAGS": portable["XLA_FLAGS"] + " --xla_dump_to=/d"})
    assert env["XLA_FLAGS"] == "--xla_dump_to=/d"
    assert all(env[k] is None for k in PORTABLE_ENV)


def test_an_unknown_mode_is_an_error():
    with pytest.raises(
        BnlabError, match="training.cpu_numerics = 'fast': use one of native, portable"
    ):
        numerics_env("fast", {})


def test_portable_mode_refuses_a_cpu_without_avx2(tmp_path):
    old = cpu_info(fake_cpuinfo(tmp_path, "Intel Xeon E5-2670", OLD))
    with pytest.raises(BnlabError, match=r"needs a CPU with avx2 and fma; this one \(Intel Xeon"):
        check_cpu("portable", old)
    check_cpu("native", old)  # native runs anywhere
    check_cpu("portable", cpu_info(fake_cpuinfo(tmp_path, "AMD EPYC 7B12", ZEN2)))


def test_another_mode_after_jax_started_is_an_error():
    import jax.numpy as jnp

    jnp.ones(1).block_until_ready()  # this test process runs JAX natively
    environ = {}
    assert use_cpu_numerics("native", environ)["XLA_FLAGS"] == ""
    with pytest.raises(BnlabError, match="must be set before JAX starts"):
        use_cpu_numerics("portable", environ)
    assert environ == {}  # nothing half-set


def test_machine_attributes_are_not_differences_but_are_named_as_causes():
    a = synthetic_history("baseline", 0)
    b = a.copy(deep=True)
    b.attrs.update(cpu_model="AMD EPYC 7B12", cpu_isa="avx2", cpu_affinity="[1]")
    a.attrs.update(cpu_model="AMD EPYC 9B14", cpu_isa="avx512f")
    assert differences(a, b) == []
    b["test_loss"] = b.test_loss * 1.001
    assert differences(a, b) == ["variable test_loss"]
    causes = likely_causes(a, b)
    assert causes[0] == "the CPUs' vector instruction sets differ (avx512f vs avx2)"
    assert "the CPU models differ (AMD EPYC 9B14 vs AMD EPYC 7B12)" in causes
    assert not any("XLA flags" in c for c in causes)


SMALL = {"diagnostics": {"eval_chunk": 250, "probe_examples": 256}}


@pytest.mark.parametrize(
    "key", ["training.batch_size", "diagnostics.eval_chunk", "diagnostics.probe_examples"]
)
def test_portable_runs_keep_products_small(key):
    section, name = key.split(".")
    config = validate_config(SMALL)
    config[section][name] = 512
    check_rows(config)  # native runs take any size
    config["training"]["cpu_numerics"] = "portable"
    with pytest.raises(BnlabError, match=rf"{key} = 512 is too large for training.cpu_numerics"):
        check_rows(config)


def test_the_default_config_needs_smaller_products_to_be_portable():
    with pytest.raises(BnlabError, match="diagnostics.eval_chunk = 1000 is too large"):
        validate_config(merge_configs(default_config(), {"training": {"cpu_numerics": "portable"}}))
    # The batch study's largest batch (512) and the deep linear network's full
    # batch (1,000) exceed portable products: those studies pin native numerics.
    config = validate_config(
        merge_configs(default_config(), {"training": {"cpu_numerics": "portable"}, **SMALL})
    )
    for name in ("dln", "batch"):
        for run in studies.study_runs(config, name):
            assert studies.config_of(config, run)["training"]["cpu_numerics"] == "native"


PART2 = "part2/histories/optimizer=sgd/learning_rate=0.3/model=baseline/seed0.nc"


def test_compare_reads_every_history_and_names_the_cause(tmp_path, capsys):
    a = synthetic_history("baseline", 0)
    a.attrs.update(cpu_isa="avx512f")
    b = a.copy(deep=True)
    b["test_loss"] = b.test_loss * 1.001
    b.attrs.update(cpu_isa="avx2")
    for root, ds in (("a", a), ("b", b)):
        for path in ("blog/histories/model=baseline/seed0.nc", PART2):
            write_history(ds, tmp_path / root / path)
        write_history(a, tmp_path / root / "data/not_a_history.nc")  # skipped, like mnist.nc
    assert compare.main(tmp_path / "a", tmp_path / "b") == 1
    out = capsys.readouterr().out.splitlines()
    assert f"{PART2}: variable test_loss" in out
    assert "likely cause: the CPUs' vector instruction sets differ (avx512f vs avx2)" in out
    assert out[-1] == "2 histories compared, 2 differences"
