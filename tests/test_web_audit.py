"""The claim audit of a claims job over HTTP: what the dashboard's audit view draws."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from posturelab.scenario.loader import load_scenario
from posturelab.web.app import WebSettings, create_app

CLAIM = "relocation_raises_attack_risk"
VERDICTS = {"supported", "contradicted", "no_material_effect", "depends", "untestable"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    runs = tmp_path_factory.mktemp("audit-runs")
    app = create_app(WebSettings(runs_dir=runs, max_members=500))
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


def finished(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/api/jobs", json={"scenario": "korea-2025", **body})
    assert response.status_code == 202, response.text
    job = response.json()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        status = client.get(f"/api/jobs/{job['id']}").json()
        if status["status"] in ("done", "failed", "cancelled"):
            assert status["status"] == "done", status
            return dict(status)
        time.sleep(0.1)
    raise AssertionError("the claims job did not finish in 240 s")


@pytest.fixture(scope="module")
def audit(client: TestClient) -> dict[str, Any]:
    job = finished(client, kind="claims", members=40, claims=[CLAIM], mechanisms=True)
    response = client.get(f"/api/jobs/{job['id']}/audit")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_the_audit_names_the_claim_its_maker_and_its_source(audit: dict[str, Any]) -> None:
    s = load_scenario("korea-2025").scenario
    declared = next(c for c in s.claims if c.id == CLAIM)
    cited = next(src for src in s.sources if src.id == declared.source)
    assert audit["scenario"] == "korea-2025" and audit["members"] == 40
    (row,) = audit["claims"]
    assert row["id"] == CLAIM
    assert row["statement"] == declared.statement and row["by"] == declared.by
    assert row["source"] == {
        "id": cited.id,
        "publisher": cited.publisher,
        "title": cited.title,
        "date": cited.date,
        "url": cited.url,
    }
    assert row["treatment"] == dict(declared.treatment)
    assert row["verdict"] in VERDICTS
    assert row["effect_p05"] <= row["effect_p50"] <= row["effect_p95"]
    assert math.isclose(row["relative_effect"], row["effect_mean"] / abs(row["base_mean"]))


def test_mechanism_means_add_up_to_the_total_effect(audit: dict[str, Any]) -> None:
    (row,) = audit["claims"]
    mechanisms = row["mechanisms"]
    assert mechanisms, "the job asked for the split by mechanism"
    total = sum(m["effect_mean"] for m in mechanisms)
    # Shapley efficiency: the channels' means add up to the mean effect (exactly, up to rounding).
    assert abs(total - row["effect_mean"]) <= 1e-9
    assert abs(sum(m["share"] for m in mechanisms) - 1.0) <= 1e-9
    assert any(m["active"] for m in mechanisms)
    assert all(m["effect_mean"] == 0.0 for m in mechanisms if not m["active"])


def test_the_verdict_is_given_under_each_structural_form(audit: dict[str, Any]) -> None:
    s = load_scenario("korea-2025").scenario
    (row,) = audit["claims"]
    forms = [(f["relation"], f["form"]) for f in row["structure"]]
    declared = [(r.id, f.id) for r in s.structure for f in r.forms if f.weight > 0]
    assert forms == declared and len(forms) >= 2
    assert all(f["verdict"] in VERDICTS for f in row["structure"])
    assert sum(f["members"] for f in row["structure"]) == 40
    if row["verdict"] == "depends":
        assert row["conditions"] is not None and row["conditions"]["limits"]
    else:
        assert row["conditions"] is None


def test_without_the_split_the_audit_has_no_mechanisms(client: TestClient) -> None:
    job = finished(client, kind="claims", members=20, claims=[CLAIM])
    (row,) = client.get(f"/api/jobs/{job['id']}/audit").json()["claims"]
    assert row["mechanisms"] is None and row["mechanisms_note"] is None
    assert row["source"]["id"] == load_scenario("korea-2025").scenario.claims[0].source


def test_a_job_other_than_claims_has_no_audit(client: TestClient) -> None:
    job = finished(client, kind="run", members=10)
    response = client.get(f"/api/jobs/{job['id']}/audit")
    assert response.status_code == 404
    assert "no claim audit" in response.json()["detail"]
    assert client.get("/api/jobs/nope/audit").status_code == 404
