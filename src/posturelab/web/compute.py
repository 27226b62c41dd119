"""The work of one API job: a run, a comparison, a claims or a targets evaluation.

Each kind calls :mod:`posturelab.api` exactly as the command line does (a run through the durable
runner to its run directory; an analysis to its result directory), under the server's runs
directory, registered in its catalogue. A scenario sent as text is kept as
``scenarios/SHA256.yaml`` in the runs directory, so that a report can show it later. Figures
drawn for the client are kept as SVG text in the job's result.

A job given a calibration (a file of the server's
:class:`~posturelab.web.calibrations.CalibrationStore`) runs on its NROY members exactly as
``--calibration FILE`` does on the command line; its result names the calibration's id and the
SHA-256 of its file. A targets job computes what ``posturelab targets --json`` prints
(:func:`posturelab.explore.targets.targets_json`) and draws the range-against-interval figure.

This module knows nothing of the job queue (:mod:`posturelab.web.jobs` imports it, never the
other way round).

The runs directory may have a byte budget: a job is refused before it computes when the
directory is already over it, and a run before it computes when its files would take it over
(:func:`posturelab.store.diskio.ensure_budget`); a full disk fails the job with a
:class:`~posturelab.store.diskio.StorageError` and leaves the server running.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from posturelab.engine.run import RunOptions
from posturelab.scenario.loader import LoadedScenario
from posturelab.scenario.schema import LeverValue
from posturelab.store import diskio
from posturelab.store.outputs import output_bytes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from posturelab.api import ClaimsResult, Comparison, Ensemble
    from posturelab.web.calibrations import StoredCalibration
    from posturelab.web.service import SeriesQuantiles

SCENARIO_COPIES = "scenarios"
RUNNER = "sequential"
"""Jobs run in the server's worker threads, each in its own thread (no process pool per job)."""

JobKind = Literal["run", "compare", "claims", "targets"]


@dataclass(frozen=True)
class JobRequest:
    """A validated job request: the scenario, lever settings and ensemble options."""

    kind: JobKind
    loaded: LoadedScenario
    levers: dict[str, LeverValue]
    levers_b: dict[str, LeverValue]
    options: RunOptions
    claims: list[str] | None = None
    calibration: StoredCalibration | None = None
    structure: dict[str, str] = field(default_factory=dict)
    """Relations fixed to one of their declared forms."""
    mechanisms: bool = False
    """Claims: also split each claim's effect by mechanism."""

    def calibration_json(self) -> dict[str, Any] | None:
        """The calibration the job runs on, as its answers name it (``None``: the prior)."""
        if self.calibration is None:
            return None
        return {
            **self.calibration.to_json(),
            "members_used": self.options.members,
        }


@dataclass(frozen=True)
class JobResult:
    """What a finished job keeps for its client.

    Attributes
    ----------
    run_id
        The run or result directory's id in the catalogue.
    analysis
        The service's result (an ensemble, a comparison or a claims evaluation).
    series
        Setting -> quantiles over members per month of every series (runs and comparisons).
    svgs
        Figures drawn for the client, by file name.
    document
        A targets job's table (as ``posturelab targets --json`` prints it).
    calibration
        The calibration the job ran on (id, file, sha256, members), or ``None``.
    audit
        A claims job's audit (:func:`posturelab.web.audit.claim_audit`): each claim with its
        source, effect, mechanisms and verdict per structural form; ``None`` for other kinds.
    """

    run_id: str | None
    analysis: Ensemble | Comparison | ClaimsResult | None
    series: Mapping[str, SeriesQuantiles] | None = None
    svgs: Mapping[str, str] = field(default_factory=dict)
    document: Mapping[str, Any] | None = None
    calibration: Mapping[str, Any] | None = None
    audit: Mapping[str, Any] | None = None

    @property
    def figures(self) -> list[str]:
        """Names of every figure: those in the result directory and those drawn for the client."""
        stored = [] if self.analysis is None else self.analysis.to_json().get("figures", [])
        return sorted(set(stored) | set(self.svgs))

    def summary(self) -> dict[str, Any]:
        """The result directory's ``summary.json``, with the names of every figure."""
        document = dict(self.document or {}) if self.analysis is None else self.analysis.to_json()
        document["figures"] = self.figures
        document["calibration"] = None if self.calibration is None else dict(self.calibration)
        return document


def keep_scenario_text(runs_dir: Path, text: str, sha256: str) -> Path:
    """Store an uploaded scenario's text under the runs directory, named by its hash."""
    folder = runs_dir / SCENARIO_COPIES
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{sha256}.yaml"
    if not path.exists():
        with diskio.reported(path):
            path.write_text(text, encoding="utf-8")
    return path


def svg_of(fig: Figure) -> str:
    """The figure as SVG text (the figure is closed)."""
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    return buffer.getvalue()


def run_job(
    request: JobRequest,
    runs_dir: Path,
    advance: Callable[[int], None],
    *,
    budget: int | None = None,
) -> JobResult:
    """Compute a job through the service and return its result.

    Raises
    ------
    StorageError
        When the runs directory is over ``budget`` bytes, a run's files would take it over, or
        the disk is full.
    """
    diskio.ensure_budget(runs_dir, 0, budget)
    loaded = request.loaded
    if loaded.origin.startswith("<upload"):
        keep_scenario_text(runs_dir, loaded.text, loaded.sha256)
    if request.kind == "run":
        return dataclasses.replace(
            _run(request, runs_dir, advance, budget), calibration=request.calibration_json()
        )
    if request.kind == "compare":
        result = _compare(request, runs_dir)
    elif request.kind == "claims":
        result = _claims(request, runs_dir)
    else:
        result = _targets(request)
    return dataclasses.replace(result, calibration=request.calibration_json())


def _calibration_path(request: JobRequest) -> Path | None:
    return None if request.calibration is None else request.calibration.path


def _run(
    request: JobRequest,
    runs_dir: Path,
    advance: Callable[[int], None],
    budget: int | None = None,
) -> JobResult:
    from posturelab import api
    from posturelab.engine.blocs import landscape_actors
    from posturelab.engine.compiled import compile_scenario
    from posturelab.report import figures
    from posturelab.web.service import series_quantiles

    s = request.loaded.scenario
    model = compile_scenario(s, request.levers)
    declared = model.indicators()
    series = sum(1 for ind in declared.values() if ind.kind == "series")
    columns = len(declared) - series + len(model.uncertain)
    estimate = output_bytes(request.options.members, model.n_months, series, columns)
    diskio.ensure_budget(runs_dir, estimate, budget)
    ensemble = api.run(
        request.loaded,
        calibration=_calibration_path(request),
        members=request.options.members,
        seed=request.options.seed,
        levers=request.levers,
        runner=RUNNER,
        runs_dir=runs_dir,
        progress=advance,
        structure=request.structure,
    )
    svgs: dict[str, str] = {}
    with figures.DRAW_LOCK:
        bloc = figures.bloc_diagram(
            ensemble.dataset, f"{s.meta.id}: alignment", landscape_actors(s)
        )
        if bloc is not None:
            svgs["bloc_diagram.svg"] = svg_of(bloc)
    return JobResult(
        ensemble.run_id,
        ensemble,
        {"run": series_quantiles(ensemble.dataset, _units(request, ensemble.dataset))},
        svgs,
    )


def _units(request: JobRequest, dataset: Any) -> dict[str, str]:
    from posturelab.engine.indicators import indicator_units

    return indicator_units(request.loaded.scenario)


def _compare(request: JobRequest, runs_dir: Path) -> JobResult:
    from posturelab import api
    from posturelab.web.service import series_quantiles

    comparison = api.compare(
        request.loaded,
        request.levers,
        request.levers_b,
        members=request.options.members,
        seed=request.options.seed,
        runner=RUNNER,
        runs_dir=runs_dir,
        calibration=_calibration_path(request),
        structure=request.structure,
    )
    return JobResult(
        comparison.run_id,
        comparison,
        {
            "A": series_quantiles(comparison.a, _units(request, comparison.a)),
            "B": series_quantiles(comparison.b, _units(request, comparison.b)),
        },
    )


def _claims(request: JobRequest, runs_dir: Path) -> JobResult:
    from posturelab import api
    from posturelab.web.audit import claim_audit

    result = api.claims(
        request.loaded,
        request.claims,
        members=request.options.members,
        seed=request.options.seed,
        runner=RUNNER,
        runs_dir=runs_dir,
        calibration=_calibration_path(request),
        structure=request.structure,
        mechanisms=request.mechanisms,
    )
    audit = claim_audit(request.loaded, result.to_json(), result.run_id)
    return JobResult(result.run_id, result, audit=audit)


def _targets(request: JobRequest) -> JobResult:
    from posturelab.explore.calibration_file import calibrated_design, read_calibration
    from posturelab.explore.targets import evaluate_targets, targets_json
    from posturelab.report import figures
    from posturelab.report.target_figures import target_intervals

    s = request.loaded.scenario
    design = None
    label = None
    if request.calibration is not None:
        data = read_calibration(request.calibration.path, request.loaded)
        design = calibrated_design(data["design"], request.options.members)
        label = (
            f"the NROY members of calibration {request.calibration.id} "
            f"(sha256 {request.calibration.sha256[:12]}...)"
        )
    report = evaluate_targets(s, request.options, design=design, calibration=label)
    with figures.DRAW_LOCK:
        svg = svg_of(target_intervals(report.rows, f"{s.meta.id}: targets"))
    return JobResult(None, None, svgs={"target_intervals.svg": svg}, document=targets_json(report))
