"""Exploratory analysis commands: compare, claims, sensitivity, discover, runs and show-run.

Each analysis runs its ensembles, writes a result directory under ``--runs-dir`` (or ``--out``)
atomically, registers it in the runs directory's catalogue and prints a table (or ``--json``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from posturelab.cli.console import bold, out, print_json
from posturelab.cli.runner_options import RunnerOption, SchedulerOption, WorkersOption
from posturelab.cli.target_commands import CalibrationOpt, load_calibration
from posturelab.engine.indicators import reported_names, scenario_indicators
from posturelab.engine.run import DEFAULT_MEMBERS, DEFAULT_SEED, RunOptions, run_ensemble
from posturelab.engine.run import uncertain_names as uncertain_of
from posturelab.errors import InputError
from posturelab.explore.outcomes import month_index, parameter_matrix
from posturelab.runners import DEFAULT_RUNNER, make_executor
from posturelab.scenario.levers import parse_assignments, resolve_levers
from posturelab.scenario.loader import DEFAULT_SCENARIO, LoadedScenario, load_scenario
from posturelab.store import catalogue, rundir

# The analyses load scikit-learn, SALib and matplotlib; they are imported inside the commands so
# that other commands start quickly.

ScenarioArg = Annotated[str, typer.Argument(help="A built-in scenario id or a scenario file path.")]
MembersOpt = Annotated[int, typer.Option(min=2, max=10_000_000, help="Ensemble size.")]
CalibratedMembersOpt = Annotated[
    int | None,
    typer.Option(
        min=2, max=10_000_000, help="Ensemble size (default 1000, or a calibration's members)."
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


def _target(runs_dir: Path, out_dir: Path | None, loaded: LoadedScenario, kind: str) -> Path:
    target = (
        out_dir
        if out_dir is not None
        else runs_dir / rundir.new_run_id(f"{loaded.scenario.meta.id}-{kind}")
    )
    rundir.check_target(target)
    return target


def _check_month(loaded: LoadedScenario, month: str | None) -> None:
    if month is None:
        return
    import xarray as xr

    s = loaded.scenario
    from posturelab.engine.compiled import compile_scenario

    months = compile_scenario(s, s.lever_defaults()).months
    month_index(xr.Dataset(coords={"month": list(months)}), month)


def _calibrated(
    path: Path | None, loaded: LoadedScenario, members: int | None
) -> tuple[Any, dict[str, Any] | None, int]:
    """The design, manifest record and ensemble size of ``--calibration`` (or the prior)."""
    from posturelab.explore.calibration_file import calibration_record

    design, data = load_calibration(path, loaded, members)
    if design is None or data is None:
        return None, None, members or DEFAULT_MEMBERS
    return design, calibration_record(data, design.shape[0]), design.shape[0]


def _say_calibrated(record: dict[str, Any] | None) -> None:
    if record is not None:
        out.print(
            f"calibrated: {record['members_used']:,} members from the NROY set of {record['file']}",
            markup=False,
        )


def _num(value: Any, kind: str = "") -> str:
    if value is None:
        return "-"
    v = float(value)
    if kind == "probability":
        return f"{100 * v:+.3f} pp" if v else "0"
    if v == 0:
        return "0"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"


def _share(value: Any) -> str:
    return "-" if value is None else f"{100 * float(value):.0f}%"


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
    members: CalibratedMembersOpt = None,
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
) -> None:
    """Compare setting A (--set) with setting B (--vs-set) on the same members: A - B."""
    from posturelab.explore.compare import compare
    from posturelab.report import results

    loaded = load_scenario(scenario)
    s = loaded.scenario
    levers_a = resolve_levers(s, parse_assignments(s, set_ or [], option="--set"), variant)
    levers_b = resolve_levers(s, parse_assignments(s, vs_set or [], option="--vs-set"), vs_variant)
    _check_month(loaded, month)
    design, calibrated, members = _calibrated(calibration, loaded, members)
    target = _target(runs_dir, out_dir, loaded, "compare")
    started = time.perf_counter()
    options = RunOptions(members=members, seed=seed)
    with make_executor(runner, workers, scheduler) as executor:
        comparison = compare(
            s, levers_a, levers_b, options, month=month, executor=executor, design=design
        )
    if indicator:
        known = reported_names(comparison.indicators)
        unknown = [n for n in indicator if n not in known]
        if unknown:
            raise InputError.single(
                "<command line>",
                f"unknown indicator {unknown[0]!r} (indicators: {', '.join(known)})",
                path="--indicator",
            )
        comparison.effects = {n: comparison.effects[n] for n in indicator}
    summary = results.write_comparison(
        target,
        loaded,
        comparison,
        elapsed_s=time.perf_counter() - started,
        runs_dir=runs_dir,
        draw=figures,
        calibration=calibrated,
    )
    if json_out:
        print_json(summary)
        return
    _say_calibrated(calibrated)
    changes = "; ".join(f"{k}: {v['a']} vs {v['b']}" for k, v in summary["levers"].items())
    out.print(
        bold(s.meta.id),
        f": A - B on {members:,} paired members (seed {seed}); "
        f"levers A vs B: {changes or 'identical'}",
        sep="",
    )
    table = Table(title="Paired effects A - B (per member; probabilities as per-member risk)")
    for col in ("indicator", "basis", "median", "5%", "95%", "A>B", "A<B", "outcome diff (90%)"):
        table.add_column(col, justify="left" if col in ("indicator", "basis") else "right")
    for name, e in summary["effects"].items():
        kind = e["kind"]
        diff = "-"
        if e.get("outcome_diff") is not None:
            diff = (
                f"{_num(e['outcome_diff'], kind)} "
                f"[{_num(e['outcome_diff_low'], kind)}, {_num(e['outcome_diff_high'], kind)}]"
            )
        basis = {
            "risk": f"risk by {e['month']}",
            "outcome": f"0/1 by {e['month']}",
            "horizon_value": f"value at {e['month']}",
        }.get(e["basis"], e["basis"])
        table.add_row(
            name,
            basis,
            _num(e["p50"], kind),
            _num(e["p05"], kind),
            _num(e["p95"], kind),
            _share(e["share_positive"]),
            _share(e["share_negative"]),
            diff,
        )
    out.print(table)
    out.print(f"result directory: {summary['run_dir']}")


# ----------------------------------------------------------------------------------------- claims
def claims_command(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    claim: Annotated[
        list[str] | None, typer.Option(help="Evaluate only this claim id (repeatable).")
    ] = None,
    members: CalibratedMembersOpt = None,
    seed: SeedOpt = DEFAULT_SEED,
    runs_dir: RunsDirOpt = Path("runs"),
    out_dir: OutOpt = None,
    figures: FiguresOpt = True,
    runner: RunnerOption = DEFAULT_RUNNER,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    json_out: JsonOpt = False,
    calibration: CalibrationOpt = None,
) -> None:
    """Evaluate the scenario's claims on paired members: effect, share holding, verdict, drivers."""
    from posturelab.explore.claims import evaluate_claims
    from posturelab.report import results

    loaded = load_scenario(scenario)
    s = loaded.scenario
    known = [c.id for c in s.claims]
    if not known:
        raise InputError.single(loaded.origin, "the scenario has no claims", path="claims")
    for c in claim or []:
        if c not in known:
            raise InputError.single(
                "<command line>",
                f"unknown claim {c!r} (claims: {', '.join(known)})",
                path="--claim",
            )
    design, calibrated, members = _calibrated(calibration, loaded, members)
    target = _target(runs_dir, out_dir, loaded, "claims")
    started = time.perf_counter()
    options = RunOptions(members=members, seed=seed)
    with make_executor(runner, workers, scheduler) as executor:
        evaluated = evaluate_claims(s, options, claim, executor=executor, design=design)
    summary = results.write_claims(
        target,
        loaded,
        evaluated,
        options,
        uncertain_of(s),
        elapsed_s=time.perf_counter() - started,
        runs_dir=runs_dir,
        draw=figures,
        calibration=calibrated,
    )
    if json_out:
        keys = ("id", "indicator", "direction", "effect_p05", "effect_p50", "effect_p95")
        print_json(
            [
                {
                    **{k: c[k] for k in keys},
                    "share_holds": c["share_holds"],
                    "verdict": c["verdict"],
                    "drivers": c["drivers"],
                    "reason": c["reason"],
                    "basis": c["basis"],
                    "material": c["material"],
                    "material_band": c["material_band"],
                    "base_mean": c["base_mean"],
                    "relative_effect": c["relative_effect"],
                    "effect_mean": c["effect_mean"],
                    "horizon": c["horizon"],
                }
                for c in summary["claims"]
            ]
        )
        return
    _say_calibrated(calibrated)
    out.print(bold(s.meta.id), f": {len(evaluated)} claims on {members:,} paired members", sep="")
    table = Table(title="Claims: effect = treatment - base per member")
    numeric = ("median", "5%", "95%", "relative", "band", "holds")
    for col in ("claim", "indicator", "dir", *numeric, "verdict"):
        table.add_column(col, justify="right" if col in numeric else "left")
    for c in summary["claims"]:
        table.add_row(
            c["id"],
            c["indicator"],
            "+" if c["direction"] == "increase" else "-",
            _num(c["effect_p50"]),
            _num(c["effect_p05"]),
            _num(c["effect_p95"]),
            _share(c["relative_effect"]),
            _num(c["material_band"]),
            _share(c["share_holds"]),
            c["verdict"],
        )
    out.print(table)
    for c in summary["claims"]:
        out.print(bold(c["id"]), f": {c['verdict']}: {c['reason']}", sep="")
        drivers = c.get("drivers") or {}
        scores = drivers.get("feature_scores") or []
        if scores:
            top = ", ".join(f"{d['parameter']} ({d['score']:.2f})" for d in scores[:3])
            out.print(f"  drivers of '{drivers.get('target')}': {top}", markup=False)
        box = drivers.get("box")
        if box and box.get("limits"):
            limits = "; ".join(
                f"{lim['parameter']} in [{lim['lower']:.4g}, {lim['upper']:.4g}]"
                for lim in box["limits"]
            )
            out.print(
                f"  PRIM box (coverage {box['coverage']:.0%}, density {box['density']:.0%}): "
                f"{limits}",
                markup=False,
            )
    out.print(f"result directory: {summary['run_dir']}")


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
    from posturelab.explore.sensitivity import Method, engine_sensitivity, is_power_of_two
    from posturelab.report import results

    if method not in ("sobol", "morris"):
        raise InputError.single(
            "<command line>", f"--method must be sobol or morris, got {method!r}", path="--method"
        )
    if method == "sobol" and not is_power_of_two(n):
        raise InputError.single(
            "<command line>",
            f"--n must be a power of two for Sobol' sampling (e.g. 64, 128, 256), got {n}",
            path="--n",
        )
    loaded = load_scenario(scenario)
    s = loaded.scenario
    levers = resolve_levers(s, parse_assignments(s, set_ or []), variant)
    _check_month(loaded, month)
    declared = scenario_indicators(s)
    if indicator not in declared:
        raise InputError.single(
            "<command line>",
            f"unknown indicator {indicator!r} (indicators: {', '.join(reported_names(declared))})",
            path="--indicator",
        )
    design, calibrated, _ = _calibrated(calibration, loaded, None)
    box = None if design is None else (design.min(axis=0), design.max(axis=0))
    target = _target(runs_dir, out_dir, loaded, "sensitivity")
    started = time.perf_counter()
    chosen: Method = "sobol" if method == "sobol" else "morris"
    with make_executor(runner, workers, scheduler) as executor:
        try:
            result = engine_sensitivity(
                s,
                levers,
                indicator,
                method=chosen,
                n=n,
                seed=seed,
                month=month,
                executor=executor,
                box=box,
            )
        except ValueError as error:
            raise InputError.single("<command line>", str(error), path="--indicator") from None
    uncertain = uncertain_of(s)
    summary = results.write_sensitivity(
        target,
        loaded,
        result,
        indicator=indicator,
        unit=declared[indicator].unit,
        options=RunOptions(members=result.evaluations, seed=seed),
        levers=levers,
        uncertain=uncertain,
        n=n,
        elapsed_s=time.perf_counter() - started,
        runs_dir=runs_dir,
        draw=figures,
        calibration=calibrated,
    )
    if json_out:
        print_json(summary)
        return
    if calibrated is not None:
        out.print(f"calibrated: within the box of the NROY members of {calibrated['file']}")
    out.print(
        bold(s.meta.id),
        f": {method} on {indicator}, {result.evaluations:,} evaluations "
        f"over {len(uncertain)} uncertain parameters",
        sep="",
    )
    table = Table(title="Most influential parameters")
    cols = (
        ("parameter", "S1", "±", "ST", "±")
        if method == "sobol"
        else ("parameter", "mu*", "±", "sigma", "mu")
    )
    for col in cols:
        table.add_column(col, justify="left" if col == "parameter" else "right")
    keys = (
        ("S1", "S1_conf", "ST", "ST_conf")
        if method == "sobol"
        else ("mu_star", "mu_star_conf", "sigma", "mu")
    )
    for row in result.rows[:15]:
        table.add_row(row["parameter"], *(f"{row[k]:.3g}" for k in keys))
    out.print(table)
    for warning in result.warnings:
        out.print(f"warning: {warning}", markup=False)
    out.print(f"result directory: {summary['run_dir']}")


# --------------------------------------------------------------------------------------- discover
def discover_command(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    where: Annotated[
        str, typer.Option(help='Cases of interest, e.g. "p_dprk_attack > 0.05 and ...".')
    ] = "",
    members: CalibratedMembersOpt = None,
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
    from posturelab.explore.discover import discover, parse_where
    from posturelab.report import results

    if not where.strip():
        raise InputError.single("<command line>", "--where is required", path="--where")
    loaded = load_scenario(scenario)
    s = loaded.scenario
    levers = resolve_levers(s, parse_assignments(s, set_ or []), variant)
    _check_month(loaded, month)
    design, calibrated, members = _calibrated(calibration, loaded, members)
    target_checked = _target(runs_dir, out_dir, loaded, "discover")
    started = time.perf_counter()
    options = RunOptions(members=members, seed=seed)
    with make_executor(runner, workers, scheduler) as executor:
        result = run_ensemble(s, levers, options, executor=executor, design=design)
    declared = scenario_indicators(s)
    conditions = parse_where(where, reported_names(declared))
    found = discover(
        result.dataset,
        conditions,
        declared,
        seed=seed,
        month=month,
        alpha=alpha,
        mass_min=mass_min,
        min_coverage=min_coverage,
    )
    x, names = parameter_matrix(result.dataset)
    summary = results.write_discovery(
        target_checked,
        loaded,
        found,
        options=options,
        levers=levers,
        uncertain=result.uncertain,
        elapsed_s=time.perf_counter() - started,
        runs_dir=runs_dir,
        draw=figures,
        x=x,
        names=names,
        calibration=calibrated,
    )
    if json_out:
        print_json(summary)
        return
    _say_calibrated(calibrated)
    out.print(
        bold(s.meta.id),
        f": {summary['where']}: {summary['cases']:,} of "
        f"{summary['members']:,} members ({_share(summary['share'])})",
        sep="",
    )
    box = summary["box"]
    if box is None:
        out.print("no box: the condition holds for no member or for every member")
    else:
        table = Table(
            title=f"PRIM box {box['index']}: coverage {box['coverage']:.0%}, "
            f"density {box['density']:.0%}, mass {box['mass']:.0%}"
        )
        for col in ("parameter", "lower", "upper"):
            table.add_column(col, justify="left" if col == "parameter" else "right")
        for lim in box["limits"]:
            table.add_row(lim["parameter"], f"{lim['lower']:.4g}", f"{lim['upper']:.4g}")
        out.print(table)
        top = ", ".join(
            f"{d['parameter']} ({d['score']:.2f})" for d in summary["feature_scores"][:5]
        )
        out.print(f"feature scores: {top}", markup=False)
    out.print(f"result directory: {summary['run_dir']}")


# -------------------------------------------------------------------------------- runs, show-run
def runs_command(
    runs_dir: RunsDirOpt = Path("runs"),
    kind: Annotated[str | None, typer.Option(help="Only this kind (run, compare, ...).")] = None,
    scenario: Annotated[str | None, typer.Option(help="Only this scenario id.")] = None,
    rescan: Annotated[
        bool, typer.Option("--rescan", help="First register complete directories not listed.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """List the catalogued runs and analyses, newest first."""
    if rescan:
        catalogue.rescan(runs_dir)
    rows = catalogue.list_runs(runs_dir, kind=kind, scenario=scenario)
    if json_out:
        print_json(rows)
        return
    if not rows:
        out.print(f"no runs catalogued in {runs_dir / catalogue.CATALOGUE}")
        return
    table = Table(title=f"Runs in {runs_dir}")
    for col in ("id", "kind", "created", "members", "seed", "headline"):
        table.add_column(col, justify="right" if col in ("members", "seed") else "left")
    for r in rows:
        mark = "" if r["exists"] else " (missing)"
        table.add_row(
            r["id"] + mark,
            r["kind"],
            r["created"] or "",
            f"{r['members']:,}" if r["members"] is not None else "",
            str(r["seed"]),
            r["headline"] or "",
        )
    out.print(table)


def show_run_command(
    run_id: Annotated[str, typer.Argument(metavar="ID", help="A run id (or a unique prefix).")],
    runs_dir: RunsDirOpt = Path("runs"),
    json_out: JsonOpt = False,
) -> None:
    """Summarise one catalogued run or analysis."""
    row = catalogue.get_run(runs_dir, run_id)
    if json_out:
        print_json(row)
        return
    m = row["manifest"]
    out.print(bold(row["id"]), f" ({row['kind']})", sep="")
    for label, value in (
        ("scenario", f"{m.get('scenario')} (sha256 {str(m.get('scenario_sha256', ''))[:12]})"),
        ("created", m.get("created")),
        ("members", m.get("members")),
        ("seed", m.get("seed")),
        ("sampler", m.get("sampler")),
        ("version", m.get("posturelab_version")),
        ("levers", ", ".join(f"{k}={v}" for k, v in (m.get("levers") or {}).items())),
        ("headline", row.get("headline")),
        ("directory", row["path"] + ("" if row["exists"] else " (missing)")),
    ):
        out.print(f"  {label}: {value}", markup=False)
    summary = row["summary"]
    if row["kind"] == "claims":
        for c in summary.get("claims", []):
            out.print(f"  claim {c['id']}: {c['verdict']} ({c['reason']})", markup=False)
    elif isinstance(summary.get("indicators"), dict):
        for name, stats in summary["indicators"].items():
            kind = summary.get("kinds", {}).get(name, "")
            p50 = stats.get("p50")
            shown = (
                "-"
                if p50 is None
                else (f"{100 * p50:.2f}%" if kind == "probability" else f"{p50:.4g}")
            )
            out.print(f"  {name}: {shown}", markup=False)
    elif isinstance(summary.get("effects"), dict):
        out.print(f"  difference: {summary.get('difference', 'A - B')}", markup=False)
        for name, e in summary["effects"].items():
            if e.get("p50") is None or not (e.get("share_positive") or e.get("share_negative")):
                continue
            out.print(
                f"  {name} ({e['basis']}): median {_num(e['p50'], e['kind'])}, "
                f"5-95% [{_num(e['p05'], e['kind'])}, {_num(e['p95'], e['kind'])}], "
                f"A>B in {_share(e['share_positive'])}, A<B in {_share(e['share_negative'])}",
                markup=False,
            )
    elif isinstance(summary.get("box"), dict):
        for lim in summary["box"]["limits"]:
            out.print(
                f"  box: {lim['parameter']} in [{lim['lower']:.4g}, {lim['upper']:.4g}]",
                markup=False,
            )
    elif isinstance(summary.get("indices"), list):
        for r in summary["indices"][:5]:
            out.print(
                f"  {r['parameter']}: "
                + ", ".join(
                    f"{k}={v:.3g}" for k, v in r.items() if k != "parameter" and v is not None
                ),
                markup=False,
            )
    for name in summary.get("figures", []):
        if name.endswith(".png"):
            out.print(f"  figure: {Path(row['path']) / name}", markup=False)


def register(app: typer.Typer, fit_app: typer.Typer) -> None:
    """Add the analysis and catalogue commands to ``app``."""
    del fit_app
    app.command("compare")(compare_command)
    app.command("claims")(claims_command)
    app.command("sensitivity")(sensitivity_command)
    app.command("discover")(discover_command)
    app.command("runs")(runs_command)
    app.command("show-run")(show_run_command)
