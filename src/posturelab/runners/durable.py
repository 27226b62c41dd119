"""Runs that survive interruption: chunks written as they finish, resumed where they stopped.

:func:`start_run` creates the run directory at once, with a manifest whose status is
``running``, a copy of the scenario text and a lock; it sizes the chunks from a timed pilot chunk
(:mod:`posturelab.runners.sizing`), records the chunk plan in the manifest, and then maps the
chunks over the given executor, writing each finished chunk to ``chunks/chunk-NNNNNN.npz`` as soon
as it arrives. When every chunk is on disk it streams them into ``series.nc`` and
``members.parquet``, writes ``summary.json`` and finally the manifest with status ``complete``;
the chunk folder is then removed (see :mod:`posturelab.runners.drive`).

The manifest records the run's identity (``run_uid`` and the digest ``identity_sha256`` of the
seed, ensemble size, sampler, scenario hash and lever settings); every chunk file carries that
digest and a checksum, so a resume never mixes in a damaged chunk or one from another run, and a
manifest edited after the start (another seed, say) is refused.

If the process is killed, the directory keeps its whole chunks and says ``running``; after Ctrl-C
or SIGTERM it says ``interrupted``; when a chunk fails every allowed attempt (each failure is
recorded in the manifest's ``failures``) or the disk fills up it says ``failed`` and
:class:`RunIncompleteError` is raised. In every such case :func:`resume_run` (``posturelab
resume RUN_ID``) computes only the missing chunks, on any runner, and the result is bit for bit
the one an uninterrupted run gives. Only one process at a time computes a run (:class:`RunLock`).

Numbers that overflow are bad input, not bad luck: the run stops at the first chunk that meets
them, without a retry, and raises a located :class:`~posturelab.errors.ScenarioError`; a new
run's directory is then removed (nothing is left half-written), a resumed one keeps its chunks
and says ``failed``.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

from posturelab.engine.compiled import CompiledScenario, compile_scenario
from posturelab.engine.run import DEFAULT_ATTEMPTS, RunOptions
from posturelab.errors import InputError
from posturelab.runners.drive import (
    Notify,
    Progress,
    RunIncompleteError,
    RunOutcome,
    drive,
    resume_command,
)
from posturelab.runners.executors import OpenRunner
from posturelab.scenario.loader import LoadedScenario, parse_scenario
from posturelab.scenario.schema import LeverValue
from posturelab.scenario.schema_structure import fixed_forms
from posturelab.store import chunks as store
from posturelab.store import diskio, rundir
from posturelab.store.chunks import RunLock

__all__ = [
    "RunIncompleteError",
    "RunLock",
    "RunOutcome",
    "find_run",
    "is_complete",
    "resume_command",
    "resume_run",
    "start_run",
]


def start_run(
    target: Path,
    loaded: LoadedScenario,
    levers: Mapping[str, LeverValue],
    options: RunOptions,
    runner: OpenRunner,
    *,
    variant: str | None = None,
    auto_chunks: bool = True,
    design: NDArray[np.float64] | None = None,
    progress: Progress | None = None,
    max_attempts: int = DEFAULT_ATTEMPTS,
    calibration: Mapping[str, Any] | None = None,
    structure: Mapping[str, str] | None = None,
    notify: Notify | None = None,
) -> RunOutcome:
    """Compute a new run in ``target``, chunk by chunk, resumably.

    Parameters
    ----------
    target
        The run directory to create (absent or empty).
    loaded
        The validated scenario with its text (copied into the run for resuming).
    levers
        A value for every lever.
    options
        Ensemble size, seed and sampler; ``chunk_size`` is used only when ``auto_chunks`` is
        false.
    runner
        The open executor (:func:`posturelab.runners.open_runner`).
    variant
        The scenario variant's name, for the manifest.
    auto_chunks
        Size chunks from a timed pilot (:mod:`posturelab.runners.sizing`) instead of
        ``options.chunk_size``.
    design
        Optional explicit unit-hypercube design, shape (members, K); saved with the run.
    progress
        Called with the number of members in each finished chunk.
    max_attempts
        Tries per chunk before the run gives up on it.
    calibration
        What the manifest records about the calibration file ``design`` came from.
    notify
        Called with a line for each notable event (a chunk file refused and recomputed).
    structure
        The relations fixed to one form (``--structure``), for the manifest; ``loaded`` already
        holds them, and a resumed run fixes them again.

    Raises
    ------
    RunIncompleteError
        When chunks still fail after ``max_attempts`` tries, or the disk fills up (the run stays
        resumable).
    ScenarioError
        When the scenario's numbers overflow in a chunk (at once, without a retry), located in
        the scenario's text; the run directory is removed.
    StorageError
        When the run directory cannot be created (read-only mount, permissions).
    KeyboardInterrupt
        On Ctrl-C (or SIGTERM turned into it), after the manifest says ``interrupted``.
    """
    rundir.check_target(target)
    model = compile_scenario(loaded.scenario, levers)
    if design is not None and design.shape != (options.members, len(model.uncertain)):
        raise ValueError(
            f"design must have shape {(options.members, len(model.uncertain))}, got {design.shape}"
        )
    folder = store.chunk_dir(target)
    with diskio.reported(target):
        existed = target.exists()
        target.mkdir(parents=True, exist_ok=True)
        folder.mkdir()
    try:
        return _start(
            target, loaded, levers, options, runner, model, design, progress, notify,
            variant=variant, auto_chunks=auto_chunks, max_attempts=max_attempts,
            calibration=calibration, structure=structure,
        )  # fmt: skip
    except InputError:  # the scenario's numbers overflow: leave nothing half-written
        _remove(target, keep_folder=existed)
        raise


def _remove(target: Path, *, keep_folder: bool) -> None:
    """Remove what a new run wrote in ``target`` (``target`` itself unless it existed before)."""
    if not keep_folder:
        shutil.rmtree(target, ignore_errors=True)
        return
    for entry in target.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def _start(
    target: Path,
    loaded: LoadedScenario,
    levers: Mapping[str, LeverValue],
    options: RunOptions,
    runner: OpenRunner,
    model: CompiledScenario,
    design: NDArray[np.float64] | None,
    progress: Progress | None,
    notify: Notify | None,
    *,
    variant: str | None,
    auto_chunks: bool,
    max_attempts: int,
    calibration: Mapping[str, Any] | None,
    structure: Mapping[str, str] | None,
) -> RunOutcome:
    folder = store.chunk_dir(target)
    with RunLock(target):
        diskio.make_reserve(folder)
        raw = loaded.text.encode("utf-8")
        store.atomic_write(folder / store.SCENARIO_COPY, lambda handle: handle.write(raw))
        if design is not None:
            rows = np.asarray(design, dtype=np.float64)
            store.atomic_write(folder / store.DESIGN, lambda h: _save_array(h, rows))
        manifest = rundir.run_manifest(
            loaded,
            levers=levers,
            options=options,
            uncertain=model.uncertain,
            variant=variant,
            runner=runner.spec.name,
            status="running",
        )
        manifest.update(
            {
                "run_uid": store.new_run_uid(),
                "workers": runner.workers,
                "chunking": {"rule": "auto" if auto_chunks else "fixed"},
                "chunk_plan": None,
                "max_attempts": max_attempts,
                "resumes": [],
            }
        )
        if calibration is not None:
            manifest["calibration"] = dict(calibration)
        if structure:
            manifest["structure"] = dict(structure)
        manifest["identity_sha256"] = store.run_identity(manifest)
        store.atomic_write_json(target / rundir.MANIFEST, manifest)
        return drive(
            target, loaded, model, manifest, runner, design, progress, max_attempts, notify
        )


def find_run(ref: str, runs_dir: Path) -> Path:
    """The run directory named by ``ref``: a path to one, or a run id inside ``runs_dir``.

    Raises
    ------
    InputError
        When no run directory (a directory with ``manifest.json``) matches.
    """
    for candidate in (runs_dir / ref, Path(ref)):
        if (candidate / rundir.MANIFEST).is_file():
            return candidate
    if runs_dir.exists() and not runs_dir.is_dir():
        raise InputError.single(
            "<command line>", f"{runs_dir} is not a directory", path="--runs-dir"
        )
    open_runs = []
    if runs_dir.is_dir():
        for entry in sorted(runs_dir.iterdir()):
            try:
                status = rundir.read_manifest(entry).get("status")
            except InputError:
                continue
            if status in ("running", "interrupted", "failed"):
                open_runs.append(entry.name)
    hint = f"; unfinished runs there: {', '.join(open_runs)}" if open_runs else ""
    raise InputError.single("<command line>", f"no run {ref!r} in {runs_dir}{hint}", path="RUN_ID")


def is_complete(run_dir: Path) -> bool:
    """Whether ``run_dir`` holds a finished run (runs written in one piece have no status)."""
    manifest = rundir.read_manifest(run_dir)
    return bool(manifest.get("status", "complete") == "complete")


def check_identity(run_dir: Path, manifest: Mapping[str, object]) -> None:
    """Refuse a manifest whose identity fields were changed after the run started.

    Raises
    ------
    InputError
        When the digest of the seed, ensemble size, sampler, scenario hash and levers no longer
        matches the ``identity_sha256`` recorded at the start.
    """
    recorded = manifest.get("identity_sha256")
    if recorded is None:
        return  # a run started before identities were recorded
    if recorded != store.run_identity(manifest):
        raise InputError.single(
            str(run_dir / rundir.MANIFEST),
            "the manifest was changed after the run started: its seed, members, sampler, "
            "scenario hash or levers no longer match the run's recorded identity "
            "(identity_sha256); restore them, or start a new run",
            path="identity_sha256",
        )


def resume_run(
    run_dir: Path,
    runner: OpenRunner,
    *,
    progress: Progress | None = None,
    max_attempts: int | None = None,
    notify: Notify | None = None,
) -> RunOutcome:
    """Finish an unfinished run, computing only its missing chunks.

    Parameters
    ----------
    run_dir
        A run directory whose manifest says ``running``, ``interrupted`` or ``failed``.
    runner
        The open executor; it need not be the one the run started on.
    progress
        Called with the members of the chunks already on disk, then with each finished chunk's.
    max_attempts
        Tries per chunk; by default the run's own setting.
    notify
        Called with a line for each chunk file refused and recomputed.

    Raises
    ------
    InputError
        When the run is complete, is being computed by another process, its manifest is
        unreadable or was edited, or its saved scenario no longer matches its manifest.
    RunIncompleteError
        When chunks still fail after every allowed attempt, or the disk fills up.
    """
    where = str(run_dir)
    if not store.chunk_dir(run_dir).is_dir():
        manifest = rundir.read_manifest(run_dir)
        if manifest.get("status", "complete") == "complete":
            raise InputError.single(where, "the run is already complete; nothing to resume")
        raise InputError.single(where, "the run has no chunks/ folder; it cannot be resumed")
    lock = RunLock(run_dir)
    try:
        lock.acquire()
    except diskio.StorageError:
        if not store.chunk_dir(run_dir).is_dir():  # finished meanwhile by another process
            raise InputError.single(
                where, "the run was completed by another process; nothing to resume"
            ) from None
        raise
    with lock:
        manifest = rundir.read_manifest(run_dir)
        if manifest.get("status", "complete") == "complete":
            raise InputError.single(where, "the run is already complete; nothing to resume")
        check_identity(run_dir, manifest)
        folder = store.chunk_dir(run_dir)
        try:
            raw = (folder / store.SCENARIO_COPY).read_bytes()
        except OSError as error:
            raise InputError.single(
                where, f"cannot read the run's scenario copy: {error.strerror}"
            ) from None
        loaded = parse_scenario(raw, str(manifest["scenario_origin"]))
        if loaded.sha256 != manifest["scenario_sha256"]:
            raise InputError.single(
                where, "the run's scenario copy does not match the hash in its manifest"
            )
        if manifest.get("structure"):
            forms = fixed_forms(loaded.scenario.structure, dict(manifest["structure"]))
            loaded = dataclasses.replace(
                loaded, scenario=loaded.scenario.model_copy(update={"structure": forms})
            )
        design = np.load(folder / store.DESIGN) if (folder / store.DESIGN).is_file() else None
        model = compile_scenario(loaded.scenario, manifest["levers"])
        attempts = max_attempts or int(manifest.get("max_attempts", DEFAULT_ATTEMPTS))
        diskio.make_reserve(folder)
        manifest["status"] = "running"
        manifest.pop("error", None)
        manifest.setdefault("resumes", []).append(
            {"at": rundir.now_utc(), "runner": runner.spec.name, "workers": runner.workers}
        )
        store.atomic_write_json(run_dir / rundir.MANIFEST, manifest)
        return drive(run_dir, loaded, model, manifest, runner, design, progress, attempts, notify)


def _save_array(handle: IO[bytes], array: NDArray[np.float64]) -> None:
    np.save(handle, array, allow_pickle=False)
