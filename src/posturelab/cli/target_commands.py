"""The ``targets`` and ``calibrate`` commands: a scenario against published figures.

``posturelab targets`` holds every target of a scenario against an ensemble (optionally a
calibration's NROY members) and prints the table; ``--strict`` exits 1 when a validation target
is inconsistent. ``posturelab calibrate`` runs history matching against the calibration targets
and writes a calibration file that ``--calibration FILE`` feeds to other commands. See
``docs/calibration.md``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from posturelab.cli.console import bold, out, print_json, styled
from posturelab.cli.progress import work_progress
from posturelab.cli.runner_options import (
    QuietOption,
    RunnerOption,
    SchedulerOption,
    WorkersOption,
)
from posturelab.defaults import (
    DEFAULT_CALIBRATION_MEMBERS,
    DEFAULT_CALIBRATION_REPLICATES,
    DEFAULT_CALIBRATION_WAVES,
    DEFAULT_CHUNK,
    DEFAULT_RUNNER,
    DEFAULT_SCENARIO,
    DEFAULT_SEED,
)
from posturelab.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from posturelab.explore.calibration import Calibration

EXIT_INCONSISTENT = 1

ScenarioArg = Annotated[str, typer.Argument(help="A built-in scenario id or a scenario file path.")]
CalibrationOpt = Annotated[
    Path | None,
    typer.Option(
        "--calibration", help="A calibration file: run on its NROY members (posturelab calibrate)."
    ),
]
SeedOpt = Annotated[int, typer.Option(min=0, max=2**63 - 1, help="Root random seed.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _num(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit in ("probability", "0-1", "share") or (0 < abs(value) < 1 and unit == ""):
        return f"{value:.3g}"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _published(row: Any) -> str:
    if row.published_is_range:
        return f"[{_num(row.published_low, row.unit)}, {_num(row.published_high, row.unit)}]"
    sd = (row.published_high - row.published - 0.0) / 2
    return f"{_num(row.published, row.unit)} ± {_num(sd, row.unit)}"


def print_target_table(
    scenario: str, members: int, seed: int, calibration: str | None, rows: Sequence[Any]
) -> None:
    """Print a targets table: each target's published figure against the model's interval."""
    from rich.table import Table

    on = calibration or "the prior"
    out.print(
        bold(scenario),
        f": {len(rows)} targets on {members:,} members (seed {seed}; {on})",
        sep="",
    )
    table = Table(title="Targets: published figure against the model (I = implausibility)")
    for col in ("target", "use", "quantity", "published", "model median", "model 5-95%", "I"):
        table.add_column(col, justify="right" if col in ("I", "model median") else "left")
    table.add_column("status")
    for r in rows:
        colour = {"consistent": "green", "inconsistent": "red"}.get(r.status, "grey50")
        status = r.status + (f" (model {r.direction})" if r.direction else "")
        table.add_row(
            r.id,
            r.use,
            r.quantity,
            _published(r),
            _num(r.model_p50, r.unit),
            f"[{_num(r.model_p05, r.unit)}, {_num(r.model_p95, r.unit)}]",
            "-" if r.implausibility is None else f"{r.implausibility:.2f}",
            styled((status, colour)),
        )
    out.print(table)


def targets_command(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    members: Annotated[
        int | None,
        typer.Option(
            min=2, max=10_000_000, help="Ensemble size (default 1000, or a calibration's members)."
        ),
    ] = None,
    seed: SeedOpt = DEFAULT_SEED,
    calibration: CalibrationOpt = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when a validation target is inconsistent.")
    ] = False,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Directory to create with targets.json and the figure."),
    ] = None,
    runner: RunnerOption = DEFAULT_RUNNER,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    json_out: JsonOpt = False,
    quiet: QuietOption = False,
) -> None:
    """Hold every target of a scenario against its ensemble: figure, model interval, status."""
    from posturelab import api
    from posturelab.store import rundir

    if out_dir is not None:
        rundir.check_target(out_dir)
    with work_progress("targets", enabled=not (json_out or quiet)):
        result = api.targets(
            scenario,
            members=members,
            seed=seed,
            calibration=calibration,
            runner=runner,
            workers=workers,
            scheduler=scheduler,
        )
    document = result.to_json()
    if out_dir is not None:
        _write_targets(out_dir, document, result.plot())
    if json_out:
        print_json(document)
    else:
        print_target_table(
            result.scenario, result.members, result.seed, result.calibration_label, result.rows
        )
        if out_dir is not None:
            out.print(f"result directory: {out_dir}")
    failing = result.inconsistent("validation")
    if strict and failing:
        sys.stderr.write(
            "strict: inconsistent validation targets: " + ", ".join(r.id for r in failing) + "\n"
        )
        raise typer.Exit(EXIT_INCONSISTENT)


def _write_targets(target: Path, document: dict[str, Any], figure: Any) -> None:
    from posturelab.report.target_figures import save
    from posturelab.store import rundir

    with rundir.staging(target) as stage:
        rundir.write_json(stage / "targets.json", document)
        save(figure, stage, "target_intervals")


def calibrate_command(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    waves: Annotated[int, typer.Option(min=1, max=20, help="Waves of history matching.")] = (
        DEFAULT_CALIBRATION_WAVES
    ),
    members: Annotated[
        int, typer.Option(min=2, max=1_000_000, help="Candidates simulated per wave.")
    ] = DEFAULT_CALIBRATION_MEMBERS,
    replicates: Annotated[
        int,
        typer.Option(min=1, max=100, help="Runs of each candidate (its stochastic variance)."),
    ] = DEFAULT_CALIBRATION_REPLICATES,
    seed: SeedOpt = DEFAULT_SEED,
    chunk_size: Annotated[
        int, typer.Option(min=1, help="Members per chunk; results do not depend on it.")
    ] = DEFAULT_CHUNK,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Calibration file to write (default calibration-ID.json)."),
    ] = None,
    figures: Annotated[
        bool, typer.Option("--figures/--no-figures", help="Draw the figures beside the file.")
    ] = True,
    runner: RunnerOption = DEFAULT_RUNNER,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    json_out: JsonOpt = False,
    quiet: QuietOption = False,
) -> None:
    """History matching: rule out the parameter values the calibration targets contradict."""
    from posturelab.explore.calibration import history_match
    from posturelab.explore.calibration_file import check_out, payload, write_calibration
    from posturelab.runners import make_executor
    from posturelab.scenario.loader import load_scenario

    loaded = load_scenario(scenario)
    s = loaded.scenario
    if not any(t.use == "calibration" for t in s.targets):
        raise InputError.single(
            loaded.origin, "the scenario has no target with use: calibration", path="targets"
        )
    path = out_file if out_file is not None else Path(f"calibration-{s.meta.id}.json")
    check_out(path)
    started = time.perf_counter()
    with (
        make_executor(runner, workers, scheduler) as executor,
        work_progress(
            f"{s.meta.id}: calibration",
            enabled=not (json_out or quiet),
            expected=waves * members * replicates,
        ),
    ):
        cal = history_match(
            s,
            loaded.origin,
            loaded.sha256,
            waves=waves,
            members=members,
            replicates=replicates,
            seed=seed,
            executor=executor,
            chunk_size=chunk_size,
        )
    elapsed = time.perf_counter() - started
    drawn: list[str] = []
    if figures and cal.design.shape[0] > 0:
        drawn = _draw_calibration(path, cal)
    write_calibration(path, cal)
    if json_out:
        content = payload(cal)
        content.pop("design")
        content.pop("parameters")
        print_json({**content, "file": str(path), "figures": drawn, "elapsed_s": elapsed})
        return
    print_calibration(cal, path, elapsed, drawn)


def _draw_calibration(path: Path, cal: Calibration) -> list[str]:
    from posturelab.report.target_figures import calibration_ranges, calibration_waves, save

    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    stem = path.stem
    names = save(
        calibration_waves(cal, f"{cal.scenario}: NROY share per wave"), folder, f"{stem}.waves"
    )
    names += save(
        calibration_ranges(cal, f"{cal.scenario}: prior against NROY"), folder, f"{stem}.parameters"
    )
    return [str(folder / n) for n in names]


def print_calibration(cal: Calibration, path: Path, elapsed: float, drawn: list[str]) -> None:
    """Print the waves, the most constrained parameters and the validation targets."""
    from rich.table import Table

    out.print(
        bold(cal.scenario),
        f": {len(cal.waves)} waves of {cal.members:,} candidates x {cal.replicates} replicates "
        f"against {len(cal.calibration_targets)} calibration targets "
        f"({', '.join(cal.calibration_targets)}); {elapsed:.1f} s",
        sep="",
    )
    table = Table(title="Waves: candidates whose largest implausibility is at most 3")
    for col in ("wave", "candidates", "survivors", "share", "median max I", "ruled out by"):
        table.add_column(col, justify="left" if col == "ruled out by" else "right")
    for w in cal.waves:
        table.add_row(
            str(w.wave),
            f"{w.candidates:,}",
            f"{w.survivors:,}",
            f"{100 * w.fraction:.1f}%",
            f"{w.max_implausibility_p50:.2f}",
            ", ".join(f"{k} {v}" for k, v in w.ruled_out_by.items()),
        )
    out.print(table)
    out.print(
        f"share of the prior not ruled out (wave 1): {100 * cal.prior_fraction:.1f}%; "
        f"NROY members kept: {cal.design.shape[0]:,}"
    )
    if cal.design.shape[0] == 0:
        out.print(
            "every candidate was ruled out: the model cannot meet the calibration targets within "
            "the stated uncertainties (see docs/calibration.md)"
        )
    ranges = Table(title="Most constrained parameters: prior 5-95% against NROY")
    for col in ("parameter", "prior 5-95%", "NROY 5-95%", "kept"):
        ranges.add_column(col, justify="left" if col == "parameter" else "right")
    for r in cal.ranges[:10]:
        ranges.add_row(
            r.name,
            f"[{r.prior_p05:.4g}, {r.prior_p95:.4g}]",
            f"[{r.nroy_p05:.4g}, {r.nroy_p95:.4g}]",
            f"{100 * r.kept_share:.0f}%",
        )
    if cal.ranges:
        out.print(ranges)
    if cal.validation is not None:
        v = cal.validation
        print_target_table(v.scenario, v.members, v.seed, v.calibration, v.rows)
    out.print(f"calibration file: {path}")
    for name in drawn:
        if name.endswith(".png"):
            out.print(f"figure: {name}", markup=False)


def register(app: typer.Typer, fit_app: typer.Typer) -> None:
    """Add the ``targets`` and ``calibrate`` commands to ``app``."""
    del fit_app
    app.command("targets")(targets_command)
    app.command("calibrate")(calibrate_command)
