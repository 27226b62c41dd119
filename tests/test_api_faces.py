"""Every face computes through the same service: the same inputs give the same numbers."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pyarrow.parquet as pq
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
    printed = json.loads(cli.out)
    # The command line adds the theatre's milestones (korea-2025 has none) to the API's result.
    assert printed.pop("milestones") == []
    assert result.to_json() == printed


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
