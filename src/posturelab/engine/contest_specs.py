"""The contests of a scenario compiled for the engine: force selections, reinforcements, policies.

A *contest* is a potential attack (DESIGN 5.3): an attacker, a defender, optionally a patron that
has promised to defend, a theatre, and the terms of the attacker's decision. Compilation resolves
each contest's forces to index arrays over the scenario's forces, its reinforcements to their
origin and destination theatres, its partners' treaties, and the patron's allocation policy
(DESIGN 5.4), in the patrons' priority order. The monthly step is
:mod:`posturelab.engine.contests`; the campaign inputs are :mod:`posturelab.engine.campaigns`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from posturelab.engine.frame import Frame
from posturelab.registry import objective_slug
from posturelab.scenario.schema import (
    Contest,
    LeverValue,
    Reinforcement,
    Scenario,
    TheatrePolicy,
)
from posturelab.scenario.schema_structure import StructuralChoice, structural_choice

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class ReinforcementSpec:
    """A reinforcement resolved for the engine: what arrives, from where, and whose it is."""

    id: str
    actor: str
    force: int  # index of the force a share of which arrives, or -1 for a pre-scored lethality
    distance: str | None  # catalogue name of the origin-destination distance, if any
    origin_theatre: str | None
    to_theatre: str | None


@dataclass(frozen=True)
class EntrapmentSpec:
    """An ally that a contest's war may draw in, and the command relation that decides it."""

    index: int
    actor: str
    command: str


@dataclass(frozen=True)
class ContestSpec:
    """A contest with its force selections resolved to index arrays over forces."""

    id: str
    attacker: str
    defender: str
    patron: str | None
    theatre: str
    patron_theatres: tuple[str, ...]
    partner_relations: tuple[str, ...]
    priority: int
    attacker_forces: IntArray
    defender_forces: IntArray
    patron_forces: IntArray
    patron_home_forces: IntArray  # the patron's forces in the contest's own theatre
    campaign: str = "ratio"
    objective: str | None = None  # catalogue name of the objective depth
    attacker_reinforcements: tuple[ReinforcementSpec, ...] = ()
    defender_reinforcements: tuple[ReinforcementSpec, ...] = ()
    strike_forces: IntArray | None = None
    entrapment: tuple[EntrapmentSpec, ...] = ()
    has_higher: bool = False
    """Whether a higher-priority contest of the same patron may draw this theatre's forces."""
    lower_home_forces: IntArray | None = None
    """The patron's forces in its lower-priority contests' theatres (the policy may bring them)."""
    pooled_forces: IntArray | None = None
    """The patron's other forces in the theatres a one-theatre command pools with this one."""
    jfhq_forces: IntArray | None = None
    """The patron's other forces at the origin of the joint headquarters' reinforcements."""
    nuclear: bool = False
    """Whether the decision has nuclear terms (``contests.<id>.nuclear.*``)."""
    tripwire: StructuralChoice | None = None
    """The declared forms of the tripwire relation for this contest (None: the saturating form)."""


@dataclass(frozen=True)
class ContestsSpec:
    """Every contest of a scenario, and the patrons' policies and dated levers that act on them.

    Attributes
    ----------
    contests
        In the patrons' priority order (then by id).
    campaign_days, campaign_objective
        Horizon in days and objective name (identifier form) of each ``adm`` contest's campaign.
    policy_patrons, pooled_theatres, jfhq_origin_theatre
        The patrons with an allocation policy, the theatres a one-theatre command pools and the
        theatre whose reinforcements the joint force headquarters speeds.
    vacuum_actor_index
        Row of each actor in ``vacuum``.
    relation_active, relation_ids, vacuum, n_months
        The frame's dated tables (:class:`posturelab.engine.frame.Frame`).
    flexibility
        The strategic-flexibility lever (share of forces that may be drawn out).
    one_theatre, jfhq, host_command
        Per month: a one-theatre command, the joint headquarters and the host's wartime
        operational control in effect.
    one_theatre_month, jfhq_month
        The month the one-theatre command (if chosen) and the headquarters take effect, when the
        campaigns' reinforcement schedules change.
    vacuum_months
        Months in which an actor's leadership vacuum begins or ends (its reinforcements' delays
        change, so cached campaigns must be recomputed).
    """

    contests: tuple[ContestSpec, ...]
    campaign_days: dict[str, int]
    campaign_objective: dict[str, str]
    policy_patrons: tuple[str, ...]
    pooled_theatres: dict[str, tuple[str, ...]]
    jfhq_origin_theatre: dict[str, str | None]
    vacuum_actor_index: dict[str, int]
    relation_active: BoolArray
    relation_ids: tuple[str, ...]
    vacuum: BoolArray
    n_months: int
    flexibility: float
    one_theatre: BoolArray
    jfhq: BoolArray
    host_command: BoolArray
    one_theatre_month: int | None
    jfhq_month: int | None
    vacuum_months: tuple[int, ...] = ()
    flexibility_status_quo: float = 0.0
    one_theatre_status_quo: bool = False
    jfhq_status_quo: bool = False
    """The levers' defaults at the first month: the calibration state of the base hazards."""


def _reinforcement(
    r: Reinforcement,
    frame: Frame,
    theatre_of: Mapping[str, str | None],
    distances: Mapping[frozenset[str], str],
) -> ReinforcementSpec:
    return ReinforcementSpec(
        id=r.id,
        actor=r.actor,
        force=frame.forces.ids.index(r.force) if r.force else -1,
        distance=distances.get(frozenset((r.origin, r.to))) if r.origin else None,
        origin_theatre=theatre_of[r.origin] if r.origin else None,
        to_theatre=theatre_of[r.to],
    )


def compile_contests(
    scenario: Scenario, levers: Mapping[str, LeverValue], frame: Frame
) -> ContestsSpec | None:
    """Resolve the scenario's contests (None: it has none)."""
    if not scenario.contests:
        return None
    forces = frame.forces
    empty = np.zeros(0, dtype=np.int64)
    theatre_of = {loc.id: loc.theatre for loc in scenario.locations}
    distances = {frozenset((d.a, d.b)): f"distances.{d.a}-{d.b}.km" for d in scenario.distances}
    contests: list[ContestSpec] = []
    policy = {tp.patron: tp for tp in scenario.theatre_policy}
    for contest in sorted(scenario.contests, key=lambda c: (c.priority, c.id)):
        patron_theatres = tuple(contest.patron_theatres) or (contest.theatre,)
        objective = f"theatres.{contest.theatre}.objective_depth_km"
        links = _posture_links(scenario, contest, patron_theatres, policy, theatre_of, frame)
        contests.append(
            ContestSpec(
                id=contest.id,
                attacker=contest.attacker,
                defender=contest.defender,
                patron=contest.patron,
                theatre=contest.theatre,
                patron_theatres=patron_theatres,
                partner_relations=tuple(
                    r.id
                    for r in scenario.relations
                    if r.kind != "command"
                    and contest.attacker in r.members
                    and any(p in r.members for p in contest.partners)
                ),
                priority=contest.priority,
                attacker_forces=forces.select(contest.attacker, (contest.theatre,)),
                defender_forces=forces.select(contest.defender, (contest.theatre,)),
                patron_forces=(
                    forces.select(contest.patron, patron_theatres) if contest.patron else empty
                ),
                patron_home_forces=(
                    forces.select(contest.patron, (contest.theatre,)) if contest.patron else empty
                ),
                campaign=contest.campaign,
                objective=objective if objective in frame.quantities else None,
                attacker_reinforcements=tuple(
                    _reinforcement(r, frame, theatre_of, distances)
                    for r in scenario.reinforcements
                    if r.actor == contest.attacker and theatre_of[r.to] == contest.theatre
                ),
                defender_reinforcements=tuple(
                    _reinforcement(r, frame, theatre_of, distances)
                    for r in scenario.reinforcements
                    if r.actor in (contest.defender, contest.patron)
                    and theatre_of[r.to] == contest.theatre
                ),
                strike_forces=(
                    forces.select(contest.patron, (contest.strike.theatre,))
                    if contest.strike and contest.patron
                    else None
                ),
                entrapment=tuple(
                    EntrapmentSpec(j, e.actor, e.command) for j, e in enumerate(contest.entrapment)
                ),
                nuclear=contest.nuclear is not None,
                tripwire=structural_choice(scenario.structure, "tripwire", contest.id),
                **links,
            )
        )
    policies = scenario.theatre_policy
    return ContestsSpec(
        contests=tuple(contests),
        campaign_days={
            c.id: c.campaign_terms.days for c in scenario.contests if c.campaign_terms is not None
        },
        campaign_objective={
            c.id: objective_slug(next(t.objective for t in scenario.theatres if t.id == c.theatre))
            for c in scenario.contests
        },
        policy_patrons=tuple(tp.patron for tp in policies),
        pooled_theatres={tp.patron: tuple(tp.pooled_theatres) for tp in policies},
        jfhq_origin_theatre={
            tp.patron: (theatre_of[tp.jfhq_origin] if tp.jfhq_origin else None) for tp in policies
        },
        vacuum_actor_index={a: i for i, a in enumerate(frame.actor_ids)},
        relation_active=frame.relation_active,
        relation_ids=frame.relation_ids,
        vacuum=frame.vacuum,
        n_months=frame.n_months,
        flexibility=float(frame.roles.get("strategic_flexibility", 0.0) or 0.0),
        one_theatre=frame.lever_active("one_theatre_date", switch="one_theatre"),
        jfhq=frame.lever_active("jfhq_date"),
        host_command=frame.lever_active("opcon_transfer_date"),
        one_theatre_month=(
            frame.role_month("one_theatre_date") if frame.roles.get("one_theatre") else None
        ),
        jfhq_month=frame.role_month("jfhq_date"),
        vacuum_months=tuple(
            int(m) for m in np.flatnonzero((frame.vacuum[1:] != frame.vacuum[:-1]).any(axis=1)) + 1
        ),
        **_status_quo(scenario, frame),
    )


def _posture_links(
    scenario: Scenario,
    contest: Contest,
    patron_theatres: tuple[str, ...],
    policy: Mapping[str, TheatrePolicy],
    theatre_of: Mapping[str, str | None],
    frame: Frame,
) -> dict[str, Any]:
    """The patron's forces outside the contest's own that its posture levers bring into play."""
    patron = contest.patron
    if patron is None or patron not in policy:
        return {}
    tp = policy[patron]
    forces = frame.forces
    others = [c for c in scenario.contests if c.patron == patron and c.id != contest.id]
    lower = tuple(sorted({c.theatre for c in others if c.priority > contest.priority}))
    lower = tuple(t for t in lower if t not in patron_theatres)
    pooled: tuple[str, ...] = ()
    if contest.theatre in tp.pooled_theatres:
        pooled = tuple(t for t in tp.pooled_theatres if t not in patron_theatres and t not in lower)
    origin = theatre_of[tp.jfhq_origin] if tp.jfhq_origin else None
    jfhq: tuple[str, ...] = ()
    if origin is not None and origin not in patron_theatres and origin not in lower:
        jfhq = (origin,)
    return {
        "has_higher": any(c.priority < contest.priority for c in others),
        "lower_home_forces": forces.select(patron, lower),
        "pooled_forces": forces.select(patron, pooled),
        "jfhq_forces": forces.select(patron, jfhq),
    }


def _status_quo(scenario: Scenario, frame: Frame) -> dict[str, Any]:
    """The posture levers at their defaults in the first month (the calibration state)."""
    defaults = {lv.role: lv.default for lv in scenario.levers if lv.role is not None}

    def at_start(role: str) -> bool:
        value = defaults.get(role)
        return isinstance(value, str) and value != "never" and frame.month_number(value) <= 0

    flexibility = defaults.get("strategic_flexibility", 0.0)
    return {
        "flexibility_status_quo": float(flexibility)
        if isinstance(flexibility, int | float)
        else 0.0,
        "one_theatre_status_quo": defaults.get("one_theatre") is True
        and at_start("one_theatre_date"),
        "jfhq_status_quo": at_start("jfhq_date"),
    }
