r"""Effects split by mechanism: a lever's paired effect shared among the decision's channels.

A claim compares a base and a variant lever setting on the same members with the same draws
(:mod:`posturelab.explore.compare`). Its effect reaches the indicator through the terms of the
attack calculus and the chance events of war, the *mechanism channels* of
:mod:`posturelab.engine.mechanisms` (tripwire, P_win, support, distraction, shield, wartime).

Both settings are run once with every term recorded, member by member and month by month. For a
coalition :math:`S` of channels, the variant is run again with every term replayed: the terms of
the channels in :math:`S` take their values in the variant run, all others their values in the
base run; what no channel carries (the campaign fought once a war starts, the arms race, the
blocs' landscape) runs as in the variant. With :math:`v_m(S)` the member's indicator in that run
and :math:`v_m^{base}` in the base run,

.. math::

    v_m(N) &= v_m^{variant} \quad \text{(a run replaying its own terms reproduces itself)} \\
    \text{direct}_m &= v_m(\varnothing) - v_m^{base} \\
    \phi_{m,c} &= \text{Shapley value of channel } c \text{ in the game } S \mapsto v_m(S)

so that :math:`\text{direct}_m + \sum_c \phi_{m,c} = v_m^{variant} - v_m^{base}`, the member's
paired effect (efficiency; exact but for rounding: a contribution within
:data:`~posturelab.explore.compare.ROUNDING` of zero, relative to the member's values, is set to
zero, as the paired comparison does). ``direct`` is the part no channel carries; for an
indicator of the attack decision (an attack's probability) it is zero, and where it is not (a
campaign's depth, a bloc's cohesion, a warhead count) it says honestly how much of the effect the
channels do not explain. Setting a channel's terms to their value under the base or the variant
setting is the mediator switch of natural direct and indirect effects (Robins & Greenland 1992;
Pearl 2001), and the Shapley value (:mod:`posturelab.explore.shapley`) shares the interactions
between channels equally.

A channel whose terms are identical in the base and the variant runs takes the same values in
every coalition, so it changes no coalition's value: it is a null player with Shapley value zero
and is left out of the coalitions (reported as inactive). With :math:`k` active channels the
split costs :math:`2^k - 1` further runs of the variant, made as one vectorised run of
:math:`(2^k - 1)` copies of the members' rows: the copies share the members' sampled parameters
and event draws.

Summaries: where the indicator has a value for every member in every run (a risk, a series, a
count), the per-member contributions give each channel's 5th, 50th and 95th percentile over
members and its mean; ``share`` is the channel's mean over the total mean effect. Where the
indicator applies only to some members (a campaign's depth given an attack), or is a 0/1 outcome
whose per-member percentiles would be zeros, each run's value is its mean over the members where
it applies, the game is played on those means (for a 0/1 outcome the same means as the members'
contributions, the Shapley value being linear), and the percentiles come from a bootstrap over
members.

References
----------
Robins, J. M. & Greenland, S. (1992). Identifiability and exchangeability for direct and indirect
effects. *Epidemiology* 3(2), 143-155.

Pearl, J. (2001). Direct and indirect effects. *Proceedings of the 17th Conference on
Uncertainty in Artificial Intelligence*, 411-420.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from posturelab.engine.compiled import CompiledScenario, compile_scenario
from posturelab.engine.component import Indicator
from posturelab.engine.mechanisms import CHANNELS, ChannelSwitch, channel_of
from posturelab.engine.run import RunOptions, chunks
from posturelab.engine.sampling import Sampler
from posturelab.engine.simulate import (
    ChunkOutput,
    event_uniforms,
    sample_parameters,
    simulate_rows,
)
from posturelab.explore.compare import ROUNDING
from posturelab.explore.shapley import shapley_values
from posturelab.scenario.schema import LeverValue, Scenario

FloatArray = NDArray[np.float64]

ROW_BUDGET = 4000
"""Rows (members times coalitions) per vectorised run of the coalitions."""
BOOTSTRAP = 200
"""Bootstrap resamples of the members where the indicator applies only to some."""
DIRECT = "direct"
"""The name of the row for what no channel carries."""


@dataclass(frozen=True)
class Request:
    """An indicator at a horizon (``None``: the last month) whose effect is to be split."""

    indicator: Indicator
    horizon: str | None = None

    @property
    def binary(self) -> bool:
        """Whether the member's value is a 0/1 outcome (a probability with no risk to read)."""
        ind = self.indicator
        risk = (self.horizon is None and ind.risk is not None) or ind.hazard is not None
        return ind.kind == "probability" and not risk


@dataclass(frozen=True)
class ChannelEffect:
    """One channel's part of the effect (or the direct part, ``channel == "direct"``)."""

    channel: str
    description: str
    active: bool
    effect_p05: float | None
    effect_p50: float | None
    effect_p95: float | None
    effect_mean: float | None
    share: float | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in self.__dict__.items()
        }


@dataclass
class MechanismSplit:
    """The split of one indicator's effect (see the module docstring).

    Attributes
    ----------
    indicator, horizon
        What was split.
    basis
        ``per_member`` (percentiles over members) or ``bootstrap`` (over resamples of the
        members where the indicator applies).
    n
        Members the summaries rest on.
    total_mean
        The mean effect ``variant - base`` that the rows add up to.
    rows
        One row per channel of :data:`posturelab.engine.mechanisms.CHANNELS`, then ``direct``.
    active
        The channels whose terms differ between the two settings.
    runs
        Coalition runs made (each a run of the ensemble's members).
    contributions
        Per member (``per_member`` basis): shape ``(channels + 1, members)``, the rows' values.
    """

    indicator: str
    horizon: str | None
    basis: str
    n: int
    total_mean: float | None
    rows: list[ChannelEffect]
    active: tuple[str, ...]
    runs: int
    contributions: FloatArray | None = field(default=None, repr=False)

    def as_list(self) -> list[dict[str, Any]]:
        """The ``mechanisms`` list of a claim's JSON."""
        return [r.as_dict() for r in self.rows]


def _dataset(model: CompiledScenario, out: ChunkOutput, names: set[str]) -> Any:
    import xarray as xr  # imported here: it is slow to import

    data: dict[str, Any] = {}
    for name in names:
        if name in out.series:
            data[name] = (("member", "month"), out.series[name])
        elif name in out.scalars:
            data[name] = (("member",), out.scalars[name])
    month = np.array(model.months, dtype=object)
    return xr.Dataset(data, coords={"member": np.arange(out.members.size), "month": month})


def _values(model: CompiledScenario, out: ChunkOutput, requests: Sequence[Request]) -> FloatArray:
    """Per-row values of each request, shape ``(requests, rows)``."""
    from posturelab.explore.outcomes import member_values

    names: set[str] = set()
    for r in requests:
        ind = r.indicator
        names |= {n for n in (ind.name, ind.risk, ind.hazard, ind.onset) if n is not None}
    ds = _dataset(model, out, names)
    return np.stack([member_values(ds, r.indicator, r.horizon).values for r in requests])


def record_chunk(
    model: CompiledScenario,
    seed: int,
    total: int,
    sampler: Sampler,
    members: NDArray[np.int64],
    design_rows: FloatArray | None,
    requests: Sequence[Request],
) -> tuple[dict[str, FloatArray], FloatArray]:
    """One setting's run of a chunk with every term recorded: the terms and the requests' values."""
    p = sample_parameters(model, seed, members, total, sampler, design_rows)
    switch = ChannelSwitch(model.n_months, record=True)
    out = simulate_rows(model, members, p, event_uniforms(model, seed, members), switch)
    return switch.recorded, _values(model, out, requests)


def coalition_chunk(
    model: CompiledScenario,
    seed: int,
    total: int,
    sampler: Sampler,
    members: NDArray[np.int64],
    design_rows: FloatArray | None,
    requests: Sequence[Request],
    base_terms: Mapping[str, FloatArray],
    variant_terms: Mapping[str, FloatArray],
    active: Sequence[str],
) -> FloatArray:
    """The variant run of every coalition but the full one, for a chunk of members.

    Returns shape ``(2^k - 1, requests, members)``, coalitions by bit mask (bit ``i``: channel
    ``active[i]`` takes the variant's terms).
    """
    n, k = members.size, len(active)
    masks = np.arange(2**k - 1, dtype=np.int64)
    p = sample_parameters(model, seed, members, total, sampler, design_rows)
    draws = event_uniforms(model, seed, members)
    rows = np.tile(members, masks.size)
    params = {name: np.tile(values, masks.size) for name, values in p.items()}
    replay: dict[str, FloatArray] = {}
    for key, base in base_terms.items():
        channel = channel_of(key)
        if channel not in active:
            replay[key] = np.tile(base, (masks.size, 1))
            continue
        on = (masks >> active.index(channel)) & 1 == 1
        replay[key] = np.concatenate([variant_terms[key] if o else base for o in on])
    switch = ChannelSwitch(model.n_months, replay=replay)
    out = simulate_rows(model, rows, params, np.tile(draws, (masks.size, 1, 1)), switch)
    values = _values(model, out, requests)
    return values.reshape(len(requests), masks.size, n).transpose(1, 0, 2)


def _map(executor: Executor | None, fn: Any, tasks: list[tuple[Any, ...]]) -> list[Any]:
    if executor is None or len(tasks) <= 1:
        return [fn(*t) for t in tasks]
    futures = [executor.submit(fn, *t) for t in tasks]
    return [f.result() for f in futures]


def _slice(terms: Mapping[str, FloatArray], rows: slice) -> dict[str, FloatArray]:
    return {k: v[rows] for k, v in terms.items()}


def split_effects(
    scenario: Scenario,
    base_levers: Mapping[str, LeverValue],
    variant_levers: Mapping[str, LeverValue],
    requests: Sequence[Request],
    options: RunOptions,
    *,
    executor: Executor | None = None,
    design: FloatArray | None = None,
) -> list[MechanismSplit]:
    """Split the paired effect ``variant - base`` on each request among the channels.

    Parameters
    ----------
    scenario
        A validated scenario.
    base_levers, variant_levers
        A value for every lever (:func:`posturelab.scenario.levers.resolve_levers`).
    requests
        The indicators (and horizons) to split; they share the runs.
    options
        Ensemble size, seed and sampler, as for the comparison whose effect is split.
    executor
        Where the chunks run; ``None`` runs them here. The numbers do not depend on it.
    design
        Optional unit-hypercube design shared by every run (a calibration's NROY members).
    """
    base_model = compile_scenario(scenario, base_levers)
    variant_model = compile_scenario(scenario, variant_levers)
    plan = chunks(options.members, options.chunk_size)

    def rows_of(d: NDArray[np.int64]) -> FloatArray | None:
        return None if design is None else design[d]

    common = (options.seed, options.members, options.sampler)
    recorded = _map(
        executor,
        record_chunk,
        [(m, *common, d, rows_of(d), requests) for d in plan for m in (base_model, variant_model)],
    )
    base_terms = _join([r[0] for r in recorded[0::2]])
    variant_terms = _join([r[0] for r in recorded[1::2]])
    vb = np.concatenate([r[1] for r in recorded[0::2]], axis=1)
    vv = np.concatenate([r[1] for r in recorded[1::2]], axis=1)
    active = tuple(
        c.name
        for c in CHANNELS
        if any(
            not np.array_equal(base_terms[key], variant_terms[key], equal_nan=True)
            for key in base_terms
            if channel_of(key) == c.name
        )
    )
    k = len(active)
    values = np.empty((2**k, len(requests), options.members))
    values[-1] = vv
    if k:
        per_task = max(1, ROW_BUDGET // (2**k - 1))
        sub = chunks(options.members, per_task)
        tasks = [
            (variant_model, *common, d, rows_of(d), requests,
             _slice(base_terms, slice(int(d[0]), int(d[-1]) + 1)),
             _slice(variant_terms, slice(int(d[0]), int(d[-1]) + 1)), active)
            for d in sub
        ]  # fmt: skip
        parts = _map(executor, coalition_chunk, tasks)
        values[:-1] = np.concatenate(parts, axis=2)
    return [
        summarise(r, values[:, i], vb[i], active, options.seed, 2**k - 1)
        for i, r in enumerate(requests)
    ]


def _join(parts: list[dict[str, FloatArray]]) -> dict[str, FloatArray]:
    if not parts:
        return {}
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def _row(
    name: str, description: str, active: bool, samples: FloatArray, mean: float, total: float
) -> ChannelEffect:
    if samples.size == 0:
        return ChannelEffect(name, description, active, None, None, None, None, None)
    p05, p50, p95 = (float(x) for x in np.quantile(samples, [0.05, 0.5, 0.95]))
    share = mean / total + 0.0 if total != 0 and math.isfinite(total) else None
    return ChannelEffect(name, description, active, p05, p50, p95, mean, share)


def summarise(
    request: Request,
    values: FloatArray,
    base: FloatArray,
    active: Sequence[str],
    seed: int,
    runs: int,
) -> MechanismSplit:
    """Shapley values and their summaries from every coalition's values (module docstring).

    ``values`` has shape ``(2^k, members)`` (coalitions by bit mask over ``active``), ``base``
    shape ``(members,)``.
    """
    index = [CHANNELS.index(c) for c in CHANNELS if c.name in active]
    described = [(c.name, c.description, c.name in active) for c in CHANNELS]
    direct_label = "what no channel carries: the variant with every term at its base value"
    finite = np.isfinite(values).all(axis=0) & np.isfinite(base)
    ind = request.indicator.name
    if finite.all() and not request.binary:
        phi = np.zeros((len(CHANNELS), base.size))
        phi[index] = shapley_values(values)
        # Rounding noise (a different order of summation in a batch of rows) is not an effect.
        scale = np.maximum(1.0, np.abs(values).max(axis=0))
        phi = np.where(np.abs(phi) <= ROUNDING * scale, 0.0, phi)
        contributions = np.vstack([phi, values[0] - base])
        total = float(np.mean(values[-1] - base))
        rows = [
            _row(n, d, a, contributions[j], float(contributions[j].mean()), total)
            for j, (n, d, a) in enumerate(described)
        ]
        rows.append(_row(DIRECT, direct_label, True, contributions[-1],
                         float(contributions[-1].mean()), total))  # fmt: skip
        return MechanismSplit(ind, request.horizon, "per_member", base.size, total, rows,
                              tuple(active), runs, contributions)  # fmt: skip
    diffs = values - base[None, :]
    applies = np.isfinite(diffs)
    paired = np.where(applies, diffs, 0.0)

    def game(weights: FloatArray) -> FloatArray:
        sums = (applies * weights[None, :]).sum(axis=1)
        total = (paired * weights[None, :]).sum(axis=1)
        return np.where(sums > 0, total / np.maximum(sums, 1e-300), np.nan)

    def split(weights: FloatArray) -> FloatArray:
        g = game(weights)
        out = np.zeros(len(CHANNELS) + 1)
        out[index] = shapley_values(g)
        out[-1] = g[0]
        return out

    point = split(np.ones(base.size))
    rng = np.random.default_rng([seed, 0x5A4])
    boot = np.array(
        [split(np.bincount(rng.integers(0, base.size, base.size), minlength=base.size)
               .astype(np.float64)) for _ in range(BOOTSTRAP)]
    )  # fmt: skip
    total = float(game(np.ones(base.size))[-1])
    rows = []
    for j, (name, d, a) in enumerate([*described, (DIRECT, direct_label, True)]):
        samples = boot[:, j][np.isfinite(boot[:, j])]
        rows.append(_row(name, d, a, samples, float(point[j]), total))
    n = int(applies[-1].sum())
    return MechanismSplit(ind, request.horizon, "bootstrap", n, total, rows, tuple(active), runs)
