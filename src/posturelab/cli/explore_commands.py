"""Exploratory analysis commands: compare, claims, sensitivity and discover.

Each analysis runs its ensembles, writes a result directory under ``--runs-dir`` (or ``--out``)
atomically, registers it in the runs directory's catalogue and prints a table (or ``--json``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from posturelab.cli.console import bold, out, print_json
from posturelab.cli.runner_options import (
    RunnerOption,
    SchedulerOption,
    StructureOption,
    WorkersOption,
)
from posturelab.defaults import DEFAULT_RUNNER, DEFAULT_SCENARIO, DEFAULT_SEED

if TYPE_CHECKING:
    from rich.table import Table

    from posturelab.api.rows import CalibrationUsed

# Each command renders the result of one function of posturelab.api; the API, the engine and the
# analyses (scikit-learn, SALib, matplotlib) are imported inside the commands so that the command
# line starts quickly.


def new_table(title: str) -> Table:
    """An empty Rich table with a title (rich is imported on first use)."""
    from rich.table import Table

    return Table(title=title)


ScenarioArg = Annotated[str, typer.Argument(help="A built-in scenario id or a scenario file path.")]
MembersOpt = Annotated[
    int | None,
    typer.Option(
        min=2, max=10_000_000, help="Ensemble size (default 1000, or a calibration's members)."
    ),
]
CalibrationOpt = Annotated[
    Path | None,
    typer.Option(
        "--calibration",
        help="A calibration file (posturelab calibrate): analyse its NROY members.",
    ),
]
SeedOpt = Annotated[int, typer.Option(min=0, max=2**63 - 1, help="Root random seed.")]
RunsDirOpt = Annotated[
    Path, typer.Option("--runs-dir", help="Directory of result directories and the catalogue.")
]
OutOpt = Annotated[
    Path | None,
    typer.Option("--out", help="Result directory to create (default under --runs-dir)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
MonthOpt = Annotated[
    str | None, typer.Option("--month", help="Horizon YYYY-MM (default: the last month).")
]
SetOpt = Annotated[
    list[str] | None, typer.Option("--set", help="Lever override LEVER=VALUE (repeatable).")
]
VariantOpt = Annotated[str | None, typer.Option(help="A named variant of the scenario.")]
FiguresOpt = Annotated[
    bool, typer.Option("--figures/--no-figures", help="Draw the figures (PNG and SVG).")
]


def fmt_num(value: Any, kind: str = "") -> str:
    """A number for a table: percentage points for a probability, thousands separated."""
    if value is None:
        return "-"
    v = float(value)
    if kind == "probability":
        return f"{100 * v:+.3f} pp" if v else "0"
    if v == 0:
        return "0"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"


def fmt_share(value: Any) -> str:
    """A share as a whole percentage (``-`` when missing)."""
    return "-" if value is None else f"{100 * float(value):.0f}%"


def _say_calibrated(used: CalibrationUsed | None) -> None:
    if used is not None:
        out.print(f"calibrated: {used.members_used:,} members from the NROY set of {used.file}")


# ---------------------------------------------------------------------------------------- compare
def compare_command(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    set_: SetOpt = None,
    vs_set: Annotated[
        list[str] | None,
        typer.Option(
            "--vs-set", help="Lever override of setting B, compared against (repeatable)."
        ),
    ] = None,
    variant: VariantOpt = None,
    vs_variant: Annotated[str | None, typer.Option(help="A named variant for setting B.")] = None,
    indicator: Annotated[
        list[str] | None, typer.Option(help="Indicator to compare (repeatable; default all).")
    ] = None,
    members: MembersOpt = None,
    seed: SeedOpt = DEFAULT_SEED,
    month: MonthOpt = None,
    runs_dir: RunsDirOpt = Path("runs"),
    out_dir: OutOpt = None,
    figures: FiguresOpt = True,
    runner: RunnerOption = DEFAULT_RUNNER,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    json_out: JsonOpt = False,
    calibration: CalibrationOpt = None,
    structure: StructureOption = None,
) -> None:
    """Compare setting A (--set) with setting B (--vs-set) on the same members: A - B."""
    from posturelab import api

    result = api.compare(
        scenario,
        set_,
        vs_set,
        variant_a=variant,
        variant_b=vs_variant,
        indicators=indicator,
        members=members,
        seed=seed,
        month=month,
        figures=figures,
        runner=runner,
        workers=workers,
        scheduler=scheduler,
        out=out_dir,
        runs_dir=runs_dir,
        calibration=calibration,
        structure=structure,
    )
    if json_out:
        print_json(result.to_json())
        return
    changes = "; ".join(f"{c.lever}: {c.a} vs {c.b}" for c in result.changes)
    _say_calibrated(result.calibration)
    out.print(
        bold(result.scenario),
        f": A - B on {result.n_members:,} paired members (seed {seed}); "
        f"levers A vs B: {changes or 'identical'}",
        sep="",
    )
    table = new_table("Paired effects A - B (per member; probabilities as per-member risk)")
    for col in ("indicator", "basis", "median", "5%", "95%", "A>B", "A<B", "outcome diff (90%)"):
        table.add_column(col, justify="left" if col in ("indicator", "basis") else "right")
    for e in result.effects:
        kind = e.kind
        diff = "-"
        if e.outcome_diff is not None:
            diff = (
                f"{fmt_num(e.outcome_diff, kind)} "
                f"[{fmt_num(e.outcome_diff_low, kind)}, {fmt_num(e.outcome_diff_high, kind)}]"
            )
        basis = {
            "risk": f"risk by {e.month}",
            "outcome": f"0/1 by {e.month}",
            "horizon_value": f"value at {e.month}",
        }.get(e.basis, e.basis)
        table.add_row(
            e.indicator,
            basis,
            fmt_num(e.p50, kind),
            fmt_num(e.p05, kind),
            fmt_num(e.p95, kind),
            fmt_share(e.share_positive),
            fmt_share(e.share_negative),
            diff,
        )
    out.print(table)
    out.print(f"result directory: {result.run_dir}")


# ----------------------------------------------------------------------------------------- claims
def claims_command(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    claim: Annotated[
        list[str] | None, typer.Option(help="Evaluate only this claim id (repeatable).")
    ] = None,
    members: MembersOpt = None,
    seed: SeedOpt = DEFAULT_SEED,
    runs_dir: RunsDirOpt = Path("runs"),
    out_dir: OutOpt = None,
    figures: FiguresOpt = True,
    runner: RunnerOption = DEFAULT_RUNNER,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    json_out: JsonOpt = False,
    calibration: CalibrationOpt = None,
    structure: StructureOption = None,
    mechanisms: Annotated[
        bool,
        typer.Option(
            "--mechanisms",
            help="Also split each claim's effect among the decision's mechanism channels "
            "(exact Shapley values; a table per claim, a waterfall figure).",
        ),
    ] = False,
    claims_file: Annotated[
        str | None,
        typer.Option(
            "--claims",
            help="YAML file of claims from another analysis (sources: and claims:), audited "
            "against the scenario in place of its own claims.",
        ),
    ] = None,
) -> None:
    """Evaluate the scenario's claims on paired members: effect, share holding, verdict, drivers."""
    from posturelab import api

    result = api.claims(
        scenario,
        claim,
        claims_file=claims_file,
        members=members,
        seed=seed,
        figures=figures,
        runner=runner,
        workers=workers,
        scheduler=scheduler,
        out=out_dir,
        runs_dir=runs_dir,
        calibration=calibration,
        structure=structure,
        mechanisms=mechanisms,
    )
    if json_out:
        keys = (
            *("id", "indicator", "direction", "effect_p05", "effect_p50", "effect_p95"),
            *("share_holds", "verdict", "drivers", "reason", "basis", "horizon"),
            *("material", "material_band", "base_mean", "relative_effect", "effect_mean"),
            "structure",
            *(("mechanisms", "mechanisms_note") if mechanisms else ()),
        )
        print_json([{k: c.get(k) for k in keys} for c in result.to_json()["claims"]])
        return
    _say_calibrated(result.calibration)
    out.print(
        bold(result.scenario),
        f": {len(result.claims)} claims on {result.n_members:,} paired members",
        sep="",
    )
    table = new_table("Claims: effect = treatment - base per member")
    numeric = ("median", "5%", "95%", "relative", "band", "holds")
    for col in ("claim", "indicator", "dir", *numeric, "verdict"):
        table.add_column(col, justify="right" if col in numeric else "left")
    for c in result.claims:
        table.add_row(
            c.id,
            c.indicator,
            {"increase": "+", "decrease": "-"}.get(c.direction, "0"),
            fmt_num(c.effect_p50),
            fmt_num(c.effect_p05),
            fmt_num(c.effect_p95),
            fmt_share(c.relative_effect),
            fmt_num(c.material_band),
            fmt_share(c.share_holds),
            c.verdict,
        )
    out.print(table)
    for c in result.claims:
        out.print(bold(c.id), f": {c.verdict}: {c.reason}", sep="")
        drivers = c.drivers
        if drivers.scores:
            top = ", ".join(f"{d.parameter} ({d.score:.2f})" for d in drivers.scores[:3])
            out.print(f"  drivers of '{drivers.target}': {top}")
        box = drivers.box
        if box is not None and box.limits:
            limits = "; ".join(
                f"{lim.parameter} in [{lim.lower:.4g}, {lim.upper:.4g}]" for lim in box.limits
            )
            out.print(
                f"  PRIM box (coverage {box.coverage:.0%}, density {box.density:.0%}): {limits}"
            )
        for entry in c.structure:
            out.print(
                f"  under {entry['relation']}={entry['form']} ({entry['members']} members): "
                f"{entry['verdict']}, median {fmt_num(entry.get('effect_p50'))}, 90% "
                f"[{fmt_num(entry.get('effect_p05'))}, {fmt_num(entry.get('effect_p95'))}]"
            )
        if c.mechanisms:
            _mechanism_table(c)
    out.print(f"result directory: {result.run_dir}")


def _mechanism_table(c: Any) -> None:
    """A claim's effect by mechanism: one row per active channel, then direct and the total."""
    out.print(f"  {c.id}: effect on {c.indicator} by mechanism (Shapley over channels)")
    table = new_table("")
    numeric = ("mean", "share", "5%", "median", "95%")
    for col in ("channel", *numeric):
        table.add_column(col, justify="right" if col in numeric else "left")
    for m in c.mechanisms:
        if m.active:
            table.add_row(
                m.channel,
                *(fmt_num(m.effect_mean), fmt_share(m.share)),
                *(fmt_num(v) for v in (m.effect_p05, m.effect_p50, m.effect_p95)),
            )
    total = sum(m.effect_mean or 0.0 for m in c.mechanisms)
    table.add_row("total", fmt_num(total), fmt_share(1.0 if total else None), "", "", "")
    out.print(table)
    quiet = [m.channel for m in c.mechanisms if not m.active]
    if quiet:
        out.print(f"  no change in: {', '.join(quiet)}")
    if c.mechanisms_note:
        out.print(f"  {c.mechanisms_note}")


# ------------------------------------------------------------------------------------ sensitivity
def sensitivity_command(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    indicator: Annotated[str, typer.Option(help="The indicator to analyse.")] = "",
    method: Annotated[str, typer.Option(help="sobol or morris.")] = "sobol",
    n: Annotated[
        int,
        typer.Option(
            min=2,
            max=1_048_576,
            help="Sobol: base sample size N (a power of two; N(K+2) evaluations). "
            "Morris: trajectories r (r(K+1) evaluations).",
        ),
    ] = 64,
    seed: SeedOpt = DEFAULT_SEED,
    set_: SetOpt = None,
    variant: VariantOpt = None,
    month: MonthOpt = None,
    runs_dir: RunsDirOpt = Path("runs"),
    out_dir: OutOpt = None,
    figures: FiguresOpt = True,
    runner: RunnerOption = DEFAULT_RUNNER,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    json_out: JsonOpt = False,
    calibration: CalibrationOpt = None,
) -> None:
    """Global sensitivity of one indicator to the uncertain parameters (SALib, Sobol or Morris)."""
    from posturelab import api

    result = api.sensitivity(
        scenario,
        indicator,
        method=method,
        n=n,
        seed=seed,
        levers=set_,
        variant=variant,
        month=month,
        figures=figures,
        runner=runner,
        workers=workers,
        scheduler=scheduler,
        out=out_dir,
        runs_dir=runs_dir,
        calibration=calibration,
    )
    if json_out:
        print_json(result.to_json())
        return
    _say_calibrated(result.calibration)
    out.print(
        bold(result.scenario),
        f": {method} on {indicator}, "
        f"{result.evaluations:,} evaluations over {len(result.rows)} uncertain parameters",
        sep="",
    )
    table = new_table("Most influential parameters")
    sobol = method == "sobol"
    cols = ("parameter", *(("S1", "±", "ST", "±") if sobol else ("mu*", "±", "sigma", "mu")))
    for col in cols:
        table.add_column(col, justify="left" if col == "parameter" else "right")
    for row in result.rows[:15]:
        values = (
            (row.S1, row.S1_conf, row.ST, row.ST_conf)
            if sobol
            else (row.mu_star, row.mu_star_conf, row.sigma, row.mu)
        )
        table.add_row(row.parameter, *("-" if v is None else f"{v:.3g}" for v in values))
    out.print(table)
    for warning in result.warnings:
        out.print(f"warning: {warning}")
    out.print(f"result directory: {result.run_dir}")


# --------------------------------------------------------------------------------------- discover
def discover_command(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    where: Annotated[
        str, typer.Option(help='Cases of interest, e.g. "p_dprk_attack > 0.05 and ...".')
    ] = "",
    members: MembersOpt = None,
    seed: SeedOpt = DEFAULT_SEED,
    set_: SetOpt = None,
    variant: VariantOpt = None,
    month: MonthOpt = None,
    alpha: Annotated[float, typer.Option(min=0.01, max=0.49, help="PRIM peeling fraction.")] = 0.05,
    mass_min: Annotated[
        float, typer.Option(min=0.001, max=0.9, help="Smallest share of members a box may hold.")
    ] = 0.05,
    min_coverage: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Coverage the chosen box must keep.")
    ] = 0.5,
    runs_dir: RunsDirOpt = Path("runs"),
    out_dir: OutOpt = None,
    figures: FiguresOpt = True,
    runner: RunnerOption = DEFAULT_RUNNER,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    json_out: JsonOpt = False,
    calibration: CalibrationOpt = None,
) -> None:
    """Scenario discovery: PRIM over the members' parameters for the cases matching --where."""
    from posturelab import api

    result = api.discover(
        scenario,
        where,
        members=members,
        seed=seed,
        levers=set_,
        variant=variant,
        month=month,
        alpha=alpha,
        mass_min=mass_min,
        min_coverage=min_coverage,
        figures=figures,
        runner=runner,
        workers=workers,
        scheduler=scheduler,
        out=out_dir,
        runs_dir=runs_dir,
        calibration=calibration,
    )
    if json_out:
        print_json(result.to_json())
        return
    _say_calibrated(result.calibration)
    out.print(
        bold(result.scenario),
        f": {result.where}: {result.cases:,} of "
        f"{result.n_members:,} members ({fmt_share(result.share)})",
        sep="",
    )
    box = result.box
    if box is None:
        out.print("no box: the condition holds for no member or for every member")
    else:
        table = new_table(
            f"PRIM box {box.index}: coverage {box.coverage:.0%}, "
            f"density {box.density:.0%}, mass {box.mass:.0%}"
        )
        for col in ("parameter", "lower", "upper"):
            table.add_column(col, justify="left" if col == "parameter" else "right")
        for lim in box.limits:
            table.add_row(lim.parameter, f"{lim.lower:.4g}", f"{lim.upper:.4g}")
        out.print(table)
        top = ", ".join(f"{d.parameter} ({d.score:.2f})" for d in result.scores[:5])
        out.print(f"feature scores: {top}")
    out.print(f"result directory: {result.run_dir}")


def register(app: typer.Typer, fit_app: typer.Typer) -> None:
    """Add the analysis commands to ``app``."""
    del fit_app
    app.command("compare")(compare_command)
    app.command("claims")(claims_command)
    app.command("sensitivity")(sensitivity_command)
    app.command("discover")(discover_command)
