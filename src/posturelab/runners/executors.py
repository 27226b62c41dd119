"""The three executors behind ``--runner``: sequential, a local process pool, Dask distributed.

Each is a standard :class:`concurrent.futures.Executor`, so the engine maps chunks over any of
them the same way and gets the same numbers back. :func:`open_runner` builds one from a
:class:`RunnerSpec` and always shuts it down (worker processes, a local Dask cluster, the client's
connection) when its block ends, whatever the reason. Nothing here changes global state on import:
the process pool asks for the ``spawn`` start method through its own context.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, ParamSpec, TypeVar, get_args

from posturelab.errors import InputError

Runner = Literal["sequential", "local", "dask"]
RUNNERS: tuple[str, ...] = get_args(Runner)
DEFAULT_RUNNER: Runner = "local"
CONNECT_TIMEOUT_S = 10.0
"""How long to wait for a Dask scheduler to answer before giving up."""
UNSET_MALLOC_TRIM = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"
"""Dask's nanny gives its workers ``MALLOC_TRIM_THRESHOLD_=65536``, which also freezes glibc's
mmap threshold: every large temporary array of the engine is then mapped and unmapped afresh, and
a chunk takes about a third longer. Local clusters unset it (see ``docs/scaling.md`` for
clusters started by hand)."""

_ADDRESS = re.compile(r"^tcp://(?P<host>[A-Za-z0-9._-]+|\[[0-9A-Fa-f:]+\]):(?P<port>\d{1,5})$")
_P = ParamSpec("_P")
_T = TypeVar("_T")


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the system reports one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - platforms without sched_getaffinity
        return max(1, os.cpu_count() or 1)


def _problem(option: str, message: str) -> InputError:
    return InputError.single("<command line>", message, path=option)


@dataclass(frozen=True)
class RunnerSpec:
    """Which executor to use, validated once at the boundary.

    Attributes
    ----------
    name
        ``sequential`` (in this process, one chunk after another), ``local`` (a process pool on
        this machine) or ``dask`` (Dask distributed).
    workers
        Worker processes for ``local`` and for a local Dask cluster; ``None`` means one per core.
        Ignored by ``sequential``; not allowed with ``scheduler`` (the cluster decides).
    scheduler
        ``tcp://HOST:PORT`` of a running Dask scheduler (``dask`` only); ``None`` starts a local
        cluster on 127.0.0.1.

    Raises
    ------
    InputError
        For an unknown runner, a worker count below 1, or a malformed scheduler address.
    """

    name: str = DEFAULT_RUNNER
    workers: int | None = None
    scheduler: str | None = None

    def __post_init__(self) -> None:
        if self.name not in RUNNERS:
            raise _problem("--runner", f"must be one of {', '.join(RUNNERS)}, got {self.name!r}")
        if self.workers is not None and self.workers < 1:
            raise _problem("--workers", f"must be >= 1, got {self.workers}")
        if self.scheduler is not None:
            if self.name != "dask":
                raise _problem(
                    "--scheduler", f"only applies to --runner dask (got --runner {self.name})"
                )
            if self.workers is not None:
                raise _problem(
                    "--workers",
                    "cannot be combined with --scheduler: the cluster's workers are used",
                )
            match = _ADDRESS.match(self.scheduler)
            if match is None or not 1 <= int(match.group("port")) <= 65535:
                raise _problem(
                    "--scheduler",
                    f"expected tcp://HOST:PORT (port 1-65535), got {self.scheduler!r}",
                )

    @property
    def requested_workers(self) -> int:
        """The worker count asked for (one per core when unspecified); 1 for ``sequential``."""
        if self.name == "sequential":
            return 1
        return self.workers if self.workers is not None else available_cores()


class SequentialExecutor(Executor):
    """An executor that runs each task in the calling thread at the moment it is submitted.

    The returned future is already done (holding the result or the exception), so code written
    for pools runs unchanged, deterministically, under a debugger.
    """

    def __init__(self) -> None:
        self._shutdown = False
        self._lock = threading.Lock()

    def submit(self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> Future[_T]:
        """Run ``fn(*args, **kwargs)`` now and return its finished future."""
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
        future: Future[_T] = Future()
        future.set_running_or_notify_cancel()
        try:
            result = fn(*args, **kwargs)
        except Exception as error:
            future.set_exception(error)
        else:
            future.set_result(result)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Refuse further tasks (nothing is ever pending)."""
        del wait, cancel_futures
        with self._lock:
            self._shutdown = True


WATCHDOG_S = 0.5
"""How often a pool worker checks that the process that started it is still alive."""


class TerminatedError(KeyboardInterrupt):
    """SIGTERM received: handled like Ctrl-C (the run is marked interrupted and can resume)."""


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`TerminatedError` in the main thread.

    A run then stops as after Ctrl-C: its manifest says ``interrupted`` and its pool is shut
    down. Outside the main thread (where signal handlers cannot be set) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: object) -> None:
        raise TerminatedError("terminated by SIGTERM")

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _watch_parent(parent: int) -> None:
    """End this worker as soon as ``parent`` is gone (the worker is then re-parented)."""
    while True:
        if os.getppid() != parent:
            os._exit(1)
        threading.Event().wait(WATCHDOG_S)


def init_worker(threads: int, parent: int | None = None) -> None:
    """Worker initialiser: leave Ctrl-C to the parent, share the cores, die with the parent.

    Each worker's BLAS and OpenMP pools are limited to ``threads`` threads (the cores divided by
    the workers), as Dask does for its workers: without it every worker starts one BLAS thread
    per core, and on a busy machine the spinning threads of one worker steal the cores of the
    others. When ``parent`` (the process id of the process that made the pool) is given, a
    daemon thread ends the worker within :data:`WATCHDOG_S` seconds of the parent's death, even
    a ``SIGKILL`` that leaves the parent no chance to shut its pool down.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if parent is not None:
        if os.getppid() != parent:  # the parent died while this worker started
            os._exit(1)
        threading.Thread(
            target=_watch_parent, args=(parent,), name="parent-watchdog", daemon=True
        ).start()
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads)


def local_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool of ``workers`` processes started with ``spawn`` (safe on every platform).

    The workers end with this process, however it ends (see :func:`init_worker`).
    """
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=init_worker,
        initargs=(max(1, available_cores() // workers), os.getpid()),
    )


class _Lazy(Executor):
    """An executor created on the first submission.

    A run that needs no parallel work (a small ensemble) then starts no processes at all.
    """

    def __init__(self, create: Callable[[], Executor]) -> None:
        self._create = create
        self._inner: Executor | None = None
        self._lock = threading.Lock()

    @property
    def started(self) -> bool:
        """Whether the underlying executor exists."""
        return self._inner is not None

    def get(self) -> Executor:
        """The underlying executor, created on first use."""
        with self._lock:
            if self._inner is None:
                self._inner = self._create()
            return self._inner

    def submit(self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> Future[_T]:
        """Submit to the underlying executor (creating it if needed)."""
        return self.get().submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Shut the underlying executor down, if it was ever created."""
        with self._lock:
            inner = self._inner
        if inner is not None:
            inner.shutdown(wait=wait, cancel_futures=cancel_futures)


@dataclass
class OpenRunner:
    """An executor ready for work, with what a run records about it.

    Attributes
    ----------
    spec
        What was asked for.
    executor
        The executor (for ``local`` and a local Dask cluster, its processes start with the first
        task).
    workers
        How many tasks run at once: the pool size, or the cluster's total threads.
    description
        One line for messages and manifests.
    """

    spec: RunnerSpec
    executor: Executor
    workers: int
    description: str


class _DaskLocal:
    """A local Dask cluster and its client, created on first use (see :func:`open_runner`)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.cluster: Any = None
        self.client: Any = None

    def create(self) -> Executor:
        import dask
        from distributed import Client, LocalCluster

        with dask.config.set({UNSET_MALLOC_TRIM: None}):
            self.cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                scheduler_port=0,
                dashboard_address=None,
                # The scheduler always serves HTTP (health checks); keep it on a free local port
                # rather than the default 8787, which another cluster may hold.
                scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                silence_logs=logging.ERROR,
            )
        self.client = Client(self.cluster, set_as_default=False)  # type: ignore[no-untyped-call]
        executor: Executor = self.client.get_executor(pure=False)
        return executor

    def close(self) -> None:
        try:
            if self.client is not None:
                self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()


def _connect(address: str) -> Any:
    """A client connected to the Dask scheduler at ``address``, or an input error saying why not."""
    from distributed import Client

    try:
        return Client(  # type: ignore[no-untyped-call]
            address, timeout=CONNECT_TIMEOUT_S, set_as_default=False
        )
    except (OSError, TimeoutError) as error:
        raise _problem(
            "--scheduler",
            f"cannot reach the Dask scheduler at {address} within {CONNECT_TIMEOUT_S:g} s: {error}",
        ) from None


@contextmanager
def open_runner(spec: RunnerSpec) -> Iterator[OpenRunner]:
    """Open the executor ``spec`` describes and shut it down when the block ends.

    Parameters
    ----------
    spec
        The runner, worker count and (for Dask) scheduler address.

    Yields
    ------
    OpenRunner
        The executor with its worker count and a description.

    Raises
    ------
    InputError
        When ``spec.scheduler`` names a scheduler that cannot be reached.
    """
    if spec.name == "sequential":
        sequential = SequentialExecutor()
        try:
            yield OpenRunner(spec, sequential, 1, "sequential (this process)")
        finally:
            sequential.shutdown()
        return
    if spec.name == "local":
        workers = spec.requested_workers
        pool = _Lazy(lambda: local_pool(workers))
        try:
            yield OpenRunner(spec, pool, workers, f"local process pool, {workers} workers")
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    if spec.scheduler is not None:
        client = _connect(spec.scheduler)
        try:
            threads = sum(client.nthreads().values())
            executor = client.get_executor(pure=False)
            try:
                yield OpenRunner(
                    spec,
                    executor,
                    max(1, threads),
                    f"dask scheduler {spec.scheduler}, {threads} worker threads",
                )
            finally:
                executor.shutdown(wait=False)
        finally:
            client.close()
        return
    workers = spec.requested_workers
    cluster = _DaskLocal(workers)
    lazy = _Lazy(cluster.create)
    try:
        yield OpenRunner(spec, lazy, workers, f"dask local cluster, {workers} workers")
    finally:
        try:
            if lazy.started:
                lazy.get().shutdown(wait=False)
        finally:
            cluster.close()


@contextmanager
def make_executor(
    runner: str = DEFAULT_RUNNER, workers: int | None = None, scheduler: str | None = None
) -> Iterator[Executor]:
    """Yield the executor for ``--runner``, ``--workers`` and ``--scheduler``, closed afterwards.

    The shortest way for a command to adopt the runner options::

        with make_executor(runner, workers, scheduler) as executor:
            result = run_ensemble(scenario, levers, options, executor=executor)

    Raises
    ------
    InputError
        For invalid options or an unreachable scheduler (exit status 2 on the command line).
    """
    with open_runner(RunnerSpec(runner, workers, scheduler)) as opened:
        yield opened.executor
