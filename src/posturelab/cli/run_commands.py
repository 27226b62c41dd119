"""The ``run`` command: an ensemble of a scenario, written to a run directory."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from posturelab.cli.console import out, print_json
from posturelab.engine.run import (
    DEFAULT_CHUNK,
    DEFAULT_MEMBERS,
    DEFAULT_SEED,
    RunOptions,
    run_ensemble,
)
from posturelab.engine.sampling import SAMPLERS
from posturelab.errors import InputError
from posturelab.scenario.levers import parse_assignments, resolve_levers
from posturelab.scenario.loader import DEFAULT_SCENARIO, load_scenario
from posturelab.store import rundir


def run_command(
    scenario: Annotated[
        str, typer.Argument(help="A built-in scenario id or a scenario file path.")
    ] = DEFAULT_SCENARIO,
    members: Annotated[
        int, typer.Option(min=1, max=10_000_000, help="Ensemble size.")
    ] = DEFAULT_MEMBERS,
    seed: Annotated[
        int, typer.Option(min=0, max=2**63 - 1, help="Root random seed.")
    ] = DEFAULT_SEED,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Lever override LEVER=VALUE (repeatable).")
    ] = None,
    variant: Annotated[str | None, typer.Option(help="A named variant of the scenario.")] = None,
    sampler: Annotated[str, typer.Option(help="Parameter design: mc, lhs or sobol.")] = "mc",
    chunk_size: Annotated[int, typer.Option(min=1, help="Members per chunk.")] = DEFAULT_CHUNK,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Run directory to create.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Run a Monte Carlo ensemble of a scenario and write its run directory."""
    if sampler not in SAMPLERS:
        raise InputError.single(
            "<command line>",
            f"--sampler must be one of {', '.join(SAMPLERS)}, got {sampler!r}",
            path="--sampler",
        )
    loaded = load_scenario(scenario)
    s = loaded.scenario
    levers = resolve_levers(s, parse_assignments(s, set_ or []), variant)
    options = RunOptions(members=members, seed=seed, sampler=sampler, chunk_size=chunk_size)
    target = out_dir if out_dir is not None else Path("runs") / rundir.new_run_id(s.meta.id)
    rundir.check_target(target)

    started = time.perf_counter()
    show_progress = sys.stderr.isatty() and not json_out
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
        disable=not show_progress,
    ) as bar:
        task = bar.add_task(f"{s.meta.id}: members", total=members)
        result = run_ensemble(s, levers, options, progress=lambda k: bar.advance(task, k))
    elapsed = time.perf_counter() - started

    summary = rundir.write_run(
        target, loaded, result, variant=variant, elapsed_s=elapsed, runner="sequential"
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
    """Add the ``run`` command to ``app``."""
    del fit_app
    app.command("run")(run_command)
