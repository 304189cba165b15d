"""Training jobs ask for a GPU slot exactly where JAX can use a GPU (bnlab.spec.gpus).

No GPU here: a package record named like JAX's CUDA plugin and
CUDA_VISIBLE_DEVICES stand in for one, which is all the workflow reads when
it parses (JAX itself is not imported then)."""

import re

import pytest

from tests.conftest import snakemake, test_config

TARGETS = (
    "results/blog/histories/model=baseline/seed42.nc",
    "results/part2/histories/optimizer=sgd/learning_rate=0.3/model=baseline/seed42.nc",
)


@pytest.fixture
def fake_cuda_plugin(tmp_path):
    record = tmp_path / "site/jax_cuda12_plugin-0.10.2.dist-info"
    record.mkdir(parents=True)
    (record / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: jax-cuda12-plugin\nVersion: 0.10.2\n"
    )
    return record.parent


def train_resources(tmp_path, mnist_dir, tfds_dir, env):
    run = snakemake(tmp_path / "wd", test_config(mnist_dir, tfds_dir), *TARGETS, "-n", env=env)
    assert run.returncode == 0, run.stdout[-3000:]
    return re.findall(r"resources: .*runtime=.*gpu=.*", run.stdout)


def test_jobs_take_a_gpu_slot_where_jax_can_use_a_gpu(
    tmp_path, mnist_dir, tfds_dir, fake_cuda_plugin
):
    env = {"PYTHONPATH": str(fake_cuda_plugin), "CUDA_VISIBLE_DEVICES": "0,1"}
    resources = train_resources(tmp_path, mnist_dir, tfds_dir, env)
    # The two targets, and the sweep runs that cap the Part 2 run's probes.
    assert len(resources) > 2 and all("gpu=1" in r for r in resources), resources


@pytest.mark.parametrize("visible", ["0,1", ""])
def test_no_slot_without_the_plugin_or_a_visible_gpu(
    tmp_path, mnist_dir, tfds_dir, fake_cuda_plugin, visible
):
    env = {"CUDA_VISIBLE_DEVICES": visible}
    if not visible:  # the plugin, but every GPU hidden
        env["PYTHONPATH"] = str(fake_cuda_plugin)
    resources = train_resources(tmp_path, mnist_dir, tfds_dir, env)
    assert len(resources) > 2 and all("gpu=0" in r for r in resources), resources
