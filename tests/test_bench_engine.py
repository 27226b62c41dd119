import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_engine


def test_engine_benchmark_runs_at_tiny_size(capsys):
    figures = bench_engine.main(
        ["--members", "50", "--oracle-members", "2", "--memory-members", "0"]
    )
    assert figures["engine_member_months_per_s"][50] > 0
    assert figures["ratios"][50] > 1
    assert "member-months/s" in capsys.readouterr().out
