"""Chunk files and the state of a run in progress (DESIGN section 8).

While a run is computed its directory holds ``manifest.json`` with ``"status": "running"`` and a
``chunks/`` folder: a copy of the scenario text (``scenario.yaml``), the explicit design when
there is one (``design.npy``), a lock naming the process at work (``lock.json``) and one file per
finished chunk, ``chunk-000012.npz``. Every file is written under a temporary name and renamed
into place (:func:`atomic_write`), so a file that exists is complete: a run killed at any moment
leaves only whole chunks behind, and resuming it recomputes exactly the missing ones.

A chunk file carries its identity and a checksum (the ``meta`` entry, :class:`ChunkIdentity`):
the run's identity digest (run id, seed, ensemble size, sampler, scenario hash and lever hash,
see :func:`run_identity`), the chunk's index and member range, and the SHA-256 of its arrays.
:func:`read_chunk` verifies all of it, so a truncated, empty, random, altered or foreign file is
refused by name (:class:`ChunkRejectedError`) and never mixed into a run; :func:`set_aside` moves it
out of the way so that it is computed again.

The lock is an exclusive ``flock`` on ``lock.json`` held for as long as the process computes the
run (:class:`RunLock`): two processes that start a resume at the same instant cannot both get
it, and a killed process releases it with its last breath.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from posturelab.engine.run import ChunkDone
from posturelab.engine.simulate import ChunkOutput
from posturelab.errors import InputError, PosturelabError
from posturelab.store.diskio import reported

CHUNKS = "chunks"
REJECTED = "rejected-chunks"
SCENARIO_COPY = "scenario.yaml"
DESIGN = "design.npy"
LOCK = "lock.json"
_CHUNK_NAME = re.compile(r"^chunk-(\d{6,})\.npz$")
_PREFIXES = {"series": "series:", "scalars": "scalar:", "params": "param:"}
_META = "meta"
IDENTITY_FIELDS = ("run_uid", "seed", "members", "sampler", "scenario_sha256", "levers_sha256")
"""The manifest fields a run's identity digest covers."""


class ChunkRejectedError(PosturelabError):
    """A chunk file that cannot be part of the run: unreadable, altered or from another run.

    Attributes
    ----------
    path
        The chunk file.
    reason
        Why it was refused.
    """

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class ChunkIdentity:
    """What a chunk file must say about itself to belong to a run.

    Attributes
    ----------
    run
        The run's identity digest (:func:`run_identity`).
    index
        The chunk's position in the run's chunk plan.
    first, stop
        Its members are ``first .. stop - 1``.
    """

    run: str
    index: int
    first: int
    stop: int


def levers_sha256(levers: Mapping[str, Any]) -> str:
    """SHA-256 of lever settings in a canonical JSON form."""
    text = json.dumps(dict(levers), sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_run_uid() -> str:
    """A fresh random run identifier (kept in the manifest; survives renaming the directory)."""
    return secrets.token_hex(8)


def identity_fields(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``manifest`` that a run's identity covers (see :data:`IDENTITY_FIELDS`)."""
    return {
        "run_uid": manifest.get("run_uid"),
        "seed": manifest.get("seed"),
        "members": manifest.get("members"),
        "sampler": manifest.get("sampler"),
        "scenario_sha256": manifest.get("scenario_sha256"),
        "levers_sha256": levers_sha256(manifest.get("levers") or {}),
    }


def run_identity(manifest: Mapping[str, Any]) -> str:
    """The identity digest of the run ``manifest`` describes (SHA-256 of its identity fields)."""
    text = json.dumps(identity_fields(manifest), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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

    Raises
    ------
    StorageError
        When the operating system refuses a step (full disk, read-only, permissions); the
        temporary file is removed.
    """
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with reported(path):
            with temp.open("wb") as handle:
                write(handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
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


def _checksum(arrays: Mapping[str, np.ndarray]) -> str:
    """SHA-256 over every array's name, dtype, shape and bytes, in name order."""
    digest = hashlib.sha256()
    for name in sorted(arrays):
        value = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}\0{value.dtype.str}\0{value.shape}\0".encode())
        digest.update(value.tobytes())
    return digest.hexdigest()


def write_chunk(run_dir: Path, done: ChunkDone, run: str) -> Path:
    """Write a finished chunk's arrays, identity and checksum to its file, atomically.

    Parameters
    ----------
    run_dir
        The run directory.
    done
        The finished chunk.
    run
        The run's identity digest (:func:`run_identity`).
    """
    output = done.output
    arrays: dict[str, np.ndarray] = {"members": np.asarray(output.members, dtype=np.int64)}
    for group, prefix in _PREFIXES.items():
        for name, values in getattr(output, group).items():
            arrays[prefix + name] = np.asarray(values)
    members = arrays["members"]
    first, stop = (int(members[0]), int(members[-1]) + 1) if members.size else (0, 0)
    meta = {
        "run": run,
        "index": done.index,
        "members": [first, stop],
        "sha256": _checksum(arrays),
    }
    arrays[_META] = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    path = chunk_path(run_dir, done.index)
    atomic_write(path, lambda handle: np.savez(handle, allow_pickle=False, **arrays))
    return path


def read_chunk(path: Path, expected: ChunkIdentity | None = None) -> ChunkOutput:
    """Read a chunk file written by :func:`write_chunk`, verifying its checksum and identity.

    Raises
    ------
    ChunkRejectedError
        When the file cannot be read as a chunk (empty, truncated, random bytes, a damaged
        entry), its checksum does not match its arrays, or (with ``expected``) it belongs to
        another run or another member range.
    """
    arrays = _load_arrays(path)
    meta = _meta_of(path, arrays.pop(_META, None))
    if meta.get("sha256") != _checksum(arrays):
        raise ChunkRejectedError(
            path, "checksum mismatch: the file was altered after it was written"
        )
    if expected is not None:
        if meta.get("run") != expected.run:
            raise ChunkRejectedError(
                path,
                "belongs to another run (its identity - run id, seed, members, sampler, "
                "scenario or levers - differs from this run's)",
            )
        if meta.get("index") != expected.index or meta.get("members") != [
            expected.first,
            expected.stop,
        ]:
            span = meta.get("members")
            raise ChunkRejectedError(
                path,
                f"holds chunk {meta.get('index')} (members {span}) where chunk {expected.index} "
                f"(members [{expected.first}, {expected.stop}]) was expected",
            )
    groups: dict[str, dict[str, np.ndarray]] = {group: {} for group in _PREFIXES}
    members = np.asarray(arrays.pop("members"), dtype=np.int64)
    for key, value in arrays.items():
        for group, prefix in _PREFIXES.items():
            if key.startswith(prefix):
                groups[group][key.removeprefix(prefix)] = value
    return ChunkOutput(members, groups["params"], groups["series"], groups["scalars"])


def _load_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every array of an ``.npz`` file, or a :class:`ChunkRejectedError` saying why not."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ChunkRejectedError(path, f"cannot be read: {error.strerror or error}") from None
    if size == 0:
        raise ChunkRejectedError(path, "the file is empty")
    try:
        with path.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
            arrays = {key: np.asarray(data[key]) for key in data.files}
    except OSError as error:
        raise ChunkRejectedError(path, f"cannot be read: {error.strerror or error}") from None
    except Exception as error:  # numpy and zipfile raise many kinds for a damaged archive
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        if "pickled" in detail:
            detail = "not a NumPy archive of plain arrays"
        raise ChunkRejectedError(
            path, f"not a readable chunk file (truncated or damaged: {detail})"
        ) from None
    if "members" not in arrays:
        raise ChunkRejectedError(path, "not a chunk file (no member indices)")
    return arrays


def _meta_of(path: Path, raw: np.ndarray | None) -> dict[str, Any]:
    if raw is None:
        raise ChunkRejectedError(
            path, "carries no identity or checksum (written by an older version)"
        )
    try:
        meta = json.loads(np.asarray(raw, dtype=np.uint8).tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ChunkRejectedError(path, "its identity record is unreadable") from None
    if not isinstance(meta, dict):
        raise ChunkRejectedError(path, "its identity record is unreadable")
    return meta


def set_aside(run_dir: Path, path: Path) -> Path:
    """Move a refused chunk file to the run's ``rejected-chunks/`` folder; return where."""
    folder = run_dir / REJECTED
    with reported(folder):
        folder.mkdir(exist_ok=True)
        target = folder / path.name
        while target.exists():
            target = folder / f"{path.name}.{secrets.token_hex(2)}"
        shutil.move(str(path), target)
    return target


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


class RunLock:
    """An exclusive, atomic claim on a run directory for the life of this process's work.

    The claim is a ``flock`` on ``chunks/lock.json``, whose text names the holder (process id
    and host). The operating system releases it when the process ends, however it ends. A
    ``lock.json`` naming another live process on this host also counts as held (a lock taken
    where ``flock`` is not shared, such as some network file systems).

    Raises
    ------
    InputError
        On :meth:`acquire`, when another process holds the run.
    """

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`InputError` naming the holder."""
        path = chunk_dir(self.run_dir) / LOCK
        with reported(path):
            handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - kept open while held
        try:
            _flock(handle)
        except BlockingIOError:
            handle.close()
            holder = lock_holder(self.run_dir, alive_only=False)
            named = f"process {holder}" if holder is not None else "another process"
            raise InputError.single(
                str(self.run_dir),
                f"the run is being computed by {named} on this host; not resuming",
            ) from None
        holder = lock_holder(self.run_dir)
        if holder is not None:
            handle.close()
            raise InputError.single(
                str(self.run_dir),
                f"the run is being computed by process {holder} on this host; not resuming",
            )
        payload = json.dumps({"pid": os.getpid(), "host": socket.gethostname()})
        with reported(path):
            handle.seek(0)
            handle.truncate()
            handle.write(payload + "\n")
            handle.flush()
        self._handle = handle

    def release(self) -> None:
        """Give the lock up (the file stays, empty of meaning once unlocked)."""
        if self._handle is None:
            return
        with contextlib.suppress(OSError):
            self._handle.seek(0)
            self._handle.truncate()
        self._handle.close()  # closing the descriptor releases the flock
        self._handle = None

    def __enter__(self) -> RunLock:
        if self._handle is None:
            self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _flock(handle: IO[str]) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: the process-id check still applies
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


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
