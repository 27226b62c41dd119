"""The ``report`` and ``serve`` commands."""

from __future__ import annotations

import re
from pathlib import Path


def test_report_of_a_run_is_self_contained(run_cli, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    done = run_cli(
        "run", "--members", "20", "--runner", "sequential", "--out", str(runs / "r1"), "--json"
    )
    assert done.code == 0, done.err
    page = tmp_path / "report.html"
    made = run_cli("report", "r1", "--runs-dir", str(runs), "--out", str(page))
    assert made.code == 0, made.err
    html = page.read_text()
    for heading in ("Summary", "Figures", "Assumptions", "Every number and its source",
                    "References", "Manifest"):  # fmt: skip
        assert f">{heading}" in html
    assert html.count("data:image/png;base64,") >= 2  # fan charts and the bloc diagram
    assert "p_dprk_attack" in html and "scenario_sha256" in html
    # Nothing is fetched when it opens: no scripts, no external images, styles or frames.
    assert "<script" not in html
    assert not re.search(r"""(src|href)=['"]?(https?:)?//""", html)


def test_report_of_a_comparison_embeds_its_figures(run_cli, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    done = run_cli(
        "compare", "--set", "relocation_troops=4500", "--members", "20",
        "--runs-dir", str(runs), "--json",
    )  # fmt: skip
    assert done.code == 0, done.err
    (run_dir,) = [p for p in runs.iterdir() if p.is_dir() and "compare" in p.name]
    page = tmp_path / "compare.html"
    made = run_cli("report", run_dir.name, "--runs-dir", str(runs), "--out", str(page))
    assert made.code == 0, made.err
    html = page.read_text()
    assert "Paired effects A - B" in html and "relocation_troops=" in html
    assert html.count("data:image/png;base64,") >= 2


def test_report_of_an_unknown_run_is_a_located_error(run_cli, tmp_path: Path) -> None:
    result = run_cli("report", "nope", "--runs-dir", str(tmp_path))
    assert result.code == 2
    assert "no run 'nope'" in result.err


def test_serve_binds_to_loopback_by_default(run_cli) -> None:
    result = run_cli("serve", "--help")
    assert result.code == 0
    assert "127.0.0.1" in result.out and "--max-workers" in result.out
