"""The runner options shared by every command that computes ensembles.

A command adopts them with three parameters and one ``with`` block::

    from posturelab.cli.runner_options import RunnerOption, SchedulerOption, WorkersOption
    from posturelab.runners import make_executor

    def compare_command(..., runner: RunnerOption = "local", workers: WorkersOption = None,
                        scheduler: SchedulerOption = None) -> None:
        with make_executor(runner, workers, scheduler) as executor:
            result = run_ensemble(scenario, levers, options, executor=executor)

Invalid values (an unknown runner, ``--workers 0``, a malformed or unreachable scheduler address)
are reported as input errors (exit status 2) by :class:`posturelab.runners.RunnerSpec`.
"""

from __future__ import annotations

from typing import Annotated

import typer

RunnerOption = Annotated[
    str,
    typer.Option(
        "--runner",
        help="Where chunks run: sequential (this process), local (a process pool, one worker "
        "per core) or dask (a Dask cluster; see --scheduler).",
    ),
]
WorkersOption = Annotated[
    int | None,
    typer.Option(
        "--workers",
        help="Worker processes for --runner local or a local Dask cluster (default: one per core).",
    ),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="tcp://HOST:PORT of a running Dask scheduler (with --runner dask); without it a "
        "local cluster is started on 127.0.0.1.",
    ),
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress bar on standard error.")
]
"""Turns off the progress bar that long computations draw on a terminal's standard error."""
