"""Arms dynamics inside the monthly engine: Richardson spending, lever effects, warheads.

Spending
--------
The actors of the scenario's ``arms`` section follow Richardson's system (DESIGN 5.6),

    dx/dt = K x − diag(α) x + g,

with ``x`` military spending (USD bn a year), reactions ``K`` and fatigues ``α`` sampled per
member, advanced one month at a time by the exact step of :mod:`posturelab.models.arms`
(``Δt = 1/12`` year, one propagator per member computed once, since the coefficients are constant
over a run). The grievance is calibrated so that each actor's spending grows at its stated trend
``r`` at the start,

    g = (r + α) ⊙ x(0) − K x(0),

so the model starts on the observed course and the reactions and fatigues shape how it bends.
Spending never falls below zero.

Levers
------
``spending_path``: the actor named in ``arms.spending_path`` leaves Richardson's dynamics and moves
towards the lever's share ``σ`` of its GDP ``Y(t) = Y(0) (1 + g)^t``, growing at the section's
nominal ``gdp_growth`` ``g`` (0 if not given), with adjustment time ``T`` (years),

    x(t) = σY(t) + (x(0) − σY(0)) · exp(−t / T),

evaluated at the end of each month. ``modernisation``: while the lever is on, the actor named in
``arms.modernisation`` (North Korea) gets the extra grievance ``γ · x(0)`` a year and perceives a
threat ``1 + μ`` times higher.

Warheads
--------
The warhead actor's threat multiplier is

    m(t) = (T(t) / T(0))^η · (1 + μ · [modernisation]),    T(t) = Σ_j K_wj x_j(t),

the reaction-weighted spending it faces relative to the start, with elasticity ``η``. The stock
follows :func:`posturelab.models.arms.warhead_step` with per-member rates: the fissile capacity
grows by ``production_per_year`` (FAS 2024: about 6 a year), assembly proceeds at
``assembly_per_year · m`` and never passes the capacity. A denuclearisation deal arrives in a month
with probability ``1 − exp(−λ exp(−β (m − 1)) / 12)``
(:func:`posturelab.models.arms.deal_hazard`), drawn from the member's event stream at slot
:data:`DEAL_SLOT` after the contests' slots; from then on production stops and the stock falls by
``dismantle_per_year`` (0: a freeze).

References
----------
Richardson, L. F. (1960). *Arms and Insecurity*. Pittsburgh: Boxwood Press.

Kristensen, H. M., Korda, M., Johns, E. & Knight, M. (2024). North Korean nuclear weapons, 2024.
*Bulletin of the Atomic Scientists* (FAS Nuclear Notebook), 15 July 2024.

SIPRI (2025). *SIPRI Yearbook 2025*, world nuclear forces; Trends in World Military Expenditure,
2024.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from posturelab.engine.component import Indicator, World
from posturelab.engine.frame import Frame
from posturelab.models.arms import apply_propagator, richardson_propagator
from posturelab.scenario.schema import LeverValue, Scenario

FloatArray = NDArray[np.float64]

DEAL_SLOT = 0
"""Index of the denuclearisation-deal draw among the component's event slots."""
MONTH = 1.0 / 12.0

WARHEAD_FIELDS = (
    "capacity",
    "production_per_year",
    "assembly_per_year",
    "threat_elasticity",
    "deal_rate_per_year",
    "deal_threat_sensitivity",
    "dismantle_per_year",
)

__all__ = [
    "DEAL_SLOT",
    "ArmsComponent",
    "ArmsSpec",
    "ArmsState",
    "compile_arms",
    "init_arms",
    "step_arms",
]

SPENDING = "spending_{actor}"
WARHEADS = "{actor}_warheads"
DEAL = "p_denuclearisation_deal"
DEAL_RISK = "risk_denuclearisation_deal"


@dataclass(frozen=True)
class ArmsSpec:
    """The ``arms`` section resolved to indices, parameter names and lever settings."""

    actors: tuple[str, ...]
    reactions: tuple[tuple[int, int, str], ...]
    path_actor: int | None
    path_share: float | None
    modernisation_actor: int | None
    modernised: bool
    warhead_actor: str | None
    warhead_index: int | None
    """Index of the warhead actor among ``actors`` (None: it has no Richardson threat)."""
    n_months: int


def compile_arms(
    scenario: Scenario, levers: Mapping[str, LeverValue], n_months: int
) -> ArmsSpec | None:
    """Resolve the ``arms`` section against the lever settings (None: no arms section)."""
    arms = scenario.arms
    if arms is None:
        return None
    roles = {lv.role: levers[lv.id] for lv in scenario.levers if lv.role is not None}
    actors = tuple(a.id for a in arms.actors)
    index = {a: k for k, a in enumerate(actors)}
    share = roles.get("spending_path")
    path_on = arms.spending_path is not None and isinstance(share, int | float)
    mod = roles.get("modernisation")
    stock = arms.warheads
    return ArmsSpec(
        actors=actors,
        reactions=tuple(
            (index[r.a], index[r.b], f"arms.reactions.{r.a}-{r.b}.k") for r in arms.reactions
        ),
        path_actor=index[arms.spending_path.actor] if arms.spending_path and path_on else None,
        path_share=float(share) if path_on and isinstance(share, int | float) else None,
        modernisation_actor=index[arms.modernisation.actor] if arms.modernisation else None,
        modernised=arms.modernisation is not None and mod is True,
        warhead_actor=stock.actor if stock else None,
        warhead_index=index.get(stock.actor) if stock else None,
        n_months=n_months,
    )


@dataclass
class ArmsState:
    """Per-member arms state of a chunk (leading axis: member).

    Attributes
    ----------
    spending
        ``x``, ``(M, N)`` in USD bn a year.
    propagator
        Exact one-month propagator per member, ``(M, N+1, N+1)``.
    path
        Prescribed spending of the path actor per month, ``(M, months)``, or None.
    threat_weights, threat0
        ``K_w·`` ``(M, N)`` and ``T(0)`` ``(M,)`` of the warhead actor.
    warheads, capacity, deal
        Warhead stock, fissile capacity (warheads' worth) and whether a deal is in force, ``(M,)``.
    rates
        Per-member warhead parameters by name (:data:`WARHEAD_FIELDS`) and ``threat_bonus`` (μ
        while modernisation is on, else 0).
    """

    spec: ArmsSpec
    spending: FloatArray
    propagator: FloatArray
    path: FloatArray | None
    threat_weights: FloatArray
    threat0: FloatArray
    warheads: FloatArray | None
    capacity: FloatArray | None
    deal: NDArray[np.bool_]
    rates: dict[str, FloatArray]
    deal_log: FloatArray | None = None
    """``sum log(1 - h)`` of the monthly deal hazards so far, before a deal (the member's risk)."""


def init_arms(spec: ArmsSpec, p: Mapping[str, FloatArray], n: int) -> ArmsState:
    """Build the chunk's arms state from the sampled parameters ``p``."""
    n_actors = len(spec.actors)
    x0 = np.stack([p[f"actors.{a}.spending_usd_bn"] for a in spec.actors], axis=1)
    alpha = np.stack([p[f"arms.actors.{a}.fatigue"] for a in spec.actors], axis=1)
    trend = np.stack([p[f"arms.actors.{a}.trend"] for a in spec.actors], axis=1)
    k = np.zeros((n, n_actors, n_actors))
    for i, j, name in spec.reactions:
        k[:, i, j] = p[name]
    grievance = (trend + alpha) * x0 - np.einsum("mij,mj->mi", k, x0)
    rates: dict[str, FloatArray] = {"threat_bonus": np.zeros(n)}
    if spec.modernised and spec.modernisation_actor is not None:
        a = spec.modernisation_actor
        grievance[:, a] += p["arms.modernisation.grievance"] * x0[:, a]
        if spec.actors[a] == spec.warhead_actor:
            rates["threat_bonus"] = np.asarray(p["arms.modernisation.threat"], dtype=np.float64)
    propagator = richardson_propagator(k, alpha, grievance, MONTH)

    path = None
    if spec.path_actor is not None and spec.path_share is not None:
        a = spec.path_actor
        target = spec.path_share * p[f"actors.{spec.actors[a]}.gdp_usd_bn"]
        years = p["arms.spending_path.adjustment_years"]
        growth = p.get("arms.spending_path.gdp_growth", np.zeros(n))
        t = (np.arange(spec.n_months) + 1.0) * MONTH
        grown = target[:, None] * (1.0 + growth[:, None]) ** t[None, :]
        path = grown + (x0[:, a] - target)[:, None] * np.exp(-t[None, :] / years[:, None])

    if spec.warhead_index is not None:
        weights = k[:, spec.warhead_index, :]
    else:
        weights = np.zeros((n, n_actors))
    warheads = capacity = None
    if spec.warhead_actor is not None:
        for name in WARHEAD_FIELDS:
            rates[name] = np.asarray(p[f"arms.warheads.{name}"], dtype=np.float64)
        capacity = rates["capacity"].copy()
        warheads = np.minimum(p[f"actors.{spec.warhead_actor}.nuclear_warheads"], capacity)
    return ArmsState(
        spec=spec,
        spending=x0,
        propagator=propagator,
        path=path,
        threat_weights=weights,
        threat0=(weights * x0).sum(axis=1),
        warheads=warheads,
        capacity=capacity,
        deal=np.zeros(n, dtype=bool),
        rates=rates,
    )


def threat_multiplier(state: ArmsState) -> FloatArray:
    """``m = (T / T(0))^η · (1 + μ [modernisation])`` of the warhead actor, ``(M,)``."""
    threat = (state.threat_weights * state.spending).sum(axis=1)
    ratio = np.where(
        state.threat0 > 0,
        np.maximum(threat, 0.0) / np.where(state.threat0 > 0, state.threat0, 1.0),
        1.0,
    )
    eta = state.rates.get("threat_elasticity", np.zeros_like(ratio))
    return np.asarray(ratio**eta * (1.0 + state.rates["threat_bonus"]), dtype=np.float64)


def step_arms(state: ArmsState, month: int, deal_uniforms: FloatArray) -> None:
    """Advance spending and warheads by one month.

    Parameters
    ----------
    state
        From :func:`init_arms`.
    month
        Index of the month being simulated.
    deal_uniforms
        The members' uniforms of this month at the deal slot, ``(M,)``.
    """
    path = None
    if state.path is not None and state.spec.path_actor is not None:
        path = np.full(state.spending.shape, np.nan)
        path[:, state.spec.path_actor] = state.path[:, month]
    state.spending = apply_propagator(state.propagator, state.spending, floor=0.0, path=path)
    if state.warheads is None or state.capacity is None:
        return
    m = threat_multiplier(state)
    r = state.rates
    rate = r["deal_rate_per_year"] * np.exp(-r["deal_threat_sensitivity"] * (m - 1.0))
    hazard = -np.expm1(-rate * MONTH)
    if state.deal_log is None:
        state.deal_log = np.zeros(hazard.shape)
    state.deal_log += np.where(state.deal, 0.0, np.log1p(-hazard))
    state.deal |= deal_uniforms < hazard
    capacity = np.where(
        state.deal, state.capacity, state.capacity + r["production_per_year"] * MONTH
    )
    grown = np.minimum(state.warheads + r["assembly_per_year"] * m * MONTH, capacity)
    frozen = np.maximum(state.warheads - r["dismantle_per_year"] * MONTH, 0.0)
    state.warheads = np.where(state.deal, frozen, grown)
    state.capacity = capacity


class ArmsComponent:
    """Richardson spending, the lever effects and the warhead stock (see the module docstring)."""

    name = "arms"
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ("spending", "warheads")
    fixed_slots = 1
    """The denuclearisation deal (:data:`DEAL_SLOT`)."""

    def compile(
        self, scenario: Scenario, levers: Mapping[str, LeverValue], frame: Frame
    ) -> ArmsSpec | None:
        """Resolve the ``arms`` section (None: the scenario has none)."""
        return compile_arms(scenario, levers, frame.n_months)

    def indicators(self, spec: ArmsSpec) -> tuple[Indicator, ...]:
        """``spending_<actor>`` for every actor; the warhead actor's stock and the deal."""
        out = [
            Indicator(
                SPENDING.format(actor=a),
                SPENDING,
                "series",
                "USD bn a year",
                "The actor's military spending (Richardson).",
            )
            for a in spec.actors
        ]
        if spec.warhead_actor is not None:
            out.append(
                Indicator(
                    WARHEADS.format(actor=spec.warhead_actor),
                    WARHEADS,
                    "series",
                    "warheads",
                    "The actor's assembled nuclear warheads.",
                )
            )
            out.append(
                Indicator(
                    DEAL,
                    DEAL,
                    "probability",
                    "probability",
                    "A denuclearisation deal by the horizon.",
                    risk=DEAL_RISK,
                )
            )
            out.append(
                Indicator(
                    DEAL_RISK,
                    DEAL_RISK,
                    "distribution",
                    "probability",
                    "The member's probability of a deal by the horizon, from its monthly deal "
                    "hazards.",
                    auxiliary=True,
                )
            )
        return tuple(out)

    def scenario_slots(self, spec: ArmsSpec) -> int:
        """No scenario-sized draws."""
        return 0

    def init(self, spec: ArmsSpec, world: World) -> ArmsState:
        """The chunk's spending, propagators and warhead stock; published to the world."""
        state = init_arms(spec, world.params, world.n)
        _publish(state, world)
        return state

    def step(self, state: ArmsState, month: int, world: World) -> None:
        """One month of spending and warheads, with the deal drawn at :data:`DEAL_SLOT`."""
        step_arms(state, month, world.event_draws(self.name, month, DEAL_SLOT))
        _publish(state, world)

    def record(self, state: ArmsState, series: dict[str, FloatArray], month: int) -> None:
        """Write the month's spending and warheads."""
        for k, actor in enumerate(state.spec.actors):
            series[SPENDING.format(actor=actor)][:, month] = state.spending[:, k]
        if state.spec.warhead_actor is not None and state.warheads is not None:
            series[WARHEADS.format(actor=state.spec.warhead_actor)][:, month] = state.warheads

    def scalars(self, state: ArmsState) -> dict[str, FloatArray]:
        """Per-member ``p_denuclearisation_deal`` (1 if a deal came by the horizon) and its risk."""
        if state.spec.warhead_actor is None:
            return {}
        log = state.deal_log if state.deal_log is not None else np.zeros(state.deal.shape)
        return {DEAL: state.deal.astype(np.float64), DEAL_RISK: -np.expm1(log)}


def _publish(state: ArmsState, world: World) -> None:
    for k, actor in enumerate(state.spec.actors):
        world.spending[actor] = state.spending[:, k]
    if state.spec.warhead_actor is not None and state.warheads is not None:
        world.warheads[state.spec.warhead_actor] = state.warheads
