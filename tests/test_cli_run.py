import json
from pathlib import Path

import pyarrow.parquet as pq
import xarray as xr

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "border-dispute.yaml"


def test_run_json_and_run_directory(tmp_path, run_cli):
    out = tmp_path / "run1"
    result = run_cli("run", "--members", "40", "--seed", "3", "--out", str(out), "--json")
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert set(summary) >= {"scenario", "members", "seed", "start", "end", "indicators", "run_dir"}
    assert summary["scenario"] == "korea-2025" and summary["members"] == 40
    for stats in summary["indicators"].values():
        assert set(stats) == {"mean", "p05", "p50", "p95"}
    p = summary["indicators"]["p_dprk_attack"]
    assert 0.0 <= p["p05"] <= p["mean"] <= p["p95"] <= 1.0
    assert sorted(f.name for f in out.iterdir()) == [
        "manifest.json",
        "members.parquet",
        "series.nc",
        "summary.json",
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["members"] == 40
    assert len(manifest["scenario_sha256"]) == 64
    with xr.open_dataset(out / "series.nc", engine="h5netcdf") as ds:
        assert ds["hazard_dprk_attack"].shape == (40, 69)
        assert str(ds["month"].values[0]) == "2025-04"
    table = pq.read_table(out / "members.parquet")
    assert table.num_rows == 40
    assert "param:contests.dprk_attack.prior_annual" in table.column_names
    assert json.loads((out / "summary.json").read_text()) == summary


def test_same_seed_same_summary(tmp_path, run_cli):
    a = run_cli("run", "--members", "30", "--out", str(tmp_path / "a"), "--json")
    b = run_cli("run", "--members", "30", "--out", str(tmp_path / "b"), "--json")
    sa, sb = json.loads(a.out), json.loads(b.out)
    assert sa["indicators"] == sb["indicators"]


def test_levers_on_the_command_line(tmp_path, run_cli):
    result = run_cli(
        "run",
        "--members",
        "20",
        "--out",
        str(tmp_path / "r"),
        "--json",
        "--set",
        "relocation_troops=4500",
        "--set",
        "relocation_date=2026-01",
        "--set",
        "strategic_flexibility=0.5",
        "--set",
        "one_theatre=true",
        "--set",
        "opcon_transfer_date=2028-01",
    )
    assert result.code == 0, result.err
    levers = json.loads(result.out)["levers"]
    assert levers["relocation_troops"] == 4500 and levers["one_theatre"] is True
    assert levers["opcon_transfer_date"] == "2028-01"


def test_bad_levers_exit_2_and_write_nothing(tmp_path, run_cli):
    out = tmp_path / "never"
    result = run_cli(
        "run",
        "--members",
        "5",
        "--out",
        str(out),
        "--set",
        "relocation_troops=99999",
        "--set",
        "no_such_lever=1",
        "--set",
        "relocation_date=2026-13",
        "--set",
        "one_theatre=maybe",
        "--set",
        "junk",
    )
    assert result.code == 2
    err = result.err
    assert "must lie in [0, 17000], got 99999" in err
    assert "unknown lever 'no_such_lever'" in err
    assert "must be a month YYYY-MM, got '2026-13'" in err
    assert "must be true or false, got 'maybe'" in err
    assert "expected LEVER=VALUE" in err
    assert "Traceback" not in err
    assert not out.exists() and not list(tmp_path.iterdir())


def test_existing_output_is_refused(tmp_path, run_cli):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = run_cli("run", "--members", "5", "--out", str(out))
    assert result.code == 2
    assert "already exists" in result.err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_example_scenario_runs_and_variant(tmp_path, run_cli):
    result = run_cli("run", str(EXAMPLE), "--members", "50", "--out", str(tmp_path / "e"), "--json")
    assert result.code == 0, result.err
    assert "p_red_attack" in json.loads(result.out)["indicators"]
    korea = run_cli(
        "run",
        "--members",
        "10",
        "--variant",
        "reported_drawdown",
        "--json",
        "--out",
        str(tmp_path / "v"),
    )
    assert json.loads(korea.out)["levers"]["relocation_troops"] == 4500
    bad = run_cli("run", "--variant", "nope", "--out", str(tmp_path / "w"))
    assert bad.code == 2 and "unknown variant 'nope'" in bad.err


def test_table_output(tmp_path, run_cli):
    result = run_cli("run", "--members", "20", "--out", str(tmp_path / "t"))
    assert result.code == 0
    assert "p_dprk_attack" in result.out and "run directory" in result.out


def test_scenario_commands(run_cli):
    listing = run_cli("scenarios", "--json")
    assert listing.code == 0 and json.loads(listing.out)[0]["id"] == "korea-2025"
    sources = run_cli("sources", "korea-2025", "--json")
    payload = json.loads(sources.out)
    for row in payload["parameters"]:
        assert row["source"] or row["assumption"], row["name"]
    assert any(
        r["name"] == "forces.kpa_ground.equipment.tanks" and r["value"] == 4300
        for r in payload["parameters"]
    )
    shown = run_cli("show", "korea-2025")
    assert shown.code == 0
    for text in ("relocation_troops", "Seoul", "2025-06-03", "relocation_raises_attack_risk"):
        assert text in shown.out
    schema = json.loads(run_cli("schema").out)
    assert "meta" in schema["properties"]
    table = run_cli("sources")
    assert "assumption:" in table.out and "rok-dwp-2022" in table.out
