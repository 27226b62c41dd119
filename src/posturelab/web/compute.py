"""The work of one API job: an ensemble, a comparison or a claims evaluation, written to disk.

Each kind writes the same result directory the command line writes (``run``, ``compare``,
``claims``) under the server's runs directory and registers it in the catalogue. A scenario sent
as text is kept as ``scenarios/SHA256.yaml`` in the runs directory, so that a report can show it
later. Figures drawn for the client are kept as SVG text in the job's result.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from posturelab.engine.run import RunOptions
from posturelab.scenario.loader import LoadedScenario
from posturelab.scenario.schema import LeverValue
from posturelab.store import catalogue, rundir

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SCENARIO_COPIES = "scenarios"

JobKind = Literal["run", "compare", "claims"]


@dataclass(frozen=True)
class JobRequest:
    """A validated job request: the scenario, lever settings and ensemble options."""

    kind: JobKind
    loaded: LoadedScenario
    levers: dict[str, LeverValue]
    levers_b: dict[str, LeverValue]
    options: RunOptions
    claims: list[str] | None = None


def keep_scenario_text(runs_dir: Path, text: str, sha256: str) -> Path:
    """Store an uploaded scenario's text under the runs directory, named by its hash."""
    folder = runs_dir / SCENARIO_COPIES
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{sha256}.yaml"
    if not path.exists():
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
    request: JobRequest, runs_dir: Path, advance: Callable[[int], None], draw_lock: threading.Lock
) -> dict[str, Any]:
    """Compute a job and return its result (``summary``, ``series``, ``figures``, ``run_id``)."""
    loaded = request.loaded
    if loaded.origin.startswith("<upload"):
        keep_scenario_text(runs_dir, loaded.text, loaded.sha256)
    if request.kind == "run":
        return _run(request, runs_dir, advance, draw_lock)
    if request.kind == "compare":
        return _compare(request, runs_dir, advance, draw_lock)
    return _claims(request, runs_dir, advance, draw_lock)


def _run(
    request: JobRequest, runs_dir: Path, advance: Callable[[int], None], draw_lock: threading.Lock
) -> dict[str, Any]:
    from posturelab.engine.blocs import landscape_actors
    from posturelab.engine.indicators import indicator_units
    from posturelab.engine.run import run_ensemble
    from posturelab.report import figures
    from posturelab.web.service import series_quantiles

    loaded = request.loaded
    s = loaded.scenario
    started = time.perf_counter()
    result = run_ensemble(s, request.levers, request.options, progress=advance)
    target = runs_dir / rundir.new_run_id(s.meta.id)
    summary = rundir.write_run(
        target,
        loaded,
        result,
        variant=None,
        elapsed_s=time.perf_counter() - started,
        runner="web",
    )
    run_id = catalogue.register(target, runs_dir)
    units = indicator_units(s)
    svgs: dict[str, str] = {}
    with draw_lock:
        bloc = figures.bloc_diagram(result.dataset, f"{s.meta.id}: alignment", landscape_actors(s))
        if bloc is not None:
            svgs["bloc_diagram.svg"] = svg_of(bloc)
    summary["figures"] = sorted(svgs)
    return {
        "run_id": run_id,
        "summary": summary,
        "series": {"settings": {"run": series_quantiles(result.dataset, units)}},
        "svgs": svgs,
    }


def _compare(
    request: JobRequest, runs_dir: Path, advance: Callable[[int], None], draw_lock: threading.Lock
) -> dict[str, Any]:
    from posturelab.engine.indicators import indicator_units
    from posturelab.explore.compare import compare
    from posturelab.report import results
    from posturelab.web.service import series_quantiles

    loaded = request.loaded
    s = loaded.scenario
    started = time.perf_counter()
    comparison = compare(s, request.levers, request.levers_b, request.options)
    advance(2 * request.options.members)
    target = runs_dir / rundir.new_run_id(f"{s.meta.id}-compare")
    with draw_lock:
        summary = results.write_comparison(
            target,
            loaded,
            comparison,
            elapsed_s=time.perf_counter() - started,
            runs_dir=runs_dir,
        )
    units = indicator_units(s)
    return {
        "run_id": target.name,
        "summary": summary,
        "series": {
            "settings": {
                "A": series_quantiles(comparison.a.dataset, units),
                "B": series_quantiles(comparison.b.dataset, units),
            }
        },
        "svgs": {},
    }


def _claims(
    request: JobRequest, runs_dir: Path, advance: Callable[[int], None], draw_lock: threading.Lock
) -> dict[str, Any]:
    from posturelab.engine.run import uncertain_names
    from posturelab.explore.claims import evaluate_claims
    from posturelab.report import results

    loaded = request.loaded
    s = loaded.scenario
    started = time.perf_counter()
    evaluated = evaluate_claims(s, request.options, request.claims)
    advance(len(evaluated))
    target = runs_dir / rundir.new_run_id(f"{s.meta.id}-claims")
    with draw_lock:
        summary = results.write_claims(
            target,
            loaded,
            evaluated,
            request.options,
            uncertain_names(s),
            elapsed_s=time.perf_counter() - started,
            runs_dir=runs_dir,
        )
    return {"run_id": target.name, "summary": summary, "series": None, "svgs": {}}
