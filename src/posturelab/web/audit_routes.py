"""The API's claim audit endpoint: ``GET /api/jobs/{id}/audit``.

The rows and their response models are those of :mod:`posturelab.web.audit`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException

from posturelab.web.audit import ClaimAudit
from posturelab.web.jobs import JobRegistry


def add_audit_routes(app: FastAPI, registry: JobRegistry) -> None:
    """Register ``GET /api/jobs/{job_id}/audit`` on ``app``."""

    @app.get("/api/jobs/{job_id}/audit", response_model=ClaimAudit)
    def job_audit(job_id: str) -> dict[str, Any]:
        """A finished claims job's audit, claim by claim.

        Per claim: statement, maker and source, verdict, effect with its interval, mechanisms
        (when split), PRIM box (when it depends) and the verdict under each structural form.
        """
        job = registry.get(job_id)
        if job is None:
            raise HTTPException(404, f"no job {job_id!r}")
        if job.status != "done" or job.result is None:
            raise HTTPException(409, f"job {job_id} is {job.status}, not done")
        if job.result.audit is None:
            raise HTTPException(404, f"a {job.kind} job has no claim audit")
        return dict(job.result.audit)
