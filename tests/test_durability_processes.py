"""Processes under faults: a killed or terminated parent, a server on a full disk, a held catalogue.

The processes these tests start (a ``posturelab run`` to kill, a process holding the catalogue)
run under timeouts and are always stopped in ``finally``.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from fastapi.testclient import TestClient

from posturelab.store import catalogue, diskio
from posturelab.store import chunks as chunk_store
from posturelab.web.app import WebSettings, create_app

POSTURELAB = "import sys; from posturelab.cli import main; main(sys.argv[1:])"
SRC = str(Path(__file__).resolve().parents[1] / "src")
ENV = {**os.environ, "PYTHONPATH": SRC}


def start_run(out: Path) -> subprocess.Popen[bytes]:
    args = ["run", "--members", "4000", "--chunk-size", "100", "--runner", "local"]
    return subprocess.Popen(
        [sys.executable, "-c", POSTURELAB, *args, "--workers", "2", "--out", str(out), "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=ENV,
    )


def family_once_working(proc: subprocess.Popen[bytes], out: Path) -> list[psutil.Process]:
    """The run's descendants (pool workers, resource tracker) once two chunks are on disk."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if len(chunk_store.finished_chunks(out)) >= 2:
            family = psutil.Process(proc.pid).children(recursive=True)
            workers = [p for p in family if "spawn_main" in " ".join(p.cmdline())]
            assert len(workers) == 2, family
            return family
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "ended early")
        time.sleep(0.02)
    raise AssertionError("no chunks within 90 s")


def assert_all_gone(family: list[psutil.Process], within: float = 10.0) -> None:
    _gone, alive = psutil.wait_procs(family, timeout=within)
    for survivor in alive:  # never leave them behind, then fail
        survivor.kill()
    assert not alive, f"still running after {within} s: {[p.pid for p in alive]}"


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)
    if proc.stderr is not None:
        proc.stderr.close()


def test_pool_workers_die_with_a_killed_parent(tmp_path):
    out = tmp_path / "runs" / "killed"
    proc = start_run(out)
    family: list[psutil.Process] = []
    try:
        family = family_once_working(proc, out)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        stop(proc)
    assert_all_gone(family)
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"


def test_sigterm_marks_the_run_interrupted_and_stops_the_workers(tmp_path):
    out = tmp_path / "runs" / "terminated"
    proc = start_run(out)
    family: list[psutil.Process] = []
    try:
        family = family_once_working(proc, out)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
        err = proc.stderr.read().decode() if proc.stderr else ""
    finally:
        stop(proc)
    assert code == 143, err
    assert "terminated (SIGTERM); the finished chunks are saved" in err
    assert f"posturelab resume terminated --runs-dir {out.parent}" in err
    assert "Traceback" not in err
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    assert_all_gone(family)


# --- the server --------------------------------------------------------------------------------


def wait_job(client: TestClient, job_id: str, timeout: float = 90.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"/api/jobs/{job_id}").json()
        if status["status"] in ("done", "failed"):
            return dict(status)
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = WebSettings(runs_dir=tmp_path / "runs", max_members=500, max_runs_bytes=6 << 20)
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as c:
        yield c


def post_run(client: TestClient, members: int) -> str:
    response = client.post("/api/jobs", json={"scenario": "korea-2025", "members": members})
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def test_a_full_disk_fails_the_job_and_the_server_keeps_serving(client, monkeypatch):
    def full(handle: Any, data: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(diskio, "_write_all", full)
    failed = wait_job(client, post_run(client, 30))
    assert failed["status"] == "failed"
    assert "no space left on the device" in failed["error"]
    monkeypatch.undo()
    assert client.get("/api/health").status_code == 200
    assert wait_job(client, post_run(client, 30))["status"] == "done"


@pytest.fixture
def small_runs_dir(tmp_path: Path) -> Iterator[Path]:
    """A runs directory on a 2 MiB tmpfs (skips the test where mounting is not allowed)."""
    folder = tmp_path / "small"
    folder.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield folder / "runs"
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_server_on_a_small_file_system_survives_a_large_job(small_runs_dir):
    """The reported crash: a 300-member job on a 2 MiB file system killed the server."""
    app = create_app(WebSettings(runs_dir=small_runs_dir, max_members=500))
    with TestClient(app, base_url="http://127.0.0.1") as c:
        for _ in range(2):
            failed = wait_job(c, post_run(c, 300))
            assert failed["status"] == "failed"
            assert "no space left on the device" in failed["error"]
            assert c.get("/api/health").status_code == 200
        # The failed runs keep their chunk files for a resume; once an operator removes them,
        # the same server runs jobs again.
        for run in small_runs_dir.glob("korea-2025-*"):
            shutil.rmtree(run)
        assert wait_job(c, post_run(c, 5))["status"] == "done"
    assert not [p for p in small_runs_dir.rglob("*") if p.name.endswith(".tmp")]


def test_jobs_cannot_take_the_runs_directory_over_its_budget(client):
    # 6 MiB: a 300-member run needs about 3.4 MiB of files; the second one is refused.
    first = wait_job(client, post_run(client, 300))
    assert first["status"] == "done", first["error"]
    refused = wait_job(client, post_run(client, 300))
    assert refused["status"] == "failed"
    assert "disk quota exceeded" in refused["error"]
    assert client.get("/api/health").status_code == 200


HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("held", flush=True)
time.sleep(120)
"""


@pytest.fixture
def held_catalogue(tmp_path: Path) -> Iterator[Path]:
    """A runs directory whose catalogue another process holds open."""
    runs = tmp_path / "runs"
    runs.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(runs / catalogue.CATALOGUE)],
        stdout=subprocess.PIPE,
        env=ENV,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
        yield runs
    finally:
        holder.kill()
        holder.wait(timeout=30)
        if holder.stdout is not None:
            holder.stdout.close()


def test_a_catalogue_held_elsewhere_fails_fast_and_leaves_the_run_complete(held_catalogue, run_cli):
    started = time.monotonic()
    result = run_cli("run", "--members", "8", "--out", str(held_catalogue / "r"), "--json")
    assert result.code == 0, result.err
    assert "the run is complete in" in result.err and "uncatalogued" in result.err
    assert "posturelab runs --rescan" in result.err
    listed = run_cli("runs", "--runs-dir", str(held_catalogue))
    assert listed.code == 74 and "is in use" not in listed.out
    assert "held by process" in listed.err and "Traceback" not in listed.err
    assert time.monotonic() - started < 20  # not 2 x 30 s
    assert json.loads((held_catalogue / "r" / "manifest.json").read_text())["status"] == (
        "complete"
    )


def test_api_runs_answers_json_when_the_catalogue_is_held(held_catalogue):
    app = create_app(WebSettings(runs_dir=held_catalogue))
    with TestClient(app, base_url="http://127.0.0.1") as c:
        started = time.monotonic()
        response = c.get("/api/runs")
        assert time.monotonic() - started < 10
    assert response.status_code == 503
    body = response.json()
    assert "held by process" in body["detail"] and body["problems"] == []
