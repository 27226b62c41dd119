"""The HTTP API through FastAPI's TestClient: scenarios, validation, jobs, catalogue, limits."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from posturelab.scenario.loader import load_scenario
from posturelab.web import compute
from posturelab.web.app import WebSettings, create_app
from posturelab.web.compute import JobResult

MEMBERS = 30


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(WebSettings(runs_dir=tmp_path / "runs", max_members=500))
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


def wait(client: TestClient, job_id: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"/api/jobs/{job_id}").json()
        if status["status"] in ("done", "failed"):
            return dict(status)
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def start(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/api/jobs", json={"scenario": "korea-2025", **body})
    assert response.status_code == 202, response.text
    return dict(response.json())


# ------------------------------------------------------------------------------------ scenarios
def test_scenarios_list_and_detail_give_lever_domains(client: TestClient) -> None:
    listed = client.get("/api/scenarios").json()
    assert [s["id"] for s in listed] == ["korea-2025", "baltics-2016", "korea-1950"]
    detail = client.get("/api/scenarios/korea-2025").json()
    levers = {lever["id"]: lever for lever in detail["levers"]}
    assert levers["relocation_troops"]["kind"] == "number"
    assert (levers["relocation_troops"]["min"], levers["relocation_troops"]["max"]) == (0, 17000)
    assert levers["one_theatre"]["kind"] == "bool"
    assert levers["opcon_transfer_date"]["kind"] == "month_or_never"
    assert levers["relocation_date"]["min_month"] == detail["start"]
    assert any(c["id"] == "relocation_raises_attack_risk" for c in detail["claims"])
    assert "p_dprk_attack" in detail["indicators"]
    text = client.get("/api/scenarios/korea-2025/text")
    assert text.status_code == 200 and text.text.startswith(load_scenario("korea-2025").text[:40])


def test_unknown_scenario_is_404_and_never_read_as_a_path(client: TestClient) -> None:
    for name in ("nope", "..%2F..%2Fetc%2Fpasswd", "pyproject.toml"):
        response = client.get(f"/api/scenarios/{name}")
        assert response.status_code == 404
    response = client.post("/api/jobs", json={"scenario": "/etc/passwd", "members": 10})
    assert response.status_code == 400
    assert "unknown scenario '/etc/passwd'" in response.json()["detail"]


def test_validate_reports_located_problems(client: TestClient) -> None:
    good = load_scenario("korea-2025").text
    ok = client.post("/api/validate", json={"text": good}).json()
    assert ok["valid"] and ok["problems"] == [] and ok["scenario"]["id"] == "korea-2025"
    broken = good.replace("kind: number", "kind: numbr", 1)
    line = 1 + good[: good.index("kind: number")].count("\n")
    bad = client.post("/api/validate", json={"text": broken}).json()
    assert not bad["valid"]
    first = bad["problems"][0]
    assert first["file"] == "<upload>" and first["line"] == line and first["column"] is not None
    assert first["path"].startswith("levers.0.kind")
    not_yaml = client.post("/api/validate", json={"text": "a: [1,\n"}).json()
    assert not not_yaml["valid"] and not_yaml["problems"][0]["line"] is not None


# ---------------------------------------------------------------------------- limits and errors
def test_body_over_the_limit_is_413(tmp_path: Path) -> None:
    app = create_app(WebSettings(runs_dir=tmp_path, max_body_bytes=1000))
    with TestClient(app, base_url="http://127.0.0.1") as c:
        response = c.post("/api/validate", json={"text": "x" * 2000})
        assert response.status_code == 413
        assert "larger than 1000 bytes" in response.json()["detail"]
        assert c.post("/api/validate", json={"text": "x"}).status_code == 200

        def chunks() -> Iterator[bytes]:  # no content-length: the limit counts as it reads
            yield b'{"text": "'
            for _ in range(30):
                yield b"x" * 100
            yield b'"}'

        streamed = c.post(
            "/api/validate", content=chunks(), headers={"content-type": "application/json"}
        )
        assert streamed.status_code == 413
        small = c.post(
            "/api/validate",
            content=iter([b'{"text": ', b'"x"}']),
            headers={"content-type": "application/json"},
        )
        assert small.status_code == 200


def test_members_over_the_limit_and_bad_levers_are_400(client: TestClient) -> None:
    response = client.post("/api/jobs", json={"scenario": "korea-2025", "members": 501})
    assert response.status_code == 400
    assert "at most 500" in response.json()["detail"]
    response = client.post(
        "/api/jobs",
        json={
            "scenario": "korea-2025",
            "members": 10,
            "levers": {"relocation_troops": 99999, "nope": 1, "one_theatre": "maybe"},
        },
    )
    assert response.status_code == 400
    problems = response.json()["problems"]
    messages = " | ".join(p["message"] for p in problems)
    assert "must lie in [0, 17000], got 99999" in messages
    assert "unknown lever 'nope'" in messages
    assert "must be true or false" in messages
    assert all(p["file"] == "<request>" for p in problems)


def test_schema_errors_are_422_with_problems(client: TestClient) -> None:
    response = client.post("/api/jobs", json={"scenario": "korea-2025", "members": 1})
    assert response.status_code == 422
    body = response.json()
    assert body["problems"][0]["path"] == "body.members"
    response = client.post("/api/jobs", json={"members": 10})
    assert response.status_code == 400
    assert "either 'scenario' or 'text'" in response.json()["detail"]
    response = client.post(
        "/api/jobs", json={"scenario": "korea-2025", "kind": "claims", "claims": ["nope"]}
    )
    assert response.status_code == 400 and "unknown claim 'nope'" in response.json()["detail"]


def test_queue_limit_is_429_and_unfinished_jobs_are_409(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()

    def blocked(*args: Any, **kwargs: Any) -> JobResult:
        release.wait(10)
        return JobResult(None, None)

    monkeypatch.setattr(compute, "run_job", blocked)
    app = create_app(WebSettings(runs_dir=tmp_path, max_workers=1, max_queue=1))
    with TestClient(app, base_url="http://127.0.0.1") as c:
        first = start(c, members=10)
        start(c, members=10)
        refused = c.post("/api/jobs", json={"scenario": "korea-2025", "members": 10})
        assert refused.status_code == 429
        assert "at most 2" in refused.json()["detail"]
        assert c.get(f"/api/jobs/{first['id']}/summary").status_code == 409
        assert c.get("/api/health").json()["active_jobs"] == 2
        release.set()
        assert wait(c, first["id"])["status"] == "done"
    assert c.get("/api/jobs/0123").status_code == 404


def test_failed_jobs_say_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from posturelab.errors import InputError

    def broken(request: Any, *args: Any, **kwargs: Any) -> JobResult:
        if request.options.members == 10:
            raise InputError.single("<upload>", "something is off", path="x", line=3)
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(compute, "run_job", broken)
    app = create_app(WebSettings(runs_dir=tmp_path))
    with TestClient(app, base_url="http://127.0.0.1") as c:
        located = wait(c, start(c, members=10)["id"])
        assert located["status"] == "failed" and located["problems"][0]["line"] == 3
        other = wait(c, start(c, members=11)["id"])
        assert other["error"] == "RuntimeError: the disk is full" and other["problems"] == []
        response = c.get(f"/api/jobs/{other['id']}/summary")
        assert response.status_code == 409 and "the disk is full" in response.json()["detail"]


# ------------------------------------------------------------------------------------- jobs
def test_run_job_progress_summary_series_figures_and_catalogue(client: TestClient) -> None:
    job = start(client, members=MEMBERS, levers={"relocation_troops": 4500, "one_theatre": True})
    assert job["progress"]["total"] == MEMBERS
    status = wait(client, job["id"])
    assert status["status"] == "done", status
    assert status["progress"] == {"done": MEMBERS, "total": MEMBERS}
    summary = client.get(f"/api/jobs/{job['id']}/summary").json()
    assert summary["members"] == MEMBERS
    assert summary["levers"]["relocation_troops"] == 4500
    assert summary["levers"]["one_theatre"] is True
    series = client.get(f"/api/jobs/{job['id']}/series").json()["settings"]["run"]
    assert series["months"][0] == "2025-04" and series["members"] == MEMBERS
    troops = series["series"]["us_troops_korea"]
    assert len(troops["p50"]) == len(series["months"])
    bands = zip(troops["p05"], troops["p50"], troops["p95"], strict=True)
    assert all(lo <= mid <= hi for lo, mid, hi in bands)
    figures = client.get(f"/api/jobs/{job['id']}/figures").json()
    assert "bloc_diagram.svg" in figures
    svg = client.get(f"/api/jobs/{job['id']}/figures/bloc_diagram.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
    assert client.get(f"/api/jobs/{job['id']}/figures/..%2Fmanifest.json").status_code == 404

    runs = client.get("/api/runs").json()
    assert [r["id"] for r in runs] == [status["run_id"]]
    assert "path" not in runs[0]
    row = client.get(f"/api/runs/{status['run_id']}").json()
    assert row["manifest"]["members"] == MEMBERS and row["kind"] == "run"
    assert client.get(f"/api/runs/{status['run_id'][:10]}").status_code == 404
    stored = client.get(f"/api/runs/{status['run_id']}/series").json()["settings"]["run"]
    assert stored["series"]["us_troops_korea"]["p50"] == troops["p50"]
    assert stored["series"]["us_troops_korea"]["unit"] == "personnel"
    report = client.get(f"/api/runs/{status['run_id']}/report")
    assert report.status_code == 200 and "data:image/png;base64," in report.text
    assert "<script" not in report.text


def test_compare_job_gives_effects_and_both_settings(client: TestClient) -> None:
    job = start(
        client,
        kind="compare",
        members=MEMBERS,
        levers={"relocation_troops": 4500},
        levers_b={"relocation_troops": 0},
    )
    status = wait(client, job["id"])
    assert status["status"] == "done", status
    summary = client.get(f"/api/jobs/{job['id']}/summary").json()
    assert summary["levers"]["relocation_troops"] == {"a": 4500.0, "b": 0.0}
    assert summary["effects"]["us_troops_korea"]["p50"] < 0
    settings = client.get(f"/api/jobs/{job['id']}/series").json()["settings"]
    assert set(settings) == {"A", "B"}
    figures = client.get(f"/api/jobs/{job['id']}/figures").json()
    assert "fan_chart.png" in figures
    png = client.get(f"/api/jobs/{job['id']}/figures/fan_chart.png")
    assert png.content[:4] == b"\x89PNG"
    assert client.get(f"/api/runs/{status['run_id']}/series").status_code == 404
    run_png = client.get(f"/api/runs/{status['run_id']}/figures/fan_chart.png")
    assert run_png.content == png.content


def test_claims_job_and_campaign_trace(client: TestClient) -> None:
    job = start(client, kind="claims", members=MEMBERS, claims=["relocation_raises_attack_risk"])
    status = wait(client, job["id"])
    assert status["status"] == "done", status
    claims = client.get(f"/api/jobs/{job['id']}/summary").json()["claims"]
    assert [c["id"] for c in claims] == ["relocation_raises_attack_risk"]
    assert claims[0]["effect_p05"] <= claims[0]["effect_p50"] <= claims[0]["effect_p95"]
    assert client.get(f"/api/jobs/{job['id']}/series").status_code == 404

    trace = client.post("/api/campaign", json={"scenario": "korea-2025"}).json()
    assert trace["contest"] == "dprk_attack"
    assert len(trace["A"]) == len(trace["day"]) == len(trace["X"])
    assert trace["summary"]["stop_reason"]


def test_uploaded_scenario_runs_and_is_kept_for_reports(client: TestClient, tmp_path: Path) -> None:
    loaded = load_scenario("korea-2025")
    text = loaded.text.replace("title:", "title: Uploaded -", 1)
    job = client.post("/api/jobs", json={"text": text, "members": 10})
    assert job.status_code == 202, job.text
    status = wait(client, job.json()["id"])
    assert status["status"] == "done", status
    copies = list((tmp_path / "runs" / "scenarios").glob("*.yaml"))
    assert len(copies) == 1 and copies[0].read_text() == text
    report = client.get(f"/api/runs/{status['run_id']}/report").text
    assert "Uploaded -" in report and "Assumptions" in report


def test_openapi_document_lists_the_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/scenarios",
        "/api/scenarios/{scenario_id}",
        "/api/validate",
        "/api/jobs",
        "/api/jobs/{job_id}",
        "/api/jobs/{job_id}/summary",
        "/api/jobs/{job_id}/series",
        "/api/jobs/{job_id}/figures/{name}",
        "/api/runs",
        "/api/runs/{run_id}/report",
        "/api/jobs/{job_id}/targets",
        "/api/calibrations",
        "/api/calibrations/{calibration_id}",
    ):
        assert path in paths
    page = client.get("/")
    assert page.status_code == 200 and "/static/app.js" in page.text
    assert "http" not in page.text.split("<body>")[0].replace("http-equiv", "")
    for asset in ("app.js", "charts.js", "style.css"):
        assert client.get(f"/static/{asset}").status_code == 200
