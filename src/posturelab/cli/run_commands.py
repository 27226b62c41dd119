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
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from posturelab.cli.console import bold, clean, out, print_json
from posturelab.cli.progress import progress_bar
from posturelab.cli.runner_options import (
    QuietOption,
    RunnerOption,
    SchedulerOption,
    StructureOption,
    WorkersOption,
)
from posturelab.defaults import DEFAULT_MEMBERS, DEFAULT_RUNNER, DEFAULT_SCENARIO, DEFAULT_SEED

if TYPE_CHECKING:
    from pathlib import Path as _Path

    from posturelab.api import Ensemble
    from posturelab.runners.durable import RunIncompleteError

CalibrationOpt = Annotated[
    Path | None,
    typer.Option(
        "--calibration",
        help="A calibration file (posturelab calibrate): run on its NROY members.",
    ),
]

# The engine, the store and the runners are imported inside the commands, so that the command
# line starts quickly.

EXIT_INCOMPLETE = 1
EXIT_STORAGE = 74
"""A file could not be written (``EX_IOERR`` of ``sysexits.h``)."""
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
MAX_MEMBERS = 10_000_000
"""The largest ensemble ``run`` accepts; memory does not grow with it (outputs are streamed)."""


def _stop(message: str, code: int) -> typer.Exit:
    sys.stderr.write(f"error: {clean(message)}\n")
    return typer.Exit(code)


def _warn(message: str) -> None:
    sys.stderr.write(f"warning: {clean(message)}\n")


def _incomplete(error: RunIncompleteError) -> typer.Exit:
    return _stop(str(error), EXIT_STORAGE if error.storage is not None else EXIT_INCOMPLETE)


def _interrupted(error: KeyboardInterrupt, run_dir: _Path) -> typer.Exit:
    from posturelab.runners.durable import resume_command
    from posturelab.runners.executors import TerminatedError

    terminated = isinstance(error, TerminatedError)
    what = "terminated (SIGTERM)" if terminated else "interrupted"
    return _stop(
        f"{what}; the finished chunks are saved. Resume with: {resume_command(run_dir)}",
        EXIT_TERMINATED if terminated else EXIT_INTERRUPTED,
    )


def run_command(
    scenario: Annotated[
        str, typer.Argument(help="A built-in scenario id or a scenario file path.")
    ] = DEFAULT_SCENARIO,
    members: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=MAX_MEMBERS,
            help="Ensemble size (default 1000, or a calibration's members; at most 10,000,000).",
        ),
    ] = None,
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
    quiet: QuietOption = False,
    calibration: CalibrationOpt = None,
    structure: StructureOption = None,
) -> None:
    """Run a Monte Carlo ensemble of a scenario and write its run directory.

    Chunks are saved as they finish; posturelab resume finishes an interrupted run.
    """
    from posturelab import api
    from posturelab.runners.durable import RunIncompleteError
    from posturelab.runners.executors import sigterm_interrupts
    from posturelab.store import rundir
    from posturelab.store.diskio import StorageError

    loaded = api.load_scenario(scenario)
    name = loaded.scenario.meta.id
    target = out_dir if out_dir is not None else Path("runs") / rundir.new_run_id(name)
    total = members
    if total is None and calibration is not None:
        from posturelab.explore.calibration_file import read_calibration

        total = int(read_calibration(calibration, loaded)["design"].shape[0])
    try:
        with (
            sigterm_interrupts(),
            progress_bar(
                f"{name}: members", total or DEFAULT_MEMBERS, enabled=not (json_out or quiet)
            ) as advance,
        ):
            ensemble = api.run(
                loaded,
                members=members,
                seed=seed,
                levers=set_,
                variant=variant,
                sampler=sampler,
                chunk_size=chunk_size,
                runner=runner,
                workers=workers,
                scheduler=scheduler,
                out=target,
                progress=advance,
                calibration=calibration,
                notify=_warn,
                structure=structure,
            )
    except RunIncompleteError as error:
        raise _incomplete(error) from None
    except StorageError as error:
        raise _stop(str(error), EXIT_STORAGE) from None
    except KeyboardInterrupt as error:
        raise _interrupted(error, target) from None
    if json_out:
        print_json(ensemble.to_json())
        return
    if calibration is not None:
        out.print(
            f"calibrated run: {ensemble.n_members:,} members from the NROY set of {calibration}"
        )
    print_summary(ensemble)


def resume_run_command(
    run_id: Annotated[str, typer.Argument(help="The run's id (its directory name) or path.")],
    runs_dir: Annotated[
        Path, typer.Option("--runs-dir", help="Folder holding the run directories.")
    ] = Path("runs"),
    runner: RunnerOption = DEFAULT_RUNNER,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    quiet: QuietOption = False,
) -> None:
    """Finish an interrupted or failed run, computing only its missing chunks.

    Same numbers, bit for bit, as an uninterrupted run, on any runner.
    """
    from posturelab.api.running import register_run
    from posturelab.runners import RunnerSpec, open_runner
    from posturelab.runners.durable import (
        RunIncompleteError,
        find_run,
        is_complete,
        resume_command,
        resume_run,
    )
    from posturelab.runners.executors import sigterm_interrupts
    from posturelab.store import rundir
    from posturelab.store.diskio import StorageError

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
                progress_bar(
                    f"{manifest.get('scenario', run_dir.name)}: members",
                    members,
                    enabled=not (json_out or quiet),
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
        register_run(run_dir, None, _warn)
        if not json_out:
            out.print(
                f"resumed {run_dir}: {outcome.reused} chunks were on disk, "
                f"{outcome.computed} computed now."
            )
    if json_out:
        print_json(summary)
        return
    from posturelab.api import open_run

    print_summary(open_run(run_dir))


def _fmt(value: float | None, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "probability":
        return f"{100 * value:.2f}%"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4g}"


def print_summary(ensemble: Ensemble) -> None:
    """Print a run's summary table."""
    from rich.table import Table

    changed = ", ".join(f"{k}={v}" for k, v in ensemble.levers.items())
    out.print(
        bold(ensemble.scenario),
        f": {ensemble.n_members:,} members, seed {ensemble.seed}, "
        f"{ensemble.start} to {ensemble.end}",
        sep="",
    )
    out.print(f"levers: {changed}")
    table = Table(title=f"Indicators (probabilities by {ensemble.end}; series at {ensemble.end})")
    for column in ("indicator", "kind", "median", "5%", "95%"):
        table.add_column(column, justify="right" if column in ("median", "5%", "95%") else "left")
    for i in ensemble.indicators:
        table.add_row(i.name, i.kind, _fmt(i.p50, i.kind), _fmt(i.p05, i.kind), _fmt(i.p95, i.kind))
    out.print(table)
    out.print(
        "Probabilities: the estimate with its 90% Wilson interval. Absolute levels rest on each "
        "contest's stated prior; compare variants for effects."
    )
    out.print(f"run directory: {ensemble.run_dir}")


def register(app: typer.Typer, fit_app: typer.Typer) -> None:
    """Add the ``run`` and ``resume`` commands to ``app``."""
    del fit_app
    app.command("run")(run_command)
    app.command("resume")(resume_run_command)
