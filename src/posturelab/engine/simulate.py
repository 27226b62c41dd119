"""The coupled monthly simulation of one chunk of members (DESIGN section 3).

Each month, in this order:

1. levers and dated events that take effect this month (force moves, treaties, command changes);
2. arms dynamics (:mod:`posturelab.engine.arms_race`: Richardson spending, the spending path,
   North Korea's warheads and the deal, drawn at event slot ``SLOTS_PER_CONTEST * contests + 0``);
3. alignment (:mod:`posturelab.engine.blocs`: propensity shifts, every member's landscape and the
   cohesion index of tracked blocs, which replaces ``bloc_cohesion`` in the partner support of a
   contest whose attacker the bloc backs);
4. and 5. every contest in the patron's priority order, so that a war started this month in a
   higher-priority theatre already distracts the patron in the others: its forces drawn out by the
   allocation policy leave the lower-priority theatres, its credibility there falls and its
   reinforcements slow (:mod:`posturelab.models.theatres`); then the attack decision
   (:mod:`posturelab.models.decision`), with the chance of a quick win taken from the campaign
   model for contests with ``campaign: adm``; during a war, strikes on the patron's forces in
   other theatres and the entrapment of its allies;
6. a war that starts is fought day by day by the campaign model on that month's forces and
   reinforcements (:mod:`posturelab.engine.campaigns`) and its outcome recorded;
7. indicators are recorded.

All state is arrays whose leading axis is the member. Nothing here draws from a global random
state: every chance event uses the member's own event stream (one uniform per member, month and
slot), so two variants of a scenario share their draws (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from posturelab.engine import arms_race, blocs, sampling
from posturelab.engine.campaigns import (
    CampaignOutcome,
    TheatreContext,
    campaign_inputs,
    run_campaign,
)
from posturelab.engine.compiled import CompiledScenario, ContestSpec
from posturelab.engine.forces import score_forces
from posturelab.engine.sampling import EVENTS, Sampler, member_stream, ppf, unit_design
from posturelab.models import decision, scoring, theatres

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

SLOTS_PER_CONTEST = 3
"""Event draws per contest and month: the attack, a strike, an entrapment."""
EVENT_SLOTS_EXTRA = 8
"""Event draws per member and month after the contests' slots, for chance events of other
sub-models (slot ``SLOTS_PER_CONTEST * len(contests) + 0`` is a denuclearisation deal), so that
adding one does not shift existing draws."""


@dataclass
class ChunkOutput:
    """Results for a chunk of members: parameters, monthly series and per-member scalars."""

    members: NDArray[np.int64]
    params: dict[str, FloatArray]
    series: dict[str, FloatArray]
    scalars: dict[str, FloatArray]


def sample_parameters(
    model: CompiledScenario,
    seed: int,
    members: NDArray[np.int64],
    total: int,
    sampler: Sampler,
    design: FloatArray | None = None,
) -> dict[str, FloatArray]:
    """Return every scenario number as an array over the chunk's members.

    ``design``, when given, holds the chunk's rows of an explicit design on the unit hypercube
    (columns in the order of ``model.uncertain``), for example a Sobol' or Morris design built by
    a sensitivity analysis; otherwise the ``sampler`` builds it.
    """
    if design is None:
        design = unit_design(sampler, seed, members, total, len(model.uncertain))
    elif design.shape != (members.size, len(model.uncertain)):
        raise ValueError(
            f"design rows must have shape {(members.size, len(model.uncertain))}, "
            f"got {design.shape}"
        )
    column = {name: j for j, name in enumerate(model.uncertain)}
    values: dict[str, FloatArray] = {}
    for name, quantity in model.quantities.items():
        if name in column:
            values[name] = ppf(quantity, design[:, column[name]])
        else:
            values[name] = np.full(members.size, quantity.nominal)
    sampling.check_finite(values, "sampling")
    return values


def event_slots(model: CompiledScenario) -> int:
    """Number of event draws per member and month."""
    return SLOTS_PER_CONTEST * len(model.contests) + EVENT_SLOTS_EXTRA


def event_uniforms(model: CompiledScenario, seed: int, members: NDArray[np.int64]) -> FloatArray:
    """Return each member's event draws, shape (members, months, slots)."""
    out = np.empty((members.size, model.n_months, event_slots(model)))
    for row, member in enumerate(members):
        out[row] = member_stream(seed, int(member), EVENTS).random(out.shape[1:])
    return out


def _decision_params(p: dict[str, FloatArray], contest_id: str) -> decision.DecisionParams:
    prefix = f"contests.{contest_id}"
    return decision.DecisionParams(
        **{name: p[f"{prefix}.{name}"] for name in decision.DecisionParams.__dataclass_fields__}
    )


def _role_month(model: CompiledScenario, role: str) -> int | None:
    """Month index at which a month-valued lever acts: before the start acts at once."""
    value = model.roles.get(role)
    if not isinstance(value, str) or value == "never":
        return None
    month = model.month_number(value)
    return None if month >= model.n_months else max(month, 0)


def lever_active(model: CompiledScenario, role: str, switch: str | None = None) -> BoolArray:
    """Per month, whether a dated lever (optionally gated by a true/false lever) is in effect."""
    active = np.zeros(model.n_months, dtype=bool)
    if switch is not None and model.roles.get(switch) is not True:
        return active
    month = _role_month(model, role)
    if month is not None:
        active[month:] = True
    return active


def peacetime_personnel(
    model: CompiledScenario, p: dict[str, FloatArray], initial: FloatArray, month: int
) -> FloatArray:
    """Personnel of every force in ``month`` if no war has happened: events and levers only."""
    personnel = initial.copy()
    relocation = _role_month(model, "relocation_date")
    troops = float(model.roles.get("relocation_troops", 0.0) or 0.0)
    for m in range(month + 1):
        for change in model.personnel_changes:
            if change.month == m:
                personnel[:, change.force] = p[change.parameter]
        if m == relocation and troops > 0:
            _relocate(personnel, model.forces.relocatable, troops)
    return personnel


def _relocate(personnel: FloatArray, relocatable: BoolArray, troops: float) -> None:
    """Remove ``troops`` personnel from the relocatable forces, in proportion to their size."""
    pool = personnel[:, relocatable].sum(axis=1)
    share = np.where(pool > 0, np.minimum(1.0, troops / np.where(pool > 0, pool, 1.0)), 0.0)
    personnel[:, relocatable] *= (1.0 - share)[:, None]


class _Chunk:
    """The state of one chunk of members through the months."""

    def __init__(
        self,
        model: CompiledScenario,
        p: dict[str, FloatArray],
        draws: FloatArray,
    ) -> None:
        self.model, self.p, self.draws = model, p, draws
        n = draws.shape[0]
        self.n = n
        self.scores = score_forces(model, p, n)
        self.personnel = self.scores.personnel.copy()
        self.contests = model.contests
        self.params = {c.id: _decision_params(p, c.id) for c in self.contests}
        self.cohesion = p.get("parameters.bloc_cohesion", np.ones(n))
        # Alignment and arms (engine.blocs, engine.arms_race). A contest whose attacker has a
        # tracked bloc of partners uses that bloc's cohesion index instead of the constant,
        # starting from its status-quo value (the calibration state).
        self.alignment = blocs.init_alignment(model, p, n)
        self.arms = arms_race.init_arms(model, p, n)
        self.contest_cohesion = {
            c.id: blocs.cohesion_for(self.alignment, c.attacker, self.cohesion, status_quo=True)
            for c in self.contests
        }
        self.commitments = {
            c.id: (
                np.stack([p[f"relations.{r}.commitment"] for r in c.partner_relations], axis=1)
                if c.partner_relations
                else np.zeros((n, 0))
            )
            for c in self.contests
        }
        self.partner_columns = {
            c.id: np.array(
                [model.relation_ids.index(r) for r in c.partner_relations], dtype=np.int64
            )
            for c in self.contests
        }
        self.war_start = {c.id: np.full(n, -1, dtype=np.int64) for c in self.contests}
        self.war_end = {c.id: np.full(n, -1, dtype=np.int64) for c in self.contests}
        self.war_months = {
            c.id: (
                np.ceil(p[f"contests.{c.id}.war_months"]).astype(np.int64)
                if f"contests.{c.id}.war_months" in p
                else np.full(n, model.n_months, dtype=np.int64)
            )
            for c in self.contests
        }
        self.drawn_out = {c.id: np.zeros(n, dtype=bool) for c in self.contests}
        self.was_distracted = {c.id: np.zeros(n, dtype=bool) for c in self.contests}
        self.drawn_share = {c.id: np.zeros(n) for c in self.contests}
        self.struck = {c.id: np.zeros(n, dtype=bool) for c in self.contests}
        self.entrapped = {
            (c.id, e.actor): np.zeros(n, dtype=bool) for c in self.contests for e in c.entrapment
        }
        self.campaign: dict[str, CampaignOutcome] = {}
        self.dirty = np.ones(n, dtype=bool)  # members whose campaign must be recomputed
        self.outcome: dict[str, dict[str, FloatArray]] = {}
        self.flexibility = float(model.roles.get("strategic_flexibility", 0.0) or 0.0)
        self.one_theatre = lever_active(model, "one_theatre_date", switch="one_theatre")
        self.jfhq = lever_active(model, "jfhq_date")
        self.host_command = lever_active(model, "opcon_transfer_date")

    # -- state ---------------------------------------------------------------------------------

    def strength(self) -> FloatArray:
        return scoring.strength_factor(self.personnel, self.scores.personnel)

    def at_war(self, contest_id: str, month: int) -> BoolArray:
        start, end = self.war_start[contest_id], self.war_end[contest_id]
        return (start >= 0) & (start <= month) & (month < end)

    def distracted(self, index: int, month: int) -> BoolArray:
        c = self.contests[index]
        out = np.zeros(self.n, dtype=bool)
        for d in self.contests[:index]:
            if d.patron is not None and d.patron == c.patron and d.priority < c.priority:
                out |= self.at_war(d.id, month)
        return out

    # -- one contest in one month ---------------------------------------------------------------

    def draw_forces_out(self, c: ContestSpec, newly: BoolArray, month: int) -> None:
        """Move the allocation policy's share of the patron's forces out of the theatre."""
        if not newly.any() or c.patron_home_forces.size == 0:
            return
        tp = f"theatre_policy.{c.patron}"
        extra = self.p.get(f"{tp}.one_theatre_draw", np.zeros(self.n))
        floor = self.p.get(f"{tp}.floor_personnel", np.zeros(self.n))
        share = theatres.drawn_share(self.flexibility, self.one_theatre[month], extra)
        home = self.personnel[:, c.patron_home_forces]
        total = home.sum(axis=1)
        leaving = theatres.drawn_personnel(total, share, floor)
        fraction = np.where(total > 0, leaving / np.where(total > 0, total, 1.0), 0.0)
        fraction = np.where(newly, fraction, 0.0)
        self.personnel[:, c.patron_home_forces] = home * (1.0 - fraction)[:, None]
        self.drawn_share[c.id] = np.where(newly, fraction, self.drawn_share[c.id])
        self.dirty |= newly & (fraction > 0)

    def refresh_campaign(self, c: ContestSpec, month: int, distracted: BoolArray) -> None:
        """Recompute the campaign of members whose state changed since the last computation."""
        rows = np.flatnonzero(self.dirty)
        if rows.size == 0:
            return
        context = TheatreContext(
            month, distracted, bool(self.one_theatre[month]), bool(self.jfhq[month])
        )
        params, days = campaign_inputs(
            self.model, c, self.p, self.scores, self.strength(), rows, context
        )
        fresh = run_campaign(params, days, rows.size)
        if c.id not in self.campaign:
            self.campaign[c.id] = fresh
        else:
            old = self.campaign[c.id]
            for field in ("depth_km", "objective_reached", "days",
                          "attacker_loss_share", "defender_loss_share"):  # fmt: skip
                getattr(old, field)[rows] = getattr(fresh, field)
        self.dirty[rows] = False

    def p_win(self, index: int, month: int, distracted: BoolArray) -> tuple[FloatArray, FloatArray]:
        """The attacker's perceived chance of a quick win, and the scored force ratio."""
        c = self.contests[index]
        q = self.params[c.id]
        totals = self.scores.total(self.strength())
        attack = totals[:, c.attacker_forces].sum(axis=1)
        defence = totals[:, c.defender_forces].sum(axis=1) + totals[:, c.patron_forces].sum(axis=1)
        ratio = attack / np.maximum(defence, 1e-9)
        if c.campaign == "adm":
            self.refresh_campaign(c, month, distracted)
            depth = self.campaign[c.id].depth_km
            objective = self.p[c.objective] if c.objective else np.full(self.n, np.inf)
            return decision.p_win_from_depth(depth, objective, q.misperception), ratio
        return decision.p_win_from_ratio(ratio, q.win_ratio, q.misperception), ratio

    def expected_utility(
        self, index: int, month: int, distracted: BoolArray
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        c = self.contests[index]
        q = self.params[c.id]
        p_win, ratio = self.p_win(index, month, distracted)
        tripwire = self.personnel[:, c.patron_forces].sum(axis=1)
        cred = decision.credibility(
            tripwire, q.tripwire_half, q.base_credibility, q.distraction_weight, distracted
        )
        in_force = self.model.relation_active[month, self.partner_columns[c.id]]
        cohesion = self.contest_cohesion[c.id]
        support = decision.partner_support(self.commitments[c.id], in_force, cohesion)
        return decision.expected_utility(p_win, cred, support, q), p_win, cred, ratio

    def strikes_and_entrapment(self, index: int, month: int) -> None:
        c = self.contests[index]
        fighting = self.at_war(c.id, month)
        base = SLOTS_PER_CONTEST * index
        if c.strike_forces is not None:
            prefix = f"contests.{c.id}.strike"
            lower = [d for d in self.contests if d.patron == c.patron and d.priority > c.priority]
            share = np.zeros(self.n)
            for d in lower:
                share = np.maximum(share, self.drawn_share[d.id])
            chance = theatres.strike_probability(
                self.p[f"{prefix}.monthly_base"], self.p[f"{prefix}.monthly_per_share"], share
            )
            hit = fighting & ~self.struck[c.id] & (self.draws[:, month, base + 1] < chance)
            if hit.any():
                damage = np.where(hit, self.p[f"{prefix}.damage"], 0.0)
                self.personnel[:, c.strike_forces] *= (1.0 - damage)[:, None]
                self.struck[c.id] |= hit
                self.dirty |= hit
        for e in c.entrapment:
            prefix = f"contests.{c.id}.entrapment.{e.index}"
            chance = theatres.entrapment_probability(
                self.p[f"{prefix}.monthly_under_patron"],
                self.p[f"{prefix}.host_command_factor"],
                bool(self.host_command[month]),
                self.p[f"{prefix}.after_strike"],
                self.struck[c.id],
            )
            key = (c.id, e.actor)
            drawn = fighting & ~self.entrapped[key] & (self.draws[:, month, base + 2] < chance)
            self.entrapped[key] |= drawn

    def record_war(self, c: ContestSpec, starts: BoolArray, month: int) -> None:
        self.war_start[c.id][starts] = month
        self.war_end[c.id][starts] = month + np.maximum(self.war_months[c.id][starts], 1)
        if c.campaign != "adm" or not starts.any():
            return
        outcome = self.outcome.setdefault(
            c.id,
            {
                name: np.full(self.n, np.nan)
                for name in ("reached", "depth", "days", "loss_a", "loss_d")
            },
        )
        cached = self.campaign[c.id]
        outcome["reached"][starts] = cached.objective_reached[starts]
        outcome["depth"][starts] = cached.depth_km[starts]
        outcome["days"][starts] = cached.days[starts]
        outcome["loss_a"][starts] = cached.attacker_loss_share[starts]
        outcome["loss_d"][starts] = cached.defender_loss_share[starts]


def simulate_chunk(
    model: CompiledScenario,
    seed: int,
    members: NDArray[np.int64],
    total: int,
    sampler: Sampler = "mc",
    design: FloatArray | None = None,
) -> ChunkOutput:
    """Simulate the members ``members`` of an ensemble of ``total`` for the whole period.

    Parameters
    ----------
    model
        The compiled scenario with its lever settings.
    seed
        The run's root seed.
    members
        Indices of this chunk's members.
    total
        Size of the whole ensemble (needed by the Latin hypercube and Sobol' designs).
    sampler
        The parameter design: ``mc``, ``lhs`` or ``sobol``.
    design
        Optional explicit unit-hypercube rows for these members (overrides ``sampler``).
    """
    members = np.asarray(members, dtype=np.int64)
    n, n_months = members.size, model.n_months
    p = sample_parameters(model, seed, members, total, sampler, design)
    draws = event_uniforms(model, seed, members)
    state = _Chunk(model, p, draws)
    contests = model.contests

    series: dict[str, FloatArray] = {
        name: np.full((n, n_months), np.nan)
        for c in contests
        for name in (f"hazard_{c.id}", f"p_win_{c.id}", f"force_ratio_{c.id}")
    }
    stationed = set(zip(model.forces.actor, model.forces.theatre, strict=True))
    patron_theatres = sorted(
        {(c.patron, t) for c in contests if c.patron for t in c.patron_theatres} & stationed
    )
    troop_columns = {
        (a, t): [
            f
            for f, pair in enumerate(zip(model.forces.actor, model.forces.theatre, strict=True))
            if pair == (a, t)
        ]
        for a, t in patron_theatres
    }
    for patron, theatre in patron_theatres:
        series[f"{patron}_troops_{theatre}"] = np.zeros((n, n_months))
    for c in contests:
        if c.patron:
            series[f"credibility_{c.patron}_{c.theatre}"] = np.full((n, n_months), np.nan)
    series.update(blocs.new_series(state.alignment, n_months))
    series.update(arms_race.new_series(state.arms, n_months))
    deal_slot = SLOTS_PER_CONTEST * len(contests) + arms_race.DEAL_SLOT

    # Calibration: the status-quo state at the start (no levers, no events, no distraction).
    calm = np.zeros(n, dtype=bool)
    h_base = {}
    for i, c in enumerate(contests):
        eu0 = state.expected_utility(i, 0, calm)[0]
        h0 = decision.monthly_from_annual(p[f"contests.{c.id}.prior_annual"])
        h_base[c.id] = decision.calibrate_base(h0, eu0, state.params[c.id].beta)
    risk_log = {c.id: np.zeros(n) for c in contests}

    relocation_month = _role_month(model, "relocation_date")
    relocation_troops = float(model.roles.get("relocation_troops", 0.0) or 0.0)
    change_months = {
        m
        for m in (
            relocation_month,
            _role_month(model, "jfhq_date"),
            _role_month(model, "one_theatre_date") if model.roles.get("one_theatre") else None,
        )
        if m is not None
    } | {ch.month for ch in model.personnel_changes}

    for month in range(n_months):
        # 1. Levers and dated events.
        for change in model.personnel_changes:
            if change.month == month:
                state.personnel[:, change.force] = p[change.parameter]
        if month == relocation_month and relocation_troops > 0:
            _relocate(state.personnel, model.forces.relocatable, relocation_troops)
        if month in change_months:
            state.dirty[:] = True
        # 2. Arms dynamics and 3. alignment.
        arms_race.step_arms(state.arms, month, draws[:, month, deal_slot])
        blocs.step_alignment(state.alignment, month)
        for c in contests:
            state.contest_cohesion[c.id] = blocs.cohesion_for(
                state.alignment, c.attacker, state.cohesion
            )
        # 4-6. Contingencies, attack decisions and wars, in the patrons' priority order.
        for i, c in enumerate(contests):
            distracted = state.distracted(i, month)
            newly = distracted & ~state.drawn_out[c.id]
            if state.flexibility > 0 or state.one_theatre[month]:
                state.draw_forces_out(c, newly, month)
            # Reinforcement slows while the patron fights elsewhere, and recovers after.
            state.dirty |= distracted != state.was_distracted[c.id]
            state.was_distracted[c.id] = distracted
            state.drawn_out[c.id] |= distracted
            eu, p_win, cred, ratio = state.expected_utility(i, month, distracted)
            q = state.params[c.id]
            h = decision.hazard(h_base[c.id], eu, q.beta, q.h_max)
            at_peace = state.war_start[c.id] < 0
            starts = at_peace & (draws[:, month, SLOTS_PER_CONTEST * i] < h)
            state.record_war(c, starts, month)
            risk_log[c.id] += np.where(at_peace, np.log1p(-np.minimum(h, 1.0 - 1e-16)), 0.0)
            state.strikes_and_entrapment(i, month)
            series[f"hazard_{c.id}"][:, month] = np.where(at_peace, h, np.nan)
            series[f"p_win_{c.id}"][:, month] = p_win
            series[f"force_ratio_{c.id}"][:, month] = ratio
            if c.patron:
                series[f"credibility_{c.patron}_{c.theatre}"][:, month] = cred
        # 7. Indicators.
        for pair, columns in troop_columns.items():
            series[f"{pair[0]}_troops_{pair[1]}"][:, month] = state.personnel[:, columns].sum(
                axis=1
            )

        blocs.record(state.alignment, series, month)
        arms_race.record(state.arms, series, month)

    scalars = _scalars(model, state, risk_log)
    scalars.update(blocs.scalars(state.alignment))
    scalars.update(arms_race.scalars(state.arms))
    return ChunkOutput(members, p, series, scalars)


def _scalars(
    model: CompiledScenario, state: _Chunk, risk_log: dict[str, FloatArray]
) -> dict[str, FloatArray]:
    """Per-member outcomes by the horizon."""
    n = state.n
    scalars: dict[str, FloatArray] = {}
    for c in model.contests:
        start = state.war_start[c.id]
        scalars[f"p_{c.id}"] = (start >= 0).astype(np.float64)
        scalars[f"attack_month_{c.id}"] = np.where(start >= 0, start, np.nan)
        scalars[f"risk_{c.id}"] = -np.expm1(risk_log[c.id])
        for e in c.entrapment:
            scalars[f"p_{e.actor}_entrapped"] = state.entrapped[(c.id, e.actor)].astype(np.float64)
        if c.campaign == "adm":
            out = state.outcome.get(c.id)
            empty = np.full(n, np.nan)
            objective = model.campaign_objective.get(c.id, "objective")
            scalars[f"p_{objective}_reached_given_attack"] = out["reached"] if out else empty
            scalars["campaign_depth_km_given_attack"] = out["depth"] if out else empty.copy()
            scalars["campaign_days_given_attack"] = out["days"] if out else empty.copy()
            scalars["attacker_loss_share_given_attack"] = out["loss_a"] if out else empty.copy()
            scalars["defender_loss_share_given_attack"] = out["loss_d"] if out else empty.copy()
    patrons = [c.patron for c in model.contests if c.patron]
    if len(patrons) != len(set(patrons)):
        overlap = np.zeros(n, dtype=bool)
        for i, c in enumerate(model.contests):
            for d in model.contests[i + 1 :]:
                if c.patron is None or c.patron != d.patron:
                    continue
                s1, e1 = state.war_start[c.id], state.war_end[c.id]
                s2, e2 = state.war_start[d.id], state.war_end[d.id]
                overlap |= (s1 >= 0) & (s2 >= 0) & (s1 < e2) & (s2 < e1)
        scalars["p_two_front_war"] = overlap.astype(np.float64)
    return scalars
