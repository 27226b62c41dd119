"""The alignment benchmark script still runs (at a tiny size) and agrees with its plain loop."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_alignment.py"


def test_benchmark_runs_at_a_tiny_size(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_alignment", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    figures = module.main(
        ["--exact-n", "8", "--members", "6", "--ensemble-n", "5", "--repeat", "1"]
    )
    assert figures["exact_configurations"] == 128
    assert figures["max_abs_difference"] < 1e-12
    assert figures["vectorised_seconds"] > 0
    assert "speed-up" in capsys.readouterr().out
