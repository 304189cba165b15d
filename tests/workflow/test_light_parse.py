"""Parsing the workflow (every `snakemake -n`, every cluster job) imports no
JAX, Flax, optax or matplotlib: they are blocked here, and a dry run passes."""

from tests.conftest import snakemake, test_config

HEAVY = ("jax", "jaxlib", "flax", "optax", "matplotlib")
BLOCKER = f"""
import sys

class Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {HEAVY!r}:
            raise ImportError(f"{{name}} imported while parsing the workflow")

sys.meta_path.insert(0, Blocked())
"""


def test_a_dry_run_imports_no_heavy_package(tmp_path, mnist_dir, tfds_dir):
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(BLOCKER)
    config = test_config(mnist_dir, tfds_dir)
    run = snakemake(tmp_path / "work", config, "-n", "all", "part2", env={"PYTHONPATH": str(hooks)})
    assert run.returncode == 0, run.stdout[-3000:]
    assert "imported while parsing" not in run.stdout


def test_the_blocker_would_catch_an_import(tmp_path):
    import subprocess
    import sys

    (tmp_path / "sitecustomize.py").write_text(BLOCKER)
    run = subprocess.run(
        [sys.executable, "-c", "import matplotlib"],
        env={"PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert "matplotlib imported while parsing the workflow" in run.stderr
