"""Theatre campaigns from a scenario's forces: inputs of Epstein's ADM for a contest (DESIGN 5.2).

:func:`campaign_inputs` turns the current state of a contest's theatre (scored ground forces and
aircraft of the attacker, the defender and the patron, and the reinforcements that would arrive)
into :class:`~posturelab.models.campaign.ADMParams` for a batch of members;
:func:`run_campaign` runs it and summarises what the engine needs: the depth reached, whether the
objective fell, the days fought and each side's losses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from posturelab.engine.contest_specs import ContestSpec, ContestsSpec, ReinforcementSpec
from posturelab.engine.forces import ForceScores
from posturelab.models import campaign, campaign_mechanisms, scoring, theatres

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

TERMS = (
    "alpha0", "rho", "W_max", "alpha_dT", "alpha_aT", "k", "K_d", "K_a", "S_d", "S_a",
    "alpha_da", "alpha_aa", "breakpoint_A", "breakpoint_D",
)  # fmt: skip
#: Optional terms passed to the ADM as they are (docs/models/campaign.md).
OPTIONAL_TERMS = (
    "breakpoint_A_momentum", "breakpoint_D_momentum", "pursuit_km_per_day", "reform_share",
)  # fmt: skip


@dataclass(frozen=True)
class TheatreContext:
    """What else shapes a campaign this month, per member or for the whole run."""

    month: int
    distracted: BoolArray  # the patron fights a higher-priority war (per member)
    one_theatre: bool  # a one-theatre command is in effect this month
    jfhq: bool  # the patron's joint headquarters is operational this month


@dataclass(frozen=True)
class CampaignOutcome:
    """Per-member summary of a batch of campaigns.

    ``depth_km`` is the deepest the front reaches when the campaign is fought to the end (what the
    attacker's chance of a quick win reads); ``front_km`` is the front on the day the campaign
    ended: the objective's fall or the end of the fighting (the campaign's depth as reported).
    """

    depth_km: FloatArray
    front_km: FloatArray
    objective_reached: BoolArray
    days: IntArray
    attacker_loss_share: FloatArray
    defender_loss_share: FloatArray


def _reinforcement_schedule(
    spec: ContestsSpec,
    contest: ContestSpec,
    specs: tuple[ReinforcementSpec, ...],
    p: Mapping[str, FloatArray],
    scores: ForceScores,
    strength: FloatArray,
    rows: IntArray,
    context: TheatreContext,
    days: int,
    lead: FloatArray | None = None,
) -> FloatArray | None:
    if not specs:
        return None
    n = rows.size
    lethality = np.zeros((n, len(specs)))
    start = np.zeros((n, len(specs)))
    spread = np.ones((n, len(specs)))
    policy = contest.patron in spec.policy_patrons
    for j, r in enumerate(specs):
        prefix = f"reinforcements.{r.id}"
        if r.force >= 0:
            whole = scores.ground_full[rows, r.force] * strength[rows, r.force]
            lethality[:, j] = p[f"{prefix}.share"][rows] * whole
        else:
            lethality[:, j] = p[f"{prefix}.lethality"][rows]
        km = p[r.distance][rows] if r.distance else np.zeros(n)
        lift = p[f"{prefix}.lift_km_per_day"][rows] if r.distance else np.ones(n)
        vacuum = np.zeros(n)
        actor = spec.vacuum_actor_index.get(r.actor)
        if (
            actor is not None
            and spec.vacuum[context.month, actor]
            and f"{prefix}.vacuum_extra_days" in p
        ):
            vacuum = p[f"{prefix}.vacuum_extra_days"][rows]
        factor = np.ones(n)
        if policy and r.actor == contest.patron:
            tp = f"theatre_policy.{contest.patron}"
            pooled = spec.pooled_theatres.get(contest.patron or "", ())
            if (
                context.jfhq
                and r.origin_theatre
                and r.origin_theatre == spec.jfhq_origin_theatre.get(contest.patron or "")
            ):
                factor = factor * p[f"{tp}.jfhq_delay_factor"][rows]
            if context.one_theatre and r.origin_theatre in pooled and r.to_theatre in pooled:
                factor = factor * p[f"{tp}.one_theatre_delay_factor"][rows]
            distracted = context.distracted[rows]
            factor = np.where(distracted, factor * p[f"{tp}.distracted_delay_factor"][rows], factor)
            lethality[:, j] = np.where(
                distracted,
                lethality[:, j] * p[f"{tp}.distracted_share_factor"][rows],
                lethality[:, j],
            )
        start[:, j] = theatres.delay_days(p[f"{prefix}.prep_days"][rows], km, lift, vacuum, factor)
        if lead is not None:
            # Preparation starts on the warning day, `lead` days before the attack.
            start[:, j] = np.maximum(start[:, j] - lead, 0.0)
        spread[:, j] = p[f"{prefix}.spread_days"][rows]
    return theatres.arrival_schedule(lethality, start, spread, days)


def armour_factors(
    attacking: IntArray,
    defending: IntArray,
    p: Mapping[str, FloatArray],
    scores: ForceScores,
    strength: FloatArray,
    rows: IntArray,
) -> tuple[FloatArray, FloatArray]:
    """Factors on the attacker's and the defender's armour scores, each of shape (rows,).

    Each side's armour is valued against the other side's effective anti-armour weapons per
    tank (:func:`posturelab.models.scoring.armour_factor`); both are 1 where the scenario has no
    ``scoring.anti_armour`` section or a side has no armour.
    """
    if "scoring.anti_armour.loss_share" not in p:
        return np.ones(rows.size), np.ones(rows.size)
    reference = p["scoring.anti_armour.reference_ratio"][rows]
    share = p["scoring.anti_armour.loss_share"][rows]
    count = scores.armour_count * strength
    answer = scores.answer * strength

    def factor(side: IntArray, other: IntArray) -> FloatArray:
        tanks = count[np.ix_(rows, side)].sum(axis=1)
        answers = answer[np.ix_(rows, other)].sum(axis=1)
        x = np.divide(answers, tanks, out=np.full(rows.size, np.inf), where=tanks > 0)
        return scoring.armour_factor(x, reference, share)

    return factor(attacking, defending), factor(defending, attacking)


def campaign_inputs(
    spec: ContestsSpec,
    contest: ContestSpec,
    p: Mapping[str, FloatArray],
    scores: ForceScores,
    strength: FloatArray,
    rows: IntArray,
    context: TheatreContext,
) -> tuple[campaign.ADMParams, int]:
    """Return the ADM parameters of ``contest`` for members ``rows``, and the horizon in days.

    The attacker's lethality is its forward ground score in the theatre; the defender's is the
    defender's and the patron's ground score there; close air support is their effective aircraft.
    Where the scenario values armour against its answer, each side's armour score in place is
    multiplied by :func:`armour_factors` (reinforcements count at their additive score).
    Reinforcements arrive on the schedules of :mod:`posturelab.models.theatres`. The optional
    mechanisms of :mod:`posturelab.models.campaign_mechanisms` (warning and surprise, strikes on
    air bases, weather and night, special forces, chemical attacks) apply where the contest's
    campaign terms give them.
    """
    days = spec.campaign_days[contest.id]
    defending = np.concatenate([contest.defender_forces, contest.patron_home_forces])
    ground = scores.ground * strength
    air = scores.aircraft * strength
    pre = f"contests.{contest.id}.campaign_terms"
    terms = {name: p[f"{pre}.{name}"][rows] for name in TERMS}
    terms.update(
        {name: p[f"{pre}.{name}"][rows] for name in OPTIONAL_TERMS if f"{pre}.{name}" in p}
    )
    objective = p[contest.objective][rows] if contest.objective else np.full(rows.size, np.inf)
    attacking = contest.attacker_forces
    a0 = ground[np.ix_(rows, attacking)].sum(axis=1)
    d0 = ground[np.ix_(rows, defending)].sum(axis=1)
    if "scoring.anti_armour.loss_share" in p:
        # Armour valued against the other side's answer to it (models/scoring.armour_factor).
        m_a, m_d = armour_factors(attacking, defending, p, scores, strength, rows)
        armour = scores.armour * strength
        a0 = a0 + (m_a - 1.0) * armour[np.ix_(rows, attacking)].sum(axis=1)
        d0 = d0 + (m_d - 1.0) * armour[np.ix_(rows, defending)].sum(axis=1)
    n = rows.size

    def term(name: str, default: float) -> FloatArray:
        key = f"{pre}.{name}"
        return p[key][rows] if key in p else np.full(n, default)

    d0 = d0 * (1.0 - term("sof_disruption", 0.0))
    cas_share = term("cas_share", 1.0)
    lead = None
    ramp = None
    air_d = None
    if f"{pre}.warning_days" in p:
        lead = term("warning_days", 0.0)
        r = campaign_mechanisms.readiness(
            lead, term("surprise_readiness", 1.0), term("readiness_ramp_days", 1.0), days
        )
        ramp = campaign_mechanisms.ramp_reinforcement(d0, r)
        d0 = d0 * r[:, 0]
    else:
        r = np.ones((n, days + 1))
    if lead is not None or any(
        f"{pre}.{k}" in p for k in ("base_strike_share", "cas_weather_night")
    ):
        air_d = campaign_mechanisms.air_factor(
            r,
            term("base_strike_share", 0.0),
            term("base_repair_days", 1.0),
            term("cas_weather_night", 0.0),
        )
    rho_f = None
    if f"{pre}.chemical_degradation" in p:
        rho_f = campaign_mechanisms.rho_factor(
            term("chemical_degradation", 0.0), term("chemical_days", 0.0), days
        )
    specs_d = contest.defender_reinforcements
    reinforcement_d = _reinforcement_schedule(
        spec, contest, specs_d, p, scores, strength, rows, context, days, lead
    )
    if ramp is not None:
        reinforcement_d = ramp if reinforcement_d is None else reinforcement_d + ramp
    params = campaign.ADMParams(
        A0=a0,
        D0=d0,
        Acas0=air[np.ix_(rows, contest.attacker_forces)].sum(axis=1) * cas_share,
        Dcas0=air[np.ix_(rows, defending)].sum(axis=1) * cas_share,
        objective_km=objective,
        reinforcement_A=_reinforcement_schedule(
            spec, contest, contest.attacker_reinforcements, p, scores, strength, rows, context, days
        ),
        reinforcement_D=reinforcement_d,
        air_factor_D=air_d,
        rho_factor=rho_f,
        **terms,
    )
    return params, days


def run_campaign(params: campaign.ADMParams, days: int, members: int) -> CampaignOutcome:
    """Run a batch of campaigns and summarise depth, objective, days and loss shares.

    The campaign is fought past its objective to the end of the fighting (a breakpoint or the
    horizon): the depth is the deepest the front reaches, the X_max that the attacker's chance of
    a quick win reads (DESIGN 5.3), rather than the objective plus the last day's overshoot. The
    objective falls if it lies within that depth; the days and the losses are counted to the day
    it fell or the fighting stopped, whichever came first, as a campaign stopped at its objective
    would count them, and ``front_km`` is the front on that day.
    """
    beyond = dataclasses.replace(params, objective_km=np.inf)
    result = campaign.simulate_adm(beyond, days, members=members, keep_trace=True)
    A, D, X = result.A, result.D, result.X
    objective = np.broadcast_to(np.asarray(params.objective_km, dtype=np.float64), (members,))
    past = X >= objective[:, None]  # noqa: SIM300
    reached = past[:, -1]
    fell = np.where(reached, np.argmax(past, axis=1), days)
    end = np.minimum(fell, result.days_run)
    # Losses: lethality lost to combat each day (before reinforcement), summed to the end day.
    counted = np.arange(days + 1)[None, :] < end[:, None]
    lost_a = np.sum(result.alphaA * A * counted, axis=1)
    lost_d = np.sum(result.alphaD * D * counted, axis=1)
    added_a = _arrived(params.reinforcement_A, end, members)
    added_d = _arrived(params.reinforcement_D, end, members)
    a0 = np.broadcast_to(np.asarray(params.A0, dtype=np.float64), (members,))
    d0 = np.broadcast_to(np.asarray(params.D0, dtype=np.float64), (members,))
    return CampaignOutcome(
        depth_km=X[:, -1].copy(),
        front_km=X[np.arange(members), end],
        objective_reached=reached.copy(),
        days=end.astype(np.int64),
        attacker_loss_share=lost_a / np.maximum(a0 + added_a, 1e-12),
        defender_loss_share=lost_d / np.maximum(d0 + added_d, 1e-12),
    )


def _arrived(schedule: object, days_run: IntArray, members: int) -> FloatArray:
    if schedule is None:
        return np.zeros(members)
    arr = np.asarray(schedule, dtype=np.float64)
    cumulative = np.cumsum(arr, axis=1)
    index = np.clip(days_run - 1, 0, arr.shape[1] - 1)
    return np.where(days_run > 0, cumulative[np.arange(members), index], 0.0)
