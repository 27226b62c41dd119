"""Regression tests of hostile inputs that once crashed, printed a traceback or gave a wrong answer.

One test (or a few) per defect: recursive YAML anchors, non-finite numbers, Rich markup in user
text, lone surrogates, ``validate`` checking what later commands check, implausible contests,
relations, events and months, one JSON error form, Host checking and relative run paths. The
server's connection limits are tested over real sockets in ``test_server_limits.py``.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from hostile_cases import EXAMPLE, EXAMPLE_PATH
from posturelab.engine.compiled import compile_scenario
from posturelab.engine.run import RunOptions, run_ensemble
from posturelab.engine.sampling import NonFiniteError, check_finite
from posturelab.engine.simulate import sample_parameters
from posturelab.errors import ScenarioError
from posturelab.scenario.levers import parse_assignments, resolve_levers
from posturelab.scenario.loader import load_scenario, parse_scenario
from posturelab.scenario.quantity import Quantity
from posturelab.web import compute
from posturelab.web.app import WebSettings, create_app

Cli = Callable[..., Any]
LOCAL = "http://127.0.0.1"


def refused(text: str, *fragments: str) -> list[str]:
    """Parse ``text`` as a scenario; return its problems, each checked to be located."""
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "s.yaml")
    problems = [str(p) for p in caught.value.problems]
    shown = "\n".join(problems)
    for fragment in fragments:
        assert fragment in shown, shown
    assert all(re.match(r"s\.yaml:\d+:\d+: ", p) for p in problems), shown
    return problems


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(WebSettings(runs_dir=tmp_path / "runs", max_members=500))
    with TestClient(app, base_url=LOCAL) as c:
        yield c


# ------------------------------------------------------------- 2: recursive YAML anchors
@pytest.mark.parametrize("text", ["a: &a [*a]\n", "a: &a {b: *a}\n", "a: &a\n  b:\n    - c: *a\n"])
def test_recursive_anchor_is_a_located_refusal(text: str) -> None:
    refused(text, "recursive alias *a")


def test_batch_validate_continues_after_a_recursive_anchor(tmp_path: Path, run_cli: Cli) -> None:
    bad = tmp_path / "r.yaml"
    bad.write_text("a: &a [*a]\n")
    result = run_cli("validate", str(bad), str(EXAMPLE_PATH))
    assert result.code == 2 and "Traceback" not in result.err
    assert f"error: {bad}:1:8: recursive alias *a" in result.err
    assert f"{EXAMPLE_PATH}: valid (border-dispute" in result.out


@pytest.mark.parametrize("path", ["/api/validate", "/api/jobs", "/api/campaign"])
def test_recursive_anchor_over_http_is_a_json_answer(client: TestClient, path: str) -> None:
    response = client.post(path, json={"text": "a: &a [*a]\n"})
    body = response.json()
    assert response.status_code == (200 if path == "/api/validate" else 400)
    assert body["problems"][0]["line"] == 1 and "recursive" in body["problems"][0]["message"]


# ------------------------------------------------------------- 4: inf and NaN
@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("{dist: truncnormal, mean: 0, sd: 1, low: 1000, high: 1001, assumption: tail}",
         "keeps a share 0 of its probability"),
        ("{dist: lognormal, median: 1, sigma: 700, assumption: spread}",
         "lognormal sigma must be at most 10"),
        ("{value: 1e200, source: example-brief}", "must lie within ±1e+15"),
    ],
)  # fmt: skip
def test_numerically_hopeless_distributions_are_refused(quantity: str, message: str) -> None:
    text = EXAMPLE.replace("{value: 900, source: example-brief}", quantity, 1)
    refused(text, "forces.0.equipment.tanks", message)


def test_beta_of_1e300_is_refused_at_validation() -> None:
    text = EXAMPLE.replace(
        "beta: {dist: uniform, low: 1, high: 3", "beta: {dist: uniform, low: 1e299, high: 1e300", 1
    )
    refused(text, "contests.0.beta", "must lie within ±1e+15")


def test_a_truncnormal_with_enough_mass_in_its_bounds_is_kept() -> None:
    q = Quantity(dist="truncnormal", mean=0, sd=1, low=3, high=4, assumption="tail but fine")
    assert q.describe() == "truncnormal(mean=0, sd=1, low=3, high=4)"


def test_check_finite_names_every_offending_array() -> None:
    check_finite({"a": np.ones(3), "b": np.zeros((3, 2))}, "sampling")
    with pytest.raises(NonFiniteError) as caught:
        check_finite(
            {"ok": np.ones(4), "x.beta": np.array([1.0, np.inf, np.nan, 2.0]),
             "y": np.array([[1.0, np.nan], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0]])},
            "sampling",
        )  # fmt: skip
    assert caught.value.counts == {"x.beta": 2, "y": 1}
    assert "after sampling: 'x.beta' in 2 of 4 members; 'y' in 1 of 4 members" in str(caught.value)


def test_sampling_refuses_non_finite_values_with_the_parameter() -> None:
    scenario = load_scenario(str(EXAMPLE_PATH)).scenario
    model = compile_scenario(scenario, resolve_levers(scenario))
    name = "contests.red_attack.beta"
    hopeless = Quantity.model_construct(dist="lognormal", median=1.0, sigma=700.0)
    broken = dataclasses.replace(model, quantities={**model.quantities, name: hopeless})
    with np.errstate(over="ignore"), pytest.raises(NonFiniteError) as caught:
        sample_parameters(broken, 1, np.arange(50), 50, "mc")
    assert list(caught.value.counts) == [name] and caught.value.stage == "sampling"


def test_indicators_that_overflow_are_an_error_not_zero() -> None:
    # Within the validated range, beta x utility still overflows the hazard: a named error.
    text = EXAMPLE.replace(
        "beta: {dist: uniform, low: 1, high: 3", "beta: {dist: uniform, low: 1e14, high: 1e15", 1
    )
    scenario = parse_scenario(text, "s.yaml").scenario
    with np.errstate(all="ignore"), pytest.raises(NonFiniteError) as caught:
        run_ensemble(scenario, resolve_levers(scenario), RunOptions(members=8, seed=1))
    assert "risk_red_attack (contests.red_attack.beta x utility)" in str(caught.value)
    assert set(caught.value.paths.values()) == {"contests.red_attack.beta"}


# ------------------------------------------------------------- 5: user text and Rich
def _marked_example(tmp_path: Path) -> Path:
    folder = tmp_path / "odd[" / "]dir"  # the path holds "[/]"
    folder.mkdir(parents=True)
    path = folder / "s[b].yaml"
    text = (
        EXAMPLE.replace(
            "title: An invented border dispute with a distant patron",
            'title: "Title [/] [bold]b[/bold] \\e[2J\\e]0;owned\\a :smile:"',
        )
        .replace("description: Red might attack", "description: '[/] Red might attack", 1)
        .replace("Green has a small garrison in Blue.", "Green has a small garrison in Blue.'")
        .replace("assumption: the unit of utility", "assumption: '[low/high] the unit [/]'")
    )
    path.write_text(text)
    return path


def test_markup_and_escape_sequences_in_user_text_print_literally(
    tmp_path: Path, run_cli: Cli
) -> None:
    path = _marked_example(tmp_path)
    checked = run_cli("validate", str(path))
    assert checked.code == 0 and f"{path}: valid" in checked.out.replace("\n", " ")
    shown = run_cli("show", str(path))
    assert shown.code == 0, shown.err
    lines = shown.out.replace("\n", " ")  # long lines may wrap at a space
    assert "Title [/] [bold]b[/bold] \\x1b[2J\\x1b]0;owned\\x07 :smile:" in lines
    assert "[/] Red might attack" in lines
    assert "\x1b" not in shown.out and "\x07" not in shown.out
    sources = run_cli("sources", str(path))
    assert sources.code == 0 and "[low/high] the unit [/]" in sources.out.replace("\n", " ")


def test_a_markup_path_in_an_error_prints_literally(tmp_path: Path, run_cli: Cli) -> None:
    result = run_cli("run", str(tmp_path / "[/]x\x1b[31m.yaml"))
    assert result.code == 2 and "[/]x\\x1b[31m.yaml" in result.err and "\x1b" not in result.err


# ------------------------------------------------------------- 9: lone surrogates
def test_lone_surrogate_in_uploaded_text_is_a_json_4xx(client: TestClient) -> None:
    body = b'{"text": "a: \\udfff", "members": 10}'
    headers = {"content-type": "application/json"}
    response = client.post("/api/jobs", content=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["problems"][0]["message"].startswith("not valid Unicode text")
    checked = client.post("/api/validate", content=b'{"text": "a: \\udfff"}', headers=headers)
    assert checked.status_code == 200 and checked.json()["valid"] is False
    lever = b'{"scenario": "korea-2025", "levers": {"\\udfff": "\\udfff"}}'
    assert client.post("/api/jobs", content=lever, headers=headers).status_code == 400


# ------------------------------------------------------------- 10: validate checks it all
def test_claim_treatment_outside_its_lever_domain_fails_validate(
    run_cli: Cli, tmp_path: Path
) -> None:
    text = EXAMPLE.replace(
        "treatment: {garrison_withdrawal: 3000}", "treatment: {garrison_withdrawal: 5000}"
    )
    refused(text, "claims.0.treatment.garrison_withdrawal", "must lie in [0, 3000], got 5000")
    path = tmp_path / "s.yaml"
    path.write_text(text)
    result = run_cli("validate", str(path))
    assert result.code == 2 and f"{path}:" in result.err and "<command line>" not in result.err


def test_number_written_1e3_is_a_number_everywhere() -> None:
    text = EXAMPLE.replace(
        "default: 0\n    min: 0\n    max: 3000", "default: 1e3\n    min: 0\n    max: 3e3"
    )
    text = text.replace(
        "treatment: {garrison_withdrawal: 3000}", "treatment: {garrison_withdrawal: 2e3}"
    )
    s = parse_scenario(text, "s.yaml").scenario
    assert s.levers[0].default == 1000.0 and s.claims[0].treatment == {
        "garrison_withdrawal": 2000.0
    }
    assert parse_assignments(s, ["garrison_withdrawal=1e3"]) == {"garrison_withdrawal": 1000.0}


# ------------------------------------------------------------- 11: implausible but accepted
@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("defender: blue", "defender: red", "the defender must differ from the attacker"),
        ("patron: green", "patron: red", "the patron must differ from the attacker"),
        ("patron: green", "patron: blue", "the patron must differ from the defender"),
        ("    source: example-brief\n    commitment:",
         "    source: example-brief\n    signed: 2020-01-01\n    ends: 2019-01-01\n    commitment:",
         "ends (2019-01-01) before it is signed (2020-01-01)"),
        ("    source: example-brief\n    commitment:",
         "    source: example-brief\n    signed: 2020-01-01\n    in_force: 2019-01-01\n"
         "    commitment:",
         "in force (2019-01-01) before it is signed"),
        ("contests:\n", "events:\n  - {id: e, date: 2024-06-01, description: x, "
         "source: example-brief}\ncontests:\n", "lies outside the scenario period"),
        ("contests:\n", "events:\n  - {id: e, date: 2027-01-01, description: x, "
         "source: example-brief}\ncontests:\n", "lies outside the scenario period"),
        ("start: 2025-01", "start: 1899-12", "the year must lie in 1900 to 2200"),
        ("end: 2026-12", "end: 2201-01", "the year must lie in 1900 to 2200"),
        ("default: 2025-07", "default: 9999-12", "the year must lie in 1900 to 2200"),
        ("default: 2025-07", "default: 1899-12", "the year must lie in 1900 to 2200"),
        ("start: 2025-01", "start: ٢٠٢٥-01", "String should match pattern"),
        ("start: 2025-01", "start: ２０２５-01", "String should match pattern"),
        ("default: 2025-07", "default: ２０２５-07", "must be a month YYYY-MM"),
    ],
)  # fmt: skip
def test_implausible_scenarios_are_refused(old: str, new: str, fragment: str) -> None:
    assert old in EXAMPLE
    refused(EXAMPLE.replace(old, new, 1), fragment)


@pytest.mark.parametrize("value", ["9999-12", "1899-12", "٢٠٢٥-01", "２０２５-07"])
def test_month_levers_on_the_command_line_are_bounded_and_ascii(run_cli: Cli, value: str) -> None:
    result = run_cli("run", "korea-2025", "--set", f"relocation_date={value}")
    assert result.code == 2 and "lever 'relocation_date'" in result.err


# ------------------------------------------------------------- 12: one JSON error form
def _one_form(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert isinstance(body["detail"], str) and body["problems"]
    for problem in body["problems"]:
        assert set(problem) == {"file", "line", "column", "path", "message"}
    return body


def test_every_error_status_has_the_documented_form(client: TestClient, tmp_path: Path) -> None:
    _one_form(client.get("/api/nope"), 404)
    _one_form(client.get("/api/jobs/nope"), 404)
    _one_form(client.delete("/api/health"), 405)
    assert client.delete("/api/health").headers["allow"] == "GET, HEAD"
    body = _one_form(client.post("/api/jobs", json={"scenario": "korea-2025", "members": 501}), 400)
    assert body["problems"][0]["path"] == "members"
    claim = {"scenario": "korea-2025", "kind": "claims", "claims": ["nope"]}
    assert _one_form(client.post("/api/jobs", json=claim), 400)["problems"][0]["path"] == "claims"
    parse = client.post("/api/jobs", content=b"{", headers={"content-type": "application/json"})
    _one_form(parse, 422)
    small = create_app(WebSettings(runs_dir=tmp_path / "small", max_body_bytes=100))
    with TestClient(small, base_url=LOCAL) as c:
        _one_form(c.post("/api/validate", json={"text": "x" * 200}), 413)


def test_queue_full_is_429_in_the_same_form(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()

    def blocked(*args: Any, **kwargs: Any) -> dict[str, Any]:
        release.wait(10)
        return {"run_id": None, "summary": {"figures": []}, "series": None, "svgs": {}}

    monkeypatch.setattr(compute, "run_job", blocked)
    app = create_app(WebSettings(runs_dir=tmp_path, max_workers=1, max_queue=0))
    with TestClient(app, base_url=LOCAL) as c:
        job = {"scenario": "korea-2025", "members": 10}
        assert c.post("/api/jobs", json=job).status_code == 202
        _one_form(c.post("/api/jobs", json=job), 429)
        release.set()


def test_head_health_answers(client: TestClient) -> None:
    response = client.head("/api/health")
    assert response.status_code == 200 and response.content == b""


# ------------------------------------------------------------- 13: Host and server paths
@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.evil.example", "localhost.evil"])
def test_foreign_host_headers_are_refused(client: TestClient, host: str) -> None:
    headers = {"host": host}
    _one_form(client.get("/api/runs", headers=headers), 400)
    job = {"scenario": "korea-2025", "members": 10}
    _one_form(client.post("/api/jobs", json=job, headers=headers), 400)
    assert client.get("/api/jobs").json() == []


def test_allowed_hosts_are_configurable(tmp_path: Path) -> None:
    app = create_app(WebSettings(runs_dir=tmp_path, allowed_hosts=("posture.lan",)))
    with TestClient(app, base_url="http://posture.lan:8000") as c:
        assert c.get("/api/health").status_code == 200
        assert c.get("/api/health", headers={"host": "127.0.0.1"}).status_code == 400
    with TestClient(create_app(WebSettings(runs_dir=tmp_path, allowed_hosts=("*",)))) as c:
        assert c.get("/api/health", headers={"host": "anything"}).status_code == 200


def test_api_responses_carry_no_server_paths(client: TestClient, tmp_path: Path) -> None:
    started = client.post("/api/jobs", json={"text": EXAMPLE, "members": 8})
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]
    deadline = time.monotonic() + 60
    while client.get(f"/api/jobs/{job_id}").json()["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    status = client.get(f"/api/jobs/{job_id}").json()
    assert status["status"] == "done", status
    summary = client.get(f"/api/jobs/{job_id}/summary").json()
    row = client.get(f"/api/runs/{status['run_id']}").json()
    for shown in (summary["run_dir"], row["summary"]["run_dir"]):
        assert shown == status["run_id"]
    root = str(tmp_path)
    assert root not in client.get(f"/api/jobs/{job_id}/summary").text
    assert root not in client.get(f"/api/runs/{status['run_id']}").text


def test_a_run_directory_with_markup_in_its_path_is_printed_literally(
    tmp_path: Path, run_cli: Cli
) -> None:
    out = tmp_path / "a[" / "]b"
    result = run_cli("run", str(EXAMPLE_PATH), "--members", "8", "--out", str(out))
    assert result.code == 0, result.err
    assert f"run directory: {out}" in result.out.replace("\n", " ")
    assert (out / "manifest.json").is_file()


def test_paths_outside_the_runs_directory_are_cut_to_their_name(tmp_path: Path) -> None:
    from posturelab.web.guards import public_paths

    row = {
        "manifest": {"scenario_origin": "/home/analyst/s.yaml", "title": "/ not a path key"},
        "summary": {"run_dir": str(tmp_path / "runs" / "r1"), "figures": ["a.svg"]},
    }
    shown = public_paths(row, tmp_path / "runs")
    assert shown["manifest"] == {"scenario_origin": "s.yaml", "title": "/ not a path key"}
    assert shown["summary"] == {"run_dir": "r1", "figures": ["a.svg"]}


def test_every_test_the_reliability_page_names_exists() -> None:
    root = Path(__file__).resolve().parents[1]
    doc = (root / "docs" / "reliability.md").read_text(encoding="utf-8")
    named = 0
    current = ""
    for file, test in re.findall(r"`(?:(test_\w+\.py))?(?:::(test_\w+))?`", doc):
        if file:
            current = file
            assert (root / "tests" / file).is_file(), file
        if test:
            assert current, test
            source = (root / "tests" / current).read_text(encoding="utf-8")
            assert f"def {test}(" in source, f"{current}::{test}"
            named += 1
    assert named >= 20


@pytest.mark.parametrize("value", ["١٠٠٠", "１０００", "nan", "inf"])
def test_number_levers_take_ascii_finite_numbers_only(run_cli: Cli, value: str) -> None:
    result = run_cli("run", "korea-2025", "--set", f"relocation_troops={value}")
    assert result.code == 2 and "must be a number in [0, 17000]" in result.err
