"""A plain, per-member, scalar implementation of the monthly step: the engine's test oracle.

It follows DESIGN section 3 one member at a time with Python floats and explicit loops, written
independently of the vectorised engine (it shares only the sampled parameters and the event
draws, and the scalar reference ADM of :mod:`posturelab.models.campaign`). The spending and
warhead paths of the arms component, which has its own exact checks, are taken from the engine's
series; from them the oracle recomputes the capability factors (procurement, modernisation,
exercises) and the nuclear terms of the decision. The vectorised engine must give the same
hazards and outcomes for the same members and seeds.
"""

from __future__ import annotations

import dataclasses
import math

from posturelab.engine.capability import CapabilitySpec
from posturelab.engine.compiled import CompiledScenario
from posturelab.engine.contest_specs import ContestsSpec
from posturelab.engine.posture import PostureSpec
from posturelab.models.campaign import ADMParams
from posturelab.models.campaign_scalar import simulate_adm_scalar

SLOTS_PER_CONTEST = 3


def _month(model: CompiledScenario, role: str) -> int | None:
    value = model.roles.get(role)
    if not isinstance(value, str) or value == "never":
        return None
    m = model.month_number(value)
    return None if m >= model.n_months else max(m, 0)


def _active(model: CompiledScenario, role: str, month: int, switch: str | None = None) -> bool:
    if switch is not None and model.roles.get(switch) is not True:
        return False
    start = _month(model, role)
    return start is not None and month >= start


def _capability(model: CompiledScenario, v: dict, arms: dict, i: int) -> list[list[float]]:
    """Per month, every force's capability factor (1 where the scenario has no such section)."""
    nf, months = len(model.forces.ids), model.n_months
    factors = [[1.0] * nf for _ in range(months)]
    spec = model.spec("capability", CapabilitySpec)
    if spec is None:
        return factors
    for actor, forces in spec.procurement:
        pre = f"capability.procurement.{actor}"
        life = v[f"{pre}.service_life_years"]
        lag = round(12.0 * v[f"{pre}.lag_years"])
        history = [v[f"actors.{actor}.spending_usd_bn"]]
        stock = history[0] * life
        stock0 = stock
        for month in range(months):
            history.append(float(arms[f"spending_{actor}"][i, month]))
            lagged = history[max(month + 1 - lag, 0)]
            stock = stock * (1.0 - (1.0 / 12.0) / life) + lagged / 12.0
            for f in forces:
                factors[month][f] *= stock / stock0
    for month in range(months):
        tau = month + 1.0
        if spec.modernised.size:
            gain = v["capability.modernisation.gain"]
            ramp = v["capability.modernisation.ramp_years"]
            for f in spec.modernised:
                factors[month][f] *= 1.0 + gain * min(1.0, tau / (12.0 * ramp))
        if spec.unexercised.size:
            loss = v["capability.exercises.readiness_loss"]
            decay = v["capability.exercises.decay_months"]
            for f in spec.unexercised:
                factors[month][f] *= 1.0 - loss * (1.0 - math.exp(-tau / decay))
    # The forces are re-rated at the end of every twelfth month: until then the last rating holds.
    rated = [[1.0] * nf for _ in range(months)]
    current = [1.0] * nf
    for month in range(months):
        if (month + 1) % 12 == 0:
            current = factors[month]
        rated[month] = list(current)
    return rated


def run_member(model: CompiledScenario, p: dict, draws, i: int, arms: dict) -> dict:
    """Simulate member ``i`` (row of ``p`` and ``draws``); return hazards and outcomes.

    ``arms`` holds the engine's series of the arms component (spending and warheads by month).
    """
    v = {name: float(values[i]) for name, values in p.items()}
    cs = model.spec("contests", ContestsSpec)
    posture = model.spec("posture", PostureSpec)
    assert cs is not None and posture is not None
    forces = model.forces.ids
    nf = len(forces)

    ground_full, ground, air, pers0 = [0.0] * nf, [0.0] * nf, [0.0] * nf, [0.0] * nf
    # Armour valued against its answer (models/scoring.armour_factor): the armour score, the
    # effective armour count and the effective anti-armour weapons of every force.
    armour, tanks, answers = [0.0] * nf, [0.0] * nf, [0.0] * nf
    armour_classes = model.forces.armour
    for f, fid in enumerate(forces):
        pre = f"forces.{fid}"
        q = v.get(f"{pre}.quality", 1.0)
        r = v.get(f"{pre}.readiness", 1.0)
        fwd = v.get(f"{pre}.forward_share", 1.0)
        total = 0.0
        for cls in model.forces.equipment.get(fid, ()):
            total += v[f"{pre}.equipment.{cls}"] * v[f"scoring.weights.{cls}"]
        if not model.forces.equipment.get(fid) and f"{pre}.lethality" in v:
            total = v[f"{pre}.lethality"]
        ground_full[f] = total * q * r
        if model.forces.equipment.get(fid) and "scoring.infantry_weight" in v:
            ground_full[f] += v.get(f"{pre}.personnel", 0.0) * v["scoring.infantry_weight"] * r
        ground[f] = ground_full[f] * fwd
        air[f] = v.get(f"{pre}.aircraft", 0.0) * q * r * fwd
        pers0[f] = v.get(f"{pre}.personnel", 0.0)
        if armour_classes:
            held = [c for c in armour_classes if c in model.forces.equipment.get(fid, ())]
            count = sum(v[f"{pre}.equipment.{c}"] for c in held)
            weighted = sum(v[f"{pre}.equipment.{c}"] * v[f"scoring.weights.{c}"] for c in held)
            armour[f] = weighted * q * r * fwd
            tanks[f] = count * q * r * fwd
            answers[f] = v.get(f"{pre}.anti_armour", count) * q * r * fwd
    pers = list(pers0)
    w_air = v["scoring.aircraft_weight"]
    capability = _capability(model, v, arms, i)
    cap = [1.0] * nf

    def strength(f: int) -> float:
        return (pers[f] / pers0[f] if pers0[f] > 0 else 1.0) * cap[f]

    contests = cs.contests
    start = {c.id: -1 for c in contests}
    end = {c.id: -1 for c in contests}
    drawn_out = {c.id: False for c in contests}
    drawn_share = {c.id: 0.0 for c in contests}
    struck = {c.id: False for c in contests}
    entrapped = {(c.id, e.actor): False for c in contests for e in c.entrapment}
    outcome: dict[str, dict] = {}
    hazards = {c.id: [] for c in contests}
    flex = float(model.roles.get("strategic_flexibility", 0.0) or 0.0)

    def at_war(cid: str, month: int) -> bool:
        return start[cid] >= 0 and start[cid] <= month < end[cid]

    def distracted(k: int, month: int) -> bool:
        c = contests[k]
        return any(
            d.patron is not None
            and d.patron == c.patron
            and d.priority < c.priority
            and at_war(d.id, month)
            for d in contests[:k]
        )

    def campaign(c, month: int, is_distracted: bool) -> dict:
        days = cs.campaign_days[c.id]
        terms = {
            t: v[f"contests.{c.id}.campaign_terms.{t}"]
            for t in (
                "alpha0",
                "rho",
                "W_max",
                "alpha_dT",
                "alpha_aT",
                "k",
                "K_d",
                "K_a",
                "S_d",
                "S_a",
                "alpha_da",
                "alpha_aa",
                "breakpoint_A",
                "breakpoint_D",
            )
        }
        pre_t = f"contests.{c.id}.campaign_terms"
        for name in (
            "breakpoint_A_momentum",
            "breakpoint_D_momentum",
            "pursuit_km_per_day",
            "reform_share",
        ):
            if f"{pre_t}.{name}" in v:
                terms[name] = v[f"{pre_t}.{name}"]

        def term(name: str, default: float) -> float:
            return v.get(f"{pre_t}.{name}", default)

        warned = f"{pre_t}.warning_days" in v
        warning = term("warning_days", 0.0)
        defending = list(c.defender_forces) + list(c.patron_home_forces)

        def ready(day: int) -> float:
            if not warned:
                return 1.0
            s0, ramp = term("surprise_readiness", 1.0), term("readiness_ramp_days", 1.0)
            return s0 + (1.0 - s0) * min((warning + day) / ramp, 1.0)

        def schedule(specs, lead: float = 0.0) -> list[float]:
            daily = [0.0] * days
            for r in specs:
                pre = f"reinforcements.{r.id}"
                if r.force >= 0:
                    leth = v[f"{pre}.share"] * ground_full[r.force] * strength(r.force)
                else:
                    leth = v[f"{pre}.lethality"]
                transit = v[r.distance] / v[f"{pre}.lift_km_per_day"] if r.distance else 0.0
                vac = 0.0
                ai = cs.vacuum_actor_index.get(r.actor)
                if ai is not None and model.vacuum[month, ai] and f"{pre}.vacuum_extra_days" in v:
                    vac = v[f"{pre}.vacuum_extra_days"]
                factor = 1.0
                if c.patron in cs.policy_patrons and r.actor == c.patron:
                    tp = f"theatre_policy.{c.patron}"
                    pooled = cs.pooled_theatres[c.patron]
                    if (
                        _active(model, "jfhq_date", month)
                        and r.origin_theatre
                        and (r.origin_theatre == cs.jfhq_origin_theatre[c.patron])
                    ):
                        factor *= v[f"{tp}.jfhq_delay_factor"]
                    if _active(model, "one_theatre_date", month, "one_theatre") and (
                        r.origin_theatre in pooled and r.to_theatre in pooled
                    ):
                        factor *= v[f"{tp}.one_theatre_delay_factor"]
                    if is_distracted:
                        factor *= v[f"{tp}.distracted_delay_factor"]
                        leth *= v[f"{tp}.distracted_share_factor"]
                begin = max((v[f"{pre}.prep_days"] + transit + vac) * factor - lead, 0.0)
                finish = begin + v[f"{pre}.spread_days"]
                rate = leth / v[f"{pre}.spread_days"]
                for day in range(days):
                    overlap = min(day + 1.0, finish) - max(float(day), begin)
                    if overlap > 0:
                        daily[day] += overlap * rate
            return daily

        a0 = sum(ground[f] * strength(f) for f in c.attacker_forces)
        d0 = sum(ground[f] * strength(f) for f in defending)
        if "scoring.anti_armour.loss_share" in v:

            def factor(side, other) -> float:
                n_tanks = sum(tanks[f] * strength(f) for f in side)
                if n_tanks <= 0:
                    return 1.0
                x = sum(answers[f] * strength(f) for f in other) / n_tanks
                short = max(0.0, 1.0 - x / v["scoring.anti_armour.reference_ratio"])
                return 1.0 / (1.0 - v["scoring.anti_armour.loss_share"] * short)

            m_a = factor(c.attacker_forces, defending)
            m_d = factor(defending, c.attacker_forces)
            a0 += (m_a - 1.0) * sum(armour[f] * strength(f) for f in c.attacker_forces)
            d0 += (m_d - 1.0) * sum(armour[f] * strength(f) for f in defending)
        d0 *= 1.0 - term("sof_disruption", 0.0)
        reinf_d = schedule(c.defender_reinforcements, warning if warned else 0.0)
        if warned:
            reinf_d = reinf_d or [0.0] * days
            reinf_d = [x + d0 * (ready(t + 1) - ready(t)) for t, x in enumerate(reinf_d)]
        air_d = None
        if warned or f"{pre_t}.base_strike_share" in v or f"{pre_t}.cas_weather_night" in v:
            b, tau = term("base_strike_share", 0.0), term("base_repair_days", 1.0)
            night = term("cas_weather_night", 0.0)
            air_d = [ready(t) * (1.0 - b * math.exp(-t / tau)) * (1.0 - night) for t in range(days)]
        rho_f = None
        if f"{pre_t}.chemical_degradation" in v:
            chem = min(term("chemical_degradation", 0.0), 0.95)
            rho_f = [1.0 - chem if t < term("chemical_days", 0.0) else 1.0 for t in range(days)]
        params = ADMParams(
            A0=a0,
            D0=d0 * ready(0),
            Acas0=sum(air[f] * strength(f) for f in c.attacker_forces) * term("cas_share", 1.0),
            Dcas0=sum(air[f] * strength(f) for f in defending) * term("cas_share", 1.0),
            objective_km=v[c.objective] if c.objective else math.inf,
            reinforcement_A=schedule(c.attacker_reinforcements) or None,
            reinforcement_D=reinf_d or None,
            air_factor_D=air_d,
            rho_factor=rho_f,
            **terms,
        )
        # Fought past the objective to the end of the fighting (engine/campaigns.run_campaign).
        objective = params.objective_km
        params = dataclasses.replace(params, objective_km=math.inf)
        trace = simulate_adm_scalar(params, days)
        fell = next((t for t, x in enumerate(trace["X"]) if x >= objective), None)
        end = trace["days_run"][0] if fell is None else min(fell, trace["days_run"][0])
        return {
            "depth": trace["X"][-1],
            "front": trace["X"][int(end)],
            "reached": fell is not None,
            "days": end,
        }

    def logistic(x: float) -> float:
        return 0.5 * (1.0 + math.tanh(0.5 * x))

    def committed(c, month: int, calibrating: bool) -> list[float]:
        weights = [0.0] * nf
        for f in c.patron_forces:
            weights[f] = 1.0
        if c.patron not in cs.policy_patrons:
            return weights
        tp = f"theatre_policy.{c.patron}"
        if calibrating:
            fl, one, jf = cs.flexibility_status_quo, cs.one_theatre_status_quo, cs.jfhq_status_quo
        else:
            fl = flex
            one = _active(model, "one_theatre_date", month, "one_theatre")
            jf = _active(model, "jfhq_date", month)
        share = fl + one * v.get(f"{tp}.one_theatre_draw", 0.0) * (1 - fl)
        if c.has_higher:
            for f in c.patron_home_forces:
                weights[f] *= 1 - v.get(f"{tp}.anticipation", 0.0) * share
        for f in c.lower_home_forces:
            weights[f] += share
        if one:
            for f in c.pooled_forces:
                weights[f] += v.get(f"{tp}.one_theatre_pooled_weight", 0.0)
        if jf:
            for f in c.jfhq_forces:
                weights[f] = max(weights[f], v.get(f"{tp}.jfhq_pooled_weight", 0.0))
        return weights

    def warheads(c, month: int) -> float:
        name = f"{c.attacker}_warheads"
        if month < 0:
            return min(v[f"actors.{c.attacker}.nuclear_warheads"], v["arms.warheads.capacity"])
        return float(arms[name][i, month])

    def utility(
        k: int, month: int, is_distracted: bool, calibrating: bool = False
    ) -> tuple[float, dict | None, float]:
        c = contests[k]
        pre = f"contests.{c.id}"
        total = [(ground[f] + air[f] * w_air) * strength(f) for f in range(nf)]
        weights = committed(c, month, calibrating)
        attack = sum(total[f] for f in c.attacker_forces)
        defence = sum(total[f] for f in c.defender_forces) + sum(
            total[f] * weights[f] for f in range(nf)
        )
        camp = None
        if c.campaign == "adm":
            camp = campaign(c, month, is_distracted)
            objective = v[c.objective] if c.objective else math.inf
            p_win = logistic((camp["depth"] - objective) / v[f"{pre}.misperception"])
        else:
            ratio = attack / max(defence, 1e-9)
            p_win = (
                logistic(
                    (math.log(ratio) - math.log(v[f"{pre}.win_ratio"])) / v[f"{pre}.misperception"]
                )
                if ratio > 0
                else 0.0
            )
        tripwire = sum(pers[f] * weights[f] for f in range(nf))
        base = v[f"{pre}.base_credibility"]
        # The tripwire's form (structure: saturating 0, flat 1, threshold 2), per member.
        choice = c.tripwire
        form, threshold = 0, math.inf
        if choice is not None:
            form = round(v[choice.parameter]) if choice.parameter else int(choice.fixed)
            if choice.terms.get("threshold"):
                threshold = v[choice.terms["threshold"]]
        if form == 0:
            share = tripwire / (tripwire + v[f"{pre}.tripwire_half"])
        elif form == 2:
            share = 1.0 if tripwire >= threshold else 0.0
        else:
            share = 0.0
        cred = (base + (1 - base) * share) * (
            1 - v.get(f"{pre}.distraction_weight", 0.0) * is_distracted
        )
        keep = 1.0
        for r in c.partner_relations:
            active = model.relation_active[month, model.relation_ids.index(r)]
            keep *= (
                1 - v.get("parameters.bloc_cohesion", 1.0) * v[f"relations.{r}.commitment"] * active
            )
        support = 1 - keep
        shield, use, leverage, decoupled, escalation = 0.0, 0.0, 0.0, 1.0, 0.0
        if c.nuclear:
            nu = f"{pre}.nuclear"
            w = max(warheads(c, -1 if calibrating else month), 0.0)
            shield = w / (w + v[f"{nu}.shield_half"])
            e = v[f"{nu}.extended_deterrence"]
            use = min(1.0, shield * (v[f"{nu}.use_base"] + v[f"{nu}.use_losing"] * (1 - p_win)))
            leverage = v[f"{nu}.leverage"] * shield
            decoupled = 1 - shield * (1 - e)
            escalation = use * v[f"{nu}.c_nuclear"] * e
        eu = (
            p_win * v[f"{pre}.v_win"] * (1 + leverage)
            - (1 - p_win) * v[f"{pre}.c_lose"] * (1 - support)
            - v[f"{pre}.c_punish"] * cred * decoupled
            - v.get(f"{pre}.c_war", 0.0)
            - escalation
        )
        return eu, camp, use

    h_base = {}
    for k, c in enumerate(contests):
        eu0, _, _ = utility(k, 0, False, calibrating=True)
        h0 = 1 - (1 - v[f"contests.{c.id}.prior_annual"]) ** (1 / 12)
        h_base[c.id] = h0 * math.exp(-v[f"contests.{c.id}.beta"] * eu0)

    reloc_month = _month(model, "relocation_date")
    reloc = float(model.roles.get("relocation_troops", 0.0) or 0.0)
    nuclear_use: dict[str, float] = {}
    for month in range(model.n_months):
        cap = capability[month]
        for ch in posture.changes:
            if ch.month == month:
                pers[ch.force] = v[ch.parameter]
        if month == reloc_month and reloc > 0:
            pool = sum(pers[f] for f in range(nf) if model.forces.relocatable[f])
            share = min(1.0, reloc / pool) if pool > 0 else 0.0
            for f in range(nf):
                if model.forces.relocatable[f]:
                    pers[f] *= 1 - share
        for k, c in enumerate(contests):
            is_distracted = distracted(k, month)
            if (
                is_distracted
                and not drawn_out[c.id]
                and (flex > 0 or _active(model, "one_theatre_date", month, "one_theatre"))
                and len(c.patron_home_forces)
            ):
                tp = f"theatre_policy.{c.patron}"
                one = _active(model, "one_theatre_date", month, "one_theatre")
                share = flex + one * v.get(f"{tp}.one_theatre_draw", 0.0) * (1 - flex)
                home = sum(pers[f] for f in c.patron_home_forces)
                leaving = min(share * home, max(home - v.get(f"{tp}.floor_personnel", 0.0), 0.0))
                fraction = leaving / home if home > 0 else 0.0
                for f in c.patron_home_forces:
                    pers[f] *= 1 - fraction
                drawn_share[c.id] = fraction
            drawn_out[c.id] = drawn_out[c.id] or is_distracted
            eu, camp, use = utility(k, month, is_distracted)
            pre = f"contests.{c.id}"
            h = min(v[f"{pre}.h_max"], h_base[c.id] * math.exp(v[f"{pre}.beta"] * eu))
            if start[c.id] < 0:
                hazards[c.id].append(h)
                if draws[i, month, SLOTS_PER_CONTEST * k] < h:
                    start[c.id] = month
                    end[c.id] = month + max(
                        math.ceil(v.get(f"{pre}.war_months", model.n_months)), 1
                    )
                    if camp is not None:
                        outcome[c.id] = camp
                    if c.nuclear:
                        nuclear_use[c.id] = use
            else:
                hazards[c.id].append(math.nan)
            if at_war(c.id, month):
                if c.strike_forces is not None and not struck[c.id]:
                    share = max(
                        [
                            drawn_share[d.id]
                            for d in contests
                            if d.patron == c.patron and d.priority > c.priority
                        ]
                        or [0.0]
                    )
                    chance = min(
                        1.0,
                        v[f"{pre}.strike.monthly_base"]
                        + v[f"{pre}.strike.monthly_per_share"] * share,
                    )
                    if draws[i, month, SLOTS_PER_CONTEST * k + 1] < chance:
                        struck[c.id] = True
                        for f in c.strike_forces:
                            pers[f] *= 1 - v[f"{pre}.strike.damage"]
                for e in c.entrapment:
                    ep = f"{pre}.entrapment.{e.index}"
                    host = _active(model, "opcon_transfer_date", month)
                    chance = min(
                        1.0,
                        v[f"{ep}.monthly_under_patron"]
                        * (v[f"{ep}.host_command_factor"] if host else 1.0)
                        + v[f"{ep}.after_strike"] * struck[c.id],
                    )
                    if (
                        not entrapped[(c.id, e.actor)]
                        and draws[i, month, SLOTS_PER_CONTEST * k + 2] < chance
                    ):
                        entrapped[(c.id, e.actor)] = True
    return {
        "hazards": hazards,
        "start": start,
        "entrapped": entrapped,
        "outcome": outcome,
        "nuclear_use": nuclear_use,
    }
