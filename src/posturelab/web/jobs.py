"""Jobs of the HTTP API: runs, comparisons, claims and targets in a bounded worker pool.

A :class:`JobRegistry` is created by the application factory and owns a
:class:`~concurrent.futures.ThreadPoolExecutor` of ``max_workers`` threads. A job is accepted only
while fewer than ``max_workers + max_queue`` jobs are queued or running (:class:`QueueFullError`
otherwise). Each job writes its result directory under the server's runs directory exactly as
the command line does, and registers it in the catalogue; its summary, series quantiles and
figure names stay in memory for the client to fetch. Finished jobs beyond ``keep`` are forgotten
oldest first (their result directories stay in the catalogue).

Progress is counted in members for every kind of job: a run's chunks report to it directly, and
the ensembles a comparison, a claims evaluation or a targets table runs report through an
observer (:mod:`posturelab.engine.observe`), whose planned members also grow the job's total.

A job can be cancelled (:meth:`JobRegistry.cancel`): a queued job never starts; a running job
stops at the end of its current chunk (a run's partial directory stays, resumable with
``posturelab resume``; an analysis is abandoned). Either way its status becomes ``cancelled``.

The work itself is :func:`posturelab.web.compute.run_job` (the analysis service); this module
only queues it, counts its progress and keeps its result.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from posturelab.engine.observe import observing
from posturelab.errors import InputError
from posturelab.runners.drive import RunCancelledError
from posturelab.web import compute
from posturelab.web.compute import JobKind, JobRequest, JobResult

__all__ = [
    "Job",
    "JobCancelledError",
    "JobKind",
    "JobRegistry",
    "JobRequest",
    "JobResult",
    "QueueFullError",
]

JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]
FINISHED: tuple[JobStatus, ...] = ("done", "failed", "cancelled")


class QueueFullError(Exception):
    """The server already holds as many queued and running jobs as it accepts."""


class JobCancelledError(RunCancelledError):
    """Raised in a job's worker when its client has cancelled it (a run stays resumable)."""


@dataclass
class Job:
    """One job's request and state.

    Attributes
    ----------
    id
        A random hexadecimal id.
    kind
        ``run``, ``compare``, ``claims`` or ``targets``.
    status
        ``queued``, ``running``, ``done``, ``failed`` or ``cancelled``.
    done, total
        Progress in members (a comparison counts both settings; claims and targets count the
        members of every ensemble they run, and their total grows as each one starts).
    result
        On success: the run or analysis, its series quantiles and figures.
    calibration
        The calibration the job runs on (id, file, sha256, members), or ``None``.
    """

    id: str
    kind: JobKind
    scenario: str
    members: int
    total: int
    status: JobStatus = "queued"
    done: int = 0
    error: str | None = None
    problems: list[dict[str, Any]] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    result: JobResult | None = None
    calibration: dict[str, Any] | None = None
    cancel_requested: threading.Event = field(default_factory=threading.Event, repr=False)
    future: Future[None] | None = field(default=None, repr=False)

    def status_dict(self) -> dict[str, Any]:
        """The job's state as a JSON-ready mapping (without its result)."""
        elapsed = None
        if self.started is not None:
            elapsed = round((self.finished or time.time()) - self.started, 3)
        return {
            "id": self.id,
            "kind": self.kind,
            "scenario": self.scenario,
            "members": self.members,
            "status": self.status,
            "progress": {"done": self.done, "total": self.total},
            "error": self.error,
            "problems": self.problems,
            "elapsed_s": elapsed,
            "run_id": None if self.result is None else self.result.run_id,
            "calibration": self.calibration,
            "cancel_requested": self.cancel_requested.is_set(),
        }


class JobRegistry:
    """The server's jobs and the worker pool that runs them.

    Parameters
    ----------
    runs_dir
        Where result directories and the catalogue live.
    max_workers
        Jobs computed at the same time.
    max_queue
        Jobs allowed to wait beyond those running.
    keep
        Finished jobs remembered.
    runs_budget
        Bytes the runs directory may hold; a job that would exceed it fails (``None``: no limit).
    """

    def __init__(
        self,
        runs_dir: Path,
        max_workers: int,
        max_queue: int,
        keep: int = 64,
        runs_budget: int | None = None,
    ) -> None:
        self.runs_dir = runs_dir
        self.runs_budget = runs_budget
        self.max_workers = max_workers
        self.max_queue = max_queue
        self.keep = keep
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="posturelab")

    def active(self) -> int:
        """Jobs queued or running."""
        with self._lock:
            return sum(1 for j in self._jobs.values() if j.status in ("queued", "running"))

    def submit(self, request: JobRequest) -> Job:
        """Queue a job.

        Raises
        ------
        QueueFullError
            When ``max_workers + max_queue`` jobs are already queued or running.
        """
        total = request.options.members
        if request.kind == "compare":
            total *= 2
        job = Job(
            uuid.uuid4().hex,
            request.kind,
            request.loaded.scenario.meta.id,
            request.options.members,
            max(total, 1),
            calibration=request.calibration_json(),
        )
        with self._lock:
            busy = sum(1 for j in self._jobs.values() if j.status in ("queued", "running"))
            if busy >= self.max_workers + self.max_queue:
                raise QueueFullError(
                    f"{busy} jobs are queued or running; the server accepts at most "
                    f"{self.max_workers + self.max_queue} (try again when one has finished)"
                )
            self._jobs[job.id] = job
            self._forget_old()
        job.future = self._pool.submit(self._execute, job, request)
        return job

    def cancel(self, job_id: str) -> Job | None:
        """Ask a job to stop; the job (``None`` when unknown).

        A queued job is cancelled at once; a running one when its worker next reports progress
        (or ends). A finished job is returned unchanged.
        """
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.status in FINISHED:
                return job
            job.cancel_requested.set()
            if job.status == "queued" and job.future is not None and job.future.cancel():
                job.status = "cancelled"
                job.finished = time.time()
            return job

    def get(self, job_id: str) -> Job | None:
        """The job with this id, or ``None``."""
        with self._lock:
            return self._jobs.get(job_id)

    def all_jobs(self) -> list[Job]:
        """Every remembered job, newest first."""
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: -j.created)

    def shutdown(self) -> None:
        """Stop accepting work, drop queued jobs and wait for the running ones."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.status in FINISHED]
        finished.sort(key=lambda j: j.created)
        for job in finished[: max(0, len(finished) - self.keep)]:
            del self._jobs[job.id]

    def _advance(self, job: Job) -> Callable[[int], None]:
        def advance(k: int) -> None:
            job.done = min(job.total, job.done + k)
            if job.cancel_requested.is_set():
                raise JobCancelledError(job.id)

        return advance

    def _observer(self, job: Job) -> _JobObserver:
        return _JobObserver(job, self._advance(job))

    def _execute(self, job: Job, request: JobRequest) -> None:
        with self._lock:
            if job.cancel_requested.is_set():
                job.status = "cancelled"
                job.finished = time.time()
                return
            job.status = "running"
        job.started = time.time()
        try:
            with observing(self._observer(job)) if job.kind != "run" else nullcontext():
                result = compute.run_job(
                    request, self.runs_dir, self._advance(job), budget=self.runs_budget
                )
            if job.cancel_requested.is_set():
                raise JobCancelledError(job.id)
            job.result = result
            job.done = job.total
            job.status = "done"
        except JobCancelledError:
            job.status = "cancelled"
        except InputError as error:
            job.error = str(error)
            job.problems = [p.as_dict() for p in error.problems]
            job.status = "failed"
        except Exception as error:  # a job's failure is reported to its client, not raised
            job.error = f"{type(error).__name__}: {error}"
            job.status = "failed"
        finally:
            job.finished = time.time()


class _JobObserver:
    """Counts the members of an analysis job's ensembles, and stops it when it is cancelled."""

    def __init__(self, job: Job, advance: Callable[[int], None]) -> None:
        self.job = job
        self.advance = advance
        self.planned_members = 0

    def planned(self, members: int) -> None:
        self.planned_members += members
        if self.planned_members > self.job.total:
            self.job.total = self.planned_members

    def done(self, members: int) -> None:
        self.advance(members)
