"""The analysis commands end to end, in-process: outputs, result directories, the catalogue."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def runs_of(run_cli, runs: Path) -> list[dict]:
    result = run_cli("runs", "--runs-dir", str(runs), "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_compare_json_and_directory(run_cli, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    result = run_cli(
        "compare",
        "--set",
        "relocation_troops=4500",
        "--vs-set",
        "relocation_troops=0",
        "--members",
        "40",
        "--runs-dir",
        str(runs),
        "--json",
    )
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert summary["difference"] == "A - B"
    assert summary["levers"] == {"relocation_troops": {"a": 4500.0, "b": 0.0}}
    troops = summary["effects"]["us_troops_korea"]
    assert troops["p50"] == pytest.approx(-4500)
    assert troops["share_negative"] == 1.0
    run_dir = Path(summary["run_dir"])
    for name in (
        "manifest.json",
        "summary.json",
        "effects.parquet",
        "fan_chart.png",
        "fan_chart.svg",
        "difference_fan.png",
    ):
        assert (run_dir / name).is_file(), name
    assert json.loads((run_dir / "manifest.json").read_text())["kind"] == "compare"
    (row,) = runs_of(run_cli, runs)
    assert row["kind"] == "compare" and row["id"] == run_dir.name
    shown = run_cli("show-run", row["id"], "--runs-dir", str(runs))
    assert shown.code == 0 and "us_troops_korea (horizon_value): median -4,500" in shown.out


def test_compare_table(run_cli, tmp_path: Path) -> None:
    result = run_cli(
        "compare",
        "--set",
        "us_modernisation_korea=true",
        "--members",
        "20",
        "--indicator",
        "dprk_warheads",
        "--indicator",
        "p_dprk_attack",
        "--runs-dir",
        str(tmp_path),
        "--no-figures",
    )
    assert result.code == 0, result.err
    assert "Paired effects A - B" in result.out and "dprk_warheads" in result.out
    assert "us_troops_korea" not in result.out


def test_claims_json_shape(run_cli, tmp_path: Path) -> None:
    result = run_cli("claims", "--members", "30", "--runs-dir", str(tmp_path), "--json")
    assert result.code == 0, result.err
    claims = json.loads(result.out)
    assert len(claims) >= 2
    for c in claims:
        assert {
            "id",
            "indicator",
            "direction",
            "effect_p05",
            "effect_p50",
            "effect_p95",
            "share_holds",
            "verdict",
            "drivers",
        } <= set(c)
        assert c["verdict"] in {
            "supported",
            "contradicted",
            "depends",
            "no_material_effect",
            "untestable",
        }
    (row,) = runs_of(run_cli, tmp_path)
    assert row["kind"] == "claims"
    assert (Path(row["path"]) / "claim_intervals.png").is_file()
    shown = run_cli("show-run", row["id"], "--runs-dir", str(tmp_path))
    assert shown.code == 0 and "claim relocation_raises_attack_risk" in shown.out


def test_claims_table_and_unknown_claim(run_cli, tmp_path: Path) -> None:
    result = run_cli(
        "claims",
        "--claim",
        "relocation_raises_attack_risk",
        "--members",
        "30",
        "--runs-dir",
        str(tmp_path),
        "--no-figures",
    )
    assert result.code == 0, result.err
    assert "relocation_raises_attack_risk" in result.out and "verdict" in result.out
    bad = run_cli("claims", "--claim", "nope", "--runs-dir", str(tmp_path))
    assert bad.code == 2 and "unknown claim 'nope'" in bad.err


def test_sensitivity_sobol_and_morris(run_cli, tmp_path: Path) -> None:
    result = run_cli(
        "sensitivity",
        "--indicator",
        "p_dprk_attack",
        "--n",
        "4",
        "--runs-dir",
        str(tmp_path),
        "--json",
    )
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert summary["method"] == "sobol"
    top = [row["parameter"] for row in summary["indices"][:5]]
    assert "contests.dprk_attack.prior_annual" in top  # N = 4 only roughly ranks
    assert summary["warnings"]
    assert "sobol_bars.png" in summary["figures"]
    morris = run_cli(
        "sensitivity",
        "--indicator",
        "dprk_warheads",
        "--method",
        "morris",
        "--n",
        "3",
        "--runs-dir",
        str(tmp_path),
        "--no-figures",
    )
    assert morris.code == 0, morris.err
    assert "mu*" in morris.out and "warning: only 3 trajectories" in morris.out
    assert {r["kind"] for r in runs_of(run_cli, tmp_path)} == {"sensitivity"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--indicator", "p_dprk_attack", "--n", "6"), "power of two"),
        (("--indicator", "nonsense"), "unknown indicator 'nonsense'"),
        (("--indicator", "p_dprk_attack", "--method", "fast"), "sobol or morris"),
        (("--indicator", "p_dprk_attack", "--month", "1999-01"), "outside the scenario's period"),
    ],
)
def test_sensitivity_input_errors(run_cli, tmp_path: Path, args, message) -> None:
    result = run_cli("sensitivity", *args, "--runs-dir", str(tmp_path))
    assert result.code == 2
    assert message in result.err
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_discover(run_cli, tmp_path: Path) -> None:
    result = run_cli(
        "discover",
        "--where",
        "p_dprk_attack > 4%",
        "--members",
        "150",
        "--runs-dir",
        str(tmp_path),
        "--json",
    )
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert summary["where"] == "p_dprk_attack > 0.04"
    assert summary["box"]["limits"]
    assert {"prim_tradeoff.png", "prim_box.png"} <= set(summary["figures"])
    table = run_cli(
        "discover",
        "--where",
        "p_dprk_attack > 4% and dprk_warheads < 1000",
        "--members",
        "150",
        "--runs-dir",
        str(tmp_path),
        "--no-figures",
    )
    assert table.code == 0 and "PRIM box" in table.out


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("p_dprk_attack >> 1", "cannot read"),
        ("bogus > 1", "unknown indicator 'bogus'"),
        ("", "--where is required"),
    ],
)
def test_discover_bad_conditions(run_cli, tmp_path: Path, where: str, message: str) -> None:
    result = run_cli("discover", "--where", where, "--members", "10", "--runs-dir", str(tmp_path))
    assert result.code == 2
    assert message in result.err
    assert runs_of(run_cli, tmp_path) == []


def test_plain_runs_are_catalogued(run_cli, tmp_path: Path) -> None:
    target = tmp_path / "first"
    result = run_cli(
        "run", "--members", "20", "--runner", "sequential", "--out", str(target), "--json"
    )
    assert result.code == 0, result.err
    (row,) = runs_of(run_cli, tmp_path)
    assert row["id"] == "first" and row["kind"] == "run" and row["members"] == 20
    shown = run_cli("show-run", "first", "--runs-dir", str(tmp_path), "--json")
    assert json.loads(shown.out)["manifest"]["seed"] == row["seed"]
    text = run_cli("runs", "--runs-dir", str(tmp_path))
    assert "first" in text.out and "p_dprk_attack" in text.out
    missing = run_cli("show-run", "zzz", "--runs-dir", str(tmp_path))
    assert missing.code == 2 and "no run 'zzz'" in missing.err
    empty = run_cli("runs", "--runs-dir", str(tmp_path / "none"))
    assert empty.code == 0 and "no runs catalogued" in empty.out
