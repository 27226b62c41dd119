"""The hostile-input suite: generated scenario files, command lines and HTTP requests.

Each case must be refused cleanly: on the command line a located message (``FILE:LINE:COL:``),
exit status 2 and no traceback; over HTTP a JSON error with located ``problems`` and a documented
status; and nothing written in either case. The last test prints how many cases ran.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hostile_cases import LEVER_VALUES, scenario_cases
from posturelab.web.app import WebSettings, create_app

CASES = scenario_cases()
COUNTS: Counter[str] = Counter()
LOCATED = re.compile(r"^error: (?P<file>.+?):(?P<line>\d+)(:\d+)?: ", re.MULTILINE)
PROBLEM_KEYS = {"file", "line", "column", "path", "message"}


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory holding only the hostile files (the default runs dir is here)."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for name, raw in CASES.items():
        (inputs / f"{name}.yaml").write_bytes(raw)
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --------------------------------------------------------------------------- scenario files
def test_every_hostile_scenario_file_is_refused_with_a_location(
    workdir: Path, run_cli: Callable[..., Any]
) -> None:
    before = tree(workdir)
    failures = []
    for name in CASES:
        path = f"inputs/{name}.yaml"
        result = run_cli("validate", path)
        match = LOCATED.search(result.err)
        if not (
            result.code == 2
            and match
            and match["file"] == path
            and "Traceback" not in result.err + result.out
            and "\x1b" not in result.err
        ):
            failures.append((name, result.code, result.err[-300:]))
        COUNTS["scenario files"] += 1
    assert not failures, failures
    assert tree(workdir) == before
    assert len(CASES) >= 100


def test_batch_validate_reports_every_file_and_continues(
    workdir: Path, run_cli: Callable[..., Any]
) -> None:
    files = [f"inputs/{name}.yaml" for name in CASES]
    result = run_cli("validate", *files, "examples-missing.yaml", "--json")
    assert result.code == 2 and "Traceback" not in result.err
    reports = json.loads(result.out)
    assert [r["file"] for r in reports] == [*files, "examples-missing.yaml"]
    assert not any(r["valid"] for r in reports)
    COUNTS["command lines"] += 1


# ---------------------------------------------------------------------------- command lines
def _command_lines() -> Iterator[tuple[str, ...]]:
    for lever, value in LEVER_VALUES:
        yield ("run", "korea-2025", "--members", "10", "--set", f"{lever}={value}")
    for lever, value in LEVER_VALUES[::3]:
        yield ("compare", "korea-2025", "--members", "10", "--vs-set", f"{lever}={value}")
        yield ("campaign", "--scenario", "korea-2025", "--set", f"{lever}={value}")
    yield from [
        ("run", "korea-2025", "--set", "relocation_troops"),
        ("run", "korea-2025", "--set", "=5"),
        ("run", "korea-2025", "--members", "0"),
        ("run", "korea-2025", "--members", "-5"),
        ("run", "korea-2025", "--members", "abc"),
        ("run", "korea-2025", "--members", "1e3"),
        ("run", "korea-2025", "--seed", "-1"),
        ("run", "korea-2025", "--seed", "abc"),
        ("run", "korea-2025", "--variant", "nope"),
        ("run", "korea-2025", "--sampler", "nope"),
        ("run", "no-such-file.yaml"),
        ("run", "inputs"),
        ("run", "inputs/recursive-sequence.yaml", "--members", "10"),
        ("run", "inputs/semantic-beta-1e300.yaml", "--members", "10"),
        ("run", "inputs/quantity-far-tail-truncnormal-contests.0.beta.yaml", "--members", "10"),
        ("show", "inputs/markup-and-bad-month.yaml"),
        ("sources", "inputs/semantic-claim-treatment-outside-domain.yaml"),
        ("claims", "inputs/semantic-claim-treatment-outside-domain.yaml", "--members", "10"),
        ("claims", "korea-2025", "--members", "1"),
        ("sensitivity", "korea-2025", "--indicator", "no_such_indicator", "--n", "8"),
        ("discover", "korea-2025", "--where", "((", "--members", "10"),
        ("report", "no-such-run"),
        ("show-run", "no-such-run"),
        ("resume", "no-such-run"),
        ("campaign", "--params", "no-such-params.json"),
        ("fit", "lanchester", "no-such-data.csv"),
        ("align", "inputs/recursive-mapping.yaml"),
    ]


def test_hostile_command_lines_exit_2_and_write_nothing(
    workdir: Path, run_cli: Callable[..., Any]
) -> None:
    before = tree(workdir)
    failures = []
    commands = list(_command_lines())
    for argv in commands:
        result = run_cli(*argv)
        text = result.err + result.out
        if not (result.code == 2 and "Traceback" not in text and "rror" in result.err):
            failures.append((argv, result.code, result.err[-300:]))
        COUNTS["command lines"] += 1
    assert not failures, failures
    assert tree(workdir) == before
    assert len(commands) >= 50


# ---------------------------------------------------------------------------- HTTP requests
@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(WebSettings(runs_dir=tmp_path / "runs", max_members=500))
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


def _check_error(response: Any, statuses: set[int]) -> str | None:
    """Why ``response`` is not a clean JSON error with one of ``statuses``, or ``None``."""
    if response.status_code not in statuses:
        return f"status {response.status_code}"
    if not response.headers.get("content-type", "").startswith("application/json"):
        return f"content type {response.headers.get('content-type')}"
    body = response.json()
    problems = body.get("problems")
    if not isinstance(body.get("detail"), str) or not problems:
        return f"body {body}"
    if any(set(p) != PROBLEM_KEYS for p in problems):
        return f"problems {problems}"
    if "Traceback" in response.text:
        return "traceback"
    return None


def send(client: TestClient, method: str, path: str, kwargs: dict[str, Any]) -> Any:
    """Send a request; a ``json`` body is encoded here (as ASCII JSON, so lone surrogates pass)."""
    if "json" in kwargs:
        kwargs = dict(kwargs)
        body = json.dumps(kwargs.pop("json")).encode("ascii")
        headers = {"content-type": "application/json", **kwargs.pop("headers", {})}
        return client.request(method, path, content=body, headers=headers, **kwargs)
    return client.request(method, path, **kwargs)


def _as_text(raw: bytes) -> str:
    # Bytes that are not UTF-8 reach the API as lone surrogates, which it must refuse too.
    return raw.decode("utf-8", "surrogateescape")


def _requests() -> Iterator[tuple[str, str, dict[str, Any], set[int]]]:
    """``(method, path, httpx keyword arguments, accepted statuses)`` of hostile requests."""
    for raw in CASES.values():
        if len(raw) < 900_000:
            yield ("POST", "/api/jobs", {"json": {"text": _as_text(raw), "members": 10}}, {400})
            yield ("POST", "/api/campaign", {"json": {"text": _as_text(raw)}}, {400})
        else:
            yield ("POST", "/api/validate", {"json": {"text": _as_text(raw)}}, {413})
    for lever, value in LEVER_VALUES:
        body = {"scenario": "korea-2025", "members": 10, "levers": {lever: value}}
        yield ("POST", "/api/jobs", {"json": body}, {400})
        yield ("POST", "/api/campaign", {"json": {"scenario": "korea-2025", **body}}, {400, 422})
    json_type = {"content-type": "application/json"}
    yield from [
        ("GET", "/nope", {}, {404}),
        ("GET", "/api/nope", {}, {404}),
        ("GET", "/api/scenarios/nope", {}, {404}),
        ("GET", "/api/scenarios/..%2F..%2Fetc%2Fpasswd", {}, {404}),
        ("GET", "/api/scenarios/nope/text", {}, {404}),
        ("GET", "/api/jobs/nope", {}, {404}),
        ("GET", "/api/jobs/nope/summary", {}, {404}),
        ("GET", "/api/jobs/nope/figures/x.svg", {}, {404}),
        ("GET", "/api/runs/nope", {}, {404}),
        ("GET", "/api/runs/nope/report", {}, {404}),
        ("GET", "/api/runs/nope/figures/..%2F..%2Fmanifest.json", {}, {404}),
        ("DELETE", "/api/health", {}, {405}),
        ("PUT", "/api/jobs", {}, {405}),
        ("PATCH", "/api/scenarios", {}, {405}),
        ("GET", "/api/validate", {}, {405}),
        ("POST", "/api/health", {}, {405}),
        ("POST", "/api/validate", {"content": b"{bad", "headers": json_type}, {422}),
        ("POST", "/api/validate", {"content": b"\xff\xfe", "headers": json_type}, {422}),
        ("POST", "/api/validate", {"content": b"[" * 100_000, "headers": json_type}, {422}),
        ("POST", "/api/validate", {"content": b"", "headers": json_type}, {422}),
        ("POST", "/api/validate", {"content": b"text=a", "headers": {}}, {422}),
        (
            "POST",
            "/api/jobs",
            {"content": b'{"scenario": "korea-2025"}', "headers": {"content-type": "text/plain"}},
            {422},
        ),
        (
            "POST",
            "/api/jobs",
            {
                "content": b"scenario=korea-2025",
                "headers": {"content-type": "application/x-www-form-urlencoded"},
            },
            {422},
        ),
        ("POST", "/api/validate", {"json": [1, 2]}, {422}),
        ("POST", "/api/validate", {"json": {"text": 5}}, {422}),
        ("POST", "/api/validate", {"json": {"text": "a", "extra": 1}}, {422}),
        ("POST", "/api/validate", {"json": {"text": "x" * 1_100_000}}, {413}),
        ("POST", "/api/jobs", {"json": {"members": 10}}, {400}),
        ("POST", "/api/jobs", {"json": {"scenario": "korea-2025", "text": "a: 1"}}, {400}),
        ("POST", "/api/jobs", {"json": {"scenario": "/etc/passwd"}}, {400}),
        ("POST", "/api/jobs", {"json": {"scenario": "\udfff"}}, {400}),
        ("POST", "/api/jobs", {"json": {"scenario": "korea-2025", "levers": {"\udfff": 1}}}, {400}),
        ("POST", "/api/jobs", {"json": {"scenario": "korea-2025", "members": 501}}, {400}),
        ("POST", "/api/jobs", {"json": {"scenario": "korea-2025", "members": 1}}, {422}),
        ("POST", "/api/jobs", {"json": {"scenario": "korea-2025", "members": 10**12}}, {422}),
        ("POST", "/api/jobs", {"json": {"scenario": "korea-2025", "seed": -1}}, {422}),
        ("POST", "/api/jobs", {"json": {"scenario": "korea-2025", "kind": "nope"}}, {422}),
        ("POST", "/api/jobs", {"json": {"scenario": "korea-2025", "variant": "nope"}}, {400}),
        ("POST", "/api/jobs", {"json": {"scenario": "korea-2025", "variant_b": "nope"}}, {400}),
        (
            "POST",
            "/api/jobs",
            {"json": {"scenario": "korea-2025", "kind": "claims", "claims": ["nope"]}},
            {400},
        ),
        ("POST", "/api/jobs", {"json": {"text": "a: \udfff", "members": 10}}, {400}),
        *(
            ("POST", "/api/jobs", {"json": {"scenario": "korea-2025", "calibration": bad}}, {400})
            for bad in ("../../etc/passwd", "/etc/passwd", "..", ".x", "a/b", "a\\b", "\udfff",
                        "x" * 101, "")
        ),
        ("POST", "/api/jobs", {"json": {"scenario": "korea-2025", "calibration": "absent"}}, {404}),
        ("POST", "/api/jobs", {"json": {"scenario": "korea-2025", "calibration": 5}}, {422}),
        ("POST", "/api/jobs", {"json": {"scenario": "korea-2025", "kind": "targets",
                                        "calibration": "absent"}}, {404}),
        ("GET", "/api/calibrations/..%2F..%2Fetc%2Fpasswd", {}, {404}),
        ("GET", "/api/calibrations/%2Fetc%2Fpasswd", {}, {404}),
        ("GET", "/api/calibrations/.hidden", {}, {400}),
        ("GET", "/api/jobs/nope/targets", {}, {404}),
        ("POST", "/api/calibrations", {"json": {"content": {"format": "x"}}}, {400}),
        ("POST", "/api/calibrations", {"json": {"content": "x"}}, {422}),
        ("POST", "/api/calibrations", {"json": {"text": "x"}}, {422}),
        ("POST", "/api/calibrations", {"json": {"content": {
            "format": "posturelab-calibration/1", "scenario_sha256": "0" * 64, "seed": 1,
            "uncertain_parameters": ["a"], "design": [[float("nan")]]}}}, {400, 422}),
        ("POST", "/api/validate", {"json": {"text": "a: 1"}, "headers": {"host": "evil.example"}},
         {400}),
        ("GET", "/api/runs", {"headers": {"host": "evil.example"}}, {400}),
        ("GET", "/api/health", {"headers": {"host": "127.0.0.1.evil.example"}}, {400}),
        ("POST", "/api/jobs", {"json": {"scenario": "korea-2025"}, "headers": {"host": "x"}},
         {400}),
        ("GET", "/", {"headers": {"host": "localhost.evil.example:8000"}}, {400}),
    ]  # fmt: skip


def test_hostile_http_requests_get_json_errors_and_write_nothing(
    client: TestClient, tmp_path: Path
) -> None:
    failures = []
    requests = list(_requests())
    for method, path, kwargs, statuses in requests:
        response = send(client, method, path, kwargs)
        why = _check_error(response, statuses)
        if why:
            failures.append((method, path, str(kwargs)[:120], why))
        COUNTS["HTTP requests"] += 1
    assert not failures, failures
    assert client.get("/api/jobs").json() == []
    runs = tmp_path / "runs"
    assert not runs.exists() or not any(runs.iterdir())
    assert len(requests) >= 100


def test_validate_endpoint_reports_hostile_files_as_located_problems(client: TestClient) -> None:
    failures = []
    for name, raw in CASES.items():
        if len(raw) >= 900_000:
            continue
        response = send(client, "POST", "/api/validate", {"json": {"text": _as_text(raw)}})
        body = response.json()
        if not (
            response.status_code == 200
            and body["valid"] is False
            and body["problems"]
            and body["problems"][0]["line"] is not None
        ):
            failures.append((name, response.status_code, response.text[:200]))
        COUNTS["HTTP requests"] += 1
    assert not failures, failures


def test_summary_count(capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        shown = ", ".join(f"{count} {kind}" for kind, count in sorted(COUNTS.items()))
        print(f"\nhostile inputs refused cleanly: {shown}")
    if len(COUNTS) == 3:  # the whole module ran
        assert COUNTS["scenario files"] >= 100
        assert COUNTS["command lines"] >= 50
        assert COUNTS["HTTP requests"] >= 100
