"""Chunk files and the state of a run in progress (DESIGN section 8).

While a run is computed its directory holds ``manifest.json`` with ``"status": "running"`` and a
``chunks/`` folder: a copy of the scenario text (``scenario.yaml``), the explicit design when
there is one (``design.npy``), a lock naming the process at work (``lock.json``) and one file per
finished chunk, ``chunk-000012.npz``. Every file is written under a temporary name and renamed
into place (:func:`atomic_write`), so a file that exists is complete: a run killed at any moment
leaves only whole chunks behind, and resuming it recomputes exactly the missing ones.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np

from posturelab.engine.run import ChunkDone
from posturelab.engine.simulate import ChunkOutput

CHUNKS = "chunks"
SCENARIO_COPY = "scenario.yaml"
DESIGN = "design.npy"
LOCK = "lock.json"
_CHUNK_NAME = re.compile(r"^chunk-(\d{6,})\.npz$")
_PREFIXES = {"series": "series:", "scalars": "scalar:", "params": "param:"}


def chunk_dir(run_dir: Path) -> Path:
    """The folder of a run's chunk files."""
    return run_dir / CHUNKS


def chunk_path(run_dir: Path, index: int) -> Path:
    """The file of chunk ``index`` of a run."""
    return chunk_dir(run_dir) / f"chunk-{index:06d}.npz"


def atomic_write(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write ``path`` through a temporary sibling that is renamed into place when complete.

    ``write`` receives an open binary file. The data is flushed to disk before the rename, so
    after a crash the file is either absent or whole.
    """
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with temp.open("wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, payload: Mapping[str, Any]) -> None:
    """Write ``payload`` as indented JSON, atomically (no NaN: missing values must be null)."""
    text = json.dumps(payload, indent=2, allow_nan=False, default=_json_default) + "\n"
    atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if not np.isfinite(value) else float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def write_chunk(run_dir: Path, done: ChunkDone) -> Path:
    """Write a finished chunk's arrays to its file, atomically, and return the path."""
    output = done.output
    arrays: dict[str, np.ndarray] = {"members": np.asarray(output.members, dtype=np.int64)}
    for group, prefix in _PREFIXES.items():
        for name, values in getattr(output, group).items():
            arrays[prefix + name] = np.asarray(values)
    path = chunk_path(run_dir, done.index)
    atomic_write(path, lambda handle: np.savez(handle, allow_pickle=False, **arrays))
    return path


def read_chunk(path: Path) -> ChunkOutput:
    """Read a chunk file written by :func:`write_chunk`."""
    groups: dict[str, dict[str, np.ndarray]] = {group: {} for group in _PREFIXES}
    with np.load(path, allow_pickle=False) as data:
        members = np.asarray(data["members"], dtype=np.int64)
        for key in data.files:
            for group, prefix in _PREFIXES.items():
                if key.startswith(prefix):
                    groups[group][key.removeprefix(prefix)] = np.asarray(data[key])
    return ChunkOutput(members, groups["params"], groups["series"], groups["scalars"])


def finished_chunks(run_dir: Path) -> set[int]:
    """Indices of the chunks whose files exist in ``run_dir``."""
    folder = chunk_dir(run_dir)
    if not folder.is_dir():
        return set()
    found = set()
    for entry in folder.iterdir():
        match = _CHUNK_NAME.match(entry.name)
        if match:
            found.add(int(match.group(1)))
    return found


def write_lock(run_dir: Path) -> None:
    """Record that this process is computing the run."""
    payload = {"pid": os.getpid(), "host": socket.gethostname()}
    atomic_write_json(chunk_dir(run_dir) / LOCK, payload)


def remove_lock(run_dir: Path) -> None:
    """Remove this process's lock (if it is still this process's)."""
    path = chunk_dir(run_dir) / LOCK
    holder = lock_holder(run_dir, alive_only=False)
    if holder == os.getpid():
        path.unlink(missing_ok=True)


def lock_holder(run_dir: Path, *, alive_only: bool = True) -> int | None:
    """The id of the process on this host that holds the run's lock, or ``None``.

    With ``alive_only`` a lock left by a process that no longer exists (a killed run) or that was
    taken on another host counts as free.
    """
    path = chunk_dir(run_dir) / LOCK
    try:
        payload = json.loads(path.read_text())
        pid = int(payload["pid"])
        host = str(payload["host"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not alive_only:
        return pid
    if host != socket.gethostname() or pid == os.getpid():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:  # alive, owned by someone else
        return pid
    return pid
