"""Claims under structural uncertainty: the verdict under each form of a relation.

Where a scenario samples the form of a relation (``structure.<relation>.form``,
:mod:`posturelab.scenario.schema_structure`), every member of an ensemble draws one form, and the
claim's overall verdict is the verdict over the mixture of forms with the stated weights. This
module judges each claim again on the members that drew each form, with the same rules
(:func:`posturelab.explore.claims.evaluate_claim`) and the same members' draws.

Why split the members rather than run each form on all of them: the split needs no further runs
(the base and treatment runs of the claim are reused), the overall verdict and the verdicts by
form come from one and the same ensemble, so the overall effect is exactly the weighted mixture
of the effects by form, and each form is judged on a random sample of the design (the form is
drawn independently of every other number), so its verdict is an unbiased estimate of the
verdict a run fixed to that form would give. The price is fewer members per form (about the
form's weight times the ensemble size); the ``n`` of each entry says how many, and a form with
too few members for a verdict says so (``depends``, "too few"). A run fixed to one form
(``--structure tripwire=flat``) gives that form's verdict on every member.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, Protocol

import numpy as np

from posturelab.engine.run import EnsembleResult, RunOptions
from posturelab.registry import structural_forms
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.schema import Claim, LeverValue, Scenario
from posturelab.scenario.schema_structure import form_parameter

KEPT = (
    "verdict",
    "reason",
    "n",
    "base_mean",
    "relative_effect",
    "effect_p05",
    "effect_p50",
    "effect_p95",
    "effect_mean",
    "share_holds",
    "share_opposite",
)
"""The fields of a claim's result reported for each form."""


class Runs(Protocol):
    """Runs of a scenario keyed by lever setting (the cache claims share)."""

    def get(self, levers: dict[str, LeverValue]) -> EnsembleResult:
        """The ensemble run with ``levers``."""
        ...


class _Subset:
    """The runs of ``runs`` restricted to the members at ``index``."""

    def __init__(self, runs: Runs, index: np.ndarray) -> None:
        self.runs = runs
        self.index = index

    def get(self, levers: dict[str, LeverValue]) -> EnsembleResult:
        full = self.runs.get(levers)
        dataset = full.dataset.isel(member=self.index)
        return replace(full, dataset=dataset)


def sampled_relations(scenario: Scenario) -> list[tuple[str, dict[str, float]]]:
    """The relations whose form the scenario samples, each with its forms' weights."""
    out: list[tuple[str, dict[str, float]]] = []
    for item in scenario.structure:
        weighted = {form.id: form.weight for form in item.forms if form.weight > 0}
        if len(weighted) >= 2:
            out.append((item.id, weighted))
    return out


def member_forms(result: EnsembleResult, relation: str) -> np.ndarray:
    """Each member's form of ``relation`` as its name (from ``param:structure.<r>.form``)."""
    codes = np.asarray(result.dataset[f"param:{form_parameter(relation)}"].values)
    names = np.asarray(structural_forms(relation), dtype=object)
    return np.asarray(names[np.rint(codes).astype(np.int64)])


Evaluate = Callable[[Scenario, Claim, RunOptions, Any], Any]
""":func:`posturelab.explore.claims.evaluate_claim`."""


def by_form(
    scenario: Scenario,
    claims: Sequence[Claim],
    results: Sequence[Any],
    runs: Runs,
    options: RunOptions,
    evaluate: Evaluate,
) -> None:
    """Add to each claim's result its verdict under each sampled form (``result.structure``).

    Each entry of ``result.structure`` names the relation, the form, its stated weight, the
    share of members that drew it and the claim's verdict, reason and effect on those members.
    """
    relations = sampled_relations(scenario)
    if not relations:
        return
    for claim, result in zip(claims, results, strict=True):
        base = runs.get(_base_levers(scenario, claim))
        entries: list[dict[str, Any]] = []
        for relation, weights in relations:
            forms = member_forms(base, relation)
            for form, weight in weights.items():
                index = np.flatnonzero(forms == form)
                entry: dict[str, Any] = {
                    "relation": relation,
                    "form": form,
                    "weight": weight,
                    "members": int(index.size),
                    "member_share": float(index.size / max(forms.size, 1)),
                }
                if index.size == 0:
                    entry.update(verdict="untestable", reason="no member drew this form")
                else:
                    judged = evaluate(scenario, claim, options, _Subset(runs, index))
                    entry.update({name: _plain(getattr(judged, name)) for name in KEPT})
                entries.append(entry)
        result.structure = entries


def _plain(value: Any) -> Any:
    """A float that is not finite as None (JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _base_levers(scenario: Scenario, claim: Claim) -> dict[str, LeverValue]:
    return resolve_levers(scenario, claim.base)


def verdicts_differ(entries: Sequence[dict[str, Any]]) -> bool:
    """Whether the verdict changes with the form in these entries."""
    return len({entry["verdict"] for entry in entries}) > 1
