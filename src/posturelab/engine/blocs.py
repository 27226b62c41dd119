"""Alignment inside the monthly engine: propensity shifts, bloc cohesion, the global minimum.

Each month (step 3 of DESIGN section 3) every member's propensities are the scenario's base
propensities plus the shifts whose triggers are active,

    p_ij(t) = clip(p_ij + Σ_k f_k(t) · δ_k [k shifts the pair ij], −1, 1),

where ``δ_k`` is the shift's sampled delta and ``f_k(t)`` its factor that month: 0 when no trigger
is active, otherwise the largest factor of the active triggers (1, or the lever's value for a
``scaled`` lever trigger). Every member's landscape is solved exactly with
:func:`posturelab.models.alignment.solve_ensemble` over the ``N`` actors that appear in the
propensities, with sizes

    s_i = (1 / F) Σ_f v_i,f / Σ_j v_j,f,

the mean over the capability fields ``f`` that every one of those actors has (personnel, military
spending, GDP, population) of actor ``i``'s share of the field: a composite capability share in the
spirit of the Correlates of War CINC. Sizes use each member's sampled actor data and stay fixed
over the run.

For a tracked bloc ``B`` the engine keeps the energy gap ``G`` of Axelrod & Bennett's cohesion (the
cheapest configuration splitting ``B`` minus the cheapest keeping it together) and turns it into an
index in [0, 1],

    κ = 1 − exp(−max(G, 0) / (τ · W_B)),    W_B = Σ_{i<j in B} s_i s_j |p_ij|   (base p),

with ``τ`` the bloc's ``cohesion_scale``. ``κ = 0`` when the global minimum splits the bloc (or
ties); ``κ`` grows towards 1 as the bloc's internal bonds and outside repulsions make a split
costly.
Where a bloc's ``partners_of`` is a contest's attacker, ``κ`` replaces ``parameters.bloc_cohesion``
in that contest's partner support (DESIGN 5.3).

Shift factors change only in months when a lever, relation or event switches, so the landscape is
solved again only then; otherwise the last solution is kept.

References
----------
Axelrod, R. & Bennett, D. S. (1993). A landscape theory of aggregation. *British Journal of
Political Science* 23(2), 211–233.

Singer, J. D., Bremer, S. & Stuckey, J. (1972). Capability distribution, uncertainty, and major
power war, 1820–1965. In B. Russett (ed.), *Peace, War, and Numbers*. Beverly Hills: Sage (the
composite index of national capability).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from posturelab.engine.component import Indicator, World
from posturelab.engine.frame import Frame
from posturelab.models.alignment import codes_to_sides
from posturelab.models.alignment_solvers import solve_ensemble
from posturelab.scenario.schema import (
    EventTrigger,
    LeverTrigger,
    LeverValue,
    RelationTrigger,
    Scenario,
    month_index,
    month_of,
)

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

SIZE_FIELDS = ("personnel", "spending_usd_bn", "gdp_usd_bn", "population")
"""Actor fields averaged (as shares) into the composite capability size."""

__all__ = [
    "SIZE_FIELDS",
    "AlignmentComponent",
    "AlignmentSpec",
    "AlignmentState",
    "BlocSpec",
    "ShiftSpec",
    "compile_alignment",
    "init_alignment",
    "landscape_actors",
    "propensities_at",
    "step_alignment",
]


# --------------------------------------------------------------------------------------------------
# Compilation (once per run)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShiftSpec:
    """A propensity shift resolved to actor indices and a monthly factor."""

    id: str
    i: int
    j: int
    parameter: str
    factor: FloatArray
    """Shape (months,): the shift's factor each month under the run's lever settings."""
    status_quo: float
    """Factor in the first month under the scenario's default levers (the calibration state)."""


@dataclass(frozen=True)
class BlocSpec:
    """A tracked bloc: member indices in the landscape and its scale parameter."""

    id: str
    members: tuple[int, ...]
    partners_of: str | None
    scale: str


@dataclass(frozen=True)
class AlignmentSpec:
    """Everything the alignment step needs, resolved at compile time."""

    actors: tuple[str, ...]
    pairs: tuple[tuple[int, int, str], ...]
    shifts: tuple[ShiftSpec, ...]
    blocs: tuple[BlocSpec, ...]
    size_fields: tuple[str, ...]


def landscape_actors(scenario: Scenario) -> tuple[str, ...]:
    """Actors in the landscape: those named in ``propensities``, in the order of ``actors``."""
    named = {p.a for p in scenario.propensities} | {p.b for p in scenario.propensities}
    return tuple(a.id for a in scenario.actors if a.id in named)


def _month_at(value: LeverValue | None, months: tuple[str, ...]) -> int | None:
    """First month index at which a month-valued lever acts (None: never)."""
    if not isinstance(value, str) or value == "never":
        return None
    return max(month_index(value) - month_index(months[0]), 0)


def _lever_factor(
    role: str,
    above: float,
    scaled: bool,
    from_role: str | None,
    roles: Mapping[str, LeverValue],
    months: tuple[str, ...],
) -> FloatArray:
    n_months = len(months)
    out = np.zeros(n_months)
    value = roles.get(role)
    if isinstance(value, bool):
        level = 1.0 if value else 0.0
    elif isinstance(value, int | float):
        level = (float(value) if scaled else 1.0) if value > above else 0.0
    else:
        level = 0.0
    start: int | None = 0
    if from_role is not None:
        start = _month_at(roles.get(from_role), months)
    if start is not None and start < n_months:
        out[start:] = level
    return out


def _shift_factor(
    scenario: Scenario,
    when: Sequence[object],
    roles: Mapping[str, LeverValue],
    months: tuple[str, ...],
    relation_active: NDArray[np.bool_],
    relation_ids: tuple[str, ...],
) -> FloatArray:
    n_months = len(months)
    factor = np.zeros(n_months)
    events = {e.id: e for e in scenario.events}
    for trigger in when:
        if isinstance(trigger, LeverTrigger):
            f = _lever_factor(
                trigger.role, trigger.above, trigger.scaled, trigger.from_role, roles, months
            )
        elif isinstance(trigger, RelationTrigger):
            f = relation_active[:, relation_ids.index(trigger.relation)].astype(np.float64)
        elif isinstance(trigger, EventTrigger):
            f = np.zeros(n_months)
            at = month_index(month_of(events[trigger.event].date)) - month_index(months[0])
            end = n_months if trigger.months is None else at + trigger.months
            f[max(at, 0) : max(min(end, n_months), 0)] = 1.0
        else:  # pragma: no cover - the discriminated union admits nothing else
            raise TypeError(f"unknown trigger {trigger!r}")
        factor = np.maximum(factor, f)
    return factor


def compile_alignment(
    scenario: Scenario,
    levers: Mapping[str, LeverValue],
    months: tuple[str, ...],
    relation_active: NDArray[np.bool_],
    relation_ids: tuple[str, ...],
) -> AlignmentSpec | None:
    """Resolve blocs and shifts into index tables and monthly factors (None: no bloc tracked).

    ``relation_active`` (months × relations) already includes dated events; the status-quo
    factors use the scenario's default lever settings with the same relations.
    """
    if not scenario.blocs or not scenario.propensities:
        return None
    actors = landscape_actors(scenario)
    index = {a: k for k, a in enumerate(actors)}
    pairs = tuple(
        (index[p.a], index[p.b], f"propensities.{p.a}-{p.b}") for p in scenario.propensities
    )
    roles = {lv.role: levers[lv.id] for lv in scenario.levers if lv.role is not None}
    default_roles = {lv.role: lv.default for lv in scenario.levers if lv.role is not None}
    shifts = []
    for shift in scenario.propensity_shifts:
        if shift.a not in index or shift.b not in index:
            continue  # a pair outside the landscape cannot move it
        args = (months, relation_active, relation_ids)
        factor = _shift_factor(scenario, shift.when, roles, *args)
        status_quo = _shift_factor(scenario, shift.when, default_roles, *args)
        factor.flags.writeable = False
        shifts.append(
            ShiftSpec(
                id=shift.id,
                i=index[shift.a],
                j=index[shift.b],
                parameter=f"propensity_shifts.{shift.id}.delta",
                factor=factor,
                status_quo=float(status_quo[0]),
            )
        )
    blocs = tuple(
        BlocSpec(
            id=b.id,
            members=tuple(sorted(index[m] for m in b.members)),
            partners_of=b.partners_of,
            scale=f"blocs.{b.id}.cohesion_scale",
        )
        for b in scenario.blocs
    )
    present = {
        f
        for f in SIZE_FIELDS
        if all(getattr(a, f) is not None for a in scenario.actors if a.id in index)
    }
    return AlignmentSpec(
        actors=actors,
        pairs=pairs,
        shifts=tuple(shifts),
        blocs=blocs,
        size_fields=tuple(f for f in SIZE_FIELDS if f in present),
    )


# --------------------------------------------------------------------------------------------------
# Per-member state and the monthly step
# --------------------------------------------------------------------------------------------------


@dataclass
class AlignmentState:
    """Per-member alignment state of a chunk (leading axis: member).

    Attributes
    ----------
    base
        Base propensities, ``(M, N, N)``.
    deltas
        Sampled shift deltas, ``(M, S)``.
    sizes
        Composite capability shares, ``(M, N)``.
    norm, scale
        Per bloc: ``W_B`` and ``τ``, ``(M,)``.
    gap, cohesion, together
        Per bloc: energy gap, cohesion index κ and whether the global minimum keeps the bloc on
        one side, ``(M,)``.
    codes
        Global-minimum configuration code, ``(M,)``.
    status_quo
        Per bloc: κ in the calibration state (first month, default levers).
    solves
        How many times the landscapes were solved (the cache's bookkeeping).
    """

    spec: AlignmentSpec
    base: FloatArray
    deltas: FloatArray
    sizes: FloatArray
    norm: dict[str, FloatArray]
    scale: dict[str, FloatArray]
    gap: dict[str, FloatArray] = field(default_factory=dict)
    cohesion: dict[str, FloatArray] = field(default_factory=dict)
    together: dict[str, BoolArray] = field(default_factory=dict)
    codes: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    status_quo: dict[str, FloatArray] = field(default_factory=dict)
    key: tuple[float, ...] | None = None
    solves: int = 0


def _sizes(spec: AlignmentSpec, p: Mapping[str, FloatArray], n: int) -> FloatArray:
    if not spec.size_fields:
        return np.full((n, len(spec.actors)), 1.0 / len(spec.actors))
    shares = []
    for f in spec.size_fields:
        values = np.stack([p[f"actors.{a}.{f}"] for a in spec.actors], axis=1)
        total = values.sum(axis=1, keepdims=True)
        shares.append(values / np.where(total > 0, total, 1.0))
    return np.asarray(np.mean(shares, axis=0), dtype=np.float64)


def propensities_at(state: AlignmentState, factors: Sequence[float]) -> FloatArray:
    """Every member's propensity matrix with the shifts at ``factors``, ``(M, N, N)``."""
    p = state.base.copy()
    for k, (shift, f) in enumerate(zip(state.spec.shifts, factors, strict=True)):
        if f != 0.0:
            add = f * state.deltas[:, k]
            p[:, shift.i, shift.j] += add
            p[:, shift.j, shift.i] += add
    return np.asarray(np.clip(p, -1.0, 1.0), dtype=np.float64)


def _index(state: AlignmentState, bloc: BlocSpec, gap: FloatArray) -> FloatArray:
    denom = state.scale[bloc.id] * np.maximum(state.norm[bloc.id], 1e-300)
    return np.asarray(-np.expm1(-np.maximum(gap, 0.0) / denom), dtype=np.float64)


def _solve(state: AlignmentState, factors: tuple[float, ...]) -> None:
    spec = state.spec
    p = propensities_at(state, factors)
    n_actors = len(spec.actors)
    for k, bloc in enumerate(spec.blocs):
        result = solve_ensemble(p, state.sizes, bloc.members)
        if k == 0:
            state.codes = result.codes
        sides = codes_to_sides(result.codes, n_actors)[:, list(bloc.members)]
        state.together[bloc.id] = np.all(sides == sides[:, :1], axis=1)
        state.gap[bloc.id] = result.cohesion
        state.cohesion[bloc.id] = _index(state, bloc, result.cohesion)
    state.key = factors
    state.solves += 1


def init_alignment(spec: AlignmentSpec, p: Mapping[str, FloatArray], n: int) -> AlignmentState:
    """Build the chunk's alignment state from the sampled parameters ``p``.

    Solves the calibration state (first month, default levers) at once, so that
    :attr:`AlignmentState.status_quo` is ready before the run's first month.
    """
    n_actors = len(spec.actors)
    base = np.zeros((n, n_actors, n_actors))
    for i, j, name in spec.pairs:
        base[:, i, j] = p[name]
        base[:, j, i] = p[name]
    deltas = (
        np.stack([p[s.parameter] for s in spec.shifts], axis=1) if spec.shifts else np.zeros((n, 0))
    )
    sizes = _sizes(spec, p, n)
    norm = {}
    for bloc in spec.blocs:
        total = np.zeros(n)
        for a, i in enumerate(bloc.members):
            for j in bloc.members[a + 1 :]:
                total += sizes[:, i] * sizes[:, j] * np.abs(base[:, i, j])
        norm[bloc.id] = total
    state = AlignmentState(
        spec=spec,
        base=base,
        deltas=deltas,
        sizes=sizes,
        norm=norm,
        scale={b.id: np.asarray(p[b.scale], dtype=np.float64) for b in spec.blocs},
    )
    _solve(state, tuple(s.status_quo for s in spec.shifts))
    state.status_quo = {k: v.copy() for k, v in state.cohesion.items()}
    return state


def step_alignment(state: AlignmentState, month: int) -> None:
    """Update the alignment for ``month``; the landscapes are solved only if a shift changed."""
    factors = tuple(float(s.factor[month]) for s in state.spec.shifts)
    if factors != state.key:
        _solve(state, factors)


COHESION = "bloc_cohesion_{bloc}"
ALIGNED = "p_{bloc}_aligned"
CODE = "alignment_code_{bloc}"


class AlignmentComponent:
    """Landscape-theory alignment of the tracked blocs (see the module docstring).

    Each month it publishes, for every attacker whose partners a tracked bloc is (the first such
    bloc), the bloc's cohesion index, which replaces the scenario's constant ``bloc_cohesion`` in
    that attacker's partner support.
    """

    name = "alignment"
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ("cohesion", "cohesion_status_quo")
    fixed_slots = 0

    def compile(
        self, scenario: Scenario, levers: Mapping[str, LeverValue], frame: Frame
    ) -> AlignmentSpec | None:
        """Resolve blocs and shifts (None: no bloc tracked)."""
        return compile_alignment(
            scenario, levers, frame.months, frame.relation_active, frame.relation_ids
        )

    def indicators(self, spec: AlignmentSpec) -> tuple[Indicator, ...]:
        """Per bloc: its cohesion series, whether it is aligned and the configuration code."""
        out: list[Indicator] = []
        for b in spec.blocs:
            out += [
                Indicator(
                    COHESION.format(bloc=b.id),
                    COHESION,
                    "series",
                    "0-1",
                    "Cohesion index of the bloc: its landscape-theory energy gap, scaled to "
                    "[0, 1].",
                ),
                Indicator(
                    ALIGNED.format(bloc=b.id),
                    ALIGNED,
                    "probability",
                    "probability",
                    "At the horizon the global-minimum configuration puts the whole bloc on one "
                    "side.",
                ),
                Indicator(
                    CODE.format(bloc=b.id),
                    CODE,
                    "distribution",
                    "code",
                    "Code of the global-minimum configuration at the horizon (decode with "
                    "posturelab.engine.alignment_codes.decode).",
                ),
            ]
        return tuple(out)

    def scenario_slots(self, spec: AlignmentSpec) -> int:
        """No chance events."""
        return 0

    def init(self, spec: AlignmentSpec, world: World) -> AlignmentState:
        """Solve the calibration state and publish its cohesion (also as the status quo)."""
        state = init_alignment(spec, world.params, world.n)
        _publish(state, world.cohesion_status_quo, state.status_quo)
        _publish(state, world.cohesion, state.cohesion)
        return state

    def step(self, state: AlignmentState, month: int, world: World) -> None:
        """Re-solve the landscapes if a shift changed, and publish the cohesion."""
        step_alignment(state, month)
        _publish(state, world.cohesion, state.cohesion)

    def record(self, state: AlignmentState, series: dict[str, FloatArray], month: int) -> None:
        """Write the month's cohesion index of every tracked bloc."""
        for bloc in state.spec.blocs:
            series[COHESION.format(bloc=bloc.id)][:, month] = state.cohesion[bloc.id]

    def scalars(self, state: AlignmentState) -> dict[str, FloatArray]:
        """Per-member values at the horizon: ``p_<bloc>_aligned`` and ``alignment_code_<bloc>``."""
        out: dict[str, FloatArray] = {}
        for bloc in state.spec.blocs:
            out[ALIGNED.format(bloc=bloc.id)] = state.together[bloc.id].astype(np.float64)
            out[CODE.format(bloc=bloc.id)] = state.codes.astype(np.float64)
        return out


def _publish(
    state: AlignmentState, into: dict[str, FloatArray], cohesion: Mapping[str, FloatArray]
) -> None:
    """Set each attacker's cohesion to that of the first bloc of its partners."""
    seen: set[str] = set()
    for bloc in state.spec.blocs:
        if bloc.partners_of is not None and bloc.partners_of not in seen:
            into[bloc.partners_of] = cohesion[bloc.id]
            seen.add(bloc.partners_of)
