"""Commands ``align`` (landscape theory) and ``fit richardson`` (two-bloc arms race).

``posturelab align FILE`` reads actors with sizes and a symmetric propensity matrix (or a list of
pairs) from YAML or JSON and prints the global minimum, every local minimum with its basin and the
cohesion of a named bloc. ``posturelab fit richardson BUDGETS.csv`` fits the two-bloc reduction of
Richardson's model to yearly budgets. The files are read by :mod:`posturelab.data.alignment_file`
and :mod:`posturelab.data.budgets_csv`; every input problem is reported with its file, line,
column and field path.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Any

import typer

from posturelab.cli.console import bold, out, print_json, styled
from posturelab.errors import InputError, Problem

if TYPE_CHECKING:
    import numpy as np

    from posturelab.data.budgets_csv import BlocBudgets
    from posturelab.models.alignment import AlignmentParams
    from posturelab.models.arms_fit import RegressionResult

#: Largest number of actors for which ``align`` enumerates the landscape (annealing beyond).
ALIGN_EXACT_LIMIT = 22
_SHOWN_MINIMA = 25


def _parse_bloc(text: str, names: tuple[str, ...]) -> list[int]:
    index = {name: k for k, name in enumerate(names)}
    members = [m.strip() for m in text.split(",") if m.strip()]
    problems = []
    for m in members:
        if m not in index:
            problems.append(Problem("<command line>", None, None, "--bloc", f"unknown actor {m!r}"))
    if len(set(members)) != len(members):
        problems.append(Problem("<command line>", None, None, "--bloc", "an actor is named twice"))
    if len(members) < 2:
        problems.append(
            Problem(
                "<command line>", None, None, "--bloc", f"a bloc needs two actors, got {text!r}"
            )
        )
    if problems:
        raise InputError(problems)
    return [index[m] for m in members]


def _sides(sides: np.ndarray, names: tuple[str, ...]) -> list[list[str]]:
    return [[names[i] for i in range(len(names)) if int(sides[i]) == s] for s in (0, 1)]


def _clean(value: float) -> float | None:
    return value if math.isfinite(value) else None


def align_report(params: AlignmentParams, bloc: list[int] | None, seed: int) -> dict[str, Any]:
    """Solve an alignment problem and return the JSON-ready report."""
    import numpy as np

    from posturelab.models.alignment import exact_landscape
    from posturelab.models.alignment_solvers import anneal, bloc_cohesion

    names = params.names
    n = params.n_actors
    report: dict[str, Any] = {
        "actors": [
            {"name": nm, "size": float(s)} for nm, s in zip(names, params.sizes, strict=True)
        ]
    }
    if n <= ALIGN_EXACT_LIMIT:
        land = exact_landscape(params)
        report["method"] = "exact"
        report["configurations"] = 1 << (n - 1)
        report["global"] = {
            "sides": _sides(land.sides(land.global_code), names),
            "energy": land.global_energy,
        }
        report["minima"] = [
            {"sides": _sides(land.sides(int(c)), names), "energy": float(e), "basin": int(b)}
            for c, e, b in zip(land.minima, land.minimum_energies, land.basins, strict=True)
        ]
        if bloc is None:
            report["cohesion"] = None
        else:
            coh = bloc_cohesion(land, bloc)
            report["cohesion"] = {
                "bloc": [names[i] for i in coh.bloc],
                "cohesion": coh.cohesion,
                "together_energy": coh.together_energy,
                "split_energy": coh.split_energy,
                "global_splits_bloc": coh.global_splits,
                "cheapest_together": {"sides": _sides(land.sides(coh.together_code), names)},
                "cheapest_split": {"sides": _sides(land.sides(coh.split_code), names)},
            }
    else:
        found = anneal(params, np.random.default_rng(seed))
        report["method"] = "annealing"
        report["seed"] = seed
        report["global"] = {"sides": _sides(found.sides, names), "energy": found.energy}
        report["minima"] = []
        report["cohesion"] = None
    return report


def _print_align(report: dict[str, Any]) -> None:
    from rich.table import Table

    n = len(report["actors"])
    if report["method"] == "exact":
        head = f"{n} actors; exact search over {report['configurations']:,} configurations"
    else:
        head = (
            f"{n} actors; more than {ALIGN_EXACT_LIMIT}, so simulated annealing (seed "
            f"{report['seed']}): the best configuration found, minima not enumerated"
        )
    out.print(styled(head))
    g = report["global"]
    out.print(bold(f"Global minimum: E = {g['energy']:.6g}"))
    for k, side in enumerate(g["sides"], start=1):
        out.print(styled(f"  side {k}: {', '.join(side) or '(empty)'}"))
    minima = report["minima"]
    if minima:
        total = sum(m["basin"] for m in minima)
        table = Table(title=f"Local minima ({len(minima)})", title_justify="left")
        for col in ("#", "energy", "basin", "share", "side 1", "side 2"):
            table.add_column(
                col, justify="right" if col in {"#", "energy", "basin", "share"} else "left"
            )
        for k, m in enumerate(minima[:_SHOWN_MINIMA], start=1):
            table.add_row(
                str(k),
                f"{m['energy']:.6g}",
                f"{m['basin']:,}",
                f"{m['basin'] / total:.1%}",
                styled(", ".join(m["sides"][0])),
                styled(", ".join(m["sides"][1])),
            )
        out.print(table)
        if len(minima) > _SHOWN_MINIMA:
            out.print(styled(f"… and {len(minima) - _SHOWN_MINIMA} more (see --json)"))
    coh = report["cohesion"]
    if coh is not None:
        bloc = ", ".join(coh["bloc"])
        state = "splits the bloc" if coh["global_splits_bloc"] else "keeps the bloc together"
        out.print(bold(f"Cohesion of bloc {{{bloc}}}: {coh['cohesion']:.6g}"))
        out.print(
            styled(
                f"  the global minimum {state}; cheapest configuration with the bloc "
                f"together: "
                f"E = {coh['together_energy']:.6g}; cheapest split: E = {coh['split_energy']:.6g}"
            )
        )


def align_command(
    file: Annotated[str, typer.Argument(help="YAML or JSON file with actors and propensities.")],
    bloc: Annotated[
        str | None,
        typer.Option("--bloc", help="Comma-separated actor names whose cohesion to report."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    seed: Annotated[
        int,
        typer.Option(
            "--seed", help=f"Seed of the annealing used above {ALIGN_EXACT_LIMIT} actors."
        ),
    ] = 0,
) -> None:
    """Predict alignments by landscape theory (Axelrod & Bennett 1993): minima, basins, cohesion."""
    from posturelab.data.alignment_file import read_alignment_file

    params = read_alignment_file(file)
    members = None if bloc is None else _parse_bloc(bloc, params.names)
    if members is not None and params.n_actors > ALIGN_EXACT_LIMIT:
        raise InputError.single(
            "<command line>",
            f"--bloc needs the exact search, which handles at most {ALIGN_EXACT_LIMIT} actors "
            f"(this file has {params.n_actors})",
            path="--bloc",
        )
    report = align_report(params, members, seed)
    if as_json:
        print_json(report)
    else:
        _print_align(report)


# --------------------------------------------------------------------------------------------------
# Richardson fit from a CSV of budgets
# --------------------------------------------------------------------------------------------------


def _regression_payload(result: RegressionResult) -> dict[str, Any]:
    trend = result.trend
    return {
        "coefficients": {
            c.name: {
                "estimate": c.estimate,
                "se": c.se,
                "interval": None if c.low is None else [c.low, c.high],
                "p_value": c.p_value,
            }
            for c in result.coefficients
        },
        "r2": _clean(result.r2),
        "dof": result.dof,
        "trend_test": {
            "statistic": None if trend.statistic is None else _clean(trend.statistic),
            "p_value": trend.p_value,
            "aic_reaction": trend.aic_reaction,
            "aic_trend": trend.aic_trend,
            "trend_explains": trend.explains,
        },
    }


def _trend_warning(what: str, result: RegressionResult) -> dict[str, str]:
    from posturelab.models.arms_fit import TREND_ALPHA

    return {
        "code": "trend_explains",
        "severity": "warning",
        "message": f"{what}: a linear time trend without reaction explains the increments as "
        f"well (F test of the reaction, p = {result.trend.p_value:.2g} >= {TREND_ALPHA:g}); "
        "the series does not show an arms race beyond a trend",
    }


def richardson_command(
    budgets: Annotated[str, typer.Argument(help="CSV with columns year,country,bloc,spending.")],
    level: Annotated[float, typer.Option(help="Level of the intervals.")] = 0.9,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Fit Richardson's two-bloc reduction d(U+V)/dt = (k − α)(U+V) + (g + h) to yearly budgets.

    Also each bloc's own equation dU/dt = k V − α U + g, with intervals, tests of the reaction and
    fatigue terms, and a test against a plain time trend.
    """
    from posturelab.data.budgets_csv import read_budgets_file
    from posturelab.models.arms import fit_two_bloc
    from posturelab.models.arms_fit import pair_fit, two_bloc_inference

    if not 0.5 <= level < 1.0:
        raise InputError.single(
            "<command line>", f"must be in [0.5, 1), got {level}", path="--level"
        )
    data = read_budgets_file(budgets)
    u, v = data.totals
    try:
        fit = fit_two_bloc(data.years, u, v)
        two = two_bloc_inference(data.years, u, v, level=level)
        pairs = {
            data.blocs[0]: pair_fit(data.years, u, v, level=level),
            data.blocs[1]: pair_fit(data.years, v, u, level=level),
        }
    except ValueError as exc:
        raise InputError.single(budgets, str(exc), path="spending") from None
    warnings = []
    if two.trend.explains:
        warnings.append(_trend_warning("two blocs", two))
    for bloc, result in pairs.items():
        if result.trend.explains:
            warnings.append(_trend_warning(bloc, result))
    report: dict[str, Any] = {
        "slope": fit.slope,
        "zero_point": _clean(fit.zero_point),
        "intercept": fit.intercept,
        "r2": _clean(fit.r2),
        "years": list(fit.years),
        "blocs": list(data.blocs),
        "continuous_rate": _clean(fit.continuous_rate),
        "level": level,
        "two_bloc": _regression_payload(two),
        "pairs": {bloc: _regression_payload(result) for bloc, result in pairs.items()},
        "warnings": warnings,
    }
    if as_json:
        print_json(report)
        return
    _print_fit(report, data)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.6g}"


def _print_fit(report: dict[str, Any], data: BlocBudgets) -> None:
    from rich.table import Table

    u_name, v_name = data.blocs
    table = Table(title="Yearly totals", title_justify="left")
    for col in ("year", u_name, v_name, "total", "increment"):
        table.add_column(styled(col), justify="right")
    u, v = data.totals
    for k, year in enumerate(data.years):
        inc = "" if k + 1 == len(data.years) else f"{(u[k + 1] + v[k + 1]) - (u[k] + v[k]):.6g}"
        table.add_row(str(year), f"{u[k]:.6g}", f"{v[k]:.6g}", f"{u[k] + v[k]:.6g}", inc)
    out.print(table)
    zero = report["zero_point"]
    shift = "n/a" if zero is None else (f"− {zero:.6g}" if zero >= 0 else f"+ {-zero:.6g}")
    out.print(
        bold(
            f"increment = {report['slope']:.6g} · (total {shift})   "
            f"[intercept {report['intercept']:.6g}, R² {_fmt(report['r2'])}]"
        )
    )
    rate, zero = report["continuous_rate"], report["zero_point"]
    grievance = None if rate is None or zero is None else -rate * zero
    out.print(
        styled(f"continuous model: k − α ≈ {_fmt(rate)} a year, g + h ≈ {_fmt(grievance)} a year")
    )
    _print_coefficients(report)


def _print_coefficients(report: dict[str, Any]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Coefficients, intervals and tests", title_justify="left")
    level = f"{report['level']:.0%} interval"
    for col in ("equation", "term", "estimate", "std. error", level, "p (= 0)", "trend p"):
        table.add_column(Text(col), justify="left" if col in ("equation", "term") else "right")
    equations = [("two blocs", report["two_bloc"]), *report["pairs"].items()]
    for name, eq in equations:
        trend_p = eq["trend_test"]["p_value"]
        for k, (term, c) in enumerate(eq["coefficients"].items()):
            interval = c["interval"]
            table.add_row(
                Text(name if k == 0 else ""),
                term,
                f"{c['estimate']:.4g}",
                _fmt(c["se"]),
                "n/a" if interval is None else f"[{interval[0]:.4g}, {interval[1]:.4g}]",
                "n/a" if c["p_value"] is None else f"{c['p_value']:.2g}",
                "" if k else ("n/a" if trend_p is None else f"{trend_p:.2g}"),
            )
    out.print(table)
    for w in report["warnings"]:
        out.print(Text(f"{w['severity']}: [{w['code']}] {w['message']}"))


def register(app: typer.Typer, fit_app: typer.Typer) -> None:
    """Add ``align`` to ``app`` and ``richardson`` to ``fit_app``."""
    app.command("align")(align_command)
    fit_app.command("richardson")(richardson_command)
