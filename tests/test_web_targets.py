"""Targets and calibrations over HTTP: the same numbers as the command line, clean refusals."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from posturelab.web.app import WebSettings, create_app

SYNTHETIC = Path(__file__).parent / "fixtures" / "calibration-synthetic.yaml"
NUMBERS = ("model_mean", "model_p05", "model_p50", "model_p95", "v_ens", "implausibility")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(WebSettings(runs_dir=tmp_path / "runs", max_members=500))
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


def finish(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    started = client.post("/api/jobs", json=body)
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = client.get(f"/api/jobs/{job_id}").json()
        if status["status"] in ("done", "failed"):
            assert status["status"] == "done", status
            return dict(status)
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


def cli_json(run_cli: Any, *args: str) -> dict[str, Any]:
    result = run_cli(*args, "--runner", "sequential", "--json")
    assert result.code == 0, result.err
    return dict(json.loads(result.out))


def same_rows(http: list[dict[str, Any]], cli: list[dict[str, Any]]) -> None:
    """Row by row, the same targets, statuses and numbers (the same computation: exactly equal)."""
    assert [r["id"] for r in http] == [r["id"] for r in cli]
    for a, b in zip(http, cli, strict=True):
        assert a["status"] == b["status"] and a["direction"] == b["direction"], a["id"]
        assert a["published"] == b["published"] and a["source"] == b["source"]
        for key in NUMBERS:
            assert a[key] == b[key], (a["id"], key, a[key], b[key])


def calibrate(run_cli: Any, tmp_path: Path) -> Path:
    path = tmp_path / "cal.json"
    made = run_cli("calibrate", str(SYNTHETIC), "--members", "80", "--replicates", "1",
                   "--out", str(path), "--no-figures")  # fmt: skip
    assert made.code == 0, made.err
    return path


def upload(client: TestClient, path: Path) -> dict[str, Any]:
    answer = client.post("/api/calibrations", json={"content": json.loads(path.read_text())})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_targets_job_gives_the_command_lines_table(client: TestClient, run_cli: Any) -> None:
    detail = client.get("/api/scenarios/korea-2025").json()
    declared = {t["id"]: t for t in detail["targets"]}
    assert declared and all(t["source"]["title"] for t in declared.values())

    status = finish(client, {"scenario": "korea-2025", "kind": "targets", "members": 30, "seed": 5})
    assert status["calibration"] is None
    assert status["progress"]["done"] == status["progress"]["total"] == len(declared)
    table = client.get(f"/api/jobs/{status['id']}/targets").json()
    cli = cli_json(run_cli, "targets", "korea-2025", "--members", "30", "--seed", "5")
    assert (table["members"], table["seed"]) == (cli["members"], cli["seed"]) == (30, 5)
    same_rows(table["targets"], cli["targets"])
    assert set(declared) == {r["id"] for r in table["targets"]}
    for row in table["targets"]:
        if row["model_p50"] is not None:
            assert row["model_p05"] <= row["model_p50"] <= row["model_p95"]
        assert row["status"] in ("consistent", "inconsistent", "no value")

    figures = client.get(f"/api/jobs/{status['id']}/figures").json()
    assert figures == ["target_intervals.svg"]
    svg = client.get(f"/api/jobs/{status['id']}/figures/target_intervals.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
    # Another kind of job has no targets table.
    run = finish(client, {"scenario": "korea-2025", "members": 10})
    assert client.get(f"/api/jobs/{run['id']}/targets").status_code == 404


def test_calibrated_run_and_targets_match_the_command_line(
    client: TestClient, run_cli: Any, tmp_path: Path
) -> None:
    cal = calibrate(run_cli, tmp_path)
    nroy = json.loads(cal.read_text())["nroy_members"]
    entry = upload(client, cal)
    stored = tmp_path / "runs" / "calibrations" / f"{entry['id']}.json"
    assert entry["sha256"] == hashlib.sha256(stored.read_bytes()).hexdigest()
    assert entry["nroy_members"] == nroy and entry["file"] == f"calibrations/{entry['id']}.json"
    again = client.post("/api/calibrations", json={"content": json.loads(cal.read_text())})
    assert again.status_code == 200 and again.json()["id"] == entry["id"]
    listed = client.get("/api/calibrations", params={"scenario": "calibration-synthetic"}).json()
    assert [c["id"] for c in listed] == [entry["id"]]
    assert client.get("/api/calibrations", params={"scenario": "korea-2025"}).json() == []

    text = SYNTHETIC.read_text()
    # A run on every NROY member, as `run --calibration FILE` without --members.
    status = finish(client, {"text": text, "calibration": entry["id"]})
    assert status["members"] == nroy
    assert status["calibration"]["sha256"] == entry["sha256"]
    summary = client.get(f"/api/jobs/{status['id']}/summary").json()
    assert summary["calibration"]["id"] == entry["id"]
    assert summary["calibration"]["members_used"] == nroy
    cli = cli_json(run_cli, "run", str(SYNTHETIC), "--calibration", str(cal),
                   "--out", str(tmp_path / "cli-run"))  # fmt: skip
    assert cli["members"] == summary["members"] == nroy
    assert summary["indicators"] == cli["indicators"]
    manifest = client.get(f"/api/runs/{status['run_id']}").json()["manifest"]
    assert manifest["calibration"]["file"] == entry["file"]  # relative: no server path
    report = client.get(f"/api/runs/{status['run_id']}/report").text
    assert f"NROY members of {entry['file']}" in report and str(tmp_path) not in report

    # Targets on 25 members of the calibration, as `targets --calibration FILE --members 25`.
    job = finish(client, {"text": text, "kind": "targets", "members": 25,
                          "calibration": entry["id"]})  # fmt: skip
    table = client.get(f"/api/jobs/{job['id']}/targets").json()
    assert table["calibration_used"]["sha256"] == entry["sha256"]
    cli_table = cli_json(run_cli, "targets", str(SYNTHETIC), "--members", "25",
                         "--calibration", str(cal))  # fmt: skip
    same_rows(table["targets"], cli_table["targets"])
    prior = finish(client, {"text": text, "kind": "targets", "members": 25})
    prior_rows = client.get(f"/api/jobs/{prior['id']}/targets").json()["targets"]
    assert prior_rows != table["targets"]  # the calibration changed the design


def _is_error_form(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body = dict(answer.json())
    assert isinstance(body["detail"], str) and body["problems"], body
    assert "Traceback" not in answer.text
    return body


def test_bad_calibrations_get_the_one_error_form(
    client: TestClient, run_cli: Any, tmp_path: Path
) -> None:
    korea = {"scenario": "korea-2025", "members": 10}
    missing = client.post("/api/jobs", json={**korea, "calibration": "0123456789abcdef"})
    assert "no calibration" in _is_error_form(missing, 404)["detail"]
    assert _is_error_form(client.get("/api/calibrations/nothing-here"), 404)
    for bad in ("../../etc/passwd", "/etc/passwd", ".hidden", "a b", ""):
        refused = client.post("/api/jobs", json={**korea, "calibration": bad})
        body = _is_error_form(refused, 400)
        assert body["problems"][0]["path"] == "calibration", body
    assert _is_error_form(client.get("/api/calibrations/..%2F..%2Fetc%2Fpasswd"), 404)

    # A calibration made for another scenario text is refused, naming the file by id only.
    entry = upload(client, calibrate(run_cli, tmp_path))
    for kind in ("run", "targets", "claims"):
        stale = client.post("/api/jobs", json={**korea, "kind": kind, "calibration": entry["id"]})
        body = _is_error_form(stale, 400)
        assert body["problems"][0]["file"] == entry["file"]
        assert body["problems"][0]["path"] == "scenario_sha256"
        assert str(tmp_path) not in stale.text
    assert client.get("/api/jobs").json() == []

    # Uploads that are not calibration files: located 400s; not an object: 422.
    content = json.loads((tmp_path / "cal.json").read_text())
    broken = [
        ({"format": "other"}, "format"),
        ({**content, "scenario_sha256": "abc"}, "scenario_sha256"),
        ({**content, "design": [[0.5]]}, "design"),
        ({**content, "design": [[2.0] * len(content["uncertain_parameters"])]}, "design"),
        ({**content, "design": []}, "design"),
    ]
    for bad_content, field in broken:
        answer = client.post("/api/calibrations", json={"content": bad_content})
        assert _is_error_form(answer, 400)["problems"][0]["path"] == field
    _is_error_form(client.post("/api/calibrations", json={"content": [1, 2]}), 422)
    assert [c["id"] for c in client.get("/api/calibrations").json()] == [entry["id"]]


def test_serve_offers_calibration_files_and_refuses_bad_ones(run_cli: Any, tmp_path: Path) -> None:
    from posturelab.web.calibrations import CalibrationStore

    cal = calibrate(run_cli, tmp_path)
    store = CalibrationStore(tmp_path / "runs")
    entry, new = store.add_file(cal)
    assert new and store.add_file(cal) == (entry, False)
    assert [c.id for c in store.list()] == [entry.id]
    assert json.loads(entry.path.read_text())["design"] == json.loads(cal.read_text())["design"]

    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"format": "posturelab-calibration/1", "scenario_sha256": 3}')
    for path, message in ((tmp_path / "absent.json", "no such calibration file"),
                          (bogus, "scenario_sha256")):  # fmt: skip
        refused = run_cli("serve", "--runs-dir", str(tmp_path / "other"), "--calibration",
                          str(path), "--port", "0")  # fmt: skip
        assert refused.code == 2 and message in refused.err and "Traceback" not in refused.err
        assert not (tmp_path / "other").exists()
