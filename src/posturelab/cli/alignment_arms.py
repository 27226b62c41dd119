"""Commands ``align`` (landscape theory) and ``fit richardson`` (two-bloc arms race).

``posturelab align FILE`` reads actors with sizes and a symmetric propensity matrix (or a list of
pairs) from YAML or JSON and prints the global minimum, every local minimum with its basin and the
cohesion of a named bloc. ``posturelab fit richardson BUDGETS.csv`` fits the two-bloc reduction of
Richardson's model to yearly budgets. The files are read by :mod:`posturelab.data.alignment_file`
and :mod:`posturelab.data.budgets_csv`; every input problem is reported with its file, line,
column and field path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from posturelab.cli.console import bold, out, print_json, styled

if TYPE_CHECKING:
    from posturelab.api.alignment import Alignment
    from posturelab.api.richardson import RichardsonResult
    from posturelab.models.arms_fit import RegressionResult

#: Largest number of actors for which ``align`` enumerates the landscape (annealing beyond);
#: ``None``: the API's :data:`~posturelab.api.alignment.EXACT_LIMIT`.
ALIGN_EXACT_LIMIT: int | None = None
_SHOWN_MINIMA = 25


def _print_align(result: Alignment, limit: int) -> None:
    from rich.table import Table

    n = len(result.actors)
    if result.method == "exact":
        head = f"{n} actors; exact search over {result.configurations:,} configurations"
    else:
        head = (
            f"{n} actors; more than {limit}, so simulated annealing (seed "
            f"{result.seed}): the best configuration found, minima not enumerated"
        )
    out.print(styled(head))
    g = result.global_minimum
    out.print(bold(f"Global minimum: E = {g.energy:.6g}"))
    for k, side in enumerate(g.sides, start=1):
        out.print(styled(f"  side {k}: {', '.join(side) or '(empty)'}"))
    minima = result.minima
    if minima:
        total = sum(m.basin or 0 for m in minima)
        table = Table(title=f"Local minima ({len(minima)})", title_justify="left")
        for col in ("#", "energy", "basin", "share", "side 1", "side 2"):
            table.add_column(
                col, justify="right" if col in {"#", "energy", "basin", "share"} else "left"
            )
        for k, m in enumerate(minima[:_SHOWN_MINIMA], start=1):
            basin = m.basin or 0
            table.add_row(
                str(k),
                f"{m.energy:.6g}",
                f"{basin:,}",
                f"{basin / total:.1%}",
                styled(", ".join(m.sides[0])),
                styled(", ".join(m.sides[1])),
            )
        out.print(table)
        if len(minima) > _SHOWN_MINIMA:
            out.print(styled(f"… and {len(minima) - _SHOWN_MINIMA} more (see --json)"))
    coh = result.cohesion
    if coh is not None:
        bloc = ", ".join(coh.bloc)
        state = "splits the bloc" if coh.global_splits_bloc else "keeps the bloc together"
        out.print(bold(f"Cohesion of bloc {{{bloc}}}: {coh.cohesion:.6g}"))
        out.print(
            styled(
                f"  the global minimum {state}; cheapest configuration with the bloc "
                f"together: "
                f"E = {coh.together_energy:.6g}; cheapest split: E = {coh.split_energy:.6g}"
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
            "--seed", help="Seed of the annealing used beyond the exact search's 22 actors."
        ),
    ] = 0,
) -> None:
    """Predict alignments by landscape theory (Axelrod & Bennett 1993): minima, basins, cohesion."""
    from posturelab.api.alignment import EXACT_LIMIT, align

    limit = EXACT_LIMIT if ALIGN_EXACT_LIMIT is None else ALIGN_EXACT_LIMIT
    result = align(file, bloc=bloc, seed=seed, exact_limit=limit)
    if as_json:
        print_json(result.to_json())
    else:
        _print_align(result, limit)


# --------------------------------------------------------------------------------------------------
# Richardson fit from a CSV of budgets
# --------------------------------------------------------------------------------------------------


def richardson_command(
    budgets: Annotated[str, typer.Argument(help="CSV with columns year,country,bloc,spending.")],
    level: Annotated[float, typer.Option(help="Level of the intervals.")] = 0.9,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Fit Richardson's two-bloc reduction d(U+V)/dt = (k − α)(U+V) + (g + h) to yearly budgets.

    Also each bloc's own equation dU/dt = k V − α U + g, with intervals, tests of the reaction and
    fatigue terms, and a test against a plain time trend.
    """
    from posturelab.api.richardson import fit_richardson

    result = fit_richardson(budgets, level=level)
    if as_json:
        print_json(result.to_json())
        return
    _print_fit(result)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.6g}"


def _print_fit(result: RichardsonResult) -> None:
    from rich.table import Table

    u_name, v_name = result.blocs
    table = Table(title="Yearly totals", title_justify="left")
    for col in ("year", u_name, v_name, "total", "increment"):
        table.add_column(styled(col), justify="right")
    u, v = result.totals
    for k, year in enumerate(result.years):
        last = k + 1 == len(result.years)
        inc = "" if last else f"{(u[k + 1] + v[k + 1]) - (u[k] + v[k]):.6g}"
        table.add_row(str(year), f"{u[k]:.6g}", f"{v[k]:.6g}", f"{u[k] + v[k]:.6g}", inc)
    out.print(table)
    zero = result.zero_point
    shift = "n/a" if zero is None else (f"− {zero:.6g}" if zero >= 0 else f"+ {-zero:.6g}")
    out.print(
        bold(
            f"increment = {result.slope:.6g} · (total {shift})   "
            f"[intercept {result.intercept:.6g}, R² {_fmt(result.r2)}]"
        )
    )
    rate = result.continuous_rate
    out.print(
        styled(
            f"continuous model: k − α ≈ {_fmt(rate)} a year, "
            f"g + h ≈ {_fmt(result.grievance)} a year"
        )
    )
    _print_coefficients(result)


def _print_coefficients(result: RichardsonResult) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Coefficients, intervals and tests", title_justify="left")
    level = f"{result.level:.0%} interval"
    for col in ("equation", "term", "estimate", "std. error", level, "p (= 0)", "trend p"):
        table.add_column(Text(col), justify="left" if col in ("equation", "term") else "right")
    equations: list[tuple[str, RegressionResult]] = [
        ("two blocs", result.two_bloc),
        *result.pairs.items(),
    ]
    for name, eq in equations:
        trend_p = eq.trend.p_value
        for k, c in enumerate(eq.coefficients):
            table.add_row(
                Text(name if k == 0 else ""),
                c.name,
                f"{c.estimate:.4g}",
                _fmt(c.se),
                "n/a" if c.low is None else f"[{c.low:.4g}, {c.high:.4g}]",
                "n/a" if c.p_value is None else f"{c.p_value:.2g}",
                "" if k else ("n/a" if trend_p is None else f"{trend_p:.2g}"),
            )
    out.print(table)
    for w in result.warnings:
        out.print(Text(f"{w.severity}: [{w.code}] {w.message}"))


def register(app: typer.Typer, fit_app: typer.Typer) -> None:
    """Add ``align`` to ``app`` and ``richardson`` to ``fit_app``."""
    app.command("align")(align_command)
    fit_app.command("richardson")(richardson_command)
