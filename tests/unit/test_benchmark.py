"""The benchmark's FLOP count by hand, and docs/results.md's table is the committed result's."""

import importlib
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def bench():
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(ROOT / "benchmarks"))
        yield importlib.import_module("run")


def test_flops_by_hand(bench):
    # multiply-adds per example: 784*256 + 256*128 + 128*64 + 64*10 = 242,304
    forward = 2 * 242_304
    # weight gradients as many as the forward; input gradients for all but layer 1
    backward = 2 * 242_304 + 2 * (256 * 128 + 128 * 64 + 64 * 10)
    assert bench.forward_flops_per_example() == forward == 484_608
    assert bench.training_flops_per_example() == forward + backward == 1_052_416
    # one epoch: 60,000 training steps' worth, then 70,000 examples evaluated
    assert bench.epoch_flops() == 60_000 * 1_052_416 + 70_000 * 484_608 == 97_067_520_000
    # 10 runs: 20 epochs each plus the evaluation before training
    assert bench.study_flops() == 10 * (20 * 97_067_520_000 + 70_000 * 484_608)


def test_docs_table_is_the_committed_benchmark(bench):
    start, _ = bench.DOCS_BLOCK
    docs = bench.DOCS.read_text()
    result_file = docs.split(start, 1)[1].split(" -->", 1)[0]
    result = json.loads((ROOT / result_file).read_text())
    assert bench.docs_with_table(docs, result_file, result) == docs, (
        f"docs/results.md's benchmark table is not {result_file}'s: "
        f"python benchmarks/run.py --docs {result_file}"
    )
    assert not result.get("tiny"), "the committed benchmark is a tiny-mode check"
    for row in ("blog_loop", "bnlab_all_cores", "bnlab_pipeline"):
        assert all(row in rows for rows in result["models"].values())


def test_benchmark_refuses_a_non_default_study(bench, tmp_path):
    config = (ROOT / "config/config.yaml").read_text()
    (tmp_path / "config.yaml").write_text(f"{config}\ntraining: {{epochs: 3}}\n")
    assert len(bench.check_default_study()) == 10
    with pytest.raises(SystemExit, match="is not the default study"):
        bench.check_default_study(tmp_path / "config.yaml")
