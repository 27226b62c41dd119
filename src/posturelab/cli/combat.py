"""Command ``campaign`` (Epstein's ADM), and the registration of ``fit lanchester``.

``posturelab fit lanchester DATA.csv`` lives in :mod:`posturelab.cli.lanchester`.
``posturelab campaign`` runs one campaign of Epstein's Adaptive Dynamic Model through
:func:`posturelab.api.campaign`, from a JSON parameter file (defaults: the worked example) or from
a scenario's forces, or a scenario's campaign for N members through
:func:`posturelab.api.milestones.campaign_milestones`; this module only renders the results.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated

import typer

from posturelab.cli import lanchester
from posturelab.cli.console import out, print_json
from posturelab.defaults import DEFAULT_CAMPAIGN_DAYS, DEFAULT_SEED
from posturelab.errors import InputError

if TYPE_CHECKING:
    from posturelab.api.adm import Campaign


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
    trace = result.trace
    for t in shown:
        table.add_row(
            str(t),
            f"{trace['A'][t]:,.0f}",
            f"{trace['D'][t]:,.0f}",
            f"{trace['alpha'][t]:.4f}",
            f"{trace['W'][t]:.2f}",
            f"{trace['X'][t]:.1f}",
            f"{trace['alphaA'][t]:.4f}",
            f"{trace['alphaD'][t]:.4f}",
            f"{trace['Dcas'][t]:.1f}",
            f"{trace['Acas'][t]:.1f}",
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
        int | None,
        typer.Option("--days", help=f"Horizon in days (default {DEFAULT_CAMPAIGN_DAYS})."),
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
    seed: Annotated[
        int, typer.Option(min=0, help="Root seed for --member and --members.")
    ] = DEFAULT_SEED,
    members: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=100_000,
            help="Run the scenario's campaign for N sampled members and summarise the days to "
            "each milestone.",
        ),
    ] = None,
) -> None:
    """Run one campaign of Epstein's Adaptive Dynamic Model."""
    from posturelab.api.adm import campaign
    from posturelab.api.milestones import campaign_milestones
    from posturelab.cli import milestones

    if scenario is None and (set_ or month or member is not None or members is not None):
        raise InputError.single(
            "<command line>", "--set, --month, --member and --members need --scenario", path="--set"
        )
    if scenario is not None and params is None and members is not None:
        if member is not None:
            raise InputError.single(
                "<command line>", "give either --member or --members, not both", path="--member"
            )
        summary = campaign_milestones(
            scenario, members=members, levers=set_ or [], month=month, seed=seed, days=days
        )
        if as_json:
            print_json(summary.to_json())
        else:
            milestones.render_ensemble_milestones(summary)
        return
    result = campaign(
        params, scenario=scenario, levers=set_, month=month, member=member, seed=seed, days=days
    )
    if as_json:
        print_json(result.to_json())
        return
    if result.contest is not None:
        render_forces(result)
    render_campaign(result, every)
    if result.milestones:
        milestones.render_member_milestones(result)


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
    if result.armour_factors is not None:
        attacker, defender = result.armour_factors
        out.print(
            "Armour valued against its answer (scoring.anti_armour): the attacker's counts "
            f"{attacker:.2f} times its weight, the defender's {defender:.2f}; the ground column "
            "is the additive score."
        )


def register(app: typer.Typer, fit_app: typer.Typer) -> None:
    """Add ``campaign`` to ``app`` and ``lanchester`` to ``fit_app``."""
    app.command("campaign")(campaign_command)
    fit_app.command("lanchester")(lanchester.lanchester_command)
