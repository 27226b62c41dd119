"""Chunks, manifests, locks and operating-system errors: what a resume trusts and what it refuses.

Each test reproduces one way a run used to fail with a traceback or silently mix results, and
checks the promise of ``docs/reliability.md`` ("Runs, chunks and storage") that replaced it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np
import pytest

import posturelab.engine.run as engine_run
from durability_helpers import (
    CHUNK,
    MEMBERS,
    POSTURELAB,
    SEED,
    SRC,
    assert_same_numbers,
    failed_half_way,
    make_clean_run,
    manifest_of,
)
from posturelab.engine.run import RunOptions
from posturelab.errors import InputError
from posturelab.runners import RunnerSpec, open_runner
from posturelab.runners.durable import RunIncompleteError, start_run
from posturelab.runners.executors import OpenRunner
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.loader import load_scenario
from posturelab.store import chunks as chunk_store


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    """The uninterrupted run every damaged-and-resumed run must reproduce."""
    return make_clean_run(tmp_path_factory)


# --- chunks that are damaged or not this run's ---------------------------------------------------


def flip_a_bit(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    path.write_bytes(bytes(raw))


DAMAGE = {
    "empty": lambda p, other: p.write_bytes(b""),
    "truncated": lambda p, other: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "random": lambda p, other: p.write_bytes(np.random.default_rng(1).bytes(5000)),
    "bit-flip": lambda p, other: flip_a_bit(p),
    "other-seed": lambda p, other: shutil.copy(other["seed"], p),
    "other-run": lambda p, other: shutil.copy(other["run"], p),
}
REASONS = {
    "empty": "the file is empty",
    "truncated": "not a readable chunk file",
    "random": "not a readable chunk file",
    "bit-flip": "",  # a CRC error or a checksum mismatch, depending on the byte hit
    "other-seed": "belongs to another run",
    "other-run": "belongs to another run",
}


@pytest.fixture(scope="module")
def other_chunks(tmp_path_factory) -> dict[str, Path]:
    """Chunk 0 of a run with another seed, and of another run with the same settings."""
    loaded = load_scenario("korea-2025")
    levers = resolve_levers(loaded.scenario, {})
    found = {}
    for key, seed in (("seed", SEED + 1), ("run", SEED)):
        folder = tmp_path_factory.mktemp(f"other-{key}")
        real = engine_run.simulate_chunk

        def stop_after_first(model, seed_, members, *rest, _real=real):
            if members[0] >= CHUNK:
                raise RuntimeError("stop")
            return _real(model, seed_, members, *rest)

        with pytest.MonkeyPatch.context() as patch, open_runner(RunnerSpec("sequential")) as r:
            patch.setattr(engine_run, "simulate_chunk", stop_after_first)
            with contextlib.suppress(Exception):
                start_run(
                    folder / "r",
                    loaded,
                    levers,
                    RunOptions(members=MEMBERS, seed=seed, chunk_size=CHUNK),
                    r,
                    auto_chunks=False,
                    max_attempts=1,
                )
        found[key] = chunk_store.chunk_path(folder / "r", 0)
        assert found[key].is_file()
    return found


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_bad_chunk_is_named_set_aside_and_recomputed(
    tmp_path, run_cli, clean_run, other_chunks, damage
):
    out = tmp_path / "runs" / "r"
    failed_half_way(run_cli, out)
    bad = chunk_store.chunk_path(out, 0)
    DAMAGE[damage](bad, other_chunks)
    resumed = run_cli("resume", "r", "--runs-dir", str(out.parent), "--json")
    assert resumed.code == 0, resumed.err
    assert "Traceback" not in resumed.err
    assert f"warning: {bad}: {REASONS[damage]}" in resumed.err
    assert "the chunk is computed again" in resumed.err
    assert (out / "rejected-chunks" / bad.name).is_file()
    rejected = manifest_of(out)["rejected_chunks"]
    assert [r["file"] for r in rejected] == [bad.name]
    assert_same_numbers(out, clean_run)


def test_a_chunk_damaged_after_verification_is_caught_at_assembly(
    tmp_path, run_cli, clean_run, monkeypatch
):
    from posturelab.runners import drive

    out = tmp_path / "runs" / "r"
    failed_half_way(run_cli, out)
    real = drive._verified_on_disk

    def then_damaged(run, bounds):
        good = real(run, bounds)
        chunk_store.chunk_path(out, 1).write_bytes(b"PK\x03\x04 damaged")
        return good

    monkeypatch.setattr(drive, "_verified_on_disk", then_damaged)
    resumed = run_cli("resume", "r", "--runs-dir", str(out.parent), "--json")
    assert resumed.code == 0, resumed.err
    assert "chunk-000001.npz: not a readable chunk file" in resumed.err
    assert_same_numbers(out, clean_run)


def test_an_edited_manifest_seed_is_refused(tmp_path, run_cli):
    out = tmp_path / "runs" / "r"
    failed_half_way(run_cli, out)
    manifest = manifest_of(out)
    manifest["seed"] = SEED + 1
    (out / "manifest.json").write_text(json.dumps(manifest))
    resumed = run_cli("resume", "r", "--runs-dir", str(out.parent))
    assert resumed.code == 2
    assert "manifest.json: identity_sha256: the manifest was changed" in resumed.err
    assert chunk_store.finished_chunks(out) == {0, 1}  # nothing was touched


def test_a_truncated_manifest_is_a_located_error(tmp_path, run_cli):
    out = tmp_path / "runs" / "r"
    failed_half_way(run_cli, out)
    text = (out / "manifest.json").read_text()
    (out / "manifest.json").write_text(text[: len(text) // 2])
    resumed = run_cli("resume", "r", "--runs-dir", str(out.parent))
    assert resumed.code == 2, resumed.err
    assert "Traceback" not in resumed.err
    assert "manifest.json:" in resumed.err and "not valid JSON" in resumed.err


class BrokenPool(Executor):
    """A pool whose worker died: the first task fails, then it takes no more work."""

    def __init__(self) -> None:
        self.broken = False

    def submit(self, fn, /, *args, **kwargs):
        if self.broken:
            raise BrokenProcessPool("a child process terminated abruptly")
        self.broken = True
        future: Future = Future()
        future.set_exception(BrokenProcessPool("a child process terminated abruptly"))
        return future


def test_chunk_messages_agree_on_the_attempt_count(tmp_path):
    """A pool that breaks gives up early: the message counts the attempts really made."""
    loaded = load_scenario("korea-2025")
    levers = resolve_levers(loaded.scenario, {})
    runner = OpenRunner(RunnerSpec("local", workers=2), BrokenPool(), 2, "broken pool")
    with pytest.raises(RunIncompleteError) as caught:
        start_run(
            tmp_path / "r",
            loaded,
            levers,
            RunOptions(members=MEMBERS, seed=SEED, chunk_size=CHUNK),
            runner,
            auto_chunks=False,
        )
    message = str(caught.value)
    assert "4 of 4 chunks could not be computed" in message
    assert "failed 2 times: BrokenProcessPool" in message
    assert "3 attempts" not in message
    recorded = manifest_of(tmp_path / "r")["failures"]
    assert max(f["attempt"] for f in recorded) == 2


# --- the resume lock ------------------------------------------------------------------------------


def test_a_second_resume_of_a_locked_run_is_refused(tmp_path, run_cli):
    out = tmp_path / "runs" / "r"
    failed_half_way(run_cli, out)
    with chunk_store.RunLock(out):
        second = chunk_store.RunLock(out)
        with pytest.raises(InputError, match=f"being computed by process {os.getpid()}"):
            second.acquire()
        busy = run_cli("resume", "r", "--runs-dir", str(out.parent))
        assert busy.code == 2 and "being computed by process" in busy.err
    assert run_cli("resume", "r", "--runs-dir", str(out.parent), "--json").code == 0


@pytest.mark.slow
def test_two_resumes_started_together_run_once(tmp_path, run_cli):
    out = tmp_path / "runs" / "r"
    failed_half_way(run_cli, out)
    env = {**os.environ, "PYTHONPATH": SRC}
    cmd = [sys.executable, "-c", POSTURELAB, "resume", "r", "--runs-dir", str(out.parent)]
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for _ in range(2)
    ]
    results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    codes = sorted(code for code, _out, _err in results)
    refused = [err for code, _out, err in results if code == 2]
    # One resume computes the run; the other is refused, or finds it already complete.
    assert codes in ([0, 2], [0, 0]), results
    if refused:  # refused while the other held the lock, or once it had finished
        assert "being computed by process" in refused[0] or "completed by another" in refused[0]
    manifest = manifest_of(out)
    assert manifest["status"] == "complete"
    assert len(manifest["resumes"]) == 1


# --- operating-system errors as messages ---------------------------------------------------------


def test_out_under_proc_is_refused_before_any_work(run_cli):
    result = run_cli("run", "--members", "8", "--out", "/proc/posturelab-x/run")
    assert result.code == 74
    assert "nothing can be created in /proc" in result.err
    assert "Traceback" not in result.err


def test_out_on_a_read_only_mount_is_refused(tmp_path, run_cli):
    folder = tmp_path / "ro"
    folder.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip("cannot mount a read-only tmpfs here")
    try:
        result = run_cli("run", "--members", "8", "--out", str(folder / "run"))
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
    assert result.code == 74
    assert "read-only" in result.err


def test_report_refuses_proc_and_existing_files(tmp_path, run_cli):
    runs = tmp_path / "runs"
    assert run_cli("run", "--members", "8", "--out", str(runs / "r"), "--json").code == 0
    bad = run_cli("report", "r", "--runs-dir", str(runs), "--out", "/proc/x/report.html")
    assert bad.code == 74 and "nothing can be created in /proc" in bad.err
    existing = tmp_path / "report.html"
    existing.write_text("keep me")
    refused = run_cli("report", "r", "--runs-dir", str(runs), "--out", str(existing))
    assert refused.code == 2 and "add --force" in refused.err
    assert existing.read_text() == "keep me"
    forced = run_cli("report", "r", "--runs-dir", str(runs), "--out", str(existing), "--force")
    assert forced.code == 0 and existing.read_text().startswith("<!DOCTYPE html>")


def test_runs_dir_that_is_a_file(tmp_path, run_cli):
    plain = tmp_path / "passwd"
    plain.write_text("root:x:0:0\n")
    result = run_cli("runs", "--runs-dir", str(plain))
    assert result.code == 2 and "is not a directory" in result.err
    resumed = run_cli("resume", "x", "--runs-dir", str(plain))
    assert resumed.code == 2 and "is not a directory" in resumed.err


def test_a_damaged_catalogue_is_a_message(tmp_path, run_cli):
    (tmp_path / "catalogue.duckdb").write_bytes(np.random.default_rng(2).bytes(5000))
    result = run_cli("runs", "--runs-dir", str(tmp_path))
    assert result.code == 74 and "not a valid DuckDB database file" in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize(
    ("path", "kind"), [("/dev/zero", "a character device"), ("fifo", "a FIFO (named pipe)")]
)
def test_devices_and_fifos_are_named_as_such(tmp_path, run_cli, path, kind):
    if path == "fifo":
        path = str(tmp_path / "fifo")
        os.mkfifo(path)
    for command in (("validate", path), ("fit", "lanchester", path)):
        result = run_cli(*command)
        assert result.code == 2, (command, result.err)
        assert kind in result.err and "no such file" not in result.err
