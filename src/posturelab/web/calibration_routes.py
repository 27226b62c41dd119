"""The API's calibration and targets endpoints.

- ``GET /api/calibrations`` lists the calibration files of the server
  (:class:`~posturelab.web.calibrations.CalibrationStore`), optionally of one scenario;
  ``GET /api/calibrations/{id}`` gives one; ``POST /api/calibrations`` uploads one (checked, stored
  by its hash, 201 when new and 200 when the same content is already stored);
- a job (``POST /api/jobs``) names a calibration by ``calibration: ID``; it runs on the NROY
  members, as ``--calibration FILE`` does, and its status and summary name the calibration and the
  SHA-256 of its file;
- ``GET /api/jobs/{id}/targets`` gives a finished targets job's table: what
  ``posturelab targets --json`` prints for the same scenario, members, seed and calibration.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Response
from pydantic import BaseModel, ConfigDict, Field

from posturelab.scenario.loader import LoadedScenario
from posturelab.web.calibrations import CalibrationStore, StoredCalibration
from posturelab.web.guards import ApiError
from posturelab.web.jobs import JobRegistry


class CalibrationUpload(BaseModel):
    """A calibration file's content, as ``posturelab calibrate`` wrote it."""

    model_config = ConfigDict(extra="forbid")
    content: dict[str, Any] = Field(description="The calibration file's JSON object.")


JOB_MEMBERS = 200
"""A job's ensemble size when it names neither ``members`` nor a calibration."""


def job_design(
    store: CalibrationStore, body: Any, loaded: LoadedScenario, max_members: int
) -> tuple[StoredCalibration | None, int]:
    """The calibration a job names (``None``: the prior) and its ensemble size.

    Without ``members`` a job runs on every NROY member of its calibration, or on
    :data:`JOB_MEMBERS` without one (as ``--calibration`` without ``--members`` does).

    Raises
    ------
    HTTPException
        404 when there is no calibration with this id.
    ApiError
        400 when the size is over ``max_members``, or a targets job's scenario has no targets.
    InputError
        When the id is malformed, or the calibration was made for another scenario text.
    """
    calibration = None
    if body.calibration is not None:
        try:
            calibration = store.for_scenario(body.calibration, loaded, "calibration")
        except LookupError as error:
            raise HTTPException(404, str(error.args[0])) from None
    members = body.members or (JOB_MEMBERS if calibration is None else calibration.nroy_members)
    if members > max_members:
        raise ApiError(
            400,
            f"members must be at most {max_members} on this server, got {members}",
            path="members",
        )
    if body.kind == "targets" and not loaded.scenario.targets:
        raise ApiError(400, "the scenario has no targets", path="kind")
    return calibration, members


def add_routes(app: FastAPI, store: CalibrationStore, registry: JobRegistry) -> None:
    """Add the calibration endpoints and the targets table of a job to ``app``."""

    @app.get("/api/calibrations")
    def list_calibrations(scenario: str | None = None) -> list[dict[str, Any]]:
        """The calibration files of the server (of one scenario id): id, sha256, members."""
        return [c.to_json() for c in store.list() if scenario is None or c.scenario == scenario]

    @app.get("/api/calibrations/{calibration_id}")
    def get_calibration(calibration_id: str) -> dict[str, Any]:
        """One calibration file of the server, by id."""
        try:
            return store.get(calibration_id, "calibration_id").to_json()
        except LookupError as error:
            raise HTTPException(404, str(error.args[0])) from None

    @app.post(
        "/api/calibrations",
        status_code=201,
        responses={200: {"description": "The same content is already stored."}},
    )
    def upload_calibration(body: CalibrationUpload, response: Response) -> dict[str, Any]:
        """Store a calibration file's content; answer its id and sha256 (201 new, 200 known)."""
        entry, new = store.add(body.content)
        if not new:
            response.status_code = 200
        return {**entry.to_json(), "new": new}

    @app.get("/api/jobs/{job_id}/targets")
    def job_targets(job_id: str) -> dict[str, Any]:
        """A finished targets job's table, as ``posturelab targets --json`` prints it.

        Per target: the published figure, the model's median and 90% interval, the
        implausibility and the status.
        """
        job = registry.get(job_id)
        if job is None:
            raise HTTPException(404, f"no job {job_id!r}")
        if job.kind != "targets":
            raise HTTPException(404, f"a {job.kind} job has no targets table")
        if job.status == "failed":
            raise HTTPException(409, f"job {job.id} failed: {job.error}")
        if job.status != "done" or job.result is None or job.result.document is None:
            raise HTTPException(409, f"job {job.id} is {job.status}; poll /api/jobs/{job.id}")
        return {**job.result.document, "calibration_used": job.calibration}
