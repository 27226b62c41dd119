"""Calibration files: the NROY members of a history match, written once and checked on reading.

A calibration file is JSON (``format: posturelab-calibration/1``) holding the scenario's id,
origin and SHA-256, the seed, sizes and per-wave statistics, the NROY members' unit-hypercube
design rows (columns in the order of ``uncertain_parameters``) and their parameter values, each
parameter's prior against its surviving range, and the validation targets evaluated on the NROY
members. It holds no time stamps or timings, so the same scenario and seed give the same file,
byte for byte.

Any analysis given ``--calibration FILE`` uses the file's design rows as its ensemble design;
:func:`read_calibration` refuses a file made for another scenario text (a different hash) or
with other uncertain parameters, as an :class:`~posturelab.errors.InputError`.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from posturelab.engine.run import uncertain_names
from posturelab.errors import InputError
from posturelab.explore.calibration import Calibration
from posturelab.explore.targets import row_dict
from posturelab.scenario.loader import LoadedScenario

FORMAT = "posturelab-calibration/1"
METHOD = (
    "Bayesian history matching (Craig, Goldstein, Seheult & Smith 1997; Vernon, Goldstein & "
    "Bower 2010; Andrianakis et al. 2015) without an emulator: wave 1 a Latin hypercube over the "
    "prior, later waves a kernel density estimate over the previous survivors (resample-move); "
    "a member survives when its largest implausibility over the calibration targets is at most 3."
)
FloatArray = NDArray[np.float64]


def payload(cal: Calibration) -> dict[str, Any]:
    """The JSON-ready content of a calibration file."""
    return {
        "format": FORMAT,
        "method": METHOD,
        "scenario": cal.scenario,
        "scenario_origin": cal.origin,
        "scenario_sha256": cal.sha256,
        "seed": cal.seed,
        "members_per_wave": cal.members,
        "replicates": cal.replicates,
        "cutoff": cal.cutoff,
        "calibration_targets": list(cal.calibration_targets),
        "validation_targets": list(cal.validation_targets),
        "waves": [asdict(w) for w in cal.waves],
        "prior_fraction": cal.prior_fraction,
        "nroy_members": int(cal.design.shape[0]),
        "uncertain_parameters": list(cal.uncertain),
        "parameter_ranges": [asdict(r) for r in cal.ranges],
        "validation": None
        if cal.validation is None
        else [row_dict(r) for r in cal.validation.rows],
        "design": [[float(v) for v in row] for row in cal.design],
        "parameters": {k: [float(v) for v in col] for k, col in cal.parameters.items()},
    }


def check_out(path: Path) -> None:
    """Refuse an output path that exists (before any work is done)."""
    if path.exists():
        raise InputError.single(
            "<command line>", f"{path} already exists; choose another --out", path="--out"
        )


def write_calibration(path: Path, cal: Calibration) -> None:
    """Write the calibration file atomically (a temporary file renamed into place)."""
    text = json.dumps(payload(cal), separators=(",", ":"), allow_nan=False, default=_json_default)
    text += "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        temp.write_text(text)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value) if np.isfinite(value) else None
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def read_calibration(path: Path, loaded: LoadedScenario) -> dict[str, Any]:
    """Read a calibration file made for ``loaded``; return its content with ``design`` an array.

    Raises
    ------
    InputError
        When the file is missing, not a calibration file, made for another scenario text,
        made with other uncertain parameters, or holds no NROY member.
    """
    name = str(path)

    def fail(message: str, field: str = "") -> InputError:
        return InputError.single(name, message, path=field)

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise fail("no such calibration file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError.single(
            name, f"not JSON: {exc.msg}", line=exc.lineno, column=exc.colno
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise fail(f"not a calibration file (expected format {FORMAT!r})", "format")
    if data.get("scenario_sha256") != loaded.sha256:
        raise fail(
            f"made for scenario {data.get('scenario')!r} with sha256 "
            f"{str(data.get('scenario_sha256'))[:12]}..., but {loaded.origin} has sha256 "
            f"{loaded.sha256[:12]}...; a calibration holds only for the scenario text it was made "
            f"from: run posturelab calibrate again",
            "scenario_sha256",
        )
    expected = list(uncertain_names(loaded.scenario))
    if data.get("uncertain_parameters") != expected:
        raise fail("its uncertain parameters differ from the scenario's", "uncertain_parameters")
    try:
        design = np.asarray(data.get("design"), dtype=np.float64)
    except (TypeError, ValueError):
        raise fail("design must be a list of rows of numbers", "design") from None
    if design.size == 0:
        raise fail(
            "holds no NROY member: every candidate was ruled out, so there is no region to run on",
            "design",
        )
    if (
        design.ndim != 2
        or design.shape[1] != len(expected)
        or not np.all((design >= 0.0) & (design < 1.0))
    ):
        raise fail(
            f"design must be rows of {len(expected)} numbers in [0, 1), got shape {design.shape}",
            "design",
        )
    return {**data, "design": design, "path": name}


def calibrated_design(design: FloatArray, members: int | None) -> FloatArray:
    """The ensemble design from NROY rows: all of them, or ``members`` rows taken in turn.

    With more members than rows, rows repeat; a repeated row is a member with the same
    parameters and its own random event stream.
    """
    count = design.shape[0] if members is None else members
    return np.asarray(design[np.arange(count) % design.shape[0]], dtype=np.float64)


def calibration_record(data: dict[str, Any], members: int) -> dict[str, Any]:
    """What a run's manifest records about the calibration it used."""
    return {
        "file": data["path"],
        "scenario_sha256": data["scenario_sha256"],
        "seed": data["seed"],
        "nroy_members": int(np.asarray(data["design"]).shape[0]),
        "members_used": members,
        "calibration_targets": data.get("calibration_targets", []),
    }
