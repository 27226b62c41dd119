"""The HTTP API and the dashboard's static files (FastAPI).

:func:`create_app` builds the application from :class:`WebSettings`; its state is the
:class:`~posturelab.web.jobs.JobRegistry` it creates and a cache of the built-in scenarios it has
validated (package data, so they cannot change while it runs). Every endpoint lives under ``/api``
(the OpenAPI document is ``/openapi.json``, browsable at ``/docs``); the dashboard is ``/`` with
its scripts and style under ``/static``, served from the package.

Rules the API keeps:

- a client names a built-in scenario id or sends scenario text; never a server file path; run ids
  are looked up in the catalogue, figure names in the run's own list of figures, and calibration
  ids among the files of ``RUNS_DIR/calibrations`` (:mod:`posturelab.web.calibration_routes`);
- lever values are checked by the same rules as ``--set LEVER=VALUE``;
- every error, whatever its status (400, 404, 405, 409, 413, 422, 429, 500), answers with one
  JSON :class:`ErrorBody`: ``detail`` and a non-empty ``problems`` list (file, line, column,
  path and message each; ``file`` is ``<request>`` for a problem with the request itself);
  error bodies are ASCII JSON, so text a client sent (a lone surrogate included) cannot break
  them;
- limits answer with a 4xx status: a body over ``max_body_bytes`` (413), an ensemble over
  ``max_members`` (400), more jobs than the pool and its queue hold (429);
- scenario and lever problems answer 400 with ``problems``; a body that does not match its
  schema, or is not JSON at all, answers 422 in the same form;
- a request whose ``Host`` header names none of ``allowed_hosts`` answers 400 (a page that
  rebinds its own DNS name to this machine cannot reach the API);
- responses name run directories relative to the runs directory, never by a server path.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from posturelab.api.inputs import with_structure
from posturelab.engine.run import RunOptions
from posturelab.errors import InputError, ScenarioError
from posturelab.scenario.loader import LoadedScenario, builtin_ids, load_scenario
from posturelab.store import catalogue
from posturelab.store.diskio import StorageError
from posturelab.version import package_version
from posturelab.web import service
from posturelab.web.audit_routes import add_audit_routes
from posturelab.web.bodies import ErrorBody, JobBody, ScenarioRef, ScenarioText
from posturelab.web.calibration_routes import add_routes, job_design
from posturelab.web.calibrations import CalibrationStore
from posturelab.web.guards import (
    REQUEST,
    ApiError,
    BodyLimit,
    ErrorResponse,
    HostGuard,
    error_response,
    public_paths,
)
from posturelab.web.jobs import Job, JobRegistry, JobRequest, JobResult, QueueFullError

STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class WebSettings:
    """The server's settings and limits.

    Attributes
    ----------
    runs_dir
        Result directories and the catalogue.
    max_workers
        Jobs computed at the same time.
    max_queue
        Jobs that may wait for a worker.
    max_members
        Largest ensemble a job may ask for.
    max_body_bytes
        Largest request body accepted.
    allowed_hosts
        Names the ``Host`` header may carry (any port); ``"*"`` allows every name.
    max_runs_bytes
        Bytes the runs directory may hold before jobs are refused (``None``: no limit).
    """

    runs_dir: Path = Path("runs")
    max_workers: int = 2
    max_queue: int = 8
    max_members: int = 20_000
    max_body_bytes: int = 1_000_000
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")
    max_runs_bytes: int | None = None

    def __post_init__(self) -> None:
        for name in ("max_workers", "max_members", "max_body_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.max_queue < 0:
            raise ValueError(f"max_queue must be >= 0, got {self.max_queue}")


_ERROR_TEXTS = {
    400: "A scenario, lever, claim or calibration problem (located), or a Host not allowed.",
    404: "No such scenario, job, run, figure or calibration.",
    405: "The path does not take this method.",
    409: "The job has not finished, failed or was cancelled; or it had finished before a cancel.",
    413: "The request body is over the limit.",
    422: "The request does not match its schema, or its body is not JSON.",
    429: "Too many jobs queued or running.",
}
# Errors are JSON even where the success is HTML, SVG or YAML.
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {
        "model": ErrorBody,
        "description": text,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }
    for status, text in _ERROR_TEXTS.items()
}


# ---------------------------------------------------------------------------------- the app
def _problems(error: InputError, status: int = 400) -> ErrorResponse:
    return error_response(status, str(error), [p.as_dict() for p in error.problems])


def _job_or_404(registry: JobRegistry, job_id: str) -> Job:
    job = registry.get(job_id)
    if job is None:
        raise HTTPException(404, f"no job {job_id!r}")
    return job


def _finished(job: Job) -> JobResult:
    if job.status in ("failed", "cancelled"):
        raise HTTPException(409, f"job {job.id} {job.status}: {job.error or 'by its client'}")
    if job.status != "done" or job.result is None:
        raise HTTPException(409, f"job {job.id} is {job.status}; poll /api/jobs/{job.id}")
    return job.result


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """Build the API and dashboard application.

    Parameters
    ----------
    settings
        Limits and the runs directory; defaults to :class:`WebSettings`.
    """
    cfg = settings or WebSettings()
    registry = JobRegistry(
        cfg.runs_dir, cfg.max_workers, cfg.max_queue, runs_budget=cfg.max_runs_bytes
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        registry.shutdown()

    app = FastAPI(
        title="posturelab",
        version=package_version(),
        description="Scenarios, ensembles, comparisons and claims of posturelab over HTTP.",
        lifespan=lifespan,
        responses=ERRORS,
    )
    app.state.registry = registry
    app.state.settings = cfg
    store = CalibrationStore(cfg.runs_dir)
    add_routes(app, store, registry)
    add_audit_routes(app, registry)
    # Built-in scenarios are package data: validated once per application, then reused.
    builtins: dict[str, LoadedScenario] = {}
    details: dict[str, dict[str, Any]] = {}

    def builtin(ident: str) -> LoadedScenario:
        if ident not in builtins:
            builtins[ident] = load_scenario(ident)
        return builtins[ident]

    def resolve(scenario_id: str | None, text: str | None) -> LoadedScenario:
        if text is None and scenario_id in builtin_ids():
            return builtin(scenario_id)
        return service.resolve_scenario(scenario_id, text)

    @app.exception_handler(InputError)
    async def input_error(request: Request, error: InputError) -> JSONResponse:
        return _problems(error)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError) -> JSONResponse:
        return error_response(error.status, error.detail, path=error.path)

    @app.exception_handler(StorageError)
    async def storage_error(request: Request, error: StorageError) -> JSONResponse:
        # A full disk or a catalogue held by another program: the service is unavailable.
        return JSONResponse({"detail": str(error), "problems": []}, status_code=503)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        headers = error.headers
        if error.status_code == 405:
            # Starlette names the methods of one route only; name those of every route here.
            methods: set[str] = set()
            for route in app.routes:
                if isinstance(route, APIRoute) and route.path_regex.match(request.url.path):
                    methods |= route.methods or set()
            headers = {"Allow": ", ".join(sorted(methods))}
        detail = error.detail if isinstance(error.detail, str) else str(error.detail)
        if error.status_code == 400 and "parsing the body" in detail:
            return error_response(422, f"the body is not valid JSON: {detail}", path="body")
        return error_response(error.status_code, detail, headers=headers)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, error: Exception) -> JSONResponse:
        return error_response(500, f"internal error: {type(error).__name__}")

    @app.exception_handler(RequestValidationError)
    async def schema_error(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "file": REQUEST,
                "line": None,
                "column": None,
                "path": ".".join(str(part) for part in e.get("loc", ())),
                "message": str(e.get("msg", "")),
            }
            for e in error.errors()
        ]
        shown = "; ".join(f"{p['path']}: {p['message']}" for p in problems)
        return error_response(422, shown or "the request does not match its schema", problems)

    # ---- scenarios
    @app.get("/api/health")
    def health() -> dict[str, Any]:
        """Liveness, version, and the server's limits."""
        return {
            "status": "ok",
            "version": package_version(),
            "limits": {
                "max_members": cfg.max_members,
                "max_body_bytes": cfg.max_body_bytes,
                "max_workers": cfg.max_workers,
                "max_queue": cfg.max_queue,
            },
            "active_jobs": registry.active(),
        }

    # HEAD answers as GET without the body (monitors probe with it).
    app.head("/api/health", include_in_schema=False)(health)

    @app.get("/api/scenarios")
    def list_scenarios() -> list[dict[str, Any]]:
        """The built-in scenarios: id, title, period."""
        out = []
        for ident in builtin_ids():
            s = builtin(ident).scenario
            out.append(
                {"id": ident, "title": s.meta.title, "start": s.meta.start, "end": s.meta.end}
            )
        return out

    @app.get("/api/scenarios/{scenario_id}")
    def get_scenario(scenario_id: str) -> dict[str, Any]:
        """One built-in scenario: levers with their domains, claims, indicators, variants."""
        if scenario_id not in builtin_ids():
            raise HTTPException(404, f"no built-in scenario {scenario_id!r}")
        return details.setdefault(scenario_id, service.scenario_detail(builtin(scenario_id)))

    @app.get("/api/scenarios/{scenario_id}/text", response_class=Response)
    def get_scenario_text(scenario_id: str) -> Response:
        """A built-in scenario's YAML text (to edit and upload as a new scenario)."""
        if scenario_id not in builtin_ids():
            raise HTTPException(404, f"no built-in scenario {scenario_id!r}")
        return Response(builtin(scenario_id).text, media_type="text/yaml; charset=utf-8")

    @app.post("/api/validate")
    def validate(body: ScenarioText) -> dict[str, Any]:
        """Validate scenario text: ``valid``, located ``problems`` and, if valid, its detail."""
        try:
            loaded = service.resolve_scenario(None, body.text)
        except ScenarioError as error:
            return {"valid": False, "problems": service.problems_json(error), "scenario": None}
        return {"valid": True, "problems": [], "scenario": service.scenario_detail(loaded)}

    @app.post("/api/campaign")
    def campaign(body: ScenarioRef) -> dict[str, Any]:
        """The campaign trace of the scenario's ADM contest, with the given levers."""
        loaded = resolve(body.scenario, body.text)
        levers = service.lever_values(loaded.scenario, body.levers, body.variant)
        return service.campaign_trace(loaded, levers)

    @app.post("/api/map")
    def scenario_map(body: ScenarioRef) -> dict[str, Any]:
        """The scenario's located places and forces as an SVG map (``svg`` is null if none)."""
        return {"svg": service.scenario_map(resolve(body.scenario, body.text).scenario)}

    # ---- jobs
    @app.post("/api/jobs", status_code=202)
    def start_job(body: JobBody) -> dict[str, Any]:
        """Queue a run, comparison, claims or targets job; poll ``/api/jobs/{id}``."""
        loaded = resolve(body.scenario, body.text)
        calibration, members = job_design(store, body, loaded, cfg.max_members)
        s = loaded.scenario
        levers = service.lever_values(s, body.levers, body.variant)
        levers_b = service.lever_values(s, body.levers_b, body.variant_b, option="levers_b")
        with_structure(loaded, body.structure)  # refuses an undeclared relation or form
        if body.kind == "claims":
            known = [c.id for c in s.claims]
            unknown = [c for c in body.claims or [] if c not in known]
            if not known or unknown:
                raise ApiError(
                    400,
                    f"unknown claim {unknown[0]!r} (claims: {', '.join(known)})"
                    if unknown
                    else "the scenario has no claims",
                    path="claims",
                )
        request = JobRequest(
            body.kind,
            loaded,
            levers,
            levers_b,
            RunOptions(members=members, seed=body.seed),
            body.claims,
            calibration,
            dict(body.structure),
            body.mechanisms,
        )
        try:
            job = registry.submit(request)
        except QueueFullError as error:
            raise HTTPException(429, str(error)) from None
        return job.status_dict()

    @app.get("/api/jobs")
    def list_jobs() -> list[dict[str, Any]]:
        """The jobs this server remembers, newest first."""
        return [j.status_dict() for j in registry.all_jobs()]

    @app.get("/api/jobs/{job_id}")
    def job_status(job_id: str) -> dict[str, Any]:
        """A job's status and progress (members done of total)."""
        return _job_or_404(registry, job_id).status_dict()

    @app.post("/api/jobs/{job_id}/cancel", status_code=202)
    def cancel_job(job_id: str) -> dict[str, Any]:
        """Cancel a queued or running job: its status becomes ``cancelled`` once it stops.

        A queued job is cancelled at once; a running run stops after its current chunk. A job
        that has already finished answers 409; cancelling a cancelled job again answers 202.
        """
        job = registry.cancel(job_id)
        if job is None:
            raise HTTPException(404, f"no job {job_id!r}")
        if job.status in ("done", "failed"):
            raise HTTPException(409, f"job {job_id} has already finished ({job.status})")
        return job.status_dict()

    @app.get("/api/jobs/{job_id}/summary")
    def job_summary(job_id: str) -> dict[str, Any]:
        """A finished job's summary (as in its result directory's ``summary.json``)."""
        summary = _finished(_job_or_404(registry, job_id)).summary()
        return dict(public_paths(summary, cfg.runs_dir))

    @app.get("/api/jobs/{job_id}/series")
    def job_series(job_id: str) -> dict[str, Any]:
        """Quantiles over members per month (5%, 50%, 95%) of every series, per setting."""
        result = _finished(_job_or_404(registry, job_id))
        if result.series is None:
            raise HTTPException(404, f"a {_job_or_404(registry, job_id).kind} job has no series")
        return {"settings": {name: q.to_json() for name, q in result.series.items()}}

    @app.get("/api/jobs/{job_id}/figures")
    def job_figures(job_id: str) -> list[str]:
        """Names of a finished job's figures."""
        result = _finished(_job_or_404(registry, job_id))
        return result.figures

    @app.get("/api/jobs/{job_id}/figures/{name}", response_class=Response)
    def job_figure(job_id: str, name: str) -> Response:
        """One figure of a finished job (SVG or PNG)."""
        result = _finished(_job_or_404(registry, job_id))
        if name in result.svgs:
            return Response(result.svgs[name], media_type="image/svg+xml")
        return _figure_file(cfg.runs_dir, str(result.run_id), name)

    # ---- catalogue
    @app.get("/api/runs")
    def list_runs(kind: str | None = None, scenario: str | None = None) -> list[dict[str, Any]]:
        """The catalogue of finished runs and analyses, newest first."""
        rows = catalogue.list_runs(cfg.runs_dir, kind=kind, scenario=scenario)
        return [{k: v for k, v in r.items() if k != "path"} for r in rows]

    @app.get("/api/runs/{run_id}")
    def get_run(run_id: str) -> dict[str, Any]:
        """One catalogued run: its row, manifest and summary."""
        row = _catalogued(cfg.runs_dir, run_id)
        return dict(public_paths({k: v for k, v in row.items() if k != "path"}, cfg.runs_dir))

    @app.get("/api/runs/{run_id}/series")
    def run_series(run_id: str) -> dict[str, Any]:
        """Quantiles over members per month of a catalogued run's series (as for a job)."""
        import xarray as xr

        from posturelab.engine.indicators import indicator_units
        from posturelab.report.html import find_scenario

        row = _catalogued(cfg.runs_dir, run_id)
        path = Path(row["path"]) / "series.nc"
        if row["kind"] != "run" or not path.is_file():
            raise HTTPException(404, f"run {run_id!r} is a {row['kind']} with no series file")
        with xr.open_dataset(path, engine="h5netcdf") as opened:
            dataset = opened.load()
        loaded = find_scenario(row.get("manifest") or {}, cfg.runs_dir)
        units = {} if loaded is None else indicator_units(loaded.scenario)
        return {"settings": {"run": service.series_quantiles(dataset, units).to_json()}}

    @app.get("/api/runs/{run_id}/figures/{name}", response_class=Response)
    def run_figure(run_id: str, name: str) -> Response:
        """One figure of a catalogued run, by a name its summary lists."""
        return _figure_file(cfg.runs_dir, run_id, name)

    @app.get("/api/runs/{run_id}/report", response_class=HTMLResponse)
    def run_report(run_id: str) -> HTMLResponse:
        """The self-contained HTML report of a catalogued run."""
        from posturelab.report.html import build_report

        row = _catalogued(cfg.runs_dir, run_id)
        manifest = row.get("manifest") or {}
        if manifest.get("calibration"):  # the calibration file by its public name
            calibration = public_paths(manifest["calibration"], cfg.runs_dir)
            row = {**row, "manifest": {**manifest, "calibration": calibration}}
        return HTMLResponse(build_report(row, cfg.runs_dir))

    # ---- dashboard
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> HTMLResponse:
        return HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"))

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(BodyLimit, limit=cfg.max_body_bytes)
    app.add_middleware(HostGuard, allowed=cfg.allowed_hosts)
    return app


def _catalogued(runs_dir: Path, run_id: str) -> dict[str, Any]:
    """A run's catalogue row, looked up by its exact id."""
    if not any(r["id"] == run_id for r in catalogue.list_runs(runs_dir)):
        raise HTTPException(404, f"no run {run_id!r} in the catalogue")
    row: dict[str, Any] = catalogue.get_run(runs_dir, run_id)
    return row


def _figure_file(runs_dir: Path, run_id: str, name: str) -> FileResponse:
    row = _catalogued(runs_dir, run_id)
    names = (row.get("summary") or {}).get("figures") or []
    if name not in names:
        raise HTTPException(404, f"run {run_id!r} has no figure {name!r} (figures: {names})")
    media = "image/svg+xml" if name.endswith(".svg") else "image/png"
    return FileResponse(Path(row["path"]) / name, media_type=media)
