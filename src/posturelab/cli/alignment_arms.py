"""Commands ``align`` (landscape theory) and ``fit richardson`` (two-bloc arms race).

``posturelab align FILE`` reads actors with sizes and a symmetric propensity matrix (or a list of
pairs) from YAML or JSON and prints the global minimum, every local minimum with its basin and the
cohesion of a named bloc. ``posturelab fit richardson BUDGETS.csv`` fits the two-bloc reduction of
Richardson's model to yearly budgets. Both render the results of :func:`posturelab.api.align`
and :func:`posturelab.api.fit_richardson`; every input problem is reported with its file, line,
column and field path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from posturelab.cli.console import out, print_json

if TYPE_CHECKING:
    from posturelab.api.alignment import Alignment, RichardsonResult

#: Largest number of actors for which ``align`` enumerates the landscape (annealing beyond).
ALIGN_EXACT_LIMIT = 22
_SHOWN_MINIMA = 25


def _print_align(result: Alignment) -> None:
    from rich.table import Table
    from rich.text import Text

    n = len(result.actors)
    if result.method == "exact":
        head = f"{n} actors; exact search over {result.configurations:,} configurations"
    else:
        head = (
            f"{n} actors; more than {ALIGN_EXACT_LIMIT}, so simulated annealing (seed "
            f"{result.seed}): the best configuration found, minima not enumerated"
        )
    out.print(Text(head))
    g = result.global_minimum
    out.print(Text(f"Global minimum: E = {g.energy:.6g}", style="bold"))
    for k, side in enumerate(g.sides, start=1):
        out.print(Text(f"  side {k}: {', '.join(side) or '(empty)'}"))
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
                Text(", ".join(m.sides[0])),
                Text(", ".join(m.sides[1])),
            )
        out.print(table)
        if len(minima) > _SHOWN_MINIMA:
            out.print(Text(f"… and {len(minima) - _SHOWN_MINIMA} more (see --json)"))
    coh = result.cohesion
    if coh is not None:
        bloc = ", ".join(coh.bloc)
        state = "splits the bloc" if coh.global_splits_bloc else "keeps the bloc together"
        out.print(Text(f"Cohesion of bloc {{{bloc}}}: {coh.cohesion:.6g}", style="bold"))
        out.print(
            Text(
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
            "--seed", help=f"Seed of the annealing used above {ALIGN_EXACT_LIMIT} actors."
        ),
    ] = 0,
) -> None:
    """Predict alignments by landscape theory (Axelrod & Bennett 1993): minima, basins, cohesion."""
    from posturelab.api.alignment import align

    result = align(file, bloc=bloc, seed=seed, exact_limit=ALIGN_EXACT_LIMIT)
    if as_json:
        print_json(result.to_json())
    else:
        _print_align(result)


def richardson_command(
    budgets: Annotated[str, typer.Argument(help="CSV with columns year,country,bloc,spending.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Fit Richardson's two-bloc reduction d(U+V)/dt = (k − α)(U+V) + (g + h) to yearly budgets."""
    from posturelab.api.alignment import fit_richardson

    result = fit_richardson(budgets)
    if as_json:
        print_json(result.to_json())
        return
    _print_fit(result)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.6g}"


def _print_fit(result: RichardsonResult) -> None:
    from rich.table import Table
    from rich.text import Text

    u_name, v_name = result.blocs
    table = Table(title="Yearly totals", title_justify="left")
    for col in ("year", u_name, v_name, "total", "increment"):
        table.add_column(Text(col), justify="right")
    u, v = result.totals
    years = result.years
    for k, year in enumerate(years):
        inc = "" if k + 1 == len(years) else f"{(u[k + 1] + v[k + 1]) - (u[k] + v[k]):.6g}"
        table.add_row(str(year), f"{u[k]:.6g}", f"{v[k]:.6g}", f"{u[k] + v[k]:.6g}", inc)
    out.print(table)
    zero = result.zero_point
    shift = "n/a" if zero is None else (f"− {zero:.6g}" if zero >= 0 else f"+ {-zero:.6g}")
    out.print(
        Text(
            f"increment = {result.slope:.6g} · (total {shift})   "
            f"[intercept {result.intercept:.6g}, R² {_fmt(result.r2)}]",
            style="bold",
        )
    )
    out.print(
        Text(
            f"continuous model: k − α ≈ {_fmt(result.continuous_rate)} a year, "
            f"g + h ≈ {_fmt(result.grievance)} a year"
        )
    )


def register(app: typer.Typer, fit_app: typer.Typer) -> None:
    """Add ``align`` to ``app`` and ``richardson`` to ``fit_app``."""
    app.command("align")(align_command)
    fit_app.command("richardson")(richardson_command)
