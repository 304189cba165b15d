"""GPU sharing: counting GPUs, each job's slot and memory share (bnlab.spec.gpus)."""

import pytest

from bnlab.spec.gpus import claim_gpu, count_gpus, memory_env


def driver(tmp_path, n):
    folder = tmp_path / "gpus"
    folder.mkdir()
    for i in range(n):
        (folder / f"0000:0{i}:00.0").mkdir()
    return folder


@pytest.mark.parametrize(
    ("visible", "count"),
    [(None, 3), ("", 0), ("-1", 0), ("1", 1), ("0,2", 2), ("0,-1,2", 1), ("GPU-5f1c,GPU-a0b2", 2)],
)
def test_count_gpus_follows_cuda_visible_devices(tmp_path, visible, count):
    environ = {} if visible is None else {"CUDA_VISIBLE_DEVICES": visible}
    assert count_gpus(environ, driver(tmp_path, 3)) == count


def test_no_driver_no_gpu(tmp_path):
    assert count_gpus({}, tmp_path / "missing") == 0


def test_memory_share_replaces_preallocation():
    env = memory_env(4)
    assert env["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false"
    assert env["XLA_PYTHON_CLIENT_MEM_FRACTION"] == "0.225"  # 0.9 of a GPU over 4 jobs
    assert float(memory_env(1)["XLA_PYTHON_CLIENT_MEM_FRACTION"]) == 0.9


def test_jobs_fill_gpus_evenly_then_stop(tmp_path):
    """Two GPUs, two jobs each: slots go 0, 1, 0, 1, and a fifth job gets none."""
    envs = [{} for _ in range(5)]
    taken = [claim_gpu(2, 2, lock_dir=tmp_path, environ=env) for env in envs]
    assert taken == ["0", "1", "0", "1", None]
    assert [e.get("CUDA_VISIBLE_DEVICES") for e in envs] == ["0", "1", "0", "1", None]
    assert envs[0]["XLA_PYTHON_CLIENT_MEM_FRACTION"] == "0.450"
    assert envs[4] == memory_env(2)  # no slot left, but still no preallocation


def test_jobs_use_the_gpus_they_were_given(tmp_path):
    """Under a scheduler that set CUDA_VISIBLE_DEVICES, slots name those GPUs."""
    env = {"CUDA_VISIBLE_DEVICES": "3,5"}
    first = claim_gpu(2, 1, lock_dir=tmp_path, environ=env)
    second = claim_gpu(2, 1, lock_dir=tmp_path, environ={"CUDA_VISIBLE_DEVICES": "3,5"})
    assert (first, second) == ("3", "5")
    assert env["CUDA_VISIBLE_DEVICES"] == "3"
