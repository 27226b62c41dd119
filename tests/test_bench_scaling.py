"""The scaling benchmark still runs, at a tiny size, on both parallel runners."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_scaling.py"


def test_benchmark_runs_at_a_tiny_size(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_scaling", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    figures = module.main(["--members", "24", "--chunk-size", "6", "--workers", "1", "2"])
    rows = figures["rows"]
    assert [(r["runner"], r["workers"]) for r in rows] == [
        ("local", 1),
        ("local", 2),
        ("dask", 1),
        ("dask", 2),
    ]
    assert all(r["chunks"] == 4 and r["wall_s"] > 0 and r["compute_s"] > 0 for r in rows)
    assert rows[0]["speed_up"] == 1.0
    out = capsys.readouterr().out
    assert "speed-up over one worker" in out and "overhead" in out
