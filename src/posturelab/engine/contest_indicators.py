"""The indicators of the contests component: their declarations and their values at the horizon.

Per contest: the monthly hazard, the attacker's chance of a quick win, the force ratio and the
patron's credibility (series); whether the attack starts by the horizon, with each member's risk
made from its hazards and the month it started; per entrapped ally, whether it is drawn in; per
campaign contest, the campaign's outcome among members where the attack happens; and whether two
wars against one patron overlap.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from posturelab.engine.component import Indicator
from posturelab.engine.contest_specs import ContestsSpec

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

ATTACK = "p_{contest}"
RISK = "risk_{contest}"
ONSET = "attack_month_{contest}"
HAZARD = "hazard_{contest}"
P_WIN = "p_win_{contest}"
RATIO = "force_ratio_{contest}"
CREDIBILITY = "credibility_{patron}_{theatre}"
ENTRAPPED = "p_{actor}_entrapped"
ENTRAPPED_RISK = "risk_{actor}_entrapped"
REACHED = "p_{objective}_reached_given_attack"
TWO_FRONT = "p_two_front_war"
NUCLEAR = "p_nuclear_use_given_war"
NUCLEAR_EACH = "p_nuclear_use_given_{contest}"


def nuclear_name(spec: ContestsSpec, contest_id: str) -> str:
    """``p_nuclear_use_given_war`` where one contest has nuclear terms, else one per contest."""
    if sum(c.nuclear for c in spec.contests) == 1:
        return NUCLEAR
    return NUCLEAR_EACH.format(contest=contest_id)


CAMPAIGN: dict[str, tuple[str, str, str]] = {
    "depth": (
        "campaign_depth_km_given_attack",
        "km",
        "Depth the attacker's campaign reaches, among members where the attack happens.",
    ),
    "days": (
        "campaign_days_given_attack",
        "days",
        "Days the campaign runs before a side breaks, the objective falls or the horizon.",
    ),
    "loss_a": (
        "attacker_loss_share_given_attack",
        "share",
        "Share of the attacker's initial ground lethality lost in the campaign.",
    ),
    "loss_d": (
        "defender_loss_share_given_attack",
        "share",
        "Share of the defender's initial ground lethality lost in the campaign.",
    ),
}
"""Distribution indicators of a campaign: outcome field -> (name, unit, description)."""


def _two_fronts(spec: ContestsSpec) -> bool:
    patrons = [c.patron for c in spec.contests if c.patron]
    return len(patrons) != len(set(patrons))


def contest_indicators(spec: ContestsSpec) -> tuple[Indicator, ...]:
    """Every variable the contests component emits for ``spec``."""
    out: list[Indicator] = []
    for c in spec.contests:
        attack, risk, onset, hazard = (
            t.format(contest=c.id) for t in (ATTACK, RISK, ONSET, HAZARD)
        )
        out += [
            Indicator(attack, ATTACK, "probability", "probability",
                      "The attack starts by the horizon.", risk=risk, hazard=hazard, onset=onset),
            Indicator(risk, RISK, "distribution", "probability",
                      "The member's probability that the attack starts by the horizon, from its "
                      "monthly hazards.", auxiliary=True),
            Indicator(onset, ONSET, "distribution", "month index",
                      "Month (from the start, 0-based) in which the attack started.",
                      auxiliary=True, missing=True),
            Indicator(hazard, HAZARD, "series", "probability per month",
                      "Monthly probability that the attack starts (missing once it has).",
                      missing=True),
            Indicator(P_WIN.format(contest=c.id), P_WIN, "series", "probability",
                      "The attacker's perceived chance of a quick victory."),
            Indicator(RATIO.format(contest=c.id), RATIO, "series", "ratio",
                      "Attacker's scored forward strength over the defence's scored strength in "
                      "the theatre."),
        ]  # fmt: skip
        if c.patron:
            out.append(
                Indicator(
                    CREDIBILITY.format(patron=c.patron, theatre=c.theatre),
                    CREDIBILITY,
                    "series",
                    "0-1",
                    "Credibility of the patron's commitment to defend the theatre.",
                )
            )
        for e in c.entrapment:
            risk_name = ENTRAPPED_RISK.format(actor=e.actor)
            out.append(
                Indicator(
                    ENTRAPPED.format(actor=e.actor),
                    ENTRAPPED,
                    "probability",
                    "probability",
                    "The patron's ally is drawn into the war of a higher-priority contest by the "
                    "horizon.",
                )
            )
            out.append(
                Indicator(
                    risk_name,
                    ENTRAPPED_RISK,
                    "distribution",
                    "probability",
                    "The member's probability that the ally is drawn in by the horizon given the "
                    "member's own course of the patron's war (0 without that war); not a risk of "
                    "the outcome, which also depends on whether that war happens.",
                    auxiliary=True,
                )
            )
        if c.nuclear:
            name = nuclear_name(spec, c.id)
            out.append(
                Indicator(
                    name,
                    NUCLEAR if name == NUCLEAR else NUCLEAR_EACH,
                    "distribution",
                    "probability",
                    "Among members where the attack happens, the chance that the war goes "
                    "nuclear, from the attacker's warheads and its chance of a quick win in the "
                    "month the war starts.",
                    missing=True,
                )
            )
        if c.campaign == "adm":
            objective = spec.campaign_objective.get(c.id, "objective")
            out.append(
                Indicator(
                    REACHED.format(objective=objective),
                    REACHED,
                    "probability",
                    "probability",
                    "Among members where the attack happens, the campaign reaches its objective.",
                    missing=True,
                )
            )
            out += [
                Indicator(name, name, "distribution", unit, text, missing=True)
                for name, unit, text in CAMPAIGN.values()
            ]
    if _two_fronts(spec):
        out.append(
            Indicator(
                TWO_FRONT,
                TWO_FRONT,
                "probability",
                "probability",
                "Two wars against the same patron overlap in time by the horizon.",
            )
        )
    return tuple(out)


def contest_scalars(
    spec: ContestsSpec,
    war_start: Mapping[str, IntArray],
    war_end: Mapping[str, IntArray],
    risk_log: Mapping[str, FloatArray],
    entrapped: Mapping[tuple[str, str], BoolArray],
    outcome: Mapping[str, Mapping[str, FloatArray]],
    n: int,
    nuclear_at_start: Mapping[str, FloatArray] | None = None,
    entrapment_log: Mapping[tuple[str, str], FloatArray] | None = None,
) -> dict[str, FloatArray]:
    """Per-member outcomes by the horizon.

    Parameters
    ----------
    spec
        The compiled contests.
    war_start, war_end
        Per contest, the month each member's war started and ended (-1: none).
    risk_log
        Per contest, ``sum log(1 - h)`` over the months each member was at peace.
    entrapped
        Per (contest, ally), whether the ally was drawn in.
    outcome
        Per campaign contest, the campaign outcome fields at the war's start (NaN: no war).
    n
        Members.
    nuclear_at_start
        Per nuclear contest, the chance of nuclear use in the month the war started (NaN: none).
    entrapment_log
        Per (contest, ally), ``sum log(1 - q)`` of the monthly entrapment chances while exposed.
    """
    scalars: dict[str, FloatArray] = {}
    for c in spec.contests:
        start = war_start[c.id]
        scalars[ATTACK.format(contest=c.id)] = (start >= 0).astype(np.float64)
        scalars[ONSET.format(contest=c.id)] = np.where(start >= 0, start, np.nan)
        scalars[RISK.format(contest=c.id)] = -np.expm1(risk_log[c.id])
        for e in c.entrapment:
            scalars[ENTRAPPED.format(actor=e.actor)] = entrapped[(c.id, e.actor)].astype(np.float64)
            log = (entrapment_log or {}).get((c.id, e.actor))
            scalars[ENTRAPPED_RISK.format(actor=e.actor)] = (
                -np.expm1(log) if log is not None else np.zeros(n)
            )
        if c.nuclear:
            at_start = (nuclear_at_start or {}).get(c.id)
            scalars[nuclear_name(spec, c.id)] = (
                at_start.copy() if at_start is not None else np.full(n, np.nan)
            )
        if c.campaign == "adm":
            out = outcome.get(c.id)
            objective = spec.campaign_objective.get(c.id, "objective")
            scalars[REACHED.format(objective=objective)] = (
                out["reached"] if out else np.full(n, np.nan)
            )
            for key, (name, _, _) in CAMPAIGN.items():
                scalars[name] = out[key] if out else np.full(n, np.nan)
    if _two_fronts(spec):
        overlap = np.zeros(n, dtype=bool)
        for i, c in enumerate(spec.contests):
            for d in spec.contests[i + 1 :]:
                if c.patron is None or c.patron != d.patron:
                    continue
                s1, e1 = war_start[c.id], war_end[c.id]
                s2, e2 = war_start[d.id], war_end[d.id]
                overlap |= (s1 >= 0) & (s2 >= 0) & (s1 < e2) & (s2 < e1)
        scalars[TWO_FRONT] = overlap.astype(np.float64)
    return scalars
