"""The bodies of the HTTP API's requests and error answers (pydantic models).

The OpenAPI document the application serves is generated from these models, so their field
descriptions are the API's reference.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from posturelab.defaults import DEFAULT_SEED

LeverMap = dict[str, float | bool | str]


class ScenarioText(BaseModel):
    """A scenario's YAML text to validate."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(description="The scenario file's text (YAML).")


class ScenarioRef(BaseModel):
    """A built-in scenario id or a scenario's text (exactly one), with lever settings."""

    model_config = ConfigDict(extra="forbid")
    scenario: str | None = Field(default=None, description="A built-in scenario id.")
    text: str | None = Field(default=None, description="A scenario's YAML text.")
    levers: LeverMap = Field(default_factory=dict, description="Lever overrides (setting A).")
    variant: str | None = Field(default=None, description="A named variant of the scenario.")


class JobBody(ScenarioRef):
    """A job: an ensemble (``run``), a comparison A - B, the claims, or the targets table."""

    kind: Literal["run", "compare", "claims", "targets"] = "run"
    levers_b: LeverMap = Field(default_factory=dict, description="Lever overrides of setting B.")
    variant_b: str | None = None
    members: int | None = Field(
        default=None,
        ge=2,
        le=10_000_000,
        description="Ensemble size (default 200, or every NROY member of the calibration).",
    )
    seed: int = Field(default=DEFAULT_SEED, ge=0, le=2**63 - 1)
    claims: list[str] | None = Field(default=None, description="Claim ids (default: all).")
    calibration: str | None = Field(
        default=None, description="A calibration id (GET /api/calibrations): run on its members."
    )
    structure: dict[str, str] = Field(
        default_factory=dict,
        description="Relation -> form: fix a relation to one of the forms the scenario "
        'declares (for example {"tripwire": "flat"}).',
    )
    mechanisms: bool = Field(
        default=False,
        description="Claims: also split each claim's effect among the mechanism channels.",
    )


class ProblemBody(BaseModel):
    """One located problem: file, line, column, field path and message."""

    file: str
    line: int | None = None
    column: int | None = None
    path: str = ""
    message: str


class ErrorBody(BaseModel):
    """Every error answer: a message, and the located problems where there are any."""

    detail: str
    problems: list[ProblemBody] = Field(default_factory=list)
