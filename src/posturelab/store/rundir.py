"""Run directories, written atomically (DESIGN section 7).

A run directory holds ``manifest.json`` (status, version, scenario hash, seed, members, sampler,
runner, timings, failures), ``series.nc`` (the member x month series, NetCDF-4 through h5netcdf),
``members.parquet`` (sampled parameters and per-member outcomes) and ``summary.json``. Everything
is first written into a hidden sibling directory that is renamed into place only when complete, so
an interrupted run never leaves a half-written directory under its final name. Runs computed chunk
by chunk (:mod:`posturelab.runners.durable`) live in their directory while they run, with
``"status": "running"`` in the manifest, and their outputs are streamed from their chunk files
one atomic file at a time (:mod:`posturelab.store.outputs`), the manifest last.

Every write goes through :mod:`posturelab.store.diskio`: an operating-system failure (full disk,
read-only mount, missing permission) is a :class:`~posturelab.store.diskio.StorageError` naming
the file, never a traceback or a crash.
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
import pyarrow.parquet as pq
import xarray as xr

from posturelab.engine.indicators import reported_names, scenario_indicators
from posturelab.engine.run import EnsembleResult, RunOptions
from posturelab.engine.simulate import ChunkOutput
from posturelab.engine.summary import summarise
from posturelab.errors import InputError
from posturelab.scenario.loader import LoadedScenario
from posturelab.scenario.schema import LeverValue
from posturelab.store.diskio import ensure_writable, reported
from posturelab.store.outputs import stream_outputs
from posturelab.version import package_version

MANIFEST = "manifest.json"
SERIES = "series.nc"
MEMBERS = "members.parquet"
SUMMARY = "summary.json"


def new_run_id(scenario_id: str) -> str:
    """Return a fresh run id: ``SCENARIO-YYYYmmddTHHMMSS-XXXXXX``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{scenario_id}-{stamp}-{secrets.token_hex(3)}"


def check_target(target: Path) -> None:
    """Refuse a target that exists and is not an empty directory, or cannot be created.

    Raises
    ------
    InputError
        When ``target`` exists and is a file or a non-empty directory.
    StorageError
        When nothing can be created there (read-only mount, permissions, ``/proc``).
    """
    with reported(target):
        exists = target.exists()
        busy = exists and (not target.is_dir() or any(target.iterdir()))
    if busy:
        raise InputError.single(
            "<command line>",
            f"{target} already exists and is not empty; choose another --out",
            path="--out",
        )
    ensure_writable(target)


@contextmanager
def staging(target: Path) -> Iterator[Path]:
    """Yield a hidden staging directory that becomes ``target`` when the block succeeds.

    On any exception the staging directory is removed and ``target`` is left untouched.
    """
    check_target(target)
    stage = target.parent / f".{target.name}.partial-{secrets.token_hex(4)}"
    with reported(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        stage.mkdir()
    try:
        yield stage
        with reported(target):
            if target.exists():
                target.rmdir()  # an empty directory the user created for us
            os.replace(stage, target)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def write_json(path: Path, payload: Mapping[str, Any]) -> None:
    """Write ``payload`` as indented JSON (no NaN: missing values are null)."""
    with reported(path):
        text = json.dumps(payload, indent=2, allow_nan=False, default=_json_default)
        path.write_text(text + "\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if not np.isfinite(value) else float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dataset_chunk(dataset: xr.Dataset, uncertain: tuple[str, ...]) -> ChunkOutput:
    """An assembled ensemble seen as one chunk (to write it with :func:`stream_outputs`)."""
    series: dict[str, np.ndarray] = {}
    scalars: dict[str, np.ndarray] = {}
    for name, var in dataset.data_vars.items():
        key = str(name)
        if var.dims == ("member", "month"):
            series[key] = np.asarray(var.values)
        elif var.dims == ("member",) and not key.startswith("param:"):
            scalars[key] = np.asarray(var.values)
    params = {name: np.asarray(dataset[f"param:{name}"].values) for name in uncertain}
    members = np.asarray(dataset["member"].values, dtype=np.int64)
    return ChunkOutput(members, params, series, scalars)


def write_outputs(
    folder: Path,
    *,
    total: int,
    months: list[str],
    uncertain: tuple[str, ...],
    attrs: Mapping[str, str],
    count: int,
    read: Callable[[int], ChunkOutput],
) -> None:
    """Write ``series.nc`` and ``members.parquet`` into ``folder`` from ``count`` chunks.

    See :func:`posturelab.store.outputs.stream_outputs`; a full disk is a
    :class:`~posturelab.store.diskio.StorageError`.
    """
    stream_outputs(
        folder,
        total=total,
        months=months,
        uncertain=uncertain,
        attrs=attrs,
        count=count,
        read=read,
        series_name=SERIES,
        members_name=MEMBERS,
    )


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
    """The ``summary.json`` payload of a run held in memory.

    Each indicator maps to ``{"mean", "p05", "p50", "p95"}``; ``kinds`` gives each indicator's
    kind (see :mod:`posturelab.engine.summary` for what the statistics mean per kind).
    """
    names = reported_indicators(loaded, result)
    specs = scenario_indicators(loaded.scenario)
    indicators = summarise(result.dataset, names, specs)
    return _summary_payload(loaded, result.options, result.levers, indicators, specs, run_dir)


def summary_from_files(
    loaded: LoadedScenario,
    options: RunOptions,
    levers: Mapping[str, LeverValue],
    run_dir: Path,
) -> dict[str, Any]:
    """The ``summary.json`` payload of a run from its ``series.nc`` and ``members.parquet``.

    Each indicator is read and summarised on its own (a series only at its last month, the one
    its summary uses), so memory holds one column at a time; the numbers are those
    :func:`summary_of` gives for the same ensemble in memory, bit for bit.
    """
    import xarray as xr

    with (
        reported(run_dir / SERIES),
        # cache=False: a variable read is not kept in the dataset, so memory holds one at a time
        xr.open_dataset(run_dir / SERIES, engine="h5netcdf", cache=False) as nc,
    ):
        parquet = pq.ParquetFile(run_dir / MEMBERS)
        columns = set(parquet.schema_arrow.names) - {"member"}
        available = set(map(str, nc.data_vars)) | columns
        declared = [o.id for o in loaded.scenario.outcomes]
        specs = scenario_indicators(loaded.scenario)
        names = declared or sorted(reported_names(specs))
        names = [n for n in names if n in available]
        indicators: dict[str, dict[str, float | None]] = {}
        for name in names:
            if name in nc.data_vars:
                var = nc[name]
                if var.ndim == 2 and specs[name].kind != "probability":
                    var = var[:, -1:]  # a series is summarised at its last month only
                one = xr.Dataset({name: (var.dims, np.asarray(var.values))})
            else:
                values = parquet.read(columns=[name]).column(0).to_numpy()
                one = xr.Dataset({name: (("member",), np.asarray(values, dtype=np.float64))})
            indicators.update(summarise(one, [name], specs))
    return _summary_payload(loaded, options, dict(levers), indicators, specs, run_dir)


def _summary_payload(
    loaded: LoadedScenario,
    options: RunOptions,
    levers: Mapping[str, LeverValue],
    indicators: dict[str, dict[str, float | None]],
    specs: Mapping[str, Any],
    run_dir: Path,
) -> dict[str, Any]:
    s = loaded.scenario
    return {
        "scenario": s.meta.id,
        "members": options.members,
        "seed": options.seed,
        "sampler": options.sampler,
        "start": s.meta.start,
        "end": s.meta.end,
        "levers": dict(levers),
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
        "posturelab_version": package_version(),
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
    """Read a run directory's manifest.

    Raises
    ------
    InputError
        When the file cannot be read, is not JSON (truncated, for example) or is not an object;
        the message names the file and, for bad JSON, the line and column.
    """
    path = run_dir / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError.single(str(path), f"cannot read the manifest: {error.strerror}") from None
    except UnicodeDecodeError:
        raise InputError.single(str(path), "the manifest is not UTF-8 text") from None
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError.single(
            str(path),
            f"the manifest is not valid JSON ({error.msg}); it may be truncated",
            line=error.lineno,
            column=error.colno,
        ) from None
    if not isinstance(payload, dict):
        raise InputError.single(str(path), "the manifest is not a JSON object")
    return dict(payload)
