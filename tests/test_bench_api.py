import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_api


def test_api_load_test_runs_at_tiny_size(capsys):
    figures = bench_api.main(
        ["--requests", "6", "--concurrency", "4", "--jobs", "1", "--job-members", "10"]
    )
    assert figures["total"]["errors"] == 0
    assert figures["GET /api/health"]["requests"] == 6
    assert figures["run job (start + poll)"]["requests"] == 1
    assert figures["GET /api/health"]["p50_ms"] > 0
    assert "requests/s" in capsys.readouterr().out


def test_api_load_test_refuses_other_hosts():
    with pytest.raises(SystemExit, match="only loopback"):
        bench_api.run_load("http://example.com:8000", 1, 1, 0, 10, 1.0)
