"""One theatre campaign built from a scenario's forces, as an attacker would weigh it in a month.

Used by ``posturelab campaign --scenario`` and the dashboard: the contest's theatre at peace in a
given month, with the levers and dated events that have taken effect by then, turned into the
inputs of Epstein's Adaptive Dynamic Model for one member, with the scored forces it used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from posturelab.engine.campaigns import TheatreContext, armour_factors, campaign_inputs
from posturelab.engine.compiled import CompiledScenario
from posturelab.engine.contest_specs import ContestSpec, ContestsSpec
from posturelab.engine.forces import ForceScores, score_forces
from posturelab.engine.posture import PostureSpec, peacetime_personnel
from posturelab.models import campaign, scoring

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ScoredForce:
    """One force in a scenario campaign: its side, personnel and scores that month."""

    force: str
    actor: str
    side: str
    personnel: float
    ground: float
    aircraft: float

    def as_dict(self) -> dict[str, str | float]:
        """The force as a JSON-ready mapping."""
        return {
            "force": self.force,
            "actor": self.actor,
            "side": self.side,
            "personnel": self.personnel,
            "ground": self.ground,
            "aircraft": self.aircraft,
        }


@dataclass(frozen=True)
class ScenarioCampaign:
    """A contest's campaign built from a scenario for one member, with the forces it used."""

    params: campaign.ADMParams
    days: int
    contest: str
    month: str
    forces: tuple[ScoredForce, ...]
    armour_factors: tuple[float, float] | None = None
    """The factors on the attacker's and the defender's armour (None without the section)."""


@dataclass(frozen=True)
class TheatreAtPeace:
    """A contest's theatre at peace in a month, for a batch of members, as its campaign starts.

    Attributes
    ----------
    contest
        The campaign contest.
    params, days
        The ADM inputs of its campaign and the horizon in days.
    month
        Index of the month.
    scores, personnel, strength
        Initial scores, personnel that month and the strength factors (current over initial).
    """

    contest: ContestSpec
    params: campaign.ADMParams
    days: int
    month: int
    scores: ForceScores
    personnel: FloatArray
    strength: FloatArray


def member_parameters(
    model: CompiledScenario, seed: int, member: int | None
) -> dict[str, FloatArray]:
    """One member's numbers: all at their medians, or the member's own draws.

    With ``member`` None every uncertain number takes its median (the unit design at 0.5);
    otherwise they are member ``member``'s draws in the run with ``seed``.
    """
    from posturelab.engine.simulate import sample_parameters

    if member is None:
        design = np.full((1, len(model.uncertain)), 0.5)
        return sample_parameters(model, seed, np.array([0], dtype=np.int64), 1, "mc", design)
    rows = np.array([member], dtype=np.int64)
    return sample_parameters(model, seed, rows, member + 1, "mc")


def theatre_at_peace(
    model: CompiledScenario,
    p: Mapping[str, FloatArray],
    members: int,
    contest_id: str | None = None,
    month: int | None = None,
) -> TheatreAtPeace:
    """The ADM inputs of a scenario's campaign contest for the first ``members`` members of ``p``.

    The theatre is taken at peace in ``month`` (default: the last month of the period), with the
    levers and dated events that have taken effect by then: the state an attacker would weigh.

    Raises
    ------
    ValueError
        If the scenario has no contest with an ``adm`` campaign (of id ``contest_id``).
    """
    spec = model.spec("contests", ContestsSpec)
    contests = [c for c in spec.contests if c.campaign == "adm"] if spec else []
    if contest_id is not None:
        contests = [c for c in contests if c.id == contest_id]
    if spec is None or not contests:
        raise ValueError("the scenario has no contest with an 'adm' campaign")
    c = contests[0]
    at = model.n_months - 1 if month is None else month
    scores = score_forces(model, p, members)
    posture = model.spec("posture", PostureSpec)
    personnel = (
        peacetime_personnel(posture, p, scores.personnel, at) if posture else scores.personnel
    )
    strength = scoring.strength_factor(personnel, scores.personnel)
    context = TheatreContext(
        at, np.zeros(members, dtype=bool), bool(spec.one_theatre[at]), bool(spec.jfhq[at])
    )
    rows = np.arange(members, dtype=np.int64)
    params, days = campaign_inputs(spec, c, p, scores, strength, rows, context)
    return TheatreAtPeace(c, params, days, at, scores, personnel, strength)


def scenario_campaign(
    model: CompiledScenario,
    p: Mapping[str, FloatArray],
    contest_id: str | None = None,
    month: int | None = None,
) -> ScenarioCampaign:
    """Build the ADM inputs of a scenario's campaign contest for the first member of ``p``.

    See :func:`theatre_at_peace`; the result also lists the scored forces of each side.
    """
    at_peace = theatre_at_peace(model, p, 1, contest_id, month)
    c, personnel, scores, strength = (
        at_peace.contest,
        at_peace.personnel,
        at_peace.scores,
        at_peace.strength,
    )
    sides = (("attacker", c.attacker_forces), ("defender", c.defender_forces),
             ("patron", c.patron_home_forces))  # fmt: skip
    rows = tuple(
        ScoredForce(
            force=model.forces.ids[f],
            actor=model.forces.actor[f],
            side=side,
            personnel=float(personnel[0, f]),
            ground=float(scores.ground[0, f] * strength[0, f]),
            aircraft=float(scores.aircraft[0, f] * strength[0, f]),
        )
        for side, index in sides
        for f in index
    )
    factors = None
    if "scoring.anti_armour.loss_share" in p:
        defending = np.concatenate([c.defender_forces, c.patron_home_forces])
        first = np.arange(1, dtype=np.int64)
        m_a, m_d = armour_factors(c.attacker_forces, defending, p, scores, strength, first)
        factors = (float(m_a[0]), float(m_d[0]))
    return ScenarioCampaign(
        at_peace.params, at_peace.days, c.id, model.months[at_peace.month], rows, factors
    )
