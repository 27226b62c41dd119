"""Result directories of the analysis commands, written atomically and then catalogued.

Every analysis (compare, claims, sensitivity, discover) writes one directory like a run's
(DESIGN section 7): ``manifest.json`` (``kind`` says which analysis; seed, members, scenario
hash, levers), ``summary.json`` (the numbers the command prints), a Parquet table of per-member
values where there is one, and its figures as PNG and SVG. The directory is assembled in a hidden
staging directory (:func:`posturelab.store.rundir.staging`) and registered in the runs
directory's catalogue (:mod:`posturelab.store.catalogue`) only once it is in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from posturelab.engine.indicators import indicator_units
from posturelab.engine.run import RunOptions
from posturelab.explore.claims import ClaimResult
from posturelab.explore.compare import Comparison, lever_changes
from posturelab.explore.discover import Discovery
from posturelab.explore.outcomes import member_values, parameter_matrix
from posturelab.explore.sensitivity import SensitivityResult
from posturelab.report import figures
from posturelab.scenario.loader import LoadedScenario
from posturelab.scenario.schema import LeverValue
from posturelab.store import catalogue, rundir


def _manifest(
    loaded: LoadedScenario,
    kind: str,
    options: RunOptions,
    levers: Mapping[str, LeverValue],
    uncertain: tuple[str, ...],
    elapsed_s: float,
    headline: str,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    manifest = rundir.run_manifest(
        loaded,
        levers=levers,
        options=options,
        uncertain=uncertain,
        variant=None,
        runner="sequential",
        elapsed_s=elapsed_s,
        kind=kind,
    )
    manifest["headline"] = headline
    manifest.update(extra or {})
    return manifest


def _calibrated(calibration: Mapping[str, Any] | None) -> dict[str, Any]:
    """The manifest entry of the calibration an analysis ran on (nothing without one)."""
    return {} if calibration is None else {"calibration": dict(calibration)}


def _table(path: Path, columns: Mapping[str, np.ndarray]) -> None:
    pq.write_table(
        pa.table({k: pa.array(np.asarray(v, dtype=np.float64)) for k, v in columns.items()}),
        path,
    )


_TARGETS = {
    "holds": "the claim holds",
    "large_effect": "the effect is largest (top quarter of members)",
}


def _actors(loaded: LoadedScenario) -> tuple[str, ...]:
    from posturelab.engine.blocs import landscape_actors

    return landscape_actors(loaded.scenario)


def _finish(target: Path, runs_dir: Path | None) -> None:
    catalogue.register(target, runs_dir if runs_dir is not None else target.parent)


def write_comparison(
    target: Path,
    loaded: LoadedScenario,
    comparison: Comparison,
    *,
    elapsed_s: float,
    runs_dir: Path | None = None,
    draw: bool = True,
    calibration: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write a comparison's directory and return its summary."""
    a, b = comparison.a, comparison.b
    changes = lever_changes(a.levers, b.levers)
    summary = {
        "scenario": loaded.scenario.meta.id,
        "members": a.options.members,
        "seed": a.options.seed,
        "difference": "A - B",
        "levers": changes,
        "effects": {k: e.as_dict() for k, e in comparison.effects.items()},
        "run_dir": str(target),
    }
    probs = sorted(
        (e for e in comparison.effects.values() if e.kind == "probability"),
        key=lambda e: -abs(e.mean or 0.0),
    )
    headline = ", ".join(
        f"{e.indicator} {100 * (e.mean or 0.0):+.3f} pp ({e.basis})" for e in probs[:2]
    )
    manifest = _manifest(
        loaded,
        "compare",
        a.options,
        a.levers,
        a.uncertain,
        elapsed_s,
        headline,
        {"levers_b": dict(b.levers), **_calibrated(calibration)},
    )
    units = indicator_units(loaded.scenario)
    series = [
        n
        for n, ind in comparison.indicators.items()
        if ind.kind == "series" and n in comparison.effects
    ]
    # Series the levers move come first, then the rest in the engine's order.
    series.sort(
        key=lambda n: (
            comparison.effects[n].share_positive == 0 and comparison.effects[n].share_negative == 0
        )
    )
    label_a = "A: " + (", ".join(f"{k}={v['a']}" for k, v in changes.items()) or "same levers")
    label_b = "B: " + (", ".join(f"{k}={v['b']}" for k, v in changes.items()) or "same levers")
    with figures.DRAW_LOCK, rundir.staging(target) as stage:
        columns: dict[str, np.ndarray] = {"member": np.asarray(a.dataset["member"].values)}
        x, names = parameter_matrix(a.dataset)
        for j, name in enumerate(names):
            columns[f"param:{name}"] = x[:, j]
        for name in comparison.effects:
            indicator = comparison.indicators[name]
            va = member_values(a.dataset, indicator).values
            vb = member_values(b.dataset, indicator).values
            columns[f"diff:{name}"] = va - vb
        _table(stage / "effects.parquet", columns)
        files: list[str] = []
        if draw and series:
            fig = figures.fan_chart(
                {label_a[:60]: a.dataset, label_b[:60]: b.dataset},
                series,
                units,
                f"{loaded.scenario.meta.id}: A and B",
            )
            files += figures.save(fig, stage, "fan_chart")
            fig = figures.difference_fan(
                a.dataset, b.dataset, series, units, f"{loaded.scenario.meta.id}: A - B"
            )
            files += figures.save(fig, stage, "difference_fan")
        bloc = (
            figures.bloc_diagram(
                a.dataset, f"{loaded.scenario.meta.id}: alignment under A", _actors(loaded)
            )
            if draw
            else None
        )
        if bloc is not None:
            files += figures.save(bloc, stage, "bloc_diagram")
        summary["figures"] = files
        rundir.write_json(stage / rundir.SUMMARY, summary)
        rundir.write_json(stage / rundir.MANIFEST, manifest)
    _finish(target, runs_dir)
    return summary


def write_claims(
    target: Path,
    loaded: LoadedScenario,
    results: list[ClaimResult],
    options: RunOptions,
    uncertain: tuple[str, ...],
    *,
    elapsed_s: float,
    runs_dir: Path | None = None,
    draw: bool = True,
    calibration: Mapping[str, Any] | None = None,
    claims_file: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Write a claims evaluation's directory and return its summary.

    ``claims_file`` (its ``path`` and ``sha256``) records a file of claims from another analysis
    audited in place of the scenario's own (``posturelab claims --claims FILE``).
    """
    counts: dict[str, int] = {}
    for r in results:
        counts[r.verdict] = counts.get(r.verdict, 0) + 1
    headline = ", ".join(f"{n} {v.replace('_', ' ')}" for v, n in sorted(counts.items()))
    claims = [r.as_dict() for r in results]
    summary = {
        "scenario": loaded.scenario.meta.id,
        "members": options.members,
        "seed": options.seed,
        "verdicts": counts,
        "claims": claims,
        "run_dir": str(target),
    }
    if claims_file is not None:
        summary["claims_file"] = dict(claims_file)
    manifest = _manifest(
        loaded,
        "claims",
        options,
        loaded.scenario.lever_defaults(),
        uncertain,
        elapsed_s,
        headline,
        _calibrated(calibration),
    )
    with figures.DRAW_LOCK, rundir.staging(target) as stage:
        columns: dict[str, np.ndarray] = {"member": np.arange(options.members)}
        for r in results:
            if r.effects is not None and r.effects.size == options.members:
                columns[f"effect:{r.id}"] = r.effects
            if r.holds is not None and r.holds.size == options.members:
                columns[f"holds:{r.id}"] = r.holds.astype(np.float64)
        _table(stage / "members.parquet", columns)
        files: list[str] = []
        if draw:
            files += figures.save(
                figures.claim_intervals(
                    claims,
                    f"{loaded.scenario.meta.id}: claims, {options.members:,} paired members",
                ),
                stage,
                "claim_intervals",
            )
        for r, data in zip(results, claims, strict=True):
            if draw and r.mechanisms:
                from posturelab.report.mechanism_figures import mechanism_waterfall

                files += figures.save(mechanism_waterfall(data), stage, f"mechanisms_{r.id}")
        for r in results:
            if draw and r.prim_result is not None and r.prim_box is not None:
                files += figures.save(
                    figures.prim_box(
                        r.prim_result,
                        r.prim_box,
                        f"{r.id}: where {_TARGETS.get(str(r.drivers.get('target')), 'it holds')}",
                    ),
                    stage,
                    f"prim_box_{r.id}",
                )
        summary["figures"] = files
        if claims_file is not None:
            manifest["claims_file"] = dict(claims_file)
        rundir.write_json(stage / rundir.SUMMARY, summary)
        rundir.write_json(stage / rundir.MANIFEST, manifest)
    _finish(target, runs_dir)
    return summary


def write_sensitivity(
    target: Path,
    loaded: LoadedScenario,
    result: SensitivityResult,
    *,
    indicator: str,
    unit: str,
    options: RunOptions,
    levers: Mapping[str, LeverValue],
    uncertain: tuple[str, ...],
    n: int,
    elapsed_s: float,
    runs_dir: Path | None = None,
    draw: bool = True,
    calibration: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write a sensitivity analysis's directory and return its summary."""
    top = result.rows[0]["parameter"] if result.rows else ""
    headline = f"{result.method} on {indicator}: {top} first"
    summary = {
        "scenario": loaded.scenario.meta.id,
        "indicator": indicator,
        "n": n,
        "seed": options.seed,
        **result.as_dict(),
        "run_dir": str(target),
    }
    manifest = _manifest(
        loaded,
        "sensitivity",
        options,
        levers,
        uncertain,
        elapsed_s,
        headline,
        {"method": result.method, "indicator": indicator, "n": n, **_calibrated(calibration)},
    )
    with figures.DRAW_LOCK, rundir.staging(target) as stage:
        title = f"{loaded.scenario.meta.id}: {indicator}, {result.evaluations:,} evaluations"
        summary["figures"] = []
        if draw and result.method == "sobol":
            fig = figures.sobol_bars(result.rows, f"Sobol' indices, {title}")
            summary["figures"] = figures.save(fig, stage, "sobol_bars")
        elif draw:
            fig = figures.morris_bars(result.rows, f"Morris screening, {title}", unit)
            summary["figures"] = figures.save(fig, stage, "morris_bars")
        rundir.write_json(stage / rundir.SUMMARY, summary)
        rundir.write_json(stage / rundir.MANIFEST, manifest)
    _finish(target, runs_dir)
    return summary


def write_discovery(
    target: Path,
    loaded: LoadedScenario,
    discovery: Discovery,
    *,
    options: RunOptions,
    levers: Mapping[str, LeverValue],
    uncertain: tuple[str, ...],
    elapsed_s: float,
    runs_dir: Path | None = None,
    draw: bool = True,
    x: np.ndarray | None = None,
    names: list[str] | None = None,
    calibration: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write a scenario discovery's directory and return its summary."""
    payload = discovery.as_dict()
    box = payload["box"]
    headline = f"{payload['where']}: {payload['cases']} of {payload['members']} members"
    if box:
        headline += f"; box of {len(box['limits'])} limits, density {box['density']:.0%}"
    summary = {
        "scenario": loaded.scenario.meta.id,
        "seed": options.seed,
        **payload,
        "run_dir": str(target),
    }
    manifest = _manifest(
        loaded,
        "discover",
        options,
        levers,
        uncertain,
        elapsed_s,
        headline,
        {"where": payload["where"], **_calibrated(calibration)},
    )
    with figures.DRAW_LOCK, rundir.staging(target) as stage:
        columns: dict[str, np.ndarray] = {
            "member": np.arange(discovery.flag.size),
            "case": discovery.flag.astype(np.float64),
        }
        if x is not None and names is not None:
            for j, name in enumerate(names):
                columns[f"param:{name}"] = x[:, j]
        _table(stage / "members.parquet", columns)
        files: list[str] = []
        if draw and discovery.prim_result is not None and discovery.box is not None:
            title = f"{loaded.scenario.meta.id}: {payload['where']}"
            files += figures.save(
                figures.prim_tradeoff(
                    discovery.prim_result, discovery.box, f"PRIM trade-off, {title}"
                ),
                stage,
                "prim_tradeoff",
            )
            files += figures.save(
                figures.prim_box(discovery.prim_result, discovery.box, f"PRIM box, {title}"),
                stage,
                "prim_box",
            )
        summary["figures"] = files
        rundir.write_json(stage / rundir.SUMMARY, summary)
        rundir.write_json(stage / rundir.MANIFEST, manifest)
    _finish(target, runs_dir)
    return summary
