"""The ``run`` and ``resume`` commands: an ensemble of a scenario, written to a run directory.

The run directory is created at once; chunks of members are written into it as they finish, on
the chosen runner (``--runner``, ``--workers``, ``--scheduler``), and an interrupted run is
finished by ``posturelab resume RUN_ID`` (see ``docs/scaling.md``).

Exit status: 0 done; 1 chunks failed (resumable); 2 bad input; 74 a storage failure (full
disk, read-only or forbidden location; resumable when the run directory exists); 130 Ctrl-C and
143 SIGTERM (resumable). ``docs/reliability.md`` lists the promises behind these codes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from posturelab.cli.console import out, print_json
from posturelab.cli.runner_options import RunnerOption, SchedulerOption, WorkersOption
from posturelab.engine.run import (
    DEFAULT_CHUNK,
    DEFAULT_MEMBERS,
    DEFAULT_SEED,
    RunOptions,
)
from posturelab.engine.sampling import SAMPLERS
from posturelab.errors import InputError
from posturelab.runners import DEFAULT_RUNNER, RunnerSpec, open_runner
from posturelab.runners.durable import (
    RunIncompleteError,
    find_run,
    is_complete,
    resume_command,
    resume_run,
    start_run,
)
from posturelab.runners.executors import TerminatedError, sigterm_interrupts
from posturelab.scenario.levers import parse_assignments, resolve_levers
from posturelab.scenario.loader import DEFAULT_SCENARIO, load_scenario
from posturelab.store import catalogue, rundir
from posturelab.store.diskio import StorageError

EXIT_INCOMPLETE = 1
EXIT_STORAGE = 74
"""A file could not be written (``EX_IOERR`` of ``sysexits.h``)."""
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
MAX_MEMBERS = 10_000_000
"""The largest ensemble ``run`` accepts; memory does not grow with it (outputs are streamed)."""


@contextmanager
def _progress_bar(
    description: str, total: int, *, enabled: bool, done: int = 0
) -> Iterator[Callable[[int], None]]:
    show = enabled and sys.stderr.isatty()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
        disable=not show,
    ) as bar:
        task = bar.add_task(description, total=total, completed=done)
        yield lambda k: bar.advance(task, k)


def _stop(message: str, code: int) -> typer.Exit:
    sys.stderr.write(f"error: {message}\n")
    return typer.Exit(code)


def _warn(message: str) -> None:
    sys.stderr.write(f"warning: {message}\n")


def _incomplete(error: RunIncompleteError) -> typer.Exit:
    return _stop(str(error), EXIT_STORAGE if error.storage is not None else EXIT_INCOMPLETE)


def _interrupted(error: KeyboardInterrupt, run_dir: Path) -> typer.Exit:
    terminated = isinstance(error, TerminatedError)
    what = "terminated (SIGTERM)" if terminated else "interrupted"
    return _stop(
        f"{what}; the finished chunks are saved. Resume with: {resume_command(run_dir)}",
        EXIT_TERMINATED if terminated else EXIT_INTERRUPTED,
    )


def _catalogue(run_dir: Path) -> None:
    """Register a complete run; a catalogue that cannot be opened only costs a warning."""
    try:
        catalogue.register(run_dir)
    except StorageError as error:
        _warn(
            f"the run is complete in {run_dir} but uncatalogued ({error}); "
            f"register it later with: posturelab runs --rescan --runs-dir {run_dir.parent}"
        )


def run_command(
    scenario: Annotated[
        str, typer.Argument(help="A built-in scenario id or a scenario file path.")
    ] = DEFAULT_SCENARIO,
    members: Annotated[
        int, typer.Option(min=1, max=MAX_MEMBERS, help="Ensemble size (at most 10,000,000).")
    ] = DEFAULT_MEMBERS,
    seed: Annotated[
        int, typer.Option(min=0, max=2**63 - 1, help="Root random seed.")
    ] = DEFAULT_SEED,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Lever override LEVER=VALUE (repeatable).")
    ] = None,
    variant: Annotated[str | None, typer.Option(help="A named variant of the scenario.")] = None,
    sampler: Annotated[str, typer.Option(help="Parameter design: mc, lhs or sobol.")] = "mc",
    chunk_size: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Members per chunk (default: sized from a timed pilot chunk, about 1.5 s of "
            "work per task). Results do not depend on it.",
        ),
    ] = None,
    runner: RunnerOption = DEFAULT_RUNNER,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Run directory to create.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Run a Monte Carlo ensemble of a scenario and write its run directory.

    Chunks are saved as they finish; posturelab resume finishes an interrupted run.
    """
    if sampler not in SAMPLERS:
        raise InputError.single(
            "<command line>",
            f"--sampler must be one of {', '.join(SAMPLERS)}, got {sampler!r}",
            path="--sampler",
        )
    spec = RunnerSpec(runner, workers, scheduler)
    loaded = load_scenario(scenario)
    s = loaded.scenario
    levers = resolve_levers(s, parse_assignments(s, set_ or []), variant)
    options = RunOptions(
        members=members, seed=seed, sampler=sampler, chunk_size=chunk_size or DEFAULT_CHUNK
    )
    target = out_dir if out_dir is not None else Path("runs") / rundir.new_run_id(s.meta.id)
    try:
        rundir.check_target(target)
    except StorageError as error:
        raise _stop(str(error), EXIT_STORAGE) from None

    try:
        with (
            sigterm_interrupts(),
            open_runner(spec) as opened,
            _progress_bar(f"{s.meta.id}: members", members, enabled=not json_out) as advance,
        ):
            outcome = start_run(
                target,
                loaded,
                levers,
                options,
                opened,
                variant=variant,
                auto_chunks=chunk_size is None,
                progress=advance,
                notify=_warn,
            )
    except RunIncompleteError as error:
        raise _incomplete(error) from None
    except StorageError as error:
        raise _stop(str(error), EXIT_STORAGE) from None
    except KeyboardInterrupt as error:
        raise _interrupted(error, target) from None
    summary = outcome.summary
    _catalogue(target)

    if json_out:
        print_json(summary)
        return
    print_summary(summary)


def resume_run_command(
    run_id: Annotated[str, typer.Argument(help="The run's id (its directory name) or path.")],
    runs_dir: Annotated[
        Path, typer.Option("--runs-dir", help="Folder holding the run directories.")
    ] = Path("runs"),
    runner: RunnerOption = DEFAULT_RUNNER,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Finish an interrupted or failed run, computing only its missing chunks.

    Same numbers, bit for bit, as an uninterrupted run, on any runner.
    """
    spec = RunnerSpec(runner, workers, scheduler)
    run_dir = find_run(run_id, runs_dir)
    if is_complete(run_dir):
        if not json_out:
            out.print(f"{run_dir} is already complete; nothing to resume.")
        summary = rundir.read_summary(run_dir)
    else:
        manifest = rundir.read_manifest(run_dir)
        members = int(manifest.get("members", 0))
        try:
            with (
                sigterm_interrupts(),
                open_runner(spec) as opened,
                _progress_bar(
                    f"{manifest.get('scenario', run_dir.name)}: members",
                    members,
                    enabled=not json_out,
                ) as advance,
            ):
                outcome = resume_run(run_dir, opened, progress=advance, notify=_warn)
        except RunIncompleteError as error:
            raise _incomplete(error) from None
        except StorageError as error:
            raise _stop(f"{error}; then run: {resume_command(run_dir)}", EXIT_STORAGE) from None
        except KeyboardInterrupt as error:
            raise _interrupted(error, run_dir) from None
        summary = outcome.summary
        _catalogue(run_dir)
        if not json_out:
            out.print(
                f"resumed {run_dir}: {outcome.reused} chunks were on disk, "
                f"{outcome.computed} computed now."
            )
    if json_out:
        print_json(summary)
        return
    print_summary(summary)


def _fmt(value: float | None, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "probability":
        return f"{100 * value:.2f}%"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4g}"


def print_summary(summary: dict[str, Any]) -> None:
    """Print a run's summary table."""
    changed = ", ".join(f"{k}={v}" for k, v in summary["levers"].items())
    out.print(
        f"[bold]{summary['scenario']}[/bold]: {summary['members']:,} members, "
        f"seed {summary['seed']}, "
        f"{summary['start']} to {summary['end']}"
    )
    out.print(f"levers: {changed}")
    table = Table(
        title=f"Indicators (probabilities by {summary['end']}; series at {summary['end']})"
    )
    for column in ("indicator", "kind", "median", "5%", "95%"):
        table.add_column(column, justify="right" if column in ("median", "5%", "95%") else "left")
    for name, stats in summary["indicators"].items():
        kind = summary["kinds"][name]
        table.add_row(
            name, kind, _fmt(stats["p50"], kind), _fmt(stats["p05"], kind), _fmt(stats["p95"], kind)
        )
    out.print(table)
    out.print(
        "Probabilities: the estimate with its 90% Wilson interval. Absolute levels rest on each "
        "contest's stated prior; compare variants for effects."
    )
    out.print(f"run directory: {summary['run_dir']}")


def register(app: typer.Typer, fit_app: typer.Typer) -> None:
    """Add the ``run`` and ``resume`` commands to ``app``."""
    del fit_app
    app.command("run")(run_command)
    app.command("resume")(resume_run_command)
