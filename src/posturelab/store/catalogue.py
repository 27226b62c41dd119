"""The run catalogue: a DuckDB table of every finished run directory (DESIGN section 7).

Each runs directory (``runs`` by default) holds one ``catalogue.duckdb`` beside the run
directories. A directory is registered only after it is complete (written through
:func:`posturelab.store.rundir.staging`, or with ``"status": "complete"`` in its manifest), so an
interrupted job leaves nothing registered. The table keeps what is needed to list and find runs
(id, kind, scenario, creation time, members, seed, sampler, scenario hash, lever settings, a
one-line headline and the directory); the directory itself stays the record.

DuckDB lets one process at a time open a database file for writing. Every catalogue operation
takes an exclusive lock on ``catalogue.duckdb.lock`` (``fcntl.flock``) for the few milliseconds it
needs, and retries opening the database with a short back-off, so concurrent jobs register safely.
A database held open by a process that does not take that lock (another DuckDB client) is waited
for only :data:`BUSY_WAIT_S` seconds; then :class:`CatalogueBusyError` says who holds it.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from posturelab.errors import InputError
from posturelab.store.diskio import StorageError, reported

CATALOGUE = "catalogue.duckdb"
LOCK = "catalogue.duckdb.lock"
TIMEOUT_S = 30.0
"""Longest wait for the lock file, which posturelab's own processes hold for milliseconds."""
BUSY_WAIT_S = 2.0
"""Longest wait for a database held open by another program."""


class CatalogueBusyError(StorageError):
    """The catalogue database is held open by another process."""

    def __init__(self, db: Path, detail: str) -> None:
        super().__init__(db, detail, action="open the run catalogue")


COLUMNS = (
    "id",
    "kind",
    "scenario",
    "created",
    "members",
    "seed",
    "sampler",
    "scenario_sha256",
    "levers",
    "headline",
    "path",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    scenario VARCHAR,
    created VARCHAR,
    members BIGINT,
    seed BIGINT,
    sampler VARCHAR,
    scenario_sha256 VARCHAR,
    levers VARCHAR,
    headline VARCHAR,
    path VARCHAR NOT NULL
)
"""


@contextmanager
def _locked(runs_dir: Path, *, create: bool) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """An open connection to the catalogue under the directory's lock (``None`` if absent)."""
    db = runs_dir / CATALOGUE
    if runs_dir.exists() and not runs_dir.is_dir():
        raise InputError.single(
            "<command line>", f"{runs_dir} is not a directory", path="--runs-dir"
        )
    if not create and not db.exists():
        yield None
        return
    with reported(runs_dir / LOCK):
        runs_dir.mkdir(parents=True, exist_ok=True)
        handle = open(runs_dir / LOCK, "a+")  # noqa: SIM115 - closed below
    with handle:
        _flock(handle.fileno())
        try:
            connection = _connect(db)
            try:
                connection.execute(_SCHEMA)
                yield connection
            except duckdb.Error as error:  # a full disk, a damaged database file
                text = str(error).splitlines()[0] if str(error) else type(error).__name__
                raise StorageError(db, text, action="update") from None
            finally:
                connection.close()
        finally:
            _funlock(handle.fileno())


def _flock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: rely on DuckDB's own lock and retries
        return
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"the run catalogue stayed locked for {TIMEOUT_S:.0f} s"
                ) from None
            time.sleep(0.02)


def _funlock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover
        return
    fcntl.flock(fd, fcntl.LOCK_UN)


def _connect(db: Path) -> duckdb.DuckDBPyConnection:
    """Open the database, retrying briefly while another process (without our lock) holds it.

    Raises
    ------
    CatalogueBusyError
        When the database is still held after :data:`BUSY_WAIT_S` seconds.
    StorageError
        When it cannot be opened for another reason (permissions, a damaged file).
    """
    delay, deadline = 0.02, time.monotonic() + BUSY_WAIT_S
    while True:
        try:
            return duckdb.connect(str(db))
        except duckdb.IOException as error:
            text = str(error)
            if "lock" not in text.lower():
                raise StorageError(
                    db, text.splitlines()[0] if text else "unknown error", action="open"
                ) from None
            if time.monotonic() > deadline:
                holder = re.search(r"PID (\d+)", text)
                who = f"process {holder.group(1)}" if holder else "another process"
                raise CatalogueBusyError(
                    db,
                    f"held by {who} for more than {BUSY_WAIT_S:g} s; try again when it has "
                    "closed the database",
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.25)
        except duckdb.Error as error:
            text = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise StorageError(db, text, action="open") from None


def _headline(manifest: dict[str, Any], summary: dict[str, Any]) -> str:
    """One line describing a result, from its manifest or its summary."""
    if isinstance(manifest.get("headline"), str):
        return str(manifest["headline"])
    indicators = summary.get("indicators")
    kinds = summary.get("kinds") or {}
    if isinstance(indicators, dict):
        for name, stats in indicators.items():
            if kinds.get(name) == "probability" and isinstance(stats, dict):
                mean = stats.get("mean")
                if isinstance(mean, int | float):
                    return f"{name} = {100 * mean:.2f}%"
    return ""


def _read(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text())) if path.exists() else {}


def register(run_dir: Path, runs_dir: Path | None = None) -> str:
    """Add a complete run directory to its catalogue and return the run id.

    Parameters
    ----------
    run_dir
        A finished run directory (holding ``manifest.json``).
    runs_dir
        Where the catalogue lives; by default the run directory's parent.

    Raises
    ------
    ValueError
        When the directory has no manifest or its manifest says it is not complete.
    """
    run_dir = Path(run_dir)
    manifest = _read(run_dir / "manifest.json")
    if not manifest:
        raise ValueError(f"{run_dir} has no manifest.json; only finished runs are registered")
    if manifest.get("status", "complete") != "complete":
        raise ValueError(f"{run_dir} is not complete (status {manifest.get('status')!r})")
    summary = _read(run_dir / "summary.json")
    row = {
        "id": run_dir.name,
        "kind": str(manifest.get("kind", "run")),
        "scenario": manifest.get("scenario"),
        "created": manifest.get("created"),
        "members": manifest.get("members"),
        "seed": manifest.get("seed"),
        "sampler": manifest.get("sampler"),
        "scenario_sha256": manifest.get("scenario_sha256"),
        "levers": json.dumps(manifest.get("levers") or {}, sort_keys=True),
        "headline": _headline(manifest, summary),
        "path": str(run_dir.resolve()),
    }
    with _locked(runs_dir if runs_dir is not None else run_dir.parent, create=True) as con:
        if con is None:  # pragma: no cover - create=True always opens
            raise RuntimeError("the catalogue could not be opened")
        con.execute(
            f"INSERT OR REPLACE INTO runs ({', '.join(COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in COLUMNS)})",
            [row[c] for c in COLUMNS],
        )
    return run_dir.name


def list_runs(
    runs_dir: Path, *, kind: str | None = None, scenario: str | None = None
) -> list[dict[str, Any]]:
    """The catalogue's runs, newest first, optionally of one kind or scenario.

    Each row gains ``exists``: whether its directory is still on disk.
    """
    with _locked(Path(runs_dir), create=False) as con:
        if con is None:
            return []
        query = f"SELECT {', '.join(COLUMNS)} FROM runs WHERE 1=1"
        params: list[str] = []
        if kind is not None:
            query += " AND kind = ?"
            params.append(kind)
        if scenario is not None:
            query += " AND scenario = ?"
            params.append(scenario)
        rows = con.execute(query + " ORDER BY created DESC, id DESC", params).fetchall()
    out = []
    for values in rows:
        row = dict(zip(COLUMNS, values, strict=True))
        row["levers"] = json.loads(row["levers"] or "{}")
        row["exists"] = Path(row["path"]).is_dir()
        out.append(row)
    return out


def get_run(runs_dir: Path, run_id: str) -> dict[str, Any]:
    """One run's catalogue row with its manifest and summary read from disk.

    Raises
    ------
    InputError
        When the id is not in the catalogue.
    """
    matches = [r for r in list_runs(runs_dir) if r["id"] == run_id]
    if not matches:
        prefix = [r for r in list_runs(runs_dir) if str(r["id"]).startswith(run_id)]
        if len(prefix) == 1:
            matches = prefix
    if not matches:
        raise InputError.single(
            "<command line>",
            f"no run {run_id!r} in the catalogue {Path(runs_dir) / CATALOGUE} "
            "(list runs with `posturelab runs`)",
            path="ID",
        )
    row = matches[0]
    path = Path(row["path"])
    return {
        **row,
        "manifest": _read(path / "manifest.json"),
        "summary": _read(path / "summary.json"),
    }


def rescan(runs_dir: Path) -> list[str]:
    """Register every complete run directory under ``runs_dir`` missing from the catalogue.

    Hidden staging directories (``.NAME.partial-*``) and incomplete runs are skipped.
    """
    runs_dir = Path(runs_dir)
    known = {r["id"] for r in list_runs(runs_dir)}
    added = []
    for child in sorted(runs_dir.iterdir()) if runs_dir.is_dir() else []:
        if child.name.startswith(".") or not child.is_dir() or child.name in known:
            continue
        manifest = _read(child / "manifest.json")
        if manifest and manifest.get("status", "complete") == "complete":
            added.append(register(child, runs_dir))
    return added
