"""The ADM benchmark script still runs (at a tiny size) and agrees with its plain loop."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_campaign.py"


def test_benchmark_runs_at_a_tiny_size(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_campaign", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    args = ["--members", "300", "--loop-members", "30", "--memory-members", "500"]
    figures = module.main([*args, "--days", "20", "--repeat", "1"])
    # The vectorised run and the plain loop agree to 1e-9 km on the timed subset.
    assert figures["max_abs_difference_km"] < 1e-9
    assert figures["vectorised_seconds"] > 0 and figures["loop_seconds_scaled"] > 0
    assert figures["peak_mib_trace"] > figures["peak_mib_final_only"] > 0
    out = capsys.readouterr().out
    assert "speed-up, trace kept" in out and "scaled x10" in out
