"""The assembly memory benchmark runs end to end on a small ensemble."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_assembly_memory.py"
SRC = str(Path(__file__).resolve().parents[1] / "src")


def test_bench_reports_peak_memory_per_size(capsys):
    spec = importlib.util.spec_from_file_location("bench_assembly_memory", SCRIPT)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = bench.main(["--members", "60", "--chunk-size", "30", "--src", SRC])
    assert [r["members"] for r in rows] == [60]
    assert 20 < rows[0]["peak_mib"] < 2000 and rows[0]["wall_s"] > 0
    assert '"peak_mib"' in capsys.readouterr().out
