"""The coverage benchmark script still runs (at a tiny size)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_lanchester_coverage.py"


def test_benchmark_runs_at_a_tiny_size(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_lanchester_coverage", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    figures = module.main(["--replications", "20"])
    assert figures["replications"] == 20
    assert all(0.0 <= figures[f"coverage_{k}"] <= 1.0 for k in "abpq")
    assert "coverage" in capsys.readouterr().out
