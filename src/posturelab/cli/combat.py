"""Command ``campaign`` (Epstein's ADM), and the registration of ``fit lanchester``.

``posturelab fit lanchester DATA.csv`` lives in :mod:`posturelab.cli.lanchester`.
``posturelab campaign`` runs one campaign of Epstein's Adaptive Dynamic Model from a JSON parameter
file (defaults: the worked example), read by :mod:`posturelab.data.campaign_params`, or from a
scenario's forces. :func:`campaign_payload` turns a result into JSON-ready data and
:func:`render_campaign` prints it as tables.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

import typer

from posturelab.cli import lanchester
from posturelab.cli.console import out, print_json
from posturelab.defaults import DEFAULT_CAMPAIGN_DAYS, DEFAULT_SEED
from posturelab.errors import InputError

if TYPE_CHECKING:
    from posturelab.engine.scenario_campaign import ScenarioCampaign
    from posturelab.models.campaign import ADMParams
    from posturelab.scenario.schema import Scenario


def _params_payload(params: ADMParams, days: int) -> dict[str, Any]:
    import numpy as np

    from posturelab.models.campaign import SCALAR_FIELDS, SCHEDULE_FIELDS

    payload: dict[str, Any] = {}
    for name in SCALAR_FIELDS:
        value = float(np.asarray(getattr(params, name)))
        payload[name] = None if math.isinf(value) else value
    for name in SCHEDULE_FIELDS:
        schedule = getattr(params, name)
        payload[name] = [] if schedule is None else [float(v) for v in np.ravel(schedule)]
    payload["days"] = days
    return payload


def campaign_payload(params: ADMParams, days: int) -> dict[str, Any]:
    """Run one campaign (a single member) and return its JSON-ready trace and summary."""
    import numpy as np

    from posturelab.models.campaign import STOP_REASONS, simulate_adm

    result = simulate_adm(params, days, members=1)

    def series(values: np.ndarray[Any, Any]) -> list[float]:
        return [float(v) for v in values[0]]

    objective = float(np.asarray(params.objective_km))
    objective_day = int(result.objective_day[0])
    summary = {
        "days_run": int(result.days_run[0]),
        "final_X": float(result.X[0, -1]),
        "final_A": float(result.A[0, -1]),
        "final_D": float(result.D[0, -1]),
        "final_Dcas": float(result.Dcas[0, -1]),
        "final_Acas": float(result.Acas[0, -1]),
        "objective_km": None if math.isinf(objective) else objective,
        "objective_reached": objective_day >= 0,
        "objective_day": None if objective_day < 0 else objective_day,
        "stop_reason": STOP_REASONS[int(result.stop_code[0])],
    }
    return {
        "params": _params_payload(params, days),
        "day": list(range(days + 1)),
        "A": series(result.A),
        "D": series(result.D),
        "alpha": series(result.alpha),
        "W": series(result.W),
        "X": series(result.X),
        "alphaA": series(result.alphaA),
        "alphaD": series(result.alphaD),
        "Dcas": series(result.Dcas),
        "Acas": series(result.Acas),
        "summary": summary,
    }


def render_campaign(payload: Mapping[str, Any], every: int | None = None) -> None:
    """Print a campaign's day-by-day trace (every ``every`` days) and its summary."""
    from rich import box
    from rich.table import Table

    days = len(payload["day"]) - 1
    summary = payload["summary"]
    step = every if every is not None else max(1, math.ceil(days / 30))
    shown = sorted({*range(0, days + 1, step), summary["days_run"], days})
    table = Table(
        title="Adaptive Dynamic Model: day-by-day trace",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        pad_edge=False,
        collapse_padding=True,
    )
    for header in ("day", "A", "D", "α", "W", "X km", "αA", "αD", "Dcas", "Acas"):
        table.add_column(header, justify="right", no_wrap=True)
    for t in shown:
        table.add_row(
            str(t),
            f"{payload['A'][t]:,.0f}",
            f"{payload['D'][t]:,.0f}",
            f"{payload['alpha'][t]:.4f}",
            f"{payload['W'][t]:.2f}",
            f"{payload['X'][t]:.1f}",
            f"{payload['alphaA'][t]:.4f}",
            f"{payload['alphaD'][t]:.4f}",
            f"{payload['Dcas'][t]:.1f}",
            f"{payload['Acas'][t]:.1f}",
        )
    out.print(table)
    reached = summary["objective_reached"]
    objective = summary["objective_km"]
    out.print(
        f"Stopped: {summary['stop_reason']} after {summary['days_run']} days; "
        f"displacement {summary['final_X']:.1f} km; "
        f"attacker {summary['final_A']:,.0f}, defender {summary['final_D']:,.0f} lethality."
    )
    if objective is None:
        out.print("No objective depth set.")
    elif reached:
        out.print(f"Objective at {objective:g} km reached on day {summary['objective_day']}.")
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
    from posturelab.cli import milestones
    from posturelab.data.campaign_params import campaign_params_from_mapping, read_campaign_params
    from posturelab.models.campaign import one_member

    if scenario is not None:
        if params is not None:
            raise InputError.single(
                "<command line>", "give either --params or --scenario, not both", path="--params"
            )
        if members is not None:
            if member is not None:
                raise InputError.single(
                    "<command line>", "give either --member or --members, not both", path="--member"
                )
            milestones.print_ensemble(scenario, set_ or [], month, members, seed, as_json, days)
            return
        built, values, s = _scenario_campaign(scenario, set_ or [], month, member, seed)
        adm, horizon = one_member(built.params), days or built.days
        payload = campaign_payload(adm, horizon)
        payload["scenario"] = {
            "contest": built.contest,
            "month": built.month,
            "member": member,
            "forces": [f.as_dict() for f in built.forces],
            "armour_factors": (
                None
                if built.armour_factors is None
                else dict(zip(("attacker", "defender"), built.armour_factors, strict=True))
            ),
        }
        theatre = next(c.theatre for c in s.contests if c.id == built.contest)
        payload["milestones"] = milestones.member_milestones(s, theatre, values, payload["X"])
    else:
        if set_ or month or member is not None or members is not None:
            raise InputError.single(
                "<command line>",
                "--set, --month, --member and --members need --scenario",
                path="--set",
            )
        if params is None:
            adm, horizon = campaign_params_from_mapping({}, "<defaults>", days=days)
        else:
            adm, horizon = read_campaign_params(params, days=days)
        payload = campaign_payload(adm, horizon)
    if as_json:
        print_json(payload)
        return
    if "scenario" in payload:
        render_forces(payload["scenario"])
    render_campaign(payload, every)
    if payload.get("milestones"):
        milestones.render_member_milestones(payload["milestones"], payload["summary"])


def _scenario_campaign(
    ref: str, assignments: list[str], month: str | None, member: int | None, seed: int
) -> tuple[ScenarioCampaign, dict[str, Any], Scenario]:
    from posturelab.api.inputs import month_position
    from posturelab.engine.compiled import compile_scenario
    from posturelab.engine.scenario_campaign import member_parameters, scenario_campaign
    from posturelab.scenario.levers import parse_assignments, resolve_levers
    from posturelab.scenario.loader import load_scenario

    loaded = load_scenario(ref)
    s = loaded.scenario
    levers = resolve_levers(s, parse_assignments(s, assignments))
    model = compile_scenario(s, levers)
    at = month_position(model, month)
    values = member_parameters(model, seed, member)
    try:
        return scenario_campaign(model, values, month=at), values, s
    except ValueError as exc:
        raise InputError.single(loaded.origin, str(exc), path="contests") from None


def render_forces(info: Mapping[str, Any]) -> None:
    """Print the scored forces a scenario campaign used."""
    from rich.table import Table

    who = (
        "every uncertain number at its median"
        if info["member"] is None
        else f"member {info['member']}"
    )
    table = Table(title=f"Scored forces of {info['contest']} in {info['month']} ({who})")
    for header in ("side", "force", "actor", "personnel", "ground (tank eq.)", "aircraft (eff.)"):
        table.add_column(
            header, justify="left" if header in ("side", "force", "actor") else "right"
        )
    for row in info["forces"]:
        table.add_row(
            row["side"],
            row["force"],
            row["actor"],
            f"{row['personnel']:,.0f}",
            f"{row['ground']:,.0f}",
            f"{row['aircraft']:,.1f}",
        )
    out.print(table)
    factors = info.get("armour_factors")
    if factors:
        out.print(
            "Armour valued against its answer (scoring.anti_armour): the attacker's counts "
            f"{factors['attacker']:.2f} times its weight, the defender's "
            f"{factors['defender']:.2f}; the ground column is the additive score."
        )


def register(app: typer.Typer, fit_app: typer.Typer) -> None:
    """Add ``campaign`` to ``app`` and ``lanchester`` to ``fit_app``."""
    app.command("campaign")(campaign_command)
    fit_app.command("lanchester")(lanchester.lanchester_command)
