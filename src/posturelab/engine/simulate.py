"""The coupled monthly simulation of one chunk of members (DESIGN section 3).

Each month, in this order:

1. levers and dated events that take effect this month (force moves, treaties, command changes);
2. arms dynamics (slot reserved for :mod:`posturelab.models.arms`);
3. alignment (slot reserved for :mod:`posturelab.models.alignment`; until it is wired in, the
   partners' bloc cohesion is the scenario parameter ``bloc_cohesion``);
4. and 5. the attack decision of every contest, in the patron's priority order, so that a war
   started this month in a higher-priority theatre already distracts the patron in the others:
   its ``strategic_flexibility`` share of forces leaves the lower-priority theatres and its
   credibility there falls;
6. wars that start are recorded (the campaign model will run them day by day);
7. indicators are recorded.

All state is arrays whose leading axis is the member; nothing here draws from a global random
state: attack draws come from each member's own event stream, so two variants of a scenario share
them (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from posturelab.engine.compiled import CompiledScenario
from posturelab.engine.sampling import Sampler, member_streams, ppf, unit_design
from posturelab.models import decision, scoring

FloatArray = NDArray[np.float64]
EVENT_SLOTS_EXTRA = 8
"""Event draws reserved per member and month beyond one per contest, for chance events that later
sub-models add (entrapment, strikes, deals), so that adding them does not shift existing draws."""


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
    return values


def event_uniforms(model: CompiledScenario, seed: int, members: NDArray[np.int64]) -> FloatArray:
    """Return each member's event draws, shape (members, months, slots)."""
    slots = len(model.contests) + EVENT_SLOTS_EXTRA
    out = np.empty((members.size, model.n_months, slots))
    for row, member in enumerate(members):
        out[row] = member_streams(seed, int(member))[1].random((model.n_months, slots))
    return out


def _score_forces(model: CompiledScenario, p: dict[str, FloatArray], n: int) -> FloatArray:
    """Initial score of every force, shape (members, F)."""
    scores = np.zeros((n, len(model.forces.ids)))
    one = np.ones(n)
    air_weight = p["scoring.aircraft_weight"]
    for f, force_id in enumerate(model.forces.ids):
        prefix = f"forces.{force_id}"
        quality = p.get(f"{prefix}.quality", one)
        readiness = p.get(f"{prefix}.readiness", one)
        forward = p.get(f"{prefix}.forward_share", one)
        classes = [
            name.rsplit(".", 1)[1]
            for name in model.quantities
            if name.startswith(f"{prefix}.equipment.")
        ]
        if classes:
            counts = np.stack([p[f"{prefix}.equipment.{c}"] for c in classes], axis=1)
            weights = np.stack([p[f"scoring.weights.{c}"] for c in classes], axis=1)
            scores[:, f] = scoring.ground_score(counts, weights, quality, readiness, forward)
        elif f"{prefix}.lethality" in p:
            scores[:, f] = p[f"{prefix}.lethality"] * quality * readiness * forward
        if f"{prefix}.aircraft" in p:
            scores[:, f] += scoring.air_score(
                p[f"{prefix}.aircraft"], air_weight, quality, readiness, forward
            )
    return scores


def _decision_params(p: dict[str, FloatArray], contest_id: str) -> decision.DecisionParams:
    prefix = f"contests.{contest_id}"
    return decision.DecisionParams(
        **{name: p[f"{prefix}.{name}"] for name in decision.DecisionParams.__dataclass_fields__}
    )


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
    force_ids = model.forces.ids

    base_scores = _score_forces(model, p, n)
    initial_personnel = (
        np.stack([p.get(f"forces.{f}.personnel", np.zeros(n)) for f in force_ids], axis=1)
        if force_ids
        else np.zeros((n, 0))
    )
    personnel = initial_personnel.copy()

    contests = model.contests
    params = {c.id: _decision_params(p, c.id) for c in contests}
    cohesion = p.get("parameters.bloc_cohesion", np.ones(n))
    commitments = {
        c.id: (
            np.stack([p[f"relations.{r}.commitment"] for r in c.partner_relations], axis=1)
            if c.partner_relations
            else np.zeros((n, 0))
        )
        for c in contests
    }
    partner_columns = {
        c.id: np.array([model.relation_ids.index(r) for r in c.partner_relations], dtype=np.int64)
        for c in contests
    }

    relocation_month = _role_month(model, "relocation_date")
    relocation_troops = float(model.roles.get("relocation_troops", 0.0) or 0.0)
    flexibility = float(model.roles.get("strategic_flexibility", 0.0) or 0.0)

    war_month = {c.id: np.full(n, -1, dtype=np.int64) for c in contests}
    series = {
        name: np.full((n, n_months), np.nan)
        for c in contests
        for name in (f"hazard_{c.id}", f"p_win_{c.id}", f"force_ratio_{c.id}")
    }
    patron_theatres = sorted(
        {(c.patron, t) for c in contests if c.patron for t in c.patron_theatres}
        & {(a, t) for a, t in zip(model.forces.actor, model.forces.theatre, strict=True)}
    )
    for patron, theatre in patron_theatres:
        series[f"{patron}_troops_{theatre}"] = np.zeros((n, n_months))
    for c in contests:
        if c.patron:
            series[f"credibility_{c.patron}_{c.theatre}"] = np.full((n, n_months), np.nan)

    def evaluate(c_index: int, month: int, distracted: FloatArray) -> tuple[FloatArray, ...]:
        c = contests[c_index]
        strength = scoring.strength_factor(personnel, initial_personnel)
        scores = base_scores * strength
        attack = scores[:, c.attacker_forces].sum(axis=1)
        defence = scores[:, c.defender_forces].sum(axis=1) + scores[:, c.patron_forces].sum(axis=1)
        ratio = attack / np.maximum(defence, 1e-9)
        q = params[c.id]
        p_win = decision.p_win_from_ratio(ratio, q.win_ratio, q.misperception)
        tripwire = personnel[:, c.patron_forces].sum(axis=1)
        cred = decision.credibility(
            tripwire, q.tripwire_half, q.base_credibility, q.distraction_weight, distracted
        )
        in_force = model.relation_active[max(month, 0), partner_columns[c.id]]
        support = decision.partner_support(commitments[c.id], in_force, cohesion)
        eu = decision.expected_utility(p_win, cred, support, q)
        return ratio, p_win, cred, eu

    # Calibration: the status-quo state at the start (no levers, no events, no distraction).
    h_base = {}
    for i, c in enumerate(contests):
        q = params[c.id]
        _, _, _, eu0 = evaluate(i, 0, np.zeros(n))
        h0 = decision.monthly_from_annual(p[f"contests.{c.id}.prior_annual"])
        h_base[c.id] = decision.calibrate_base(h0, eu0, q.beta)

    # Per contest and member: whether the flexibility share has already left the theatre.
    moved_out = {c.id: np.zeros(n, dtype=bool) for c in contests}
    for month in range(n_months):
        # 1. Levers and dated events.
        for change in model.personnel_changes:
            if change.month == month:
                personnel[:, change.force] = p[change.parameter]
        if month == relocation_month and relocation_troops > 0:
            _relocate(personnel, model.forces.relocatable, relocation_troops)
        # 2. Arms dynamics and 3. alignment: slots for their sub-models.
        # 4-6. Contingencies and attack decisions in priority order.
        for i, c in enumerate(contests):
            higher = [d for d in contests[:i] if d.patron == c.patron and d.priority < c.priority]
            distracted = np.zeros(n, dtype=bool)
            for d in higher:
                distracted |= (war_month[d.id] >= 0) & (war_month[d.id] <= month)
            newly = distracted & ~moved_out[c.id]
            if flexibility > 0 and newly.any() and c.patron_forces.size:
                personnel[np.ix_(newly, c.patron_forces)] *= 1.0 - flexibility
            moved_out[c.id] |= distracted
            ratio, p_win, cred, eu = evaluate(i, month, distracted.astype(np.float64))
            q = params[c.id]
            h = decision.hazard(h_base[c.id], eu, q.beta, q.h_max)
            at_peace = war_month[c.id] < 0
            starts = at_peace & (draws[:, month, i] < h)
            war_month[c.id][starts] = month
            series[f"hazard_{c.id}"][:, month] = np.where(at_peace, h, np.nan)
            series[f"p_win_{c.id}"][:, month] = p_win
            series[f"force_ratio_{c.id}"][:, month] = ratio
            if c.patron:
                series[f"credibility_{c.patron}_{c.theatre}"][:, month] = cred
        # 7. Indicators.
        for patron, theatre in patron_theatres:
            columns = [
                f
                for f, (a, t) in enumerate(
                    zip(model.forces.actor, model.forces.theatre, strict=True)
                )
                if a == patron and t == theatre
            ]
            series[f"{patron}_troops_{theatre}"][:, month] = personnel[:, columns].sum(axis=1)

    scalars = {f"p_{c.id}": (war_month[c.id] >= 0).astype(np.float64) for c in contests}
    for c in contests:
        scalars[f"attack_month_{c.id}"] = np.where(war_month[c.id] >= 0, war_month[c.id], np.nan)
    return ChunkOutput(members=members, params=p, series=series, scalars=scalars)


def _role_month(model: CompiledScenario, role: str) -> int | None:
    """Month index at which a month-valued lever acts: before the start acts at once."""
    value = model.roles.get(role)
    if not isinstance(value, str) or value == "never":
        return None
    month = model.month_number(value)
    return None if month >= model.n_months else max(month, 0)


def _relocate(personnel: FloatArray, relocatable: NDArray[np.bool_], troops: float) -> None:
    """Remove ``troops`` personnel from the relocatable forces, in proportion to their size."""
    pool = personnel[:, relocatable].sum(axis=1)
    share = np.where(pool > 0, np.minimum(1.0, troops / np.where(pool > 0, pool, 1.0)), 0.0)
    personnel[:, relocatable] *= (1.0 - share)[:, None]
