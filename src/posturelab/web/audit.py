"""The claim audit of a claims job: one row per claim, readable on its own (the dashboard's view).

``GET /api/jobs/{id}/audit`` answers a finished claims job with, for each claim, what a colleague
needs to read it on its own: the statement, who made it and where (the scenario's source with
publisher, title, date and address), the lever settings compared, the verdict and its reason,
the effect in absolute and relative terms with its 5-95% interval over members and the
materiality band, the effect split by mechanism channel when the job asked for it (Shapley
values whose means add up to the total mean effect), the PRIM box when the verdict is
``depends``, and the verdict under each declared form of a relation (its dependence on model
structure). The rows are built from the claims evaluation's ``summary.json`` and the scenario
(:func:`claim_audit`, called when the job finishes); the response models below describe the
endpoint in the OpenAPI document (:mod:`posturelab.web.audit_routes` registers it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field

from posturelab.scenario.loader import LoadedScenario


class AuditSource(BaseModel):
    """Where a claim was made: a source of the scenario's source list."""

    id: str
    publisher: str | None = None
    title: str | None = None
    date: str | None = None
    url: str | None = None


class AuditMechanism(BaseModel):
    """One channel's part of a claim's effect (a Shapley value over the channels)."""

    channel: str
    description: str = ""
    active: bool = Field(description="Whether switching the channel changes any member.")
    effect_mean: float | None = Field(description="The channel's mean effect over members.")
    share: float | None = Field(description="Its share of the total mean effect.")
    effect_p05: float | None = None
    effect_p50: float | None = None
    effect_p95: float | None = None


class AuditForm(BaseModel):
    """The verdict on the members drawn with one form of a relation."""

    relation: str
    form: str
    weight: float | None = None
    members: int | None = None
    verdict: str
    reason: str = ""
    effect_mean: float | None = None
    effect_p05: float | None = None
    effect_p95: float | None = None
    relative_effect: float | None = None


class AuditLimit(BaseModel):
    """One restricted parameter of a PRIM box."""

    parameter: str
    lower: float | None = None
    upper: float | None = None


class AuditConditions(BaseModel):
    """The PRIM box where a ``depends`` claim holds (or its effect is largest)."""

    target: str | None = Field(description="``holds``: where it holds; else the largest effect.")
    coverage: float | None = None
    density: float | None = None
    limits: list[AuditLimit] = Field(default_factory=list)


class AuditClaim(BaseModel):
    """One claim as the audit view shows it."""

    id: str
    statement: str
    by: str | None = Field(description="Who made the claim.")
    source: AuditSource | None = Field(description="Where it was made (None: not in the list).")
    indicator: str
    direction: str
    horizon: str | None = None
    base: dict[str, Any] = Field(default_factory=dict, description="Lever settings of the base.")
    treatment: dict[str, Any] = Field(default_factory=dict, description="Lever settings changed.")
    verdict: str = Field(
        description="supported, contradicted, no_material_effect, depends or untestable."
    )
    reason: str
    unit: str = ""
    n: int = 0
    material: str | None = None
    material_band: float | None = None
    base_mean: float | None = None
    effect_mean: float | None = None
    relative_effect: float | None = None
    effect_p05: float | None = None
    effect_p50: float | None = None
    effect_p95: float | None = None
    share_holds: float | None = None
    conditions: AuditConditions | None = Field(description="The PRIM box of a depends verdict.")
    mechanisms: list[AuditMechanism] | None = Field(
        description="The effect by channel (None: the job did not split it)."
    )
    mechanisms_note: str | None = None
    structure: list[AuditForm] = Field(
        default_factory=list, description="The verdict under each form of a relation."
    )


class ClaimAudit(BaseModel):
    """A claims job's audit: every claim with its provenance, effect, mechanisms and forms."""

    scenario: str
    title: str
    run_id: str | None
    members: int
    seed: int
    verdicts: dict[str, int]
    claims: list[AuditClaim]


def _source(loaded: LoadedScenario, source_id: str) -> dict[str, Any]:
    found = next((s for s in loaded.scenario.sources if s.id == source_id), None)
    if found is None:
        return {"id": source_id}
    return {
        "id": found.id,
        "publisher": found.publisher,
        "title": found.title,
        "date": found.date,
        "url": found.url,
    }


def _conditions(row: Mapping[str, Any]) -> dict[str, Any] | None:
    drivers = row.get("drivers") or {}
    box = drivers.get("box")
    if row.get("verdict") != "depends" or not box:
        return None
    return {
        "target": drivers.get("target"),
        "coverage": box.get("coverage"),
        "density": box.get("density"),
        "limits": list(box.get("limits") or []),
    }


def claim_audit(
    loaded: LoadedScenario, summary: Mapping[str, Any], run_id: str | None
) -> dict[str, Any]:
    """The audit of a claims evaluation's ``summary`` against the scenario it ran on.

    Each row joins the evaluation's row (verdict, effect, mechanisms, forms) with the scenario's
    claim (who made it, its source and the lever settings compared).
    """
    s = loaded.scenario
    declared = {c.id: c for c in s.claims}
    rows = []
    for row in summary.get("claims") or []:
        claim = declared.get(str(row.get("id")))
        keep = (
            "id", "statement", "indicator", "direction", "horizon", "verdict", "reason", "unit",
            "n", "material", "material_band", "base_mean", "effect_mean", "relative_effect",
            "effect_p05", "effect_p50", "effect_p95", "share_holds", "mechanisms",
            "mechanisms_note",
        )  # fmt: skip
        out: dict[str, Any] = {k: row.get(k) for k in keep}
        out["structure"] = list(row.get("structure") or [])
        out["conditions"] = _conditions(row)
        out["by"] = None if claim is None else claim.by
        out["source"] = None if claim is None else _source(loaded, claim.source)
        out["base"] = {} if claim is None else dict(claim.base)
        out["treatment"] = {} if claim is None else dict(claim.treatment)
        rows.append(out)
    return {
        "scenario": s.meta.id,
        "title": s.meta.title,
        "run_id": run_id,
        "members": int(summary.get("members") or 0),
        "seed": int(summary.get("seed") or 0),
        "verdicts": dict(summary.get("verdicts") or {}),
        "claims": rows,
    }
