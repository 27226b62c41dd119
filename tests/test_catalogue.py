"""The DuckDB run catalogue: registration after completion, listing, lookup, concurrency."""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from posturelab.errors import InputError
from posturelab.store import catalogue, rundir


def make_run(runs: Path, name: str, **manifest: object) -> Path:
    target = runs / name
    with rundir.staging(target) as stage:
        rundir.write_json(
            stage / rundir.MANIFEST,
            {
                "kind": "run",
                "scenario": "toy",
                "created": f"2026-01-01T00:00:{len(name):02d}Z",
                "members": 10,
                "seed": 1,
                "levers": {"x": 1},
                **manifest,
            },
        )
        rundir.write_json(
            stage / rundir.SUMMARY,
            {"indicators": {"p_a": {"mean": 0.25}}, "kinds": {"p_a": "probability"}},
        )
    return target


def test_register_list_and_show(tmp_path: Path) -> None:
    first = make_run(tmp_path, "toy-a")
    second = make_run(tmp_path, "toy-bb", kind="claims", headline="2 supported")
    catalogue.register(first)
    catalogue.register(second)
    rows = catalogue.list_runs(tmp_path)
    assert [r["id"] for r in rows] == ["toy-bb", "toy-a"]  # newest first
    assert rows[1]["headline"] == "p_a = 25.00%"
    assert rows[0]["headline"] == "2 supported"
    assert rows[1]["levers"] == {"x": 1}
    assert all(r["exists"] for r in rows)
    assert [r["id"] for r in catalogue.list_runs(tmp_path, kind="claims")] == ["toy-bb"]
    shown = catalogue.get_run(tmp_path, "toy-a")
    assert shown["manifest"]["seed"] == 1
    assert shown["summary"]["indicators"]["p_a"]["mean"] == 0.25
    assert catalogue.get_run(tmp_path, "toy-b")["id"] == "toy-bb"  # unique prefix
    with pytest.raises(InputError, match="no run 'nope'"):
        catalogue.get_run(tmp_path, "nope")


def test_registering_twice_replaces_the_row(tmp_path: Path) -> None:
    run = make_run(tmp_path, "toy-a")
    catalogue.register(run)
    catalogue.register(run)
    assert len(catalogue.list_runs(tmp_path)) == 1


def test_no_catalogue_lists_nothing(tmp_path: Path) -> None:
    assert catalogue.list_runs(tmp_path / "absent") == []
    assert not (tmp_path / "absent").exists()


def test_interrupted_job_leaves_nothing_registered(tmp_path: Path) -> None:
    target = tmp_path / "toy-interrupted"

    def job() -> None:
        with rundir.staging(target) as stage:
            rundir.write_json(stage / rundir.MANIFEST, {"kind": "run"})
            raise KeyboardInterrupt  # the user pressed Ctrl-C while files were being written
        catalogue.register(target)  # pragma: no cover - never reached

    with pytest.raises(KeyboardInterrupt):
        job()
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []  # no staging leftovers
    assert catalogue.rescan(tmp_path) == []
    assert catalogue.list_runs(tmp_path) == []


def test_incomplete_runs_are_refused_and_skipped(tmp_path: Path) -> None:
    running = tmp_path / "toy-running"
    running.mkdir()
    (running / "manifest.json").write_text(json.dumps({"kind": "run", "status": "running"}))
    with pytest.raises(ValueError, match="not complete"):
        catalogue.register(running)
    bare = tmp_path / "toy-bare"
    bare.mkdir()
    with pytest.raises(ValueError, match="no manifest"):
        catalogue.register(bare)
    done = make_run(tmp_path, "toy-done")
    assert catalogue.rescan(tmp_path) == [done.name]
    assert [r["id"] for r in catalogue.list_runs(tmp_path)] == ["toy-done"]


def test_missing_directory_is_flagged(tmp_path: Path) -> None:
    run = make_run(tmp_path, "toy-a")
    catalogue.register(run)
    (run / "manifest.json").unlink()
    (run / "summary.json").unlink()
    run.rmdir()
    assert catalogue.list_runs(tmp_path)[0]["exists"] is False


def _register_many(args: tuple[str, int]) -> int:
    root, worker = args
    for i in range(4):
        run = make_run(Path(root), f"toy-w{worker}-{i}")
        catalogue.register(run)
    return worker


def test_concurrent_registration_from_processes(tmp_path: Path) -> None:
    with ProcessPoolExecutor(max_workers=3) as pool:
        done = list(pool.map(_register_many, [(str(tmp_path), w) for w in range(3)]))
    assert done == [0, 1, 2]
    ids = {r["id"] for r in catalogue.list_runs(tmp_path)}
    assert ids == {f"toy-w{w}-{i}" for w in range(3) for i in range(4)}
