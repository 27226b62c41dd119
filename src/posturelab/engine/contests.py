"""The contests through the months: allocation, attack decisions, wars, strikes and entrapment.

Every month, for each contest in the patrons' priority order (DESIGN 3, steps 4 to 6):

1. a war started this month or earlier in a higher-priority theatre *distracts* the patron: the
   allocation policy draws out its share of the patron's forces in this theatre
   (:func:`posturelab.models.theatres.drawn_share`), its credibility here falls and its
   reinforcements slow (:mod:`posturelab.engine.campaigns`);
2. the attacker's calculus (:mod:`posturelab.models.decision`): the chance of a quick win from the
   scored force ratio, or from the depth the theatre campaign reaches for a contest with
   ``campaign: adm`` (recomputed only for members whose balance changed), the credibility of the
   patron's committed forces (weighted by the posture levers across its theatres,
   :meth:`ContestsState.committed`), the partners' support with the bloc cohesion published by
   the alignment component, the nuclear terms with the attacker's warheads published by the arms
   component, and the monthly hazard ``h = min(h_max, h_base · exp(β EU))``; each term passes
   through the run's switch of mechanism channels where it has one
   (:mod:`posturelab.engine.mechanisms`);
3. a war starts where the member's event draw at the contest's first slot falls below ``h``; it
   lasts the contest's ``war_months``; a campaign's outcome is recorded at its start;
4. during a war, the patron's forces in the strike theatre may be struck (second slot) and the
   patron's allies entrapped (third slot), with chances that depend on the forces drawn out and on
   who holds wartime operational control (:mod:`posturelab.models.theatres`).

The contests form one component because their order within a month is part of the model: a war
that a higher-priority contest starts this month already distracts the patron in the lower ones,
and a strike it causes already weakens the forces they weigh.

``h_base`` is calibrated per member at initialisation so that the status quo at the start (every
lever at its default, no events, no distraction, the blocs' status-quo cohesion) has the monthly
hazard implied by the contest's annual prior (:func:`posturelab.models.decision.calibrate_base`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from posturelab.engine.campaigns import (
    CampaignOutcome,
    TheatreContext,
    campaign_inputs,
    run_campaign,
)
from posturelab.engine.component import Indicator, World
from posturelab.engine.contest_indicators import contest_indicators, contest_scalars
from posturelab.engine.contest_specs import ContestSpec, ContestsSpec, compile_contests
from posturelab.engine.frame import Frame
from posturelab.engine.mechanisms import pass_term
from posturelab.models import decision, scoring, theatres
from posturelab.scenario.schema import LeverValue, Scenario

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

SLOTS_PER_CONTEST = 3
"""Event draws per contest and month: the attack, a strike, an entrapment."""

OUTCOME_FIELDS = ("reached", "depth", "days", "loss_a", "loss_d")


OPTIONAL_TERMS = {"c_war": 0.0, "win_ratio": 1.0, "distraction_weight": 0.0}
"""Decision terms a contest may leave out, with the value that makes them inert."""


def _decision_params(
    p: Mapping[str, FloatArray], contest_id: str, n: int
) -> decision.DecisionParams:
    prefix = f"contests.{contest_id}"
    values = {}
    for name in decision.DecisionParams.__dataclass_fields__:
        key = f"{prefix}.{name}"
        values[name] = p[key] if key in p else np.full(n, OPTIONAL_TERMS[name])
    return decision.DecisionParams(**values)


@dataclass
class ContestsState:
    """The contests of one chunk through the months (leading axis: member; dicts by contest)."""

    spec: ContestsSpec
    world: World
    params: dict[str, decision.DecisionParams]
    default_cohesion: FloatArray
    commitments: dict[str, FloatArray]
    partner_columns: dict[str, IntArray]
    war_start: dict[str, IntArray]
    war_end: dict[str, IntArray]
    war_months: dict[str, IntArray]
    drawn_out: dict[str, BoolArray]
    was_distracted: dict[str, BoolArray]
    drawn_share: dict[str, FloatArray]
    struck: dict[str, BoolArray]
    entrapped: dict[tuple[str, str], BoolArray]
    h_base: dict[str, FloatArray] = field(default_factory=dict)
    risk_log: dict[str, FloatArray] = field(default_factory=dict)
    campaign: dict[str, CampaignOutcome] = field(default_factory=dict)
    outcome: dict[str, dict[str, FloatArray]] = field(default_factory=dict)
    month_values: dict[str, FloatArray] = field(default_factory=dict)
    entrapment_log: dict[tuple[str, str], FloatArray] = field(default_factory=dict)
    """``sum log(1 - q)`` of the monthly entrapment chances while exposed (the member's risk)."""
    nuclear: dict[str, decision.NuclearParams] = field(default_factory=dict)
    nuclear_use: dict[str, FloatArray] = field(default_factory=dict)
    """This month's chance that a war of the contest goes nuclear (nuclear contests)."""
    nuclear_at_start: dict[str, FloatArray] = field(default_factory=dict)
    """That chance in the month each member's war started (NaN: no war)."""
    """This month's values of the contests' series, written by :meth:`ContestsComponent.record`."""

    @property
    def n(self) -> int:
        """Members in the chunk."""
        return self.world.n

    def cohesion(self, c: ContestSpec, *, status_quo: bool = False) -> FloatArray:
        """The cohesion of the attacker's partners (the tracked bloc's, else the constant)."""
        published = self.world.cohesion_status_quo if status_quo else self.world.cohesion
        return published.get(c.attacker, self.default_cohesion)

    def strength(self) -> FloatArray:
        """Every force's strength factor: current over initial personnel, times its capability."""
        factor = scoring.strength_factor(self.world.personnel, self.world.scores.personnel)
        if self.world.capability is not None:
            factor = factor * self.world.capability
        return factor

    def committed(self, c: ContestSpec, month: int, *, status_quo: bool = False) -> FloatArray:
        """Weight of each of the patron's forces in the contest's committed forces, ``(M, F)``.

        1 for the forces in the patron's theatres of the contest. Under strategic flexibility or a
        one-theatre command, the share ``s`` of the patron's forces that the allocation policy
        would draw out of a lower-priority theatre counts towards this contest's forces, and the
        lower-priority theatre's attacker discounts its own patron forces by ``a s`` (``a`` the
        policy's ``anticipation``); under a one-theatre command the patron's forces in the other
        pooled theatres count with the policy's ``one_theatre_pooled_weight``, and once the joint
        headquarters operates those at its origin with ``jfhq_pooled_weight``. In the calibration
        state the levers are at their defaults in the first month.
        """
        spec, p, n = self.spec, self.world.params, self.n
        weights = np.zeros((n, self.world.personnel.shape[1]))
        weights[:, c.patron_forces] = 1.0
        if c.patron is None or c.patron not in spec.policy_patrons:
            return weights
        tp = f"theatre_policy.{c.patron}"
        zero = np.zeros(n)
        if status_quo:
            flex, one, jfhq = (
                spec.flexibility_status_quo,
                spec.one_theatre_status_quo,
                spec.jfhq_status_quo,
            )
        else:
            flex, one, jfhq = (
                spec.flexibility,
                bool(spec.one_theatre[month]),
                bool(spec.jfhq[month]),
            )
        share = theatres.drawn_share(flex, one, p.get(f"{tp}.one_theatre_draw", zero))
        if c.has_higher:
            keep = 1.0 - p.get(f"{tp}.anticipation", zero) * share
            weights[:, c.patron_home_forces] *= keep[:, None]
        if c.lower_home_forces is not None and c.lower_home_forces.size:
            weights[:, c.lower_home_forces] += share[:, None]
        if one and c.pooled_forces is not None and c.pooled_forces.size:
            weights[:, c.pooled_forces] += p.get(f"{tp}.one_theatre_pooled_weight", zero)[:, None]
        if jfhq and c.jfhq_forces is not None and c.jfhq_forces.size:
            current = weights[:, c.jfhq_forces]
            extra = p.get(f"{tp}.jfhq_pooled_weight", zero)[:, None]
            weights[:, c.jfhq_forces] = np.maximum(current, extra)
        return weights

    def at_war(self, contest_id: str, month: int) -> BoolArray:
        """Whether the contest's war is on in ``month``."""
        start, end = self.war_start[contest_id], self.war_end[contest_id]
        return (start >= 0) & (start <= month) & (month < end)

    def distracted(self, index: int, month: int) -> BoolArray:
        """Whether the patron of contest ``index`` fights a higher-priority war in ``month``."""
        contests = self.spec.contests
        c = contests[index]
        out = np.zeros(self.n, dtype=bool)
        for d in contests[:index]:
            if d.patron is not None and d.patron == c.patron and d.priority < c.priority:
                out |= self.at_war(d.id, month)
        return out

    def draw_forces_out(self, c: ContestSpec, newly: BoolArray, month: int) -> None:
        """Move the allocation policy's share of the patron's forces out of the theatre."""
        if not newly.any() or c.patron_home_forces.size == 0:
            return
        p, personnel = self.world.params, self.world.personnel
        tp = f"theatre_policy.{c.patron}"
        extra = p.get(f"{tp}.one_theatre_draw", np.zeros(self.n))
        floor = p.get(f"{tp}.floor_personnel", np.zeros(self.n))
        share = theatres.drawn_share(self.spec.flexibility, self.spec.one_theatre[month], extra)
        home = personnel[:, c.patron_home_forces]
        total = home.sum(axis=1)
        leaving = theatres.drawn_personnel(total, share, floor)
        fraction = np.where(total > 0, leaving / np.where(total > 0, total, 1.0), 0.0)
        fraction = np.where(newly, fraction, 0.0)
        personnel[:, c.patron_home_forces] = home * (1.0 - fraction)[:, None]
        self.drawn_share[c.id] = np.where(newly, fraction, self.drawn_share[c.id])
        self.world.forces_changed |= newly & (fraction > 0)

    def refresh_campaign(self, c: ContestSpec, month: int, distracted: BoolArray) -> None:
        """Recompute the campaign of members whose balance changed since the last computation."""
        changed = self.world.forces_changed
        rows = np.flatnonzero(changed)
        if rows.size == 0:
            return
        context = TheatreContext(
            month, distracted, bool(self.spec.one_theatre[month]), bool(self.spec.jfhq[month])
        )
        params, days = campaign_inputs(
            self.spec,
            c,
            self.world.params,
            self.world.scores,
            self.strength(),
            rows,
            context,
        )
        fresh = run_campaign(params, days, rows.size)
        if c.id not in self.campaign:
            self.campaign[c.id] = fresh
        else:
            old = self.campaign[c.id]
            for name in ("depth_km", "front_km", "objective_reached", "days",
                         "attacker_loss_share", "defender_loss_share"):  # fmt: skip
                getattr(old, name)[rows] = getattr(fresh, name)
        changed[rows] = False

    def p_win(
        self, index: int, month: int, distracted: BoolArray, weights: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """The attacker's perceived chance of a quick win, and the scored force ratio.

        ``weights`` are the patron's committed forces (:meth:`committed`).
        """
        c = self.spec.contests[index]
        q = self.params[c.id]
        totals = self.world.scores.total(self.strength())
        attack = totals[:, c.attacker_forces].sum(axis=1)
        defence = totals[:, c.defender_forces].sum(axis=1) + (totals * weights).sum(axis=1)
        ratio = attack / np.maximum(defence, 1e-9)
        if c.campaign == "adm":
            self.refresh_campaign(c, month, distracted)
            depth = self.campaign[c.id].depth_km
            p = self.world.params
            objective = p[c.objective] if c.objective else np.full(self.n, np.inf)
            return decision.p_win_from_depth(depth, objective, q.misperception), ratio
        return decision.p_win_from_ratio(ratio, q.win_ratio, q.misperception), ratio

    def expected_utility(
        self, index: int, month: int, distracted: BoolArray, *, status_quo: bool = False
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """The attacker's expected utility of war, its P_win, the credibility and the ratio."""
        c = self.spec.contests[index]
        q = self.params[c.id]
        weights = self.committed(c, month, status_quo=status_quo)
        p_win, ratio = self.p_win(index, month, distracted, weights)
        tripwire = (self.world.personnel * weights).sum(axis=1)
        form, threshold = self.tripwire_form(c)
        switch = None if status_quo else self.world.switch
        args = (tripwire, q.tripwire_half, q.base_credibility, q.distraction_weight)
        if switch is None:
            cred = decision.credibility(*args, distracted, form, threshold)
        else:  # the same product, its two factors passed through the switch
            stationed = decision.credibility(*args, np.zeros(self.n), form, threshold)
            kept = 1.0 - q.distraction_weight * distracted
            cred = pass_term(switch, "tripwire", (c.id,), month, stationed) * pass_term(
                switch, "distraction", (c.id,), month, kept
            )
            p_win = pass_term(switch, "p_win", (c.id,), month, p_win)
        in_force = self.spec.relation_active[month, self.partner_columns[c.id]]
        cohesion = self.cohesion(c, status_quo=status_quo)
        support = decision.partner_support(self.commitments[c.id], in_force, cohesion)
        support = pass_term(switch, "support", (c.id,), month, support)
        nuclear = self.nuclear.get(c.id)
        warheads = self.warheads(c) if nuclear is not None else None
        if warheads is not None:
            warheads = pass_term(switch, "shield", (c.id,), month, warheads)
        eu = decision.expected_utility(p_win, cred, support, q, nuclear, warheads)
        if nuclear is not None and warheads is not None:
            shield = decision.nuclear_shield(warheads, nuclear.shield_half)
            self.nuclear_use[c.id] = decision.p_nuclear_use(shield, p_win, nuclear)
        return eu, p_win, cred, ratio

    def tripwire_form(self, c: ContestSpec) -> tuple[IntArray | None, FloatArray | None]:
        """Each member's form of the tripwire relation and its threshold (None: saturating)."""
        choice = c.tripwire
        if choice is None:
            return None, None
        p = self.world.params
        if choice.parameter is not None:
            form = np.asarray(np.rint(p[choice.parameter]), dtype=np.int64)
        else:
            form = np.full(self.n, choice.fixed, dtype=np.int64)
        name = choice.terms.get("threshold")
        return form, (p[name] if name is not None else None)

    def warheads(self, c: ContestSpec) -> FloatArray:
        """The attacker's assembled warheads this month (its stated stock if none is tracked)."""
        published = self.world.warheads.get(c.attacker)
        if published is not None:
            return published
        return self.world.params.get(f"actors.{c.attacker}.nuclear_warheads", np.zeros(self.n))

    def strikes_and_entrapment(self, index: int, month: int) -> None:
        """Strikes on the patron's forces elsewhere and the entrapment of its allies, in war."""
        c = self.spec.contests[index]
        p, world = self.world.params, self.world
        fighting = self.at_war(c.id, month)
        base = SLOTS_PER_CONTEST * index
        if c.strike_forces is not None:
            prefix = f"contests.{c.id}.strike"
            share = np.zeros(self.n)
            for d in self.spec.contests:
                if d.patron == c.patron and d.priority > c.priority:
                    share = np.maximum(share, self.drawn_share[d.id])
            chance = theatres.strike_probability(
                p[f"{prefix}.monthly_base"], p[f"{prefix}.monthly_per_share"], share
            )
            chance = pass_term(world.switch, "wartime", (c.id, "strike"), month, chance)
            draws = world.event_draws(ContestsComponent.name, month, base + 1)
            hit = fighting & ~self.struck[c.id] & (draws < chance)
            if hit.any():
                damage = np.where(hit, p[f"{prefix}.damage"], 0.0)
                world.personnel[:, c.strike_forces] *= (1.0 - damage)[:, None]
                self.struck[c.id] |= hit
                world.forces_changed |= hit
        for e in c.entrapment:
            prefix = f"contests.{c.id}.entrapment.{e.index}"
            chance = theatres.entrapment_probability(
                p[f"{prefix}.monthly_under_patron"],
                p[f"{prefix}.host_command_factor"],
                bool(self.spec.host_command[month]),
                p[f"{prefix}.after_strike"],
                self.struck[c.id],
            )
            where = (c.id, "entrapment", e.actor)
            chance = pass_term(world.switch, "wartime", where, month, chance)
            key = (c.id, e.actor)
            draws = world.event_draws(ContestsComponent.name, month, base + 2)
            exposed = fighting & ~self.entrapped[key]
            log = self.entrapment_log.setdefault(key, np.zeros(self.n))
            log += np.where(exposed, np.log1p(-np.minimum(chance, 1.0 - 1e-16)), 0.0)
            self.entrapped[key] |= exposed & (draws < chance)

    def record_war(self, c: ContestSpec, starts: BoolArray, month: int) -> None:
        """Set the war's start and end for members where it starts; keep its campaign outcome."""
        self.war_start[c.id][starts] = month
        self.war_end[c.id][starts] = month + np.maximum(self.war_months[c.id][starts], 1)
        if c.id in self.nuclear_at_start:
            self.nuclear_at_start[c.id][starts] = self.nuclear_use[c.id][starts]
        if c.campaign != "adm" or not starts.any():
            return
        outcome = self.outcome.setdefault(
            c.id, {name: np.full(self.n, np.nan) for name in OUTCOME_FIELDS}
        )
        cached = self.campaign[c.id]
        outcome["reached"][starts] = cached.objective_reached[starts]
        outcome["depth"][starts] = cached.front_km[starts]
        outcome["days"][starts] = cached.days[starts]
        outcome["loss_a"][starts] = cached.attacker_loss_share[starts]
        outcome["loss_d"][starts] = cached.defender_loss_share[starts]


def init_contests(spec: ContestsSpec, world: World) -> ContestsState:
    """The contests' state for a chunk, with each member's base hazard calibrated."""
    p, n = world.params, world.n
    contests = spec.contests

    def war_months(c: ContestSpec) -> IntArray:
        name = f"contests.{c.id}.war_months"
        if name in p:
            return np.ceil(p[name]).astype(np.int64)
        return np.full(n, spec.n_months, dtype=np.int64)

    state = ContestsState(
        spec=spec,
        world=world,
        params={c.id: _decision_params(p, c.id, n) for c in contests},
        default_cohesion=p.get("parameters.bloc_cohesion", np.ones(n)),
        commitments={
            c.id: (
                np.stack([p[f"relations.{r}.commitment"] for r in c.partner_relations], axis=1)
                if c.partner_relations
                else np.zeros((n, 0))
            )
            for c in contests
        },
        partner_columns={
            c.id: np.array(
                [spec.relation_ids.index(r) for r in c.partner_relations], dtype=np.int64
            )
            for c in contests
        },
        war_start={c.id: np.full(n, -1, dtype=np.int64) for c in contests},
        war_end={c.id: np.full(n, -1, dtype=np.int64) for c in contests},
        war_months={c.id: war_months(c) for c in contests},
        drawn_out={c.id: np.zeros(n, dtype=bool) for c in contests},
        was_distracted={c.id: np.zeros(n, dtype=bool) for c in contests},
        drawn_share={c.id: np.zeros(n) for c in contests},
        struck={c.id: np.zeros(n, dtype=bool) for c in contests},
        entrapped={
            (c.id, e.actor): np.zeros(n, dtype=bool) for c in contests for e in c.entrapment
        },
    )
    for c in contests:
        if c.nuclear:
            prefix = f"contests.{c.id}.nuclear"
            state.nuclear[c.id] = decision.NuclearParams(
                **{
                    name: p[f"{prefix}.{name}"]
                    for name in decision.NuclearParams.__dataclass_fields__
                }
            )
            state.nuclear_at_start[c.id] = np.full(n, np.nan)
    # Calibration: the status-quo state at the start (default levers, no events, no distraction).
    calm = np.zeros(n, dtype=bool)
    for i, c in enumerate(contests):
        eu0 = state.expected_utility(i, 0, calm, status_quo=True)[0]
        h0 = decision.monthly_from_annual(p[f"contests.{c.id}.prior_annual"])
        h_base = decision.calibrate_base(h0, eu0, state.params[c.id].beta)
        state.h_base[c.id] = pass_term(world.switch, "baseline", (c.id,), None, h_base)
        state.risk_log[c.id] = np.zeros(n)
    return state


def step_contests(state: ContestsState, month: int) -> None:
    """One month of every contest, in the patrons' priority order (module docstring)."""
    spec, world = state.spec, state.world
    if month in (spec.one_theatre_month, spec.jfhq_month) or month in spec.vacuum_months:
        world.forces_changed[:] = True
    for i, c in enumerate(spec.contests):
        distracted = state.distracted(i, month)
        newly = distracted & ~state.drawn_out[c.id]
        if spec.flexibility > 0 or spec.one_theatre[month]:
            state.draw_forces_out(c, newly, month)
        # Reinforcement slows while the patron fights elsewhere, and recovers after.
        world.forces_changed |= distracted != state.was_distracted[c.id]
        state.was_distracted[c.id] = distracted
        state.drawn_out[c.id] |= distracted
        eu, p_win, cred, ratio = state.expected_utility(i, month, distracted)
        q = state.params[c.id]
        h = decision.hazard(state.h_base[c.id], eu, q.beta, q.h_max)
        at_peace = state.war_start[c.id] < 0
        draws = world.event_draws(ContestsComponent.name, month, SLOTS_PER_CONTEST * i)
        starts = at_peace & (draws < h)
        state.record_war(c, starts, month)
        state.risk_log[c.id] += np.where(at_peace, np.log1p(-np.minimum(h, 1.0 - 1e-16)), 0.0)
        state.strikes_and_entrapment(i, month)
        world.at_war[c.id] = state.at_war(c.id, month)
        state.month_values[f"hazard_{c.id}"] = np.where(at_peace, h, np.nan)
        state.month_values[f"p_win_{c.id}"] = p_win
        state.month_values[f"force_ratio_{c.id}"] = ratio
        if c.patron:
            state.month_values[f"credibility_{c.patron}_{c.theatre}"] = cred


class ContestsComponent:
    """Allocation, attack decisions, wars, campaigns, strikes and entrapment (module docstring)."""

    name = "contests"
    reads: tuple[str, ...] = (
        "personnel",
        "forces_changed",
        "cohesion",
        "cohesion_status_quo",
        "warheads",
        "capability",
    )
    writes: tuple[str, ...] = ("personnel", "forces_changed", "at_war")
    fixed_slots = 0

    def compile(
        self, scenario: Scenario, levers: Mapping[str, LeverValue], frame: Frame
    ) -> ContestsSpec | None:
        """Resolve the contests (None: the scenario has none)."""
        return compile_contests(scenario, levers, frame)

    def indicators(self, spec: ContestsSpec) -> tuple[Indicator, ...]:
        """See :func:`posturelab.engine.contest_indicators.contest_indicators`."""
        return contest_indicators(spec)

    def scenario_slots(self, spec: ContestsSpec) -> int:
        """:data:`SLOTS_PER_CONTEST` per contest."""
        return SLOTS_PER_CONTEST * len(spec.contests)

    def init(self, spec: ContestsSpec, world: World) -> ContestsState:
        """Set up the chunk's contests and calibrate their base hazards."""
        return init_contests(spec, world)

    def step(self, state: ContestsState, month: int, world: World) -> None:
        """One month of every contest."""
        step_contests(state, month)

    def record(self, state: ContestsState, series: dict[str, FloatArray], month: int) -> None:
        """Write the month's hazards, chances of a quick win, force ratios and credibility."""
        for name, values in state.month_values.items():
            series[name][:, month] = values

    def scalars(self, state: ContestsState) -> dict[str, FloatArray]:
        """See :func:`posturelab.engine.contest_indicators.contest_scalars`."""
        return contest_scalars(
            state.spec,
            state.war_start,
            state.war_end,
            state.risk_log,
            state.entrapped,
            state.outcome,
            state.n,
            state.nuclear_at_start,
            state.entrapment_log,
        )
