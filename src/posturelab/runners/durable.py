"""Runs that survive interruption: chunks written as they finish, resumed where they stopped.

:func:`start_run` creates the run directory at once, with a manifest whose status is
``running``, a copy of the scenario text and a lock; it sizes the chunks from a timed pilot chunk
(:mod:`posturelab.runners.sizing`), records the chunk plan in the manifest, and then maps the
chunks over the given executor, writing each finished chunk to ``chunks/chunk-NNNNNN.npz`` as soon
as it arrives. When every chunk is on disk it reads them back, assembles the ensemble and writes
``series.nc``, ``members.parquet``, ``summary.json`` and finally the manifest with status
``complete``; the chunk folder is then removed.

If the process is killed, the directory keeps its whole chunks and says ``running``; after Ctrl-C
it says ``interrupted``; when a chunk fails every allowed attempt (each failure is recorded in the
manifest's ``failures``) it says ``failed`` and :class:`RunIncompleteError` is raised. In every case
:func:`resume_run` (``posturelab resume RUN_ID``) computes only the missing chunks, on any runner,
and the result is bit for bit the one an uninterrupted run gives.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

from posturelab.engine.compiled import CompiledScenario, compile_scenario
from posturelab.engine.run import (
    DEFAULT_ATTEMPTS,
    ChunkDone,
    ChunkError,
    ChunkFailure,
    EnsembleResult,
    RunOptions,
    assemble,
    compute_chunks,
)
from posturelab.errors import InputError, PosturelabError
from posturelab.runners.executors import OpenRunner
from posturelab.runners.sizing import (
    TARGET_TASK_S,
    chunk_bounds,
    chunk_size_for,
    pilot_size,
    worth_parallel,
)
from posturelab.scenario.loader import LoadedScenario, parse_scenario
from posturelab.scenario.schema import LeverValue
from posturelab.store import chunks as store
from posturelab.store import rundir

Progress = Callable[[int], None]


class RunIncompleteError(PosturelabError):
    """A run that stopped with chunks missing; its directory can be resumed.

    Attributes
    ----------
    run_dir
        The run directory.
    failures
        The chunks given up on.
    """

    def __init__(self, message: str, run_dir: Path, failures: tuple[ChunkFailure, ...]) -> None:
        super().__init__(message)
        self.run_dir = run_dir
        self.failures = failures


@dataclass
class RunOutcome:
    """A finished run: where it is, what it says and how much of it this call computed.

    Attributes
    ----------
    run_dir
        The complete run directory.
    summary, manifest
        The contents of its ``summary.json`` and ``manifest.json``.
    result
        The assembled ensemble.
    computed, reused
        Chunks computed by this call, and chunks found already on disk (a resumed run).
    """

    run_dir: Path
    summary: dict[str, Any]
    manifest: dict[str, Any]
    result: EnsembleResult
    computed: int
    reused: int


def resume_command(run_dir: Path) -> str:
    """The command line that resumes ``run_dir``."""
    return f"posturelab resume {run_dir.name} --runs-dir {run_dir.parent}"


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

    Raises
    ------
    RunIncompleteError
        When chunks still fail after ``max_attempts`` tries (the run stays resumable).
    KeyboardInterrupt
        On Ctrl-C, after the manifest says ``interrupted``.
    """
    rundir.check_target(target)
    model = compile_scenario(loaded.scenario, levers)
    if design is not None and design.shape != (options.members, len(model.uncertain)):
        raise ValueError(
            f"design must have shape {(options.members, len(model.uncertain))}, got {design.shape}"
        )
    target.mkdir(parents=True, exist_ok=True)
    folder = store.chunk_dir(target)
    folder.mkdir()
    store.write_lock(target)
    try:
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
                "workers": runner.workers,
                "chunking": {"rule": "auto" if auto_chunks else "fixed"},
                "chunk_plan": None,
                "max_attempts": max_attempts,
                "resumes": [],
            }
        )
        if calibration is not None:
            manifest["calibration"] = dict(calibration)
        store.atomic_write_json(target / rundir.MANIFEST, manifest)
        return _drive(target, loaded, model, manifest, runner, design, progress, max_attempts)
    finally:
        store.remove_lock(target)


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
    open_runs = []
    if runs_dir.is_dir():
        for entry in sorted(runs_dir.iterdir()):
            try:
                status = rundir.read_manifest(entry).get("status")
            except (OSError, ValueError):
                continue
            if status in ("running", "interrupted", "failed"):
                open_runs.append(entry.name)
    hint = f"; unfinished runs there: {', '.join(open_runs)}" if open_runs else ""
    raise InputError.single("<command line>", f"no run {ref!r} in {runs_dir}{hint}", path="RUN_ID")


def is_complete(run_dir: Path) -> bool:
    """Whether ``run_dir`` holds a finished run (runs written in one piece have no status)."""
    manifest = rundir.read_manifest(run_dir)
    return bool(manifest.get("status", "complete") == "complete")


def resume_run(
    run_dir: Path,
    runner: OpenRunner,
    *,
    progress: Progress | None = None,
    max_attempts: int | None = None,
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

    Raises
    ------
    InputError
        When the run is complete, is being computed by a live process, or its saved scenario
        no longer matches its manifest.
    RunIncompleteError
        When chunks still fail after every allowed attempt.
    """
    manifest = rundir.read_manifest(run_dir)
    where = str(run_dir)
    if manifest.get("status", "complete") == "complete":
        raise InputError.single(where, "the run is already complete; nothing to resume")
    holder = store.lock_holder(run_dir)
    if holder is not None:
        raise InputError.single(
            where, f"the run is being computed by process {holder} on this host; not resuming"
        )
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
    design = np.load(folder / store.DESIGN) if (folder / store.DESIGN).is_file() else None
    model = compile_scenario(loaded.scenario, manifest["levers"])
    attempts = max_attempts or int(manifest.get("max_attempts", DEFAULT_ATTEMPTS))
    store.write_lock(run_dir)
    try:
        manifest["status"] = "running"
        manifest.pop("error", None)
        manifest.setdefault("resumes", []).append(
            {"at": rundir.now_utc(), "runner": runner.spec.name, "workers": runner.workers}
        )
        store.atomic_write_json(run_dir / rundir.MANIFEST, manifest)
        return _drive(run_dir, loaded, model, manifest, runner, design, progress, attempts)
    finally:
        store.remove_lock(run_dir)


def _save_array(handle: IO[bytes], array: NDArray[np.float64]) -> None:
    np.save(handle, array, allow_pickle=False)


def _drive(
    run_dir: Path,
    loaded: LoadedScenario,
    model: CompiledScenario,
    manifest: dict[str, Any],
    runner: OpenRunner,
    design: NDArray[np.float64] | None,
    progress: Progress | None,
    max_attempts: int,
) -> RunOutcome:
    """Plan (if not yet planned), compute the missing chunks, then assemble and finish."""
    manifest_path = run_dir / rundir.MANIFEST
    total = int(manifest["members"])
    options = RunOptions(
        members=total,
        seed=int(manifest["seed"]),
        sampler=manifest["sampler"],
        chunk_size=int(manifest["chunk_size"]),
    )
    timings: dict[str, float] = manifest.setdefault("timings", {})
    started = time.perf_counter()
    computed: set[int] = set()
    in_process = False

    def save(done: ChunkDone) -> None:
        store.write_chunk(run_dir, done)
        computed.add(done.index)
        timings["compute_s"] = round(timings.get("compute_s", 0.0) + done.compute_s, 3)
        if progress is not None:
            progress(done.output.members.size)

    def failed(failure: ChunkFailure) -> None:
        manifest["failures"].append({**failure.as_dict(), "at": rundir.now_utc()})
        store.atomic_write_json(manifest_path, manifest)

    def stop(status: str, error: str | None = None) -> None:
        manifest["status"] = status
        if error is not None:
            manifest["error"] = error
        timings["simulate_s"] = round(
            timings.get("simulate_s", 0.0) + time.perf_counter() - started, 3
        )
        store.atomic_write_json(manifest_path, manifest)

    def plan_chunks() -> None:
        """Size the chunks (timing a pilot chunk under the auto rule) and record the plan."""
        nonlocal in_process, options
        if manifest["chunking"]["rule"] == "auto":
            first = pilot_size(total)
            pilot: list[ChunkDone] = []

            def keep(done: ChunkDone) -> None:
                pilot.append(done)
                save(done)

            compute_chunks(
                model,
                options,
                {0: np.arange(first, dtype=np.int64)},
                keep,
                design=design,
                on_failure=failed,
                max_attempts=max_attempts,
            )
            per_member = pilot[0].compute_s / first
            remaining = total - first
            in_process = not worth_parallel(per_member, remaining)
            if not remaining:
                size = first
            elif in_process:
                size = remaining
            else:
                size = chunk_size_for(per_member, remaining, runner.workers)
            manifest["chunking"].update(
                {
                    "pilot_members": first,
                    "pilot_s": round(pilot[0].compute_s, 4),
                    "seconds_per_member": per_member,
                    "target_task_s": TARGET_TASK_S,
                    "workers": runner.workers,
                    "in_process": in_process,
                }
            )
        else:
            first = size = options.chunk_size
        count = len(chunk_bounds(total, first, size))
        manifest["chunk_size"] = size
        manifest["chunk_plan"] = {"first": first, "size": size, "chunks": count}
        store.atomic_write_json(manifest_path, manifest)
        options = RunOptions(total, options.seed, options.sampler, size)

    bounds: list[tuple[int, int]] = []
    reused: set[int] = set()
    try:
        if manifest.get("chunk_plan") is None:
            plan_chunks()
        plan_spec = manifest["chunk_plan"]
        bounds = chunk_bounds(total, int(plan_spec["first"]), int(plan_spec["size"]))
        on_disk = store.finished_chunks(run_dir)
        reused = (on_disk & set(range(len(bounds)))) - computed
        if progress is not None and reused:
            progress(sum(hi - lo for i, (lo, hi) in enumerate(bounds) if i in reused))
        plan = {
            i: np.arange(lo, hi, dtype=np.int64)
            for i, (lo, hi) in enumerate(bounds)
            if i not in on_disk
        }
        compute_chunks(
            model,
            options,
            plan,
            save,
            executor=None if in_process else runner.executor,
            design=design,
            on_failure=failed,
            max_attempts=max_attempts,
        )
    except ChunkError as error:
        of = f" of {len(bounds)}" if bounds else ""
        message = (
            f"{len(error.failures)}{of} chunks failed after {max_attempts} "
            f"attempts ({error}); the other chunks are saved in {run_dir}. "
            f"Fix the cause, then run: {resume_command(run_dir)}"
        )
        stop("failed", str(error))
        raise RunIncompleteError(message, run_dir, error.failures) from None
    except KeyboardInterrupt:
        stop("interrupted")
        raise
    except Exception as error:
        stop("failed", f"{type(error).__name__}: {error}")
        raise
    timings["simulate_s"] = round(timings.get("simulate_s", 0.0) + time.perf_counter() - started, 3)

    assembling = time.perf_counter()
    outputs = [store.read_chunk(store.chunk_path(run_dir, i)) for i in range(len(bounds))]
    dataset = assemble(model, outputs)
    del outputs
    levers: dict[str, LeverValue] = dict(manifest["levers"])
    result = EnsembleResult(dataset, levers, options, model.uncertain, dict(timings))
    timings["assemble_s"] = round(time.perf_counter() - assembling, 3)
    writing = time.perf_counter()
    manifest["completed"] = rundir.now_utc()
    if manifest["resumes"]:
        manifest["resumes"][-1]["chunks_computed"] = len(computed)
    summary = rundir.finish_in_place(run_dir, loaded, result, manifest)
    timings["write_s"] = round(time.perf_counter() - writing, 3)
    manifest["status"] = "complete"
    store.atomic_write_json(manifest_path, manifest)
    shutil.rmtree(store.chunk_dir(run_dir), ignore_errors=True)
    return RunOutcome(run_dir, summary, manifest, result, len(computed), len(reused))
