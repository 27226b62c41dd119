"""Calibration files known to the server: kept in the runs directory, named by id, never by path.

A calibration file (``posturelab calibrate``, :mod:`posturelab.explore.calibration_file`) reaches
the API in one of three ways: the server's operator names it with ``posturelab serve
--calibration FILE`` or copies it into ``RUNS_DIR/calibrations/``, or a client uploads its content
(``POST /api/calibrations``). Named and uploaded files are checked and stored there as ``ID.json``
with ``ID`` the first 16 hexadecimal digits of the SHA-256 of the stored text. A
client names a calibration by its id only: ids are checked against :data:`ID_PATTERN` and looked
up among the files the folder lists, so no request can make the server read another file.

Every answer about a calibration carries the SHA-256 of its file, so a result says exactly which
calibration it ran on. Problems name the file as ``calibrations/ID.json``, never by a server path.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from posturelab.errors import InputError, Problem
from posturelab.explore.calibration_file import FORMAT, read_calibration
from posturelab.scenario.loader import LoadedScenario
from posturelab.store import diskio

FOLDER = "calibrations"
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
"""What a calibration id may look like: a file stem, with no separator and no leading dot."""
REQUEST = "<request>"


@dataclass(frozen=True)
class StoredCalibration:
    """A calibration file of the server: its id, public name, hash and what it was made for."""

    id: str
    path: Path
    sha256: str
    scenario: str
    scenario_sha256: str
    seed: int
    nroy_members: int
    calibration_targets: tuple[str, ...]

    @property
    def public_name(self) -> str:
        """The file as answers name it: relative to the runs directory."""
        return f"{FOLDER}/{self.id}.json"

    def to_json(self) -> dict[str, Any]:
        """The listing entry: id, file, sha256 and the scenario, seed and size it holds."""
        return {
            "id": self.id,
            "file": self.public_name,
            "sha256": self.sha256,
            "scenario": self.scenario,
            "scenario_sha256": self.scenario_sha256,
            "seed": self.seed,
            "nroy_members": self.nroy_members,
            "calibration_targets": list(self.calibration_targets),
        }


def _request_error(message: str, path: str = "calibration") -> InputError:
    return InputError([Problem(REQUEST, None, None, path, message)])


def check_content(data: object, name: str) -> dict[str, Any]:
    """Check the form of a calibration file's content (not yet the scenario it is used with).

    Raises
    ------
    InputError
        Located at ``name`` and the field at fault.
    """

    def fail(message: str, field: str) -> InputError:
        return InputError([Problem(name, None, None, field, message)])

    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise fail(f"not a calibration file (expected format {FORMAT!r})", "format")
    digest = data.get("scenario_sha256")
    if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise fail("must be the scenario text's SHA-256 (64 hexadecimal digits)", "scenario_sha256")
    names = data.get("uncertain_parameters")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise fail("must be a list of parameter names", "uncertain_parameters")
    if not isinstance(data.get("seed"), int) or isinstance(data.get("seed"), bool):
        raise fail("must be an integer", "seed")
    try:
        design = np.asarray(data.get("design"), dtype=np.float64)
    except (TypeError, ValueError):
        raise fail("must be a list of rows of numbers", "design") from None
    if design.ndim != 2 or design.shape[0] == 0 or design.shape[1] != len(names):
        raise fail(
            f"must hold at least one row of {len(names)} numbers, got shape {design.shape}",
            "design",
        )
    if not np.all((design >= 0.0) & (design < 1.0)):
        raise fail("every number must lie in [0, 1)", "design")
    return data


def _entry(ident: str, path: Path) -> StoredCalibration | None:
    try:
        raw = path.read_bytes()
        data = check_content(json.loads(raw), f"{FOLDER}/{ident}.json")
    except (OSError, ValueError, InputError):
        return None
    return StoredCalibration(
        ident,
        path,
        hashlib.sha256(raw).hexdigest(),
        str(data.get("scenario", "")),
        str(data["scenario_sha256"]),
        int(data["seed"]),
        len(data["design"]),
        tuple(str(t) for t in data.get("calibration_targets") or []),
    )


class CalibrationStore:
    """The calibration files in ``runs_dir/calibrations``.

    Parameters
    ----------
    runs_dir
        The server's runs directory.
    """

    def __init__(self, runs_dir: Path) -> None:
        self.folder = Path(runs_dir).resolve() / FOLDER
        # Entries by file, valid while its size and modification time stay the same.
        self._seen: dict[Path, tuple[tuple[int, int], StoredCalibration | None]] = {}

    def _entry(self, ident: str, path: Path) -> StoredCalibration | None:
        try:
            stat = path.stat()
        except OSError:
            return None
        key = (stat.st_size, stat.st_mtime_ns)
        seen = self._seen.get(path)
        if seen is None or seen[0] != key:
            seen = (key, _entry(ident, path))
            self._seen[path] = seen
        return seen[1]

    def _files(self) -> dict[str, Path]:
        if not self.folder.is_dir():
            return {}
        return {
            p.stem: p
            for p in sorted(self.folder.glob("*.json"))
            if p.is_file() and ID_PATTERN.match(p.stem)
        }

    def list(self) -> list[StoredCalibration]:
        """Every readable calibration file, by id (files that are not calibrations are left out)."""
        found = (self._entry(ident, path) for ident, path in self._files().items())
        return [entry for entry in found if entry is not None]

    def get(self, ident: str, field: str = "calibration") -> StoredCalibration:
        """The calibration with this id.

        Raises
        ------
        LookupError
            When no calibration file has this id (the message names the id only).
        InputError
            When the id is not a valid id.
        """
        if not ID_PATTERN.match(ident):
            raise _request_error(
                f"{ident[:100]!r} is not a calibration id (letters, digits, '_', '.', '-')", field
            )
        path = self._files().get(ident)
        entry = None if path is None else self._entry(ident, path)
        if entry is None:
            raise LookupError(f"no calibration {ident!r} on this server (see /api/calibrations)")
        return entry

    def add(self, data: object) -> tuple[StoredCalibration, bool]:
        """Check uploaded content and store it; return its entry and whether it was new.

        The stored text is the content written as ``posturelab calibrate`` writes it, so the same
        content always gets the same id.
        """
        checked = check_content(data, REQUEST)
        text = json.dumps(checked, separators=(",", ":"), allow_nan=False) + "\n"
        ident = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        path = self.folder / f"{ident}.json"
        new = not path.exists()
        if new:
            self.folder.mkdir(parents=True, exist_ok=True)
            with diskio.reported(path):
                path.write_text(text, encoding="utf-8")
        entry = self._entry(ident, path)
        assert entry is not None  # just checked and written
        return entry, new

    def add_file(self, path: Path) -> tuple[StoredCalibration, bool]:
        """Check a calibration file named on the command line and store it (as :meth:`add`).

        Raises
        ------
        InputError
            Located at the file: missing, unreadable, not JSON, or not a calibration file.
        """
        name = str(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError.single(name, "no such calibration file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError.single(name, f"cannot read: {exc}") from None
        except json.JSONDecodeError as exc:
            raise InputError.single(
                name, f"not JSON: {exc.msg}", line=exc.lineno, column=exc.colno
            ) from None
        return self.add(check_content(data, name))

    def for_scenario(self, ident: str, loaded: LoadedScenario, field: str) -> StoredCalibration:
        """The calibration with this id, checked against the scenario it is to be used with.

        Raises
        ------
        LookupError
            When there is no such calibration.
        InputError
            When it was made for another scenario text or other uncertain parameters; the
            problem names the file as ``calibrations/ID.json``.
        """
        entry = self.get(ident, field)
        try:
            read_calibration(entry.path, loaded)
        except InputError as error:
            raise InputError(
                [
                    Problem(entry.public_name, p.line, p.column, p.path, p.message)
                    for p in error.problems
                ]
            ) from None
        return entry
