"""Driving a chunked run: plan, verify what is on disk, compute what is missing, stream the outputs.

:func:`drive` is the common second half of :func:`posturelab.runners.durable.start_run` and
:func:`~posturelab.runners.durable.resume_run`. In order:

1. **Plan** the chunks, once per run (timing a pilot chunk under the ``auto`` rule), and record the
   plan in the manifest.
2. **Verify** every chunk file already on disk against the run's identity, its member range and
   its checksum (:func:`posturelab.store.chunks.read_chunk`); a file that fails is named, moved
   to ``rejected-chunks/`` (recorded in the manifest's ``rejected_chunks``) and computed again.
3. **Compute** the missing chunks on the runner, writing each one as it arrives.
4. **Stream** the chunks, verified once more, into ``series.nc`` and ``members.parquet`` (one chunk
   in memory at a time, :mod:`posturelab.store.outputs`); a chunk refused at this point is set
   aside and recomputed, and the streaming starts again.
5. **Summarise** from the written files one indicator at a time, and mark the manifest complete.

A storage failure at any step (a full disk, a read-only mount) releases the run's reserve file so
that the manifest can still say ``failed`` with the reason, and is raised as
:class:`~posturelab.runners.durable.RunIncompleteError` with the resume command. Numbers that
overflow (:class:`~posturelab.engine.sampling.NonFiniteError`) stop the run at once, without a
retry (they would overflow again): the manifest says ``failed`` and a
:class:`~posturelab.errors.ScenarioError` points at the scenario's numbers behind them. A caller
that stops a run from its progress callback (:class:`RunCancelledError`, a dashboard job
cancelled by its client) leaves it ``interrupted`` and resumable, as Ctrl-C does.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from posturelab.engine.compiled import CompiledScenario
from posturelab.engine.run import ChunkDone, ChunkError, ChunkFailure, RunOptions, compute_chunks
from posturelab.engine.sampling import NonFiniteError
from posturelab.errors import PosturelabError, Problem, ScenarioError
from posturelab.runners.executors import OpenRunner
from posturelab.runners.sizing import (
    TARGET_TASK_S,
    chunk_bounds,
    chunk_size_for,
    pilot_size,
    worth_parallel,
)
from posturelab.scenario.loader import LoadedScenario, parameter_position
from posturelab.scenario.schema import LeverValue
from posturelab.store import chunks as store
from posturelab.store import diskio, rundir

Progress = Callable[[int], None]
Notify = Callable[[str], None]
ASSEMBLY_TRIES = 3
"""How many times the outputs are streamed when chunks keep being refused at assembly."""


class RunCancelledError(Exception):
    """Raised by a run's progress callback to stop it after the chunk that just finished.

    The chunks already written stay, the manifest says ``interrupted`` (with the reason), and
    ``posturelab resume`` finishes the run with the same numbers as one never stopped.
    """


class RunIncompleteError(PosturelabError):
    """A run that stopped with chunks missing or outputs unwritten; its directory can be resumed.

    Attributes
    ----------
    run_dir
        The run directory.
    failures
        The chunks given up on.
    storage
        The storage failure that stopped the run, if that was the cause.
    """

    def __init__(
        self,
        message: str,
        run_dir: Path,
        failures: tuple[ChunkFailure, ...],
        storage: diskio.StorageError | None = None,
    ) -> None:
        super().__init__(message)
        self.run_dir = run_dir
        self.failures = failures
        self.storage = storage


@dataclass
class RunOutcome:
    """A finished run: where it is, what it says and how much of it this call computed.

    Attributes
    ----------
    run_dir
        The complete run directory.
    summary, manifest
        The contents of its ``summary.json`` and ``manifest.json``.
    computed, reused
        Chunks computed by this call, and chunks found already on disk (a resumed run).
    rejected
        Chunk files refused (damaged or foreign) and computed again by this call.
    """

    run_dir: Path
    summary: dict[str, Any]
    manifest: dict[str, Any]
    computed: int
    reused: int
    rejected: int = 0


def resume_command(run_dir: Path) -> str:
    """The command line that resumes ``run_dir``."""
    return f"posturelab resume {run_dir.name} --runs-dir {run_dir.parent}"


@dataclass
class _Run:
    """The state :func:`drive` threads through its steps."""

    run_dir: Path
    model: CompiledScenario
    manifest: dict[str, Any]
    runner: OpenRunner
    design: NDArray[np.float64] | None
    progress: Progress | None
    notify: Notify | None
    max_attempts: int
    options: RunOptions
    identity: str
    computed: set[int]
    rejected: int = 0
    in_process: bool = False
    bounds: list[tuple[int, int]] = field(default_factory=list)
    space_checked: bool = False

    @property
    def manifest_path(self) -> Path:
        return self.run_dir / rundir.MANIFEST

    def write_manifest(self) -> None:
        store.atomic_write_json(self.manifest_path, self.manifest)

    def save(self, done: ChunkDone) -> None:
        store.write_chunk(self.run_dir, done, self.identity)
        self.computed.add(done.index)
        if self.bounds and not self.space_checked:
            _warn_if_short_of_space(self, store.finished_chunks(self.run_dir))
        timings = self.manifest.setdefault("timings", {})
        timings["compute_s"] = round(timings.get("compute_s", 0.0) + done.compute_s, 3)
        if self.progress is not None:
            self.progress(done.output.members.size)

    def failed(self, failure: ChunkFailure) -> None:
        self.manifest["failures"].append({**failure.as_dict(), "at": rundir.now_utc()})
        self.write_manifest()

    def reject(self, error: store.ChunkRejectedError) -> None:
        """Move a refused chunk file aside, record it and say so."""
        moved = store.set_aside(self.run_dir, error.path) if error.path.exists() else error.path
        self.rejected += 1
        self.manifest.setdefault("rejected_chunks", []).append(
            {
                "file": error.path.name,
                "reason": error.reason,
                "moved_to": str(moved.relative_to(self.run_dir)),
                "at": rundir.now_utc(),
            }
        )
        self.write_manifest()
        if self.notify is not None:
            self.notify(
                f"{error.path}: {error.reason}; moved to {moved}, the chunk is computed again"
            )

    def compute(self, plan: dict[int, NDArray[np.int64]], *, parallel: bool) -> None:
        compute_chunks(
            self.model,
            self.options,
            plan,
            self.save,
            executor=self.runner.executor if parallel and not self.in_process else None,
            design=self.design,
            on_failure=self.failed,
            max_attempts=self.max_attempts,
        )


def drive(
    run_dir: Path,
    loaded: LoadedScenario,
    model: CompiledScenario,
    manifest: dict[str, Any],
    runner: OpenRunner,
    design: NDArray[np.float64] | None,
    progress: Progress | None,
    max_attempts: int,
    notify: Notify | None = None,
) -> RunOutcome:
    """Plan (if not yet planned), verify, compute the missing chunks, then stream and finish."""
    options = RunOptions(
        members=int(manifest["members"]),
        seed=int(manifest["seed"]),
        sampler=manifest["sampler"],
        chunk_size=int(manifest["chunk_size"]),
    )
    run = _Run(
        run_dir,
        model,
        manifest,
        runner,
        design,
        progress,
        notify,
        max_attempts,
        options,
        store.run_identity(manifest),
        set(),
    )
    timings: dict[str, float] = manifest.setdefault("timings", {})
    started = time.perf_counter()
    bounds: list[tuple[int, int]] = []
    reused: set[int] = set()

    simulating = True

    def simulated() -> None:
        nonlocal simulating
        if simulating:
            elapsed = time.perf_counter() - started
            timings["simulate_s"] = round(timings.get("simulate_s", 0.0) + elapsed, 3)
            simulating = False

    def stop(status: str, error: str | None = None) -> None:
        manifest["status"] = status
        if error is not None:
            manifest["error"] = error
        simulated()
        with contextlib.suppress(diskio.StorageError):
            run.write_manifest()

    try:
        if manifest.get("chunk_plan") is None:
            _plan_chunks(run)
        plan_spec = manifest["chunk_plan"]
        bounds = chunk_bounds(options.members, int(plan_spec["first"]), int(plan_spec["size"]))
        run.bounds = bounds
        on_disk = _verified_on_disk(run, bounds)
        _warn_if_short_of_space(run, on_disk)
        reused = on_disk - run.computed
        if progress is not None and reused:
            progress(sum(hi - lo for i, (lo, hi) in enumerate(bounds) if i in reused))
        plan = {
            i: np.arange(lo, hi, dtype=np.int64)
            for i, (lo, hi) in enumerate(bounds)
            if i not in on_disk
        }
        run.compute(plan, parallel=True)
        simulated()
        writing = time.perf_counter()
        _stream(run, loaded, bounds)
        levers: dict[str, LeverValue] = dict(manifest["levers"])
        summary = rundir.summary_from_files(loaded, options, levers, run_dir)
        store.atomic_write_json(run_dir / rundir.SUMMARY, summary)
        timings["write_s"] = round(time.perf_counter() - writing, 3)
        manifest["completed"] = rundir.now_utc()
        if manifest.get("resumes"):
            manifest["resumes"][-1]["chunks_computed"] = len(run.computed)
        manifest["status"] = "complete"
        manifest.pop("error", None)
        run.write_manifest()
    except NonFiniteError as error:
        stop("failed", str(error))
        raise overflow_error(error, loaded) from None
    except ChunkError as error:
        of = f" of {len(bounds)}" if bounds else ""
        message = (
            f"{len(error.failures)}{of} chunks could not be computed ({error}); the other "
            f"chunks are saved in {run_dir}. Fix the cause, then run: {resume_command(run_dir)}"
        )
        stop("failed", str(error))
        raise RunIncompleteError(message, run_dir, error.failures) from None
    except store.ChunkRejectedError as error:
        message = f"chunk refused again at assembly: {error}; run: {resume_command(run_dir)}"
        stop("failed", str(error))
        raise RunIncompleteError(message, run_dir, ()) from None
    except diskio.StorageError as error:
        diskio.release_reserve(store.chunk_dir(run_dir))
        advice = "Free some space" if error.disk_full else "Fix the cause"
        message = (
            f"{error}; the finished chunks are saved in {run_dir}. "
            f"{advice}, then run: {resume_command(run_dir)}"
        )
        stop("failed", str(error))
        raise RunIncompleteError(message, run_dir, (), storage=error) from None
    except KeyboardInterrupt:
        stop("interrupted")
        raise
    except RunCancelledError as error:
        stop("interrupted", f"cancelled by its caller: {error}")
        raise
    except Exception as error:
        stop("failed", f"{type(error).__name__}: {error}")
        raise
    shutil.rmtree(store.chunk_dir(run_dir), ignore_errors=True)
    return RunOutcome(run_dir, summary, manifest, len(run.computed), len(reused), run.rejected)


def overflow_error(error: NonFiniteError, loaded: LoadedScenario) -> ScenarioError:
    """The scenario's numbers behind an overflow, each located in the scenario's text."""
    problems = []
    for name, count in error.counts.items():
        path = error.paths.get(name, "")
        line, column = parameter_position(loaded, path) if path else (None, None)
        what = name if name == path else f"{name!r}"
        problems.append(
            Problem(
                loaded.origin,
                line,
                column,
                path,
                f"{what} is infinite or NaN after {error.stage} in {count} of {error.members} "
                "members: the numbers overflow double precision; narrow this distribution",
            )
        )
    return ScenarioError(problems)


def _plan_chunks(run: _Run) -> None:
    """Size the chunks (timing a pilot chunk under the auto rule) and record the plan."""
    manifest = run.manifest
    total = run.options.members
    if manifest["chunking"]["rule"] == "auto":
        first = pilot_size(total)
        pilot: list[ChunkDone] = []

        def keep(done: ChunkDone) -> None:
            pilot.append(done)
            run.save(done)

        compute_chunks(
            run.model,
            run.options,
            {0: np.arange(first, dtype=np.int64)},
            keep,
            design=run.design,
            on_failure=run.failed,
            max_attempts=run.max_attempts,
        )
        per_member = pilot[0].compute_s / first
        remaining = total - first
        run.in_process = not worth_parallel(per_member, remaining)
        if not remaining:
            size = first
        elif run.in_process:
            size = remaining
        else:
            size = chunk_size_for(per_member, remaining, run.runner.workers)
        manifest["chunking"].update(
            {
                "pilot_members": first,
                "pilot_s": round(pilot[0].compute_s, 4),
                "seconds_per_member": per_member,
                "target_task_s": TARGET_TASK_S,
                "workers": run.runner.workers,
                "in_process": run.in_process,
            }
        )
    else:
        first = size = run.options.chunk_size
    count = len(chunk_bounds(total, first, size))
    manifest["chunk_size"] = size
    manifest["chunk_plan"] = {"first": first, "size": size, "chunks": count}
    run.write_manifest()
    run.options = RunOptions(total, run.options.seed, run.options.sampler, size)


def _warn_if_short_of_space(run: _Run, on_disk: set[int]) -> None:
    """Say at once when the disk cannot hold the rest of the run (its chunks, then its outputs).

    The size per member is measured on a chunk already written; the run is not refused (space
    may be freed meanwhile): it stops cleanly when the disk is full and can then be resumed.
    """
    bounds = run.bounds
    on_disk = on_disk & set(range(len(bounds)))
    if run.notify is None or not on_disk or run.space_checked:
        return
    run.space_checked = True
    sample = min(on_disk)
    lo, hi = bounds[sample]
    try:
        per_member = store.chunk_path(run.run_dir, sample).stat().st_size / max(hi - lo, 1)
    except OSError:
        return
    missing = sum(hi - lo for i, (lo, hi) in enumerate(bounds) if i not in on_disk)
    needed = int(per_member * (missing + run.options.members))  # chunks to come, then outputs
    free = diskio.free_bytes(run.run_dir)
    if diskio.needed_with_margin(needed) > free:
        run.notify(
            f"this run needs about {needed / (1 << 20):,.0f} MiB more disk (chunks, then "
            f"outputs) and {free / (1 << 20):,.0f} MiB are free in {run.run_dir.parent}; it "
            "will stop when the disk is full and can be resumed after making room"
        )


def _expected(run: _Run, bounds: list[tuple[int, int]], index: int) -> store.ChunkIdentity:
    lo, hi = bounds[index]
    return store.ChunkIdentity(run.identity, index, lo, hi)


def _verified_on_disk(run: _Run, bounds: list[tuple[int, int]]) -> set[int]:
    """Chunks on disk that pass verification; the others are set aside."""
    good: set[int] = set()
    for index in sorted(store.finished_chunks(run.run_dir) & set(range(len(bounds)))):
        if index in run.computed:  # written by this call (the pilot): already trusted
            good.add(index)
            continue
        try:
            store.read_chunk(store.chunk_path(run.run_dir, index), _expected(run, bounds, index))
        except store.ChunkRejectedError as error:
            run.reject(error)
        else:
            good.add(index)
    return good


def _stream(run: _Run, loaded: LoadedScenario, bounds: list[tuple[int, int]]) -> None:
    """Write the outputs from the chunk files, recomputing any chunk refused on the way."""
    attrs = {"scenario": loaded.scenario.meta.id, "seed": str(run.options.seed)}

    def read(index: int) -> Any:
        path = store.chunk_path(run.run_dir, index)
        return store.read_chunk(path, _expected(run, bounds, index))

    for attempt in range(1, ASSEMBLY_TRIES + 1):
        try:
            rundir.write_outputs(
                run.run_dir,
                total=run.options.members,
                months=[str(m) for m in run.model.months],
                uncertain=run.model.uncertain,
                attrs=attrs,
                count=len(bounds),
                read=read,
            )
            return
        except store.ChunkRejectedError as error:
            if attempt == ASSEMBLY_TRIES:
                raise
            run.reject(error)
            index = int(error.path.stem.removeprefix("chunk-"))
            lo, hi = bounds[index]
            run.compute({index: np.arange(lo, hi, dtype=np.int64)}, parallel=False)
