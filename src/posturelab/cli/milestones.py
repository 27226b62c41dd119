"""Milestone tables of ``posturelab campaign --scenario``: the model's days beside the record.

For one member (every median, or ``--member K``) the campaign's daily trace gives the day each
milestone of the theatre is reached; with ``--members N`` the same campaign runs for N sampled
members and the table gives the median day, a 90% interval and the share of members that reach
each milestone. Milestones that carry an observed record (history, or a published study) print
it beside the model's figures.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from rich.table import Table

from posturelab.api.inputs import month_position
from posturelab.cli.console import out, print_json
from posturelab.engine.compiled import CompiledScenario, compile_scenario
from posturelab.engine.milestones import (
    MilestoneDays,
    MilestoneSummary,
    ensemble_campaign,
    milestone_days,
    summarise,
)
from posturelab.engine.simulate import sample_parameters
from posturelab.errors import InputError
from posturelab.models.campaign import STOP_REASONS
from posturelab.scenario.levers import parse_assignments, resolve_levers
from posturelab.scenario.loader import load_scenario
from posturelab.scenario.schema import Scenario


def _observed(days: tuple[float, float] | None) -> str:
    if days is None:
        return "-"
    low, high = (f"{d:g}" for d in days)
    return low if low == high else f"{low}-{high}"


def _observed_payload(m: MilestoneDays | MilestoneSummary) -> dict[str, Any] | None:
    if m.observed_days is None:
        return None
    dates = m.observed_dates
    return {
        "first_day": m.observed_days[0],
        "last_day": m.observed_days[1],
        "first_date": None if dates is None else dates[0],
        "last_date": None if dates is None else dates[1],
        "source": m.source,
    }


def member_milestones(
    scenario: Scenario, theatre: str, p: dict[str, Any], X: Sequence[float]
) -> list[dict[str, Any]]:
    """JSON-ready milestones of one member's campaign trace ``X`` (km by day)."""
    trace = np.asarray(X, dtype=np.float64)[np.newaxis, :]
    rows = []
    for m in milestone_days(scenario, theatre, p, trace):
        day = int(m.day[0])
        rows.append(
            {
                "id": m.id,
                "name": m.name,
                "depth_km": float(m.depth_km[0]),
                "model_day": None if day < 0 else day,
                "observed": _observed_payload(m),
            }
        )
    return rows


def render_member_milestones(rows: Sequence[Mapping[str, Any]], summary: Mapping[str, Any]) -> None:
    """Print one member's milestone table (``summary``: the campaign's summary)."""
    if not rows:
        return
    final_km = summary["final_X"]
    table = Table(title="Milestones: the model's day beside the record (day 0 = the attack)")
    for header in ("milestone", "depth km", "model day", "observed day", "observed date"):
        table.add_column(header, justify="left" if header == "milestone" else "right")
    for row in rows:
        observed = row["observed"]
        model_day = row["model_day"]
        table.add_row(
            row["name"],
            f"{row['depth_km']:.0f}",
            f"not reached ({final_km:.0f} km)" if model_day is None else str(model_day),
            "-" if observed is None else _observed((observed["first_day"], observed["last_day"])),
            "-" if observed is None else _dates(observed["first_date"], observed["last_date"]),
        )
    out.print(table)
    out.print(
        f"The campaign stopped on day {summary['days_run']} ({summary['stop_reason']}) at "
        f"{final_km:.0f} km; a milestone beyond that depth is not reached."
    )


def _dates(first: str | None, last: str | None) -> str:
    if first is None or last is None:
        return "-"
    return first if first == last else f"{first} to {last}"


def ensemble_milestones(
    model: CompiledScenario,
    scenario: Scenario,
    seed: int,
    members: int,
    month: int | None,
    days: int | None = None,
) -> dict[str, Any]:
    """Run the campaign for ``members`` sampled members and summarise the days to each milestone."""
    rows = np.arange(members, dtype=np.int64)
    p = sample_parameters(model, seed, rows, members, "mc")
    contest, result = ensemble_campaign(model, p, members, month, days)
    summaries = summarise(milestone_days(scenario, contest.theatre, p, result.X))
    at = model.n_months - 1 if month is None else month
    return {
        "contest": contest.id,
        "theatre": contest.theatre,
        "month": model.months[at],
        "members": members,
        "seed": seed,
        "days": int(result.X.shape[1] - 1),
        "final_depth_km_quantiles": [
            float(v) for v in np.quantile(result.X[:, -1], (0.05, 0.5, 0.95))
        ],
        "days_run_quantiles": [float(v) for v in np.quantile(result.days_run, (0.05, 0.5, 0.95))],
        "stop_reasons": {
            reason: float(np.mean(result.stop_code == code))
            for code, reason in enumerate(STOP_REASONS)
        },
        "milestones": [
            {
                "id": s.id,
                "name": s.name,
                "depth_km": s.depth_km,
                "reached_share": s.reached_share,
                "model_day_quantiles": [None if math.isinf(v) else v for v in s.day_quantiles],
                "observed": _observed_payload(s),
            }
            for s in summaries
        ],
    }


def _day(value: float | None) -> str:
    return "not reached" if value is None else f"{value:.0f}"


def _interval(low: float | None, high: float | None) -> str:
    return "not reached" if low is None and high is None else f"{_day(low)} to {_day(high)}"


def render_ensemble_milestones(payload: Mapping[str, Any]) -> None:
    """Print an ensemble's milestone table."""
    title = (
        f"Milestones of {payload['contest']} over {payload['members']} members "
        f"(seed {payload['seed']}): the model's days beside the record (day 0 = the attack)"
    )
    table = Table(title=title)
    headers = (
        "milestone", "depth km", "reached", "model day, median", "model day, 90% interval",
        "observed day", "observed date",
    )  # fmt: skip
    for header in headers:
        table.add_column(header, justify="left" if header == "milestone" else "right")
    for row in payload["milestones"]:
        low, mid, high = row["model_day_quantiles"]
        observed = row["observed"]
        table.add_row(
            row["name"],
            f"{row['depth_km']:.0f}",
            f"{row['reached_share']:.0%}",
            _day(mid),
            _interval(low, high),
            "-" if observed is None else _observed((observed["first_day"], observed["last_day"])),
            "-" if observed is None else _dates(observed["first_date"], observed["last_date"]),
        )
    out.print(table)
    low, mid, high = payload["final_depth_km_quantiles"]
    out.print(
        f"Final depth of the campaign: median {mid:.0f} km (90% interval {low:.0f} to {high:.0f})."
    )
    d_low, d_mid, d_high = payload["days_run_quantiles"]
    reasons = ", ".join(
        f"{reason} {share:.0%}" for reason, share in payload["stop_reasons"].items() if share > 0
    )
    out.print(
        f"Days fought: median {d_mid:.0f} (90% interval {d_low:.0f} to {d_high:.0f}); "
        f"stopped by: {reasons}."
    )


def print_ensemble(
    ref: str,
    assignments: list[str],
    month: str | None,
    members: int,
    seed: int,
    as_json: bool,
    days: int | None,
) -> None:
    """``posturelab campaign --scenario REF --members N``: print the milestone summary."""
    loaded = load_scenario(ref)
    s = loaded.scenario
    model = compile_scenario(s, resolve_levers(s, parse_assignments(s, assignments)))
    at = month_position(model, month)
    try:
        payload = ensemble_milestones(model, s, seed, members, at, days)
    except ValueError as exc:
        raise InputError.single(loaded.origin, str(exc), path="contests") from None
    if as_json:
        print_json(payload)
    else:
        render_ensemble_milestones(payload)
