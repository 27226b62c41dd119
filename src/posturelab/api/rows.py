"""Typed rows of the analysis results, read back from the summaries their directories hold.

A face renders these rows (tables, pages); ``to_json()`` of a result gives the same numbers as
the JSON its directory keeps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from posturelab.explore.compare import Effect
from posturelab.scenario.schema import LeverValue

EffectRow = Effect
"""The paired effect on one indicator (:class:`posturelab.explore.compare.Effect`)."""


@dataclass(frozen=True)
class LeverChange:
    """A lever whose value differs between setting A and setting B."""

    lever: str
    a: LeverValue | None
    b: LeverValue | None


@dataclass(frozen=True)
class FeatureScore:
    """How much one parameter matters for a condition (extra-trees importance)."""

    parameter: str
    score: float


@dataclass(frozen=True)
class BoxLimit:
    """One restricted parameter of a PRIM box: ``lower <= parameter <= upper``."""

    parameter: str
    lower: float
    upper: float


@dataclass(frozen=True)
class PrimBox:
    """A PRIM box: its limits, the share of cases it covers, its density and its mass."""

    coverage: float
    density: float
    mass: float
    limits: tuple[BoxLimit, ...]
    index: int | None = None


@dataclass(frozen=True)
class Drivers:
    """What drives a claim: the target explained, the parameters' scores and a PRIM box."""

    target: str | None
    scores: tuple[FeatureScore, ...]
    box: PrimBox | None


@dataclass(frozen=True)
class MechanismRow:
    """One channel's part of a claim's effect (see ``docs/analysis.md``, "Effects by mechanism").

    ``channel`` is a mechanism channel or ``direct`` (what no channel carries); the effect's
    percentiles and mean are in the claim indicator's unit; ``share`` is the mean over the total
    mean effect; ``active`` says whether the channel's terms differ between the two settings.
    """

    channel: str
    description: str
    active: bool
    effect_p05: float | None
    effect_p50: float | None
    effect_p95: float | None
    effect_mean: float | None
    share: float | None


@dataclass(frozen=True)
class ClaimRow:
    """The verdict on one claim (see ``docs/analysis.md``).

    The effect is ``treatment - base`` per member, in absolute terms and relative to the base
    setting's mean; ``material`` is the materiality rule and ``material_band`` the absolute band
    it gives; ``share_holds`` is the share of members where the effect is material in the claimed
    direction; the verdict is ``supported``, ``contradicted``, ``no_material_effect``,
    ``depends`` or ``untestable``.
    """

    id: str
    statement: str
    indicator: str
    direction: str
    horizon: str | None
    material: str
    material_band: float | None
    verdict: str
    reason: str
    basis: str | None
    unit: str
    n: int
    base_mean: float | None
    relative_effect: float | None
    effect_p05: float | None
    effect_p50: float | None
    effect_p95: float | None
    effect_mean: float | None
    share_holds: float | None
    share_opposite: float | None
    share_immaterial: float | None
    outcome_diff: float | None
    outcome_diff_low: float | None
    outcome_diff_high: float | None
    drivers: Drivers
    structure: tuple[dict[str, Any], ...] = ()
    """The verdict under each sampled form of a relation: ``relation``, ``form``, ``weight``,
    ``members``, ``verdict``, ``reason`` and the effect on the members that drew the form."""
    mechanisms: tuple[MechanismRow, ...] = ()
    """The effect split by mechanism (empty unless asked for)."""
    mechanisms_note: str | None = None


@dataclass(frozen=True)
class SensitivityRow:
    """One parameter's sensitivity indices.

    Sobol': ``S1``, ``ST`` and their 95% half-widths; Morris: ``mu_star``, its half-width,
    ``sigma`` and ``mu``. The other method's fields are ``None``.
    """

    parameter: str
    S1: float | None = None
    S1_conf: float | None = None
    ST: float | None = None
    ST_conf: float | None = None
    mu_star: float | None = None
    mu_star_conf: float | None = None
    sigma: float | None = None
    mu: float | None = None


def effect_row(data: Mapping[str, Any]) -> EffectRow:
    """An effect row from its JSON mapping."""
    return Effect(**data)


def scores_of(data: Sequence[Mapping[str, Any]] | None) -> tuple[FeatureScore, ...]:
    """Feature scores from their JSON list."""
    return tuple(FeatureScore(str(d["parameter"]), float(d["score"])) for d in data or [])


def prim_box(data: Mapping[str, Any] | None) -> PrimBox | None:
    """A PRIM box from its JSON mapping (``None`` stays ``None``)."""
    if not data:
        return None
    return PrimBox(
        float(data["coverage"]),
        float(data["density"]),
        float(data["mass"]),
        tuple(
            BoxLimit(str(lim["parameter"]), float(lim["lower"]), float(lim["upper"]))
            for lim in data.get("limits") or []
        ),
        data.get("index"),
    )


def claim_row(data: Mapping[str, Any]) -> ClaimRow:
    """A claim row from its JSON mapping."""
    names = {f.name for f in fields(ClaimRow)} - {"drivers", "mechanisms"}
    drivers = data.get("drivers") or {}
    values: dict[str, Any] = {k: data.get(k) for k in names}
    values["structure"] = tuple(dict(entry) for entry in data.get("structure") or ())
    return ClaimRow(
        **values,
        mechanisms=tuple(MechanismRow(**m) for m in data.get("mechanisms") or ()),
        drivers=Drivers(
            drivers.get("target"),
            scores_of(drivers.get("feature_scores")),
            prim_box(drivers.get("box")),
        ),
    )


def sensitivity_row(data: Mapping[str, Any]) -> SensitivityRow:
    """A sensitivity row from its JSON mapping."""
    names = {f.name for f in fields(SensitivityRow)}
    return SensitivityRow(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class CalibrationUsed:
    """The calibration file an analysis ran on: its NROY members were the design.

    Attributes
    ----------
    file
        The calibration file.
    scenario_sha256, seed
        The scenario text and the seed it was made for.
    nroy_members, members_used
        Members that survived its waves, and members the analysis used (taken in turn).
    """

    file: str
    scenario_sha256: str
    seed: int
    nroy_members: int
    members_used: int


def calibration_used(record: Mapping[str, Any] | None) -> CalibrationUsed | None:
    """The typed form of a manifest's ``calibration`` record (None: the prior was used)."""
    if not record:
        return None
    return CalibrationUsed(
        str(record["file"]),
        str(record["scenario_sha256"]),
        int(record["seed"]),
        int(record["nroy_members"]),
        int(record["members_used"]),
    )
