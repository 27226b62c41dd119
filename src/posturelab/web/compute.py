"""The work of one API job: an ensemble, a comparison or a claims evaluation, written to disk.

Each kind writes the same result directory the command line writes (``run``, ``compare``,
``claims``) under the server's runs directory and registers it in the catalogue. A scenario sent
as text is kept as ``scenarios/SHA256.yaml`` in the runs directory, so that a report can show it
later. Figures drawn for the client are kept as SVG text in the job's result.

The runs directory may have a byte budget: a job is refused before it computes when the
directory is already over it, and a run before it writes when its files would take it over
(:func:`posturelab.store.diskio.ensure_budget`); a full disk fails the job with a
:class:`~posturelab.store.diskio.StorageError` and leaves the server running.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posturelab.store import catalogue, diskio, rundir
from posturelab.store.outputs import output_bytes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from posturelab.web.jobs import JobRequest

SCENARIO_COPIES = "scenarios"


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
    draw_lock: threading.Lock,
    budget: int | None = None,
) -> dict[str, Any]:
    """Compute a job and return its result (``summary``, ``series``, ``figures``, ``run_id``).

    Raises
    ------
    StorageError
        When the runs directory is over ``budget`` bytes or the disk is full.
    """
    diskio.ensure_budget(runs_dir, 0, budget)
    loaded = request.loaded
    if loaded.origin.startswith("<upload"):
        keep_scenario_text(runs_dir, loaded.text, loaded.sha256)
    if request.kind == "run":
        return _run(request, runs_dir, advance, draw_lock, budget)
    if request.kind == "compare":
        return _compare(request, runs_dir, advance, draw_lock)
    return _claims(request, runs_dir, advance, draw_lock)


def _run(
    request: JobRequest,
    runs_dir: Path,
    advance: Callable[[int], None],
    draw_lock: threading.Lock,
    budget: int | None = None,
) -> dict[str, Any]:
    from posturelab.engine.blocs import landscape_actors
    from posturelab.engine.run import run_ensemble
    from posturelab.explore.outcomes import indicator_units
    from posturelab.report import figures
    from posturelab.web.service import series_quantiles

    loaded = request.loaded
    s = loaded.scenario
    started = time.perf_counter()
    result = run_ensemble(s, request.levers, request.options, progress=advance)
    ds = result.dataset
    series = sum(1 for v in ds.data_vars.values() if v.dims == ("member", "month"))
    columns = sum(1 for v in ds.data_vars.values() if v.dims == ("member",))
    estimate = output_bytes(ds.sizes["member"], ds.sizes["month"], series, columns)
    diskio.ensure_budget(runs_dir, estimate, budget)
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
    units = indicator_units(s, result.dataset)
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
    from posturelab.explore.compare import compare
    from posturelab.explore.outcomes import indicator_units
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
    units = indicator_units(s, comparison.a.dataset)
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
