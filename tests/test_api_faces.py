"""Every face computes through the same service: the same inputs give the same numbers."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import xarray as xr
from fastapi.testclient import TestClient

from posturelab import api
from posturelab.web.app import WebSettings, create_app

LEVERS = {"relocation_troops": 4500, "relocation_date": "2026-01", "one_theatre": True}
SET = [f"--set={k}={str(v).lower()}" for k, v in LEVERS.items()]


def _series(run_dir: Path) -> xr.Dataset:
    with xr.open_dataset(run_dir / "series.nc", engine="h5netcdf") as opened:
        return opened.load()


def test_api_and_command_line_runs_give_identical_numbers(run_cli, tmp_path: Path) -> None:
    cli = run_cli(
        "run", "--members", "24", "--seed", "11", *SET, "--out", str(tmp_path / "cli"), "--json"
    )
    assert cli.code == 0, cli.err
    from_cli = json.loads(cli.out)
    ens = api.run("korea-2025", members=24, seed=11, levers=LEVERS, out=tmp_path / "api")
    from_api = ens.to_json()
    assert from_api["indicators"] == from_cli["indicators"]
    assert from_api["levers"] == from_cli["levers"]
    a, b = _series(tmp_path / "cli"), _series(tmp_path / "api")
    assert a.identical(b)
    members_cli = pq.read_table(tmp_path / "cli" / "members.parquet").to_pandas()
    members_api = pq.read_table(tmp_path / "api" / "members.parquet").to_pandas()
    assert members_cli.equals(members_api)  # NaN in the same places counts as equal
    assert ens.series["us_troops_korea"].values.tobytes() == a["us_troops_korea"].values.tobytes()


def test_api_and_command_line_comparisons_give_identical_effects(run_cli, tmp_path: Path) -> None:
    cli = run_cli(
        "compare",
        "--set",
        "relocation_troops=4500",
        "--vs-set",
        "relocation_troops=0",
        "--members",
        "20",
        "--no-figures",
        "--runs-dir",
        str(tmp_path / "runs"),
        "--json",
    )
    assert cli.code == 0, cli.err
    result = api.compare(
        "korea-2025",
        {"relocation_troops": 4500},
        {"relocation_troops": 0},
        members=20,
        figures=False,
        out=tmp_path / "api-compare",
    )
    assert result.to_json()["effects"] == json.loads(cli.out)["effects"]
    assert result.effect("us_troops_korea").p50 == -4500


def test_api_and_command_line_campaigns_are_the_same(run_cli) -> None:
    cli = run_cli(
        "campaign", "--scenario", "korea-2025", "--set", "relocation_troops=4500", "--json"
    )
    assert cli.code == 0, cli.err
    result = api.campaign(scenario="korea-2025", levers={"relocation_troops": 4500})
    assert result.to_json() == json.loads(cli.out)
    assert result.milestones == ()  # korea-2025 names no milestones


def test_api_and_command_line_campaign_milestones_are_the_same(run_cli) -> None:
    cli = run_cli("campaign", "--scenario", "korea-1950", "--member", "2", "--json")
    assert cli.code == 0, cli.err
    result = api.campaign(scenario="korea-1950", member=2)
    printed = json.loads(cli.out)
    assert result.to_json() == printed
    assert len(result.milestones) == len(printed["milestones"]) >= 3
    for row in result.milestones:  # each day is the first day the printed trace reaches it
        if row.model_day is not None:
            assert printed["X"][row.model_day] >= row.depth_km
            assert row.model_day == 0 or printed["X"][row.model_day - 1] < row.depth_km
    ensemble = run_cli("campaign", "--scenario", "korea-1950", "--members", "30", "--json")
    assert ensemble.code == 0, ensemble.err
    summary = api.campaign_milestones("korea-1950", members=30)
    assert summary.to_json() == json.loads(ensemble.out)
    assert [m.id for m in summary.milestones] == [m.id for m in result.milestones]


def test_api_and_command_line_fits_are_the_same(run_cli, tmp_path: Path) -> None:
    iwo = "src/posturelab/data/iwo_jima.csv"
    cli = run_cli("fit", "lanchester", iwo, "--method", "lsq", "--exclude-day", "19", "--json")
    assert cli.code == 0, cli.err
    fit = api.fit_lanchester(iwo, method="lsq", exclude_days=[19])
    assert fit.to_json() == json.loads(cli.out)
    assert fit.excluded_days == (19,) and fit.aic is not None
    laws = run_cli("fit", "lanchester", iwo, "--law", "all", "--method", "lsq", "--json")
    assert laws.code == 0, laws.err
    comparison = api.compare_lanchester(iwo, method="lsq")
    assert comparison.to_json() == json.loads(laws.out)
    assert sum(row.akaike_weight for row in comparison.rows) == pytest.approx(1.0, abs=1e-12)
    lines = ["year,country,bloc,spending"]
    for k in range(12):
        lines += [f"{1950 + k},A,East,{50.0 * 1.05**k:.4f}", f"{1950 + k},B,West,{40.0 + k}"]
    budgets = tmp_path / "budgets.csv"
    budgets.write_text("\n".join(lines) + "\n")
    arms = run_cli("fit", "richardson", str(budgets), "--level", "0.95", "--json")
    assert arms.code == 0, arms.err
    richardson = api.fit_richardson(budgets, level=0.95)
    assert richardson.to_json() == json.loads(arms.out)
    assert richardson.two_bloc["slope"].estimate == pytest.approx(richardson.slope, rel=1e-9)


def test_api_and_command_line_alignments_are_the_same(run_cli) -> None:
    example = "examples/alignment-1936.yaml"
    bloc = "Britain,France,Soviet Union"
    cli = run_cli("align", example, "--bloc", bloc, "--json")
    assert cli.code == 0, cli.err
    result = api.align(example, bloc=bloc)
    assert result.to_json() == json.loads(cli.out)
    assert result.cohesion is not None and result.method == "exact"


def test_a_web_run_is_a_durable_run_with_the_api_numbers(tmp_path: Path) -> None:
    with TestClient(
        create_app(WebSettings(runs_dir=tmp_path / "web")), base_url="http://127.0.0.1"
    ) as client:
        job = client.post(
            "/api/jobs",
            json={"scenario": "korea-2025", "members": 16, "seed": 5, "levers": LEVERS},
        ).json()
        for _ in range(600):
            status = client.get(f"/api/jobs/{job['id']}").json()
            if status["status"] in ("done", "failed"):
                break
            time.sleep(0.05)
        assert status["status"] == "done", status
        summary = client.get(f"/api/jobs/{job['id']}/summary").json()
    run_dir = tmp_path / "web" / status["run_id"]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["chunk_plan"] is not None
    ens = api.run("korea-2025", members=16, seed=5, levers=LEVERS, out=tmp_path / "api")
    assert summary["indicators"] == ens.to_json()["indicators"]
    assert _series(run_dir).identical(_series(tmp_path / "api"))
