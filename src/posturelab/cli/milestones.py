"""Milestone tables of ``posturelab campaign --scenario``: the model's days beside the record.

For one member (every median, or ``--member K``) the table gives the day the campaign reaches each
milestone of the theatre; with ``--members N`` it gives the median day, a 90% interval and the
share of members that reach each milestone. Milestones that carry an observed record (history, or
a published study) print it beside the model's figures. The numbers come from
:mod:`posturelab.api.milestones`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from posturelab.cli.console import out

if TYPE_CHECKING:
    from posturelab.api.adm import Campaign
    from posturelab.api.milestones import MilestoneEnsemble, ObservedRecord


def _observed(record: ObservedRecord | None) -> str:
    if record is None:
        return "-"
    low, high = (f"{d:g}" for d in (record.first_day, record.last_day))
    return low if low == high else f"{low}-{high}"


def _dates(record: ObservedRecord | None) -> str:
    if record is None or record.first_date is None or record.last_date is None:
        return "-"
    first, last = record.first_date, record.last_date
    return first if first == last else f"{first} to {last}"


def render_member_milestones(result: Campaign) -> None:
    """Print one member's milestone table, below its campaign."""
    if not result.milestones:
        return
    final_km = result.final["X"]
    table = Table(title="Milestones: the model's day beside the record (day 0 = the attack)")
    for header in ("milestone", "depth km", "model day", "observed day", "observed date"):
        table.add_column(header, justify="left" if header == "milestone" else "right")
    for row in result.milestones:
        table.add_row(
            row.name,
            f"{row.depth_km:.0f}",
            f"not reached ({final_km:.0f} km)" if row.model_day is None else str(row.model_day),
            _observed(row.observed),
            _dates(row.observed),
        )
    out.print(table)
    out.print(
        f"The campaign stopped on day {result.days_run} ({result.stop_reason}) at "
        f"{final_km:.0f} km; a milestone beyond that depth is not reached."
    )


def _day(value: float | None) -> str:
    return "not reached" if value is None else f"{value:.0f}"


def _interval(low: float | None, high: float | None) -> str:
    return "not reached" if low is None and high is None else f"{_day(low)} to {_day(high)}"


def render_ensemble_milestones(summary: MilestoneEnsemble) -> None:
    """Print an ensemble's milestone table."""
    title = (
        f"Milestones of {summary.contest} over {summary.members} members "
        f"(seed {summary.seed}): the model's days beside the record (day 0 = the attack)"
    )
    table = Table(title=title)
    headers = (
        "milestone", "depth km", "reached", "model day, median", "model day, 90% interval",
        "observed day", "observed date",
    )  # fmt: skip
    for header in headers:
        table.add_column(header, justify="left" if header == "milestone" else "right")
    for row in summary.milestones:
        low, mid, high = row.model_day_quantiles
        table.add_row(
            row.name,
            f"{row.depth_km:.0f}",
            f"{row.reached_share:.0%}",
            _day(mid),
            _interval(low, high),
            _observed(row.observed),
            _dates(row.observed),
        )
    out.print(table)
    low, mid, high = summary.final_depth_km_quantiles
    out.print(
        f"Final depth of the campaign: median {mid:.0f} km (90% interval {low:.0f} to {high:.0f})."
    )
    d_low, d_mid, d_high = summary.days_run_quantiles
    reasons = ", ".join(
        f"{reason} {share:.0%}" for reason, share in summary.stop_reasons.items() if share > 0
    )
    out.print(
        f"Days fought: median {d_mid:.0f} (90% interval {d_low:.0f} to {d_high:.0f}); "
        f"stopped by: {reasons}."
    )
