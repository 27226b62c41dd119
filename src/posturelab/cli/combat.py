"""Commands ``fit lanchester`` (attrition laws fitted to a daily record) and ``campaign`` (ADM).

``posturelab fit lanchester DATA.csv`` fits a Lanchester law to a combat record with Engel's
estimator or least squares. ``posturelab campaign`` runs one campaign of Epstein's Adaptive
Dynamic Model from a JSON parameter file (defaults: the worked example) or from a scenario's
forces. Both render the results of :func:`posturelab.api.fit_lanchester` and
:func:`posturelab.api.campaign`.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from posturelab.cli.console import out, print_json
from posturelab.defaults import DEFAULT_CAMPAIGN_DAYS as DEFAULT_DAYS
from posturelab.defaults import DEFAULT_SEED

if TYPE_CHECKING:
    from posturelab.api.adm import Campaign
    from posturelab.api.lanchester import LanchesterResult


class Law(StrEnum):
    """Lanchester laws offered on the command line."""

    square = "square"
    linear = "linear"
    logarithmic = "logarithmic"
    general = "general"


class FitMethod(StrEnum):
    """Estimators offered on the command line."""

    engel = "engel"
    lsq = "lsq"


# --------------------------------------------------------------------------------------------------
# fit lanchester
# --------------------------------------------------------------------------------------------------


def _format_se(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.4g}"


def render_lanchester(fit: LanchesterResult) -> None:
    """Print a fit as a readable table."""
    from rich.table import Table

    table = Table(title=f"Lanchester {fit.law} law, {fit.method} fit: {fit.data}")
    table.add_column("quantity")
    table.add_column("estimate", justify="right")
    table.add_column("std. error", justify="right")
    se = fit.se
    table.add_row("a (y against x)", f"{fit.a:.6g}", _format_se(se.get("a")))
    table.add_row("b (x against y)", f"{fit.b:.6g}", _format_se(se.get("b")))
    table.add_row("p", f"{fit.p:.4g}", _format_se(se.get("p")))
    table.add_row("q", f"{fit.q:.4g}", _format_se(se.get("q")))
    table.add_row("RMSE", "n/a" if fit.rmse is None else f"{fit.rmse:.4g}", "")
    table.add_row("R²", "n/a" if fit.r2 is None else f"{fit.r2:.4f}", "")
    table.add_row("days / strengths compared", f"{fit.n_days} / {fit.n_obs}", "")
    out.print(table)
    for note in fit.notes:
        out.print(f"note: {note}")


def lanchester_command(
    data: Annotated[
        str, typer.Argument(help="CSV with columns day, x, y [, x_reinf, y_reinf, ...]")
    ],
    law: Annotated[Law, typer.Option(help="Attrition law.")] = Law.square,
    method: Annotated[FitMethod, typer.Option(help="Engel's estimator or least squares.")] = (
        FitMethod.engel
    ),
    p: Annotated[
        float | None, typer.Option("--p", help="Exponent p of the general law (fixed).")
    ] = None,
    q: Annotated[
        float | None, typer.Option("--q", help="Exponent q of the general law (fixed).")
    ] = None,
    exclude_day: Annotated[
        list[int] | None,
        typer.Option("--exclude-day", help="Treat this day's strengths and losses as unknown."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Fit a Lanchester law to a daily combat record (a is y's effectiveness against x)."""
    from posturelab.api.lanchester import fit_lanchester

    fit = fit_lanchester(
        data, law=law.value, method=method.value, p=p, q=q, exclude_days=exclude_day or []
    )
    if as_json:
        print_json(fit.to_json())
    else:
        render_lanchester(fit)


# --------------------------------------------------------------------------------------------------
# campaign
# --------------------------------------------------------------------------------------------------


def render_campaign(result: Campaign, every: int | None = None) -> None:
    """Print a campaign's day-by-day trace (every ``every`` days) and its summary."""
    from rich import box
    from rich.table import Table

    days = result.days
    step = every if every is not None else max(1, math.ceil(days / 30))
    shown = sorted({*range(0, days + 1, step), result.days_run, days})
    table = Table(
        title="Adaptive Dynamic Model: day-by-day trace",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        pad_edge=False,
        collapse_padding=True,
    )
    for header in ("day", "A", "D", "α", "W", "X km", "αA", "αD", "Dcas", "Acas"):
        table.add_column(header, justify="right", no_wrap=True)
    t_ = result.trace
    for t in shown:
        table.add_row(
            str(t),
            f"{t_['A'][t]:,.0f}",
            f"{t_['D'][t]:,.0f}",
            f"{t_['alpha'][t]:.4f}",
            f"{t_['W'][t]:.2f}",
            f"{t_['X'][t]:.1f}",
            f"{t_['alphaA'][t]:.4f}",
            f"{t_['alphaD'][t]:.4f}",
            f"{t_['Dcas'][t]:.1f}",
            f"{t_['Acas'][t]:.1f}",
        )
    out.print(table)
    final = result.final
    objective = result.objective_km
    out.print(
        f"Stopped: {result.stop_reason} after {result.days_run} days; "
        f"displacement {final['X']:.1f} km; "
        f"attacker {final['A']:,.0f}, defender {final['D']:,.0f} lethality."
    )
    if objective is None:
        out.print("No objective depth set.")
    elif result.objective_day is not None:
        out.print(f"Objective at {objective:g} km reached on day {result.objective_day}.")
    else:
        out.print(f"Objective at {objective:g} km not reached.")


def campaign_command(
    params: Annotated[
        str | None,
        typer.Option(
            "--params", help="JSON file of ADM parameters (defaults: the worked example)."
        ),
    ] = None,
    days: Annotated[
        int | None, typer.Option("--days", help=f"Horizon in days (default {DEFAULT_DAYS}).")
    ] = None,
    every: Annotated[
        int | None, typer.Option("--every", min=1, help="Show every N-th day in the table.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    scenario: Annotated[
        str | None,
        typer.Option(
            "--scenario", help="Build the campaign from a scenario's forces (id or file)."
        ),
    ] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Lever override LEVER=VALUE (repeatable).")
    ] = None,
    month: Annotated[
        str | None,
        typer.Option(help="Month of the scenario's state, YYYY-MM (default: its last month)."),
    ] = None,
    member: Annotated[
        int | None,
        typer.Option(min=0, help="Use this ensemble member's draws (default: every median)."),
    ] = None,
    seed: Annotated[int, typer.Option(min=0, help="Root seed for --member.")] = DEFAULT_SEED,
) -> None:
    """Run one campaign of Epstein's Adaptive Dynamic Model."""
    from posturelab.api.adm import campaign

    result = campaign(
        params,
        scenario=scenario,
        levers=set_,
        month=month,
        member=member,
        seed=seed,
        days=days,
    )
    if as_json:
        print_json(result.to_json())
        return
    if result.contest is not None:
        render_forces(result)
    render_campaign(result, every)


def render_forces(result: Campaign) -> None:
    """Print the scored forces a scenario campaign used."""
    from rich.table import Table

    who = (
        "every uncertain number at its median"
        if result.member is None
        else f"member {result.member}"
    )
    table = Table(title=f"Scored forces of {result.contest} in {result.month} ({who})")
    for header in ("side", "force", "actor", "personnel", "ground (tank eq.)", "aircraft (eff.)"):
        table.add_column(
            header, justify="left" if header in ("side", "force", "actor") else "right"
        )
    for row in result.forces:
        table.add_row(
            row.side,
            row.force,
            row.actor,
            f"{row.personnel:,.0f}",
            f"{row.ground:,.0f}",
            f"{row.aircraft:,.1f}",
        )
    out.print(table)


def register(app: typer.Typer, fit_app: typer.Typer) -> None:
    """Add ``campaign`` to ``app`` and ``lanchester`` to ``fit_app``."""
    app.command("campaign")(campaign_command)
    fit_app.command("lanchester")(lanchester_command)
