"""Run directories, written atomically (DESIGN section 7).

A run directory holds ``manifest.json`` (status, version, scenario hash, seed, members, sampler,
runner, timings, failures), ``series.nc`` (the member x month series, NetCDF-4 through h5netcdf),
``members.parquet`` (sampled parameters and per-member outcomes) and ``summary.json``. Every run,
from any face, is computed chunk by chunk (:mod:`posturelab.runners.durable`) and lives in its
directory while it runs, with ``"status": "running"`` in the manifest; :func:`finish_in_place`
writes its outputs one atomic file at a time, the manifest last. Analysis results are written
into a hidden sibling directory (:func:`staging`) that is renamed into place only when complete,
so an interrupted analysis never leaves a half-written directory under its final name.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import xarray as xr

from posturelab import __version__
from posturelab.engine.indicators import reported_names, scenario_indicators
from posturelab.engine.run import EnsembleResult, RunOptions
from posturelab.engine.summary import summarise
from posturelab.errors import InputError
from posturelab.scenario.loader import LoadedScenario
from posturelab.scenario.schema import LeverValue
from posturelab.store.chunks import atomic_write_json

MANIFEST = "manifest.json"
SERIES = "series.nc"
MEMBERS = "members.parquet"
SUMMARY = "summary.json"


def new_run_id(scenario_id: str) -> str:
    """Return a fresh run id: ``SCENARIO-YYYYmmddTHHMMSS-XXXXXX``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{scenario_id}-{stamp}-{secrets.token_hex(3)}"


def check_target(target: Path) -> None:
    """Refuse a target that exists and is not an empty directory (before any work is done)."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError.single(
            "<command line>",
            f"{target} already exists and is not empty; choose another --out",
            path="--out",
        )


@contextmanager
def staging(target: Path) -> Iterator[Path]:
    """Yield a hidden staging directory that becomes ``target`` when the block succeeds.

    On any exception the staging directory is removed and ``target`` is left untouched.
    """
    check_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = target.parent / f".{target.name}.partial-{secrets.token_hex(4)}"
    stage.mkdir()
    try:
        yield stage
        if target.exists():
            target.rmdir()  # an empty directory the user created for us
        os.replace(stage, target)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def write_json(path: Path, payload: Mapping[str, Any]) -> None:
    """Write ``payload`` as indented JSON (no NaN: missing values are null)."""
    path.write_text(json.dumps(payload, indent=2, allow_nan=False, default=_json_default) + "\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if not np.isfinite(value) else float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def write_series(path: Path, dataset: xr.Dataset, attrs: Mapping[str, str]) -> None:
    """Write the member x month variables of ``dataset`` as NetCDF-4."""
    series = dataset[
        [name for name, var in dataset.data_vars.items() if var.dims == ("member", "month")]
    ]
    series = series.assign_coords(month=series["month"].astype(str))
    series.attrs.update(attrs)
    series.to_netcdf(path, engine="h5netcdf")


def write_members(path: Path, dataset: xr.Dataset) -> None:
    """Write the per-member variables (parameters and scalar outcomes) as Parquet."""
    columns: dict[str, Any] = {
        "member": pa.array(np.asarray(dataset["member"].values, dtype=np.int64))
    }
    for name, var in dataset.data_vars.items():
        if var.dims == ("member",):
            columns[str(name)] = pa.array(np.asarray(var.values, dtype=np.float64))
    pq.write_table(pa.table(columns), path)


def read_summary(run_dir: Path) -> dict[str, Any]:
    """Read a run directory's summary."""
    return dict(json.loads((run_dir / SUMMARY).read_text()))


def reported_indicators(loaded: LoadedScenario, result: EnsembleResult) -> list[str]:
    """The scenario's declared outcomes, or every indicator the engine produced."""
    available = set(map(str, result.dataset.data_vars))
    declared = [o.id for o in loaded.scenario.outcomes]
    names = declared or sorted(reported_names(scenario_indicators(loaded.scenario)))
    return [n for n in names if n in available]


def summary_of(loaded: LoadedScenario, result: EnsembleResult, run_dir: Path) -> dict[str, Any]:
    """The ``summary.json`` payload of a run.

    Each indicator maps to ``{"mean", "p05", "p50", "p95"}``; ``kinds`` gives each indicator's
    kind (see :mod:`posturelab.engine.summary` for what the statistics mean per kind).
    """
    s = loaded.scenario
    names = reported_indicators(loaded, result)
    specs = scenario_indicators(s)
    indicators = summarise(result.dataset, names, specs)
    return {
        "scenario": s.meta.id,
        "members": result.options.members,
        "seed": result.options.seed,
        "sampler": result.options.sampler,
        "start": s.meta.start,
        "end": s.meta.end,
        "levers": result.levers,
        "indicators": indicators,
        "kinds": {name: specs[name].kind for name in indicators},
        "run_dir": str(run_dir),
    }


def run_manifest(
    loaded: LoadedScenario,
    *,
    levers: Mapping[str, LeverValue],
    options: RunOptions,
    uncertain: tuple[str, ...],
    variant: str | None,
    runner: str,
    elapsed_s: float = 0.0,
    kind: str = "run",
    status: str = "complete",
) -> dict[str, Any]:
    """The ``manifest.json`` payload of a run: everything needed to reproduce it.

    ``status`` is ``complete`` for a finished run; a run being computed chunk by chunk says
    ``running`` (or ``interrupted``, ``failed``) until its last file is in place.
    """
    import platform

    return {
        "kind": kind,
        "status": status,
        "posturelab_version": __version__,
        "scenario": loaded.scenario.meta.id,
        "scenario_origin": loaded.origin,
        "scenario_sha256": loaded.sha256,
        "seed": options.seed,
        "members": options.members,
        "sampler": options.sampler,
        "runner": runner,
        "chunk_size": options.chunk_size,
        "levers": dict(levers),
        "variant": variant,
        "uncertain_parameters": list(uncertain),
        "created": now_utc(),
        "timings": {"simulate_s": round(elapsed_s, 3)},
        "failures": [],
        "platform": {"python": platform.python_version(), "numpy": np.__version__},
    }


def now_utc() -> str:
    """The current time as ``YYYY-mm-ddTHH:MM:SSZ``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """Read a run directory's manifest."""
    return dict(json.loads((run_dir / MANIFEST).read_text()))


def finish_in_place(
    run_dir: Path, loaded: LoadedScenario, result: EnsembleResult, manifest: Mapping[str, Any]
) -> dict[str, Any]:
    """Write the outputs of a run computed in ``run_dir`` and mark it complete; return its summary.

    ``series.nc``, ``members.parquet`` and ``summary.json`` are each written under a temporary
    name and renamed into place, and ``manifest.json`` (with ``"status": "complete"``) is
    replaced last, so the directory says it is complete only once everything is there.
    """
    summary = summary_of(loaded, result, run_dir)
    attrs = {"scenario": loaded.scenario.meta.id, "seed": str(result.options.seed)}
    _replace_into(run_dir / SERIES, lambda path: write_series(path, result.dataset, attrs))
    _replace_into(run_dir / MEMBERS, lambda path: write_members(path, result.dataset))
    atomic_write_json(run_dir / SUMMARY, summary)
    atomic_write_json(run_dir / MANIFEST, {**manifest, "status": "complete"})
    return summary


def _replace_into(path: Path, write: Callable[[Path], None]) -> None:
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        write(temp)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise

