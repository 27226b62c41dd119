r"""Days to a theatre's named milestones, read from the daily trace of its campaign (hindcasts).

A theatre may name milestones along its axis of advance (``theatres[].milestones``), each at a
depth :math:`d_k` (km from the start line) and, for a hindcast, with the dates on which it was
reached in history. A campaign of Epstein's Adaptive Dynamic Model
(:mod:`posturelab.models.campaign`) records the defender's cumulative withdrawal
:math:`X_t = \sum_{s \le t} W_s` each day; the model's day for milestone :math:`k` is

.. math::

    t_k = \min \{\, t : X_t \ge d_k \,\},

or "not reached" when the campaign stops (a breakpoint, the objective, the horizon) first.
Nothing here changes the campaign: the trace is the one ``posturelab campaign --scenario``
prints, and :func:`ensemble_campaign` builds the same inputs for many members with
:func:`posturelab.engine.campaigns.campaign_inputs`.

References
----------
Epstein, J. M. (1985). *The Calculus of Conventional War: Dynamic Analysis without Lanchester
Theory*. Brookings Institution, appendix A.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from posturelab.engine.compiled import CompiledScenario
from posturelab.engine.contest_specs import ContestSpec
from posturelab.engine.scenario_campaign import theatre_at_peace
from posturelab.models.campaign import ADMResult, simulate_adm
from posturelab.scenario.schema import Scenario

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Quantiles of the model's day reported for an ensemble (a 90% interval and the median).
QUANTILES = (0.05, 0.5, 0.95)


def first_day_at_depth(X: FloatArray, depth: FloatArray) -> IntArray:
    """Return, per member, the first day ``t`` with ``X[:, t] >= depth``, or -1 if none.

    Parameters
    ----------
    X
        Cumulative displacement, shape ``(members, days + 1)`` (column ``t`` is day ``t``).
    depth
        Milestone depth per member, shape ``(members,)`` (or a scalar).
    """
    trace = np.asarray(X, dtype=np.float64)
    target = np.broadcast_to(np.asarray(depth, dtype=np.float64), (trace.shape[0],))
    hit = trace >= target[:, None]
    return np.where(hit.any(axis=1), np.argmax(hit, axis=1), -1).astype(np.int64)


@dataclass(frozen=True)
class MilestoneDays:
    """A milestone's depth and the model's day per member, beside its historical record.

    Attributes
    ----------
    day
        The model's day per member; -1 where the campaign stopped before reaching it.
    observed_days
        First and last day of the observed record (equal for one date), or ``None``.
    observed_dates
        The same as ``YYYY-MM-DD`` dates, or ``None`` (also for a published duration).
    """

    id: str
    name: str
    depth_km: FloatArray
    day: IntArray
    observed_days: tuple[float, float] | None
    observed_dates: tuple[str, str] | None
    source: str | None


def milestone_days(
    scenario: Scenario, theatre: str, p: dict[str, FloatArray], X: FloatArray
) -> list[MilestoneDays]:
    """Read the day each of ``theatre``'s milestones is reached from a campaign trace ``X``.

    ``p`` holds the members' sampled numbers (the milestone depths among them), in the rows of
    ``X``.
    """
    milestones = next((t.milestones for t in scenario.theatres if t.id == theatre), [])
    out = []
    for m in milestones:
        depth = np.asarray(p[f"theatres.{theatre}.milestones.{m.id}.depth_km"], dtype=np.float64)
        depth = depth[: np.shape(X)[0]]
        record = m.observed
        out.append(
            MilestoneDays(
                id=m.id,
                name=m.name,
                depth_km=depth,
                day=first_day_at_depth(X, depth),
                observed_days=None if record is None else record.day_range(),
                observed_dates=None if record is None else record.date_range(),
                source=None if record is None else record.source,
            )
        )
    return out


def ensemble_campaign(
    model: CompiledScenario,
    p: dict[str, FloatArray],
    members: int,
    month: int | None = None,
    days: int | None = None,
) -> tuple[ContestSpec, ADMResult]:
    """Run the scenario's first ``adm`` contest campaign for ``members`` sampled members.

    The theatre is taken at peace in ``month`` (default: the last month), as
    :func:`posturelab.engine.scenario_campaign.theatre_at_peace` takes it; ``days``
    overrides the contest's horizon as ``posturelab campaign --days`` does for one member.

    Raises
    ------
    ValueError
        If the scenario has no contest with an ``adm`` campaign.
    """
    at_peace = theatre_at_peace(model, p, members, month=month)
    result = simulate_adm(at_peace.params, days or at_peace.days, members=members, keep_trace=True)
    return at_peace.contest, result


@dataclass(frozen=True)
class MilestoneSummary:
    """An ensemble's days to one milestone: share reached and quantiles (``inf``: not reached)."""

    id: str
    name: str
    depth_km: float
    reached_share: float
    day_quantiles: tuple[float, float, float]
    observed_days: tuple[float, float] | None
    observed_dates: tuple[str, str] | None
    source: str | None


def summarise(days: list[MilestoneDays]) -> list[MilestoneSummary]:
    """Summarise each milestone over members; a member that never reaches it counts as ``inf``."""
    out = []
    for m in days:
        as_float = np.where(m.day >= 0, m.day.astype(np.float64), np.inf)
        q = np.quantile(as_float, QUANTILES, method="inverted_cdf")
        out.append(
            MilestoneSummary(
                id=m.id,
                name=m.name,
                depth_km=float(np.median(m.depth_km)),
                reached_share=float(np.mean(m.day >= 0)),
                day_quantiles=(float(q[0]), float(q[1]), float(q[2])),
                observed_days=m.observed_days,
                observed_dates=m.observed_dates,
                source=m.source,
            )
        )
    return out
