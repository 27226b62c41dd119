"""Days to a theatre's named milestones in a scenario campaign, beside the record (hindcasts).

One member's campaign (:func:`posturelab.api.campaign` with ``scenario=``) carries
:class:`MemberMilestone` rows; :func:`campaign_milestones` runs the same campaign for N sampled
members and returns a :class:`MilestoneEnsemble`: the median day, a 90% interval and the share of
members that reach each milestone (``docs/models/campaign.md``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from posturelab.api._display import html_table
from posturelab.api.inputs import (
    LeverSettings,
    ScenarioRef,
    bad_option,
    lever_settings,
    month_position,
)
from posturelab.api.inputs import load_scenario as _load
from posturelab.defaults import DEFAULT_SEED
from posturelab.errors import InputError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from posturelab.engine.milestones import MilestoneDays, MilestoneSummary
    from posturelab.scenario.schema import Scenario

FloatArray = NDArray[np.float64]
QUANTILES = (0.05, 0.5, 0.95)
"""Quantiles of the final depth and of the days fought reported for an ensemble."""


@dataclass(frozen=True)
class ObservedRecord:
    """A milestone's observed record: first and last day (day 0 = the attack), dates, source."""

    first_day: float
    last_day: float
    first_date: str | None
    last_date: str | None
    source: str | None

    def to_json(self) -> dict[str, Any]:
        """The record as the command line's JSON prints it."""
        return {
            "first_day": self.first_day,
            "last_day": self.last_day,
            "first_date": self.first_date,
            "last_date": self.last_date,
            "source": self.source,
        }


@dataclass(frozen=True)
class MemberMilestone:
    """One milestone of one member's campaign: its depth and the model's day.

    ``model_day`` is ``None`` when the campaign stopped before reaching it.
    """

    id: str
    name: str
    depth_km: float
    model_day: int | None
    observed: ObservedRecord | None

    def to_json(self) -> dict[str, Any]:
        """The row as ``posturelab campaign --scenario --json`` prints it."""
        return {
            "id": self.id,
            "name": self.name,
            "depth_km": self.depth_km,
            "model_day": self.model_day,
            "observed": None if self.observed is None else self.observed.to_json(),
        }


@dataclass(frozen=True)
class EnsembleMilestone:
    """One milestone over an ensemble: its median depth, the share of members that reach it.

    ``model_day_quantiles`` are the 5%, 50% and 95% quantiles of the model's day (``None``: not
    reached at that quantile).
    """

    id: str
    name: str
    depth_km: float
    reached_share: float
    model_day_quantiles: tuple[float | None, float | None, float | None]
    observed: ObservedRecord | None

    def to_json(self) -> dict[str, Any]:
        """The row as ``posturelab campaign --members N --json`` prints it."""
        return {
            "id": self.id,
            "name": self.name,
            "depth_km": self.depth_km,
            "reached_share": self.reached_share,
            "model_day_quantiles": list(self.model_day_quantiles),
            "observed": None if self.observed is None else self.observed.to_json(),
        }


@dataclass(frozen=True, eq=False)
class MilestoneEnsemble:
    """A scenario's campaign run for N sampled members, summarised milestone by milestone.

    Attributes
    ----------
    contest, theatre, month
        The contest whose campaign ran, its theatre and the month of the theatre's state.
    members, seed, days
        Members, root seed and horizon in days.
    final_depth_km_quantiles, days_run_quantiles
        5%, 50% and 95% quantiles of the final depth and of the days fought.
    stop_reasons
        Share of members stopped by each reason.
    milestones
        One :class:`EnsembleMilestone` per milestone of the theatre.
    """

    contest: str
    theatre: str
    month: str
    members: int
    seed: int
    days: int
    final_depth_km_quantiles: tuple[float, float, float]
    days_run_quantiles: tuple[float, float, float]
    stop_reasons: Mapping[str, float]
    milestones: tuple[EnsembleMilestone, ...]

    def to_pandas(self) -> pd.DataFrame:
        """One row per milestone: depth, share reached and the day's quantiles."""
        import pandas as pd

        rows = self.milestones
        return pd.DataFrame(
            {
                "name": [m.name for m in rows],
                "depth_km": [m.depth_km for m in rows],
                "reached_share": [m.reached_share for m in rows],
                "day_p05": [m.model_day_quantiles[0] for m in rows],
                "day_p50": [m.model_day_quantiles[1] for m in rows],
                "day_p95": [m.model_day_quantiles[2] for m in rows],
            },
            index=pd.Index([m.id for m in rows], name="milestone"),
        )

    def to_json(self) -> dict[str, Any]:
        """What ``posturelab campaign --scenario S --members N --json`` prints."""
        return {
            "contest": self.contest,
            "theatre": self.theatre,
            "month": self.month,
            "members": self.members,
            "seed": self.seed,
            "days": self.days,
            "final_depth_km_quantiles": list(self.final_depth_km_quantiles),
            "days_run_quantiles": list(self.days_run_quantiles),
            "stop_reasons": dict(self.stop_reasons),
            "milestones": [m.to_json() for m in self.milestones],
        }

    def plot(self) -> Figure:
        """The model's median day and 90% interval for each milestone, beside the record."""
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 3.5))
        for k, m in enumerate(self.milestones):
            low, mid, high = m.model_day_quantiles
            if mid is not None:
                top = high if high is not None else float(self.days)
                ax.plot([low if low is not None else mid, top], [k, k], color="#4c72b0")
                ax.plot([mid], [k], "o", color="#4c72b0", label="model" if k == 0 else None)
            if m.observed is not None:
                ax.plot(
                    [m.observed.first_day, m.observed.last_day], [k, k], "s", color="#c44e52",
                    label="record" if k == 0 else None,
                )  # fmt: skip
        ax.set_yticks(range(len(self.milestones)), [m.name for m in self.milestones], fontsize=8)
        ax.set_xlabel("day (0 = the attack)")
        ax.set_title(f"Milestones of {self.contest} over {self.members} members", fontsize=10)
        if self.milestones:
            ax.legend(fontsize=8)
        fig.tight_layout()
        return fig

    def _repr_html_(self) -> str:
        rows = [
            (m.name, f"{m.depth_km:.0f}", f"{m.reached_share:.0%}", m.model_day_quantiles[1])
            for m in self.milestones
        ]
        return html_table(
            f"Milestones of {self.contest} over {self.members} members",
            ("milestone", "depth km", "reached", "median day"),
            rows,
        )


def _observed(m: MilestoneDays | MilestoneSummary) -> ObservedRecord | None:
    if m.observed_days is None:
        return None
    dates = m.observed_dates
    return ObservedRecord(
        first_day=m.observed_days[0],
        last_day=m.observed_days[1],
        first_date=None if dates is None else dates[0],
        last_date=None if dates is None else dates[1],
        source=m.source,
    )


def member_milestones(
    scenario: Scenario, theatre: str, p: Mapping[str, Any], X: Sequence[float] | FloatArray
) -> tuple[MemberMilestone, ...]:
    """The milestones of one member's campaign trace ``X`` (km by day); ``p``: its numbers."""
    from posturelab.engine.milestones import milestone_days

    trace = np.asarray(X, dtype=np.float64)[np.newaxis, :]
    rows = []
    for m in milestone_days(scenario, theatre, dict(p), trace):
        day = int(m.day[0])
        rows.append(
            MemberMilestone(
                id=m.id,
                name=m.name,
                depth_km=float(m.depth_km[0]),
                model_day=None if day < 0 else day,
                observed=_observed(m),
            )
        )
    return tuple(rows)


def _quantiles(values: Any) -> tuple[float, float, float]:
    low, mid, high = (float(v) for v in np.quantile(values, QUANTILES))
    return low, mid, high


def campaign_milestones(
    scenario: ScenarioRef,
    *,
    members: int,
    levers: LeverSettings | None = None,
    variant: str | None = None,
    month: str | None = None,
    seed: int = DEFAULT_SEED,
    days: int | None = None,
) -> MilestoneEnsemble:
    """Run a scenario's campaign for ``members`` sampled members and summarise its milestones.

    Parameters
    ----------
    scenario, levers, variant
        The scenario and its lever settings.
    members
        Sampled members, 1 to 100,000.
    month
        Month of the theatre's state, ``YYYY-MM`` (default: the scenario's last month).
    seed
        Root seed of the sampled numbers.
    days
        Horizon in days (default: the contest's).

    Raises
    ------
    InputError
        On a bad scenario, lever, month or member count, or a scenario without a campaign.

    Examples
    --------
    >>> summary = campaign_milestones("korea-1950", members=20)
    >>> summary.contest, len(summary.milestones) > 0
    ('kpa_invasion', True)
    """
    from posturelab.engine.compiled import compile_scenario
    from posturelab.engine.milestones import ensemble_campaign, milestone_days, summarise
    from posturelab.engine.simulate import sample_parameters
    from posturelab.models.campaign import STOP_REASONS

    if not 1 <= members <= 100_000:
        raise bad_option("members", f"{{option}} must be in [1, 100000], got {members}")
    loaded = _load(scenario)
    s = loaded.scenario
    model = compile_scenario(s, lever_settings(loaded, levers, variant))
    at = month_position(model, month)
    rows = np.arange(members, dtype=np.int64)
    p = sample_parameters(model, seed, rows, members, "mc")
    try:
        contest, result = ensemble_campaign(model, p, members, at, days)
    except ValueError as exc:
        raise InputError.single(loaded.origin, str(exc), path="contests") from None
    summaries = summarise(milestone_days(s, contest.theatre, p, result.X))
    return MilestoneEnsemble(
        contest=contest.id,
        theatre=contest.theatre,
        month=model.months[model.n_months - 1 if at is None else at],
        members=members,
        seed=seed,
        days=int(result.X.shape[1] - 1),
        final_depth_km_quantiles=_quantiles(result.X[:, -1]),
        days_run_quantiles=_quantiles(result.days_run),
        stop_reasons={
            reason: float(np.mean(result.stop_code == code))
            for code, reason in enumerate(STOP_REASONS)
        },
        milestones=tuple(
            EnsembleMilestone(
                id=m.id,
                name=m.name,
                depth_km=m.depth_km,
                reached_share=m.reached_share,
                model_day_quantiles=(
                    None if math.isinf(m.day_quantiles[0]) else m.day_quantiles[0],
                    None if math.isinf(m.day_quantiles[1]) else m.day_quantiles[1],
                    None if math.isinf(m.day_quantiles[2]) else m.day_quantiles[2],
                ),
                observed=_observed(m),
            )
            for m in summaries
        ),
    )
