"""Running an ensemble: chunks of members through the monthly simulation, then assembly.

:func:`run_ensemble` is the one entry point the command line, the analysis tools and the runners
use. It takes a validated scenario, lever settings and :class:`RunOptions`, and returns a
:class:`EnsembleResult` holding an xarray Dataset (member x month series and per-member scalars)
and the sampled parameters. Chunks are independent: each member's numbers depend only on the seed
and the member's index, never on the chunk size.

:func:`compute_chunks` is the unit underneath: it maps chunks of members over any
:class:`concurrent.futures.Executor` (or runs them in this process when given none), hands each
finished chunk to a callback as soon as it arrives, in whatever order the executor finishes them,
and retries a failing chunk a bounded number of times. The engine knows nothing about the
executors themselves; :mod:`posturelab.runners` builds them.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from posturelab.defaults import DEFAULT_CHUNK as DEFAULT_CHUNK
from posturelab.defaults import DEFAULT_MEMBERS as DEFAULT_MEMBERS
from posturelab.defaults import DEFAULT_SEED as DEFAULT_SEED
from posturelab.engine.compiled import CompiledScenario, compile_scenario
from posturelab.engine.observe import report_done, report_planned
from posturelab.engine.sampling import Sampler, check_finite
from posturelab.engine.simulate import ChunkOutput, simulate_chunk
from posturelab.errors import PosturelabError
from posturelab.scenario.schema import LeverValue, Scenario

if TYPE_CHECKING:
    import xarray as xr

DEFAULT_ATTEMPTS = 3
"""How many times a chunk is tried before the run gives up on it (the first try included)."""
_POLL_S = 0.5
"""Longest uninterrupted wait for a finished chunk (keeps Ctrl-C responsive)."""


@dataclass(frozen=True)
class RunOptions:
    """How to run an ensemble.

    Attributes
    ----------
    members
        Ensemble size (>= 1).
    seed
        Root seed (>= 0); the same seed and size give identical numbers.
    sampler
        Parameter design: ``mc`` (per-member streams), ``lhs`` or ``sobol``.
    chunk_size
        Members per unit of work; results do not depend on it.
    """

    members: int = DEFAULT_MEMBERS
    seed: int = DEFAULT_SEED
    sampler: Sampler = "mc"
    chunk_size: int = DEFAULT_CHUNK

    def __post_init__(self) -> None:
        if self.members < 1:
            raise ValueError(f"members must be >= 1, got {self.members}")
        if self.seed < 0:
            raise ValueError(f"seed must be >= 0, got {self.seed}")
        if self.chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {self.chunk_size}")


@dataclass
class EnsembleResult:
    """An ensemble's outputs: the dataset, and the settings that produced it."""

    dataset: xr.Dataset
    levers: dict[str, LeverValue]
    options: RunOptions
    uncertain: tuple[str, ...]
    timings: dict[str, float] = field(default_factory=dict)


def uncertain_names(scenario: Scenario) -> tuple[str, ...]:
    """Names of the scenario's uncertain parameters, in the column order of a design."""
    return compile_scenario(scenario, scenario.lever_defaults()).uncertain


def chunks(total: int, size: int) -> list[np.ndarray]:
    """Split member indices ``0..total-1`` into consecutive chunks of at most ``size``."""
    return [np.arange(lo, min(lo + size, total), dtype=np.int64) for lo in range(0, total, size)]


@dataclass(frozen=True)
class ChunkDone:
    """A finished chunk: its place in the plan, its outputs and the seconds it took to compute."""

    index: int
    output: ChunkOutput
    compute_s: float


@dataclass(frozen=True)
class ChunkFailure:
    """One failed attempt at a chunk.

    Attributes
    ----------
    index
        The chunk's position in the plan.
    first_member, stop_member
        The chunk's members are ``first_member .. stop_member - 1``.
    attempt
        Which try failed (1 for the first).
    error
        The exception's type and message.
    final
        Whether the chunk was given up on after this attempt.
    """

    index: int
    first_member: int
    stop_member: int
    attempt: int
    error: str
    final: bool

    def as_dict(self) -> dict[str, int | str | bool | list[int]]:
        """Return the failure as a JSON-ready mapping (for a run's manifest)."""
        return {
            "chunk": self.index,
            "members": [self.first_member, self.stop_member],
            "attempt": self.attempt,
            "error": self.error,
            "final": self.final,
        }


class ChunkError(PosturelabError):
    """Chunks that still failed after every allowed attempt.

    The other chunks were finished (and handed to the callback) before this is raised, so a run
    that persists its chunks can be resumed after the cause is fixed.
    """

    def __init__(self, failures: list[ChunkFailure]) -> None:
        self.failures = tuple(failures)
        shown = "; ".join(
            f"chunk {f.index} (members {f.first_member}..{f.stop_member - 1}) failed "
            f"{f.attempt} time{'s' if f.attempt != 1 else ''}: {f.error}"
            for f in self.failures[:3]
        )
        more = len(self.failures) - 3
        super().__init__(shown + (f"; and {more} more chunks" if more > 0 else ""))


def simulate_task(
    model: CompiledScenario,
    seed: int,
    total: int,
    sampler: Sampler,
    index: int,
    members: NDArray[np.int64],
    design_rows: NDArray[np.float64] | None,
) -> ChunkDone:
    """Simulate one chunk and time it: the function every executor runs (picklable, pure)."""
    started = time.perf_counter()
    output = simulate_chunk(model, seed, members, total, sampler, design_rows)
    risks = {k: v for k, v in output.scalars.items() if k.startswith("risk_")}
    check_finite(
        {f"{k} (contests.{k[5:]}.beta x utility)": v for k, v in risks.items()}, "decisions"
    )
    return ChunkDone(index, output, time.perf_counter() - started)


def _describe(error: BaseException) -> str:
    message = str(error).strip().splitlines()
    return type(error).__name__ + (f": {message[0]}" if message else "")


def compute_chunks(
    model: CompiledScenario,
    options: RunOptions,
    plan: Mapping[int, NDArray[np.int64]],
    on_chunk: Callable[[ChunkDone], None],
    *,
    executor: Executor | None = None,
    design: NDArray[np.float64] | None = None,
    chunk_designs: Mapping[int, NDArray[np.float64]] | None = None,
    on_failure: Callable[[ChunkFailure], None] | None = None,
    max_attempts: int = DEFAULT_ATTEMPTS,
) -> None:
    """Compute the chunks of ``plan`` and hand each one to ``on_chunk`` as soon as it is done.

    Parameters
    ----------
    model
        The compiled scenario.
    options
        Seed, ensemble size and sampler (``chunk_size`` is not used: ``plan`` says what to run).
    plan
        Chunk index -> the member indices of that chunk; any subset of a run's chunks (a resumed
        run passes only the missing ones).
    on_chunk
        Called in this thread with every finished chunk, in order of completion. An observer
        opened with :func:`posturelab.engine.observe.observing` is told the members planned
        and the members of each finished chunk.
    executor
        Where to run the chunks; ``None`` runs them one after another in this process, and so
        does a plan of a single chunk (no pool can speed it up; a lazily started one is then
        never started).
    design
        Optional explicit design for the whole ensemble, shape (members, K).
    chunk_designs
        Optional explicit design rows for each chunk of ``plan`` (shape (chunk size, K)), for
        plans whose member indices repeat (sensitivity designs that give every point of a group
        the same member, hence the same random draws); exclusive with ``design``.
    on_failure
        Called in this thread with every failed attempt (including the final one).
    max_attempts
        Tries per chunk (>= 1) before it is given up on.

    Raises
    ------
    ChunkError
        When some chunks failed ``max_attempts`` times (or could not be resubmitted because the
        executor broke); every other chunk has been finished and handed to ``on_chunk`` first.
    """
    if max_attempts < 1:
        raise ValueError(f"max_attempts must be >= 1, got {max_attempts}")
    if design is not None and design.shape[0] != options.members:
        raise ValueError(f"design must have {options.members} rows, got {design.shape[0]}")
    if design is not None and chunk_designs is not None:
        raise ValueError("give design or chunk_designs, not both")
    attempts = dict.fromkeys(plan, 0)
    given_up: list[ChunkFailure] = []
    report_planned(sum(int(members.size) for members in plan.values()))

    def deliver(done: ChunkDone) -> None:
        on_chunk(done)
        report_done(done.output.members.size)

    def args(
        index: int,
    ) -> tuple[
        CompiledScenario, int, int, Sampler, int, NDArray[np.int64], NDArray[np.float64] | None
    ]:
        members = plan[index]
        if chunk_designs is not None:
            rows: NDArray[np.float64] | None = chunk_designs[index]
        else:
            rows = None if design is None else design[members]
        return (model, options.seed, options.members, options.sampler, index, members, rows)

    def failed(index: int, error: BaseException, *, retry: bool) -> bool:
        attempts[index] += 1
        members = plan[index]
        lo, hi = (int(members[0]), int(members[-1]) + 1) if members.size else (0, 0)
        final = not retry or attempts[index] >= max_attempts
        failure = ChunkFailure(index, lo, hi, attempts[index], _describe(error), final)
        if on_failure is not None:
            on_failure(failure)
        if final:
            given_up.append(failure)
        return not final

    if executor is None or len(plan) == 1:
        for index in plan:
            while True:
                try:
                    done = simulate_task(*args(index))
                except Exception as error:
                    if failed(index, error, retry=True):
                        continue
                else:
                    deliver(done)
                break
    else:
        pending: dict[Future[ChunkDone], int] = {}
        finished: queue.SimpleQueue[Future[ChunkDone]] = queue.SimpleQueue()

        def submit(index: int) -> None:
            try:
                future = executor.submit(simulate_task, *args(index))
            except Exception as error:  # a broken or closed executor takes no more work
                failed(index, error, retry=False)
                return
            pending[future] = index
            future.add_done_callback(finished.put)  # runs now if the future is already done

        def handle(future: Future[ChunkDone]) -> None:
            index = pending.pop(future)
            try:
                done = future.result()
            except Exception as error:
                if failed(index, error, retry=True):
                    submit(index)
            else:
                deliver(done)

        try:
            for index in plan:
                submit(index)
                while not finished.empty():  # an in-process executor finishes at submission
                    handle(finished.get_nowait())
            while pending:
                try:
                    handle(finished.get(timeout=_POLL_S))
                except queue.Empty:
                    continue
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    if given_up:
        raise ChunkError(sorted(given_up, key=lambda f: f.index))


def run_ensemble(
    scenario: Scenario,
    levers: Mapping[str, LeverValue],
    options: RunOptions,
    progress: Callable[[int], None] | None = None,
    design: np.ndarray | None = None,
    *,
    executor: Executor | None = None,
    on_chunk: Callable[[ChunkDone], None] | None = None,
) -> EnsembleResult:
    """Simulate the whole ensemble in chunks and assemble the results.

    Parameters
    ----------
    scenario
        A validated scenario.
    levers
        A value for every lever (see :func:`posturelab.scenario.levers.resolve_levers`).
    options
        Ensemble size, seed, sampler and chunk size.
    progress
        Called with the number of members finished after each chunk.
    design
        Optional explicit design, shape (members, K), on the unit hypercube with columns in the
        order of :func:`uncertain_names`; it replaces the sampler (used by sensitivity analysis).
    executor
        Where to run the chunks (see :mod:`posturelab.runners`); ``None`` runs them in this
        process. The result is the same, bit for bit, on every executor.
    on_chunk
        Called with every finished chunk as it arrives (to persist it, for example).

    Raises
    ------
    ChunkError
        When a chunk still fails after :data:`DEFAULT_ATTEMPTS` tries.
    """
    model = compile_scenario(scenario, levers)
    plan = dict(enumerate(chunks(options.members, options.chunk_size)))
    outputs: dict[int, ChunkOutput] = {}

    def collect(done: ChunkDone) -> None:
        outputs[done.index] = done.output
        if on_chunk is not None:
            on_chunk(done)
        if progress is not None:
            progress(done.output.members.size)

    started = time.perf_counter()
    compute_chunks(model, options, plan, collect, executor=executor, design=design)
    dataset = assemble(model, [outputs[i] for i in sorted(outputs)])
    timings = {"simulate_s": time.perf_counter() - started}
    return EnsembleResult(dataset, dict(levers), options, model.uncertain, timings)


def assemble(model: CompiledScenario, outputs: list[ChunkOutput]) -> xr.Dataset:
    """Concatenate chunk outputs (in member order) into one Dataset.

    Series become ``(member, month)`` variables; scalars and sampled parameters ``(member,)``
    variables, parameters under the name ``param:NAME``.
    """
    outputs = sorted(outputs, key=lambda o: int(o.members[0]) if o.members.size else 0)
    members = np.concatenate([o.members for o in outputs])
    data_vars: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    for name in outputs[0].series:
        data_vars[name] = (("member", "month"), np.concatenate([o.series[name] for o in outputs]))
    for name in outputs[0].scalars:
        data_vars[name] = (("member",), np.concatenate([o.scalars[name] for o in outputs]))
    for name in model.uncertain:
        data_vars[f"param:{name}"] = (
            ("member",),
            np.concatenate([o.params[name] for o in outputs]),
        )
    import xarray as xr  # imported here: it is slow to import and only assembly needs it

    return xr.Dataset(
        data_vars, coords={"member": members, "month": np.array(model.months, dtype=object)}
    )
