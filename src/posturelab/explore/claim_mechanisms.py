"""Each claim's effect split by mechanism (:mod:`posturelab.explore.mechanisms`).

Claims that compare the same two lever settings share their runs: each pair of settings is
recorded once and its coalitions run once for all the indicators its claims name. A claim whose
indicator the scenario does not provide gets no split.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor

import numpy as np

from posturelab.engine.indicators import scenario_indicators
from posturelab.engine.run import RunOptions
from posturelab.explore.claims import ClaimResult
from posturelab.explore.mechanisms import MechanismSplit, Request, split_effects
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.schema import Claim, Scenario

_BASIS = {
    "per_member": "percentiles over members of each member's Shapley value",
    "bootstrap": (
        "each run's mean over the members where the indicator applies; percentiles over "
        "bootstrap resamples of those members"
    ),
}


def _key(claim: Claim) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    merged = {**claim.base, **claim.treatment}
    return (
        tuple(sorted((k, repr(v)) for k, v in claim.base.items())),
        tuple(sorted((k, repr(v)) for k, v in merged.items())),
    )


def note(split: MechanismSplit) -> str:
    """One line on how the split was made: the basis, the active channels and the runs."""
    active = ", ".join(split.active) or "none"
    return (
        f"{_BASIS[split.basis]}; {split.n} members; channels whose terms differ between the "
        f"settings: {active}; {split.runs} coalition run(s) of the variant"
    )


def attach_mechanisms(
    scenario: Scenario,
    results: Sequence[ClaimResult],
    options: RunOptions,
    *,
    executor: Executor | None = None,
    design: np.ndarray | None = None,
) -> None:
    """Split each evaluated claim's effect by mechanism and set its ``mechanisms`` rows.

    Parameters
    ----------
    scenario
        The validated scenario the claims belong to.
    results
        Evaluated claims (:func:`posturelab.explore.claims.evaluate_claims`), changed in place.
    options, executor, design
        As for the evaluation, so that the split's total is the claim's paired effect.
    """
    declared = scenario_indicators(scenario)
    claims = {c.id: c for c in scenario.claims}
    groups: dict[object, list[tuple[ClaimResult, Request]]] = {}
    for result in results:
        claim = claims[result.id]
        if claim.indicator not in declared:
            continue
        request = Request(declared[claim.indicator], claim.horizon)
        groups.setdefault(_key(claim), []).append((result, request))
    for members in groups.values():
        claim = claims[members[0][0].id]
        base = resolve_levers(scenario, claim.base)
        variant = resolve_levers(scenario, {**claim.base, **claim.treatment})
        requests = list(dict.fromkeys(r for _, r in members))
        splits = split_effects(
            scenario, base, variant, requests, options, executor=executor, design=design
        )
        by_request = dict(zip(requests, splits, strict=True))
        for result, request in members:
            split = by_request[request]
            result.mechanisms = split.as_list()
            result.mechanisms_note = note(split)
